"""Who receives a campaign: the subscribers CSV, checked, de-duplicated, minus the suppression list.

The list is a CSV with a header row: ``email`` (required), ``first_name``, ``last_name``,
optional ``lang`` and any other column, each usable as a merge field (``{{ company }}``).
Commas or semicolons (a French spreadsheet's export) are both accepted, UTF-8 with or
without a BOM.

Addresses are checked with email-validator, syntax only (no DNS: a list is checked offline
and fast). A bad row is reported with its line and skipped; the others still go. Two rows
for the same address (case-insensitive, the domain in its IDNA form: ``Bücher.example`` and
``xn--bcher-kva.example`` are one) are kept once, the first one.

The suppression list (``suppressions.csv`` at the project root by default: ``email``,
``reason``, ``date``) holds who unsubscribed or bounced; nobody on it is ever sent to.
Unsubscribe links are signed (HMAC-SHA256) so that nobody can unsubscribe someone else.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from ..errors import Diagnostic, InputError, did_you_mean

STANDARD = ("email", "first_name", "last_name", "lang")
RESERVED = ("unsubscribe_url",)  # filled in by deckgen for each recipient
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # CR, LF and the other controls (not tab)
UNQUOTED_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)")  # not a line end


@dataclass(frozen=True, slots=True)
class Subscriber:
    address: str  # as sent: ASCII, the domain in IDNA form
    line: int  # where the row starts in the CSV
    fields: Mapping[str, str]  # every column but email, stripped (merge fields)
    raw: str = ""  # the address as written in the list

    @property
    def key(self) -> str:
        """Identity for de-duplication, the suppression list and the journal."""
        return self.address.lower()


@dataclass
class SubscriberList:
    path: Path
    columns: tuple[str, ...]
    subscribers: list[Subscriber] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)  # rows skipped
    warnings: list[Diagnostic] = field(default_factory=list)  # duplicates
    suppressed: int = 0


class AddressError(ValueError):
    """Not a usable email address; the message says why (from email-validator)."""


def normalize_address(text: str) -> str:
    """The address as deckgen sends it: syntax checked, domain lowercased in IDNA form.

    Internationalized local parts (before the @) are refused: they need SMTPUTF8, which
    many relays do not offer, and a refusal at the server would come too late."""
    from email_validator import EmailNotValidError, validate_email

    text = text.strip()
    if not text:
        raise AddressError("the address is empty")
    try:
        valid = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise AddressError(str(exc)) from None
    return f"{valid.local_part}@{valid.ascii_domain}"


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"not UTF-8 (byte 0x{data[exc.start]:02x}); re-save the list as UTF-8 "
            "(in a spreadsheet: CSV UTF-8; or iconv -f latin1 -t utf-8)",
            path,
            line,
        ) from None


def _dialect(first_line: str) -> str:
    return ";" if first_line.count(";") > first_line.count(",") else ","


def read_subscribers(
    path: Path,
    suppressed: Iterable[str] = (),
    known: Mapping[str, str] | None = None,
) -> SubscriberList:
    """Read and check a subscribers CSV.

    `suppressed` holds suppression keys (lowercased addresses). `known` maps an address
    exactly as written in the CSV to its normalized form, for rows already checked in an
    earlier run (the journal keeps them): resuming a 10,000-row campaign then checks only
    the new rows (email-validator costs about 0.2 ms per address).

    A header problem (no email column, a column name unusable as a merge field) or a CSV
    that cannot be parsed raises `InputError`; a bad row is an error in the result, skipped.
    """
    known = known or {}
    suppressed = set(suppressed)
    text = _decode(path)
    if not text.strip():
        raise InputError(
            "the list is empty: write a header row (email,first_name,last_name) and one "
            "row per subscriber",
            path,
            1,
        )
    delimiter = _dialect(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise InputError(f"not a valid CSV header row: {exc}", path, 1) from None
    columns = tuple(name.strip().lower() for name in header)
    _check_header(path, columns)
    result = SubscriberList(path, columns)
    email_at = columns.index("email")
    # A line break inside a value needs quotes; without quotes nor other control characters
    # anywhere, no value can hold one, and the per-value check is skipped (a third of the
    # time of a 10,000-row list).
    clean = '"' not in text and not UNQUOTED_CONTROL.search(text)
    first_line: dict[str, int] = {}
    previous_end = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # A broken quote swallows the rest of the file: nothing after it can be trusted.
            raise InputError(
                f"the CSV cannot be read from here on ({exc}): check the quotes on this line "
                '(a value with a comma or a quote must be quoted, a quote inside doubled: "")',
                path,
                previous_end + 1,
            ) from None
        line, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(columns):
            result.errors.append(
                Diagnostic(
                    path,
                    line,
                    f"{len(row)} values for {len(columns)} columns "
                    f"({', '.join(columns)}); quote a value that contains "
                    f"'{delimiter}', and give every row the header's columns: row skipped",
                )
            )
            continue
        raw = row[email_at].strip()
        bad = None
        if not clean:
            bad = next(
                (name for name, cell in zip(columns, row, strict=True) if CONTROL.search(cell)),
                None,
            )
        if bad is not None:
            result.errors.append(
                Diagnostic(
                    path,
                    line,
                    f"the {bad} value contains a line break or a control character; it "
                    "could forge mail headers: remove it (row skipped)",
                )
            )
            continue
        address = known.get(raw)
        if address is None:
            try:
                address = normalize_address(raw)
            except AddressError as exc:
                shown = f"'{raw}'" if raw else "an empty address"
                result.errors.append(
                    Diagnostic(
                        path, line, f"{shown} is not a valid email address: {exc} (row skipped)"
                    )
                )
                continue
        key = address.lower()
        if key in first_line:
            result.warnings.append(
                Diagnostic(
                    path,
                    line,
                    f"{address} is already on line {first_line[key]}: sent once, to the "
                    "first row's fields",
                    "warning",
                )
            )
            continue
        first_line[key] = line
        if key in suppressed:
            result.suppressed += 1
            continue
        fields = {
            name: cell.strip() for name, cell in zip(columns, row, strict=True) if name != "email"
        }
        result.subscribers.append(Subscriber(address, line, fields, raw))
    return result


def _check_header(path: Path, columns: tuple[str, ...]) -> None:
    problems = []
    if "email" not in columns:
        problems.append(
            "no 'email' column"
            + did_you_mean(next(iter(columns), ""), ["email"])
            + f"; the header row has: {', '.join(columns)}. The first row must name the "
            "columns: email,first_name,last_name"
        )
    seen = set()
    for name in columns:
        if name in seen:
            problems.append(f"the column '{name}' appears twice: rename one")
        seen.add(name)
        if name in RESERVED:
            problems.append(
                f"'{name}' is filled in by deckgen for each recipient: rename the column"
            )
        elif not FIELD_NAME.fullmatch(name):
            problems.append(
                f"the column '{name}' cannot be a merge field name: use lowercase letters, "
                "digits and _ (e.g. first_name, company)"
            )
    if problems:
        raise InputError.many(Diagnostic(path, 1, p) for p in problems)


# ---------------------------------------------------------------------------- suppressions

SUPPRESSION_COLUMNS = ("email", "reason", "date")


def read_suppressions(path: Path) -> tuple[set[str], list[Diagnostic]]:
    """Suppression keys from the suppression list (absent file: nobody suppressed)."""
    if not path.is_file():
        return set(), []
    warnings = []
    keys = set()
    reader = csv.reader(io.StringIO(_decode(path), newline=""))
    next(reader, None)  # header
    for row in reader:
        if not row or not row[0].strip():
            continue
        try:
            keys.add(normalize_address(row[0]).lower())
        except AddressError as exc:
            warnings.append(
                Diagnostic(path, reader.line_num, f"'{row[0]}' ignored: {exc}", "warning")
            )
    return keys, warnings


def add_suppressions(path: Path, addresses: Iterable[str], reason: str) -> tuple[int, int]:
    """Add addresses to the suppression list (atomically). Returns (added, already there).

    Raises `InputError` naming every address that is not valid; nothing is added then."""
    from ..output import write_bytes_atomic

    normalized, problems = [], []
    for text in addresses:
        try:
            normalized.append(normalize_address(text))
        except AddressError as exc:
            problems.append(Diagnostic(None, None, f"'{text}' is not a valid email address: {exc}"))
    if problems:
        raise InputError.many(problems)
    existing = _decode(path) if path.is_file() else ""
    present, _ = read_suppressions(path)
    out = io.StringIO(newline="")
    if not existing.strip():
        out.write(",".join(SUPPRESSION_COLUMNS) + "\r\n")
    else:
        out.write(existing if existing.endswith("\n") else existing + "\r\n")
    writer = csv.writer(out)
    date = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    added = 0
    for address in dict.fromkeys(normalized):
        if address.lower() in present:
            continue
        present.add(address.lower())
        writer.writerow([address, reason, date])
        added += 1
    if added:
        write_bytes_atomic(path, out.getvalue().encode("utf-8"))
    return added, len(normalized) - added


# ---------------------------------------------------------------------------- unsubscribe links


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unsubscribe_token(secret: bytes, address: str) -> str:
    """``<address, base64url>.<HMAC-SHA256, 128 bits, base64url>``: proves the link was made
    by whoever holds the secret, for this address, so a link cannot be forged for another."""
    key = address.lower().encode("utf-8")
    mac = hmac.new(secret, b"unsubscribe\0" + key, hashlib.sha256).digest()[:16]
    return f"{_b64(key)}.{_b64(mac)}"


def verify_unsubscribe_token(secret: bytes, token: str) -> str | None:
    """The address a token was made for, or None when it was not made with this secret
    (for the web page that receives the one-click unsubscription)."""
    encoded, _, _ = token.partition(".")
    try:
        address = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    return address if hmac.compare_digest(unsubscribe_token(secret, address), token) else None


def unsubscribe_link(base_url: str, secret: bytes, address: str) -> str:
    """The recipient's own unsubscribe URL: the configured page plus ``t=<token>``."""
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}{urlencode({'t': unsubscribe_token(secret, address)})}"
