"""Project settings: the ``[tool.deckgen]`` table of pyproject.toml, validated once.

Everything is optional; what the newsletter needs to be sendable (sender, postal address,
unsubscribe links) gets sensible placeholders for the sample ``.eml`` and a warning in the
report when missing. Unknown keys are errors with their line and a "did you mean".
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from .errors import Collector, Diagnostic, InputError, did_you_mean

EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


@dataclass(frozen=True)
class Settings:
    base_url: str = ""  # where the "view in browser" pages and pictures are published
    sender_name: str = ""
    sender_address: str = ""
    reply_to: str = ""
    postal_address: str = ""
    unsubscribe_url: str = ""  # https://... ; per-recipient signed links come with sending
    unsubscribe_mailto: str = ""  # mailto:...
    message_id_domain: str = ""
    sample_recipient: str = "lecteur@example.com"  # the To: of the sample .eml
    # deckgen send (the password is never a setting: DECKGEN_SMTP_PASSWORD only)
    smtp: str = ""  # HOST:PORT of the relay
    smtp_user: str = ""
    smtp_security: str = ""  # starttls (default), tls or none (loopback only)
    suppression_list: str = ""  # default: suppressions.csv at the project root
    lang: str = ""  # the content files' language when their front matter gives none
    # The envelope sender (Return-Path) of every message: where relays send bounces and
    # complaints, the mailbox deckgen bounces reads. Default: sender_address.
    bounce_address: str = ""
    # deckgen bounces (the password is never a setting: DECKGEN_IMAP_PASSWORD only)
    imap: str = ""  # HOST[:PORT] of the bounce mailbox
    imap_user: str = ""
    imap_folder: str = ""  # default INBOX
    imap_security: str = ""  # tls (default, port 993) or starttls (143)
    bounce_maildir: str = ""  # or a Maildir, or an mbox file, read instead of IMAP
    bounce_mbox: str = ""


def load_settings(root: Path) -> tuple[Settings, list[Diagnostic]]:
    """Settings from ``root/pyproject.toml`` (defaults when absent)."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return Settings(), []
    report = Collector(path)
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text).get("tool", {}).get("deckgen", {})
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise InputError(
            f"not valid TOML: {exc}", path, int(match.group(1)) if match else None
        ) from None
    known = [f.name for f in fields(Settings)]
    lines = text.split("\n")

    def line_of(key: str) -> int | None:
        in_table = False
        for k, raw in enumerate(lines, start=1):
            stripped = raw.strip()
            if stripped.startswith("["):
                in_table = stripped.startswith("[tool.deckgen]")
            elif in_table and re.match(rf"^{re.escape(key)}\s*=", stripped):
                return k
        return None

    values: dict[str, str] = {}
    for key, value in data.items():
        if key not in known:
            report.error(
                f"unknown key '{key}' in [tool.deckgen]{did_you_mean(key, known)}; "
                f"known keys: {', '.join(known)}",
                line_of(key),
            )
            continue
        if not isinstance(value, str):
            report.error(f"[tool.deckgen] {key} must be text", line_of(key))
            continue
        if "\r" in value or "\n" in value:
            report.error(f"[tool.deckgen] {key} must be on one line", line_of(key))
            continue
        if (
            key in ("sender_address", "reply_to", "sample_recipient", "bounce_address")
            and value
            and not EMAIL.match(value)
        ):
            report.error(f"[tool.deckgen] {key} '{value}' is not an email address", line_of(key))
            continue
        if (
            key in ("base_url", "unsubscribe_url")
            and value
            and not value.startswith(("https://", "http://"))
        ):
            report.error(f"[tool.deckgen] {key} must start with https://", line_of(key))
            continue
        if key == "imap_security" and value not in ("", "tls", "starttls"):
            report.error(
                f"[tool.deckgen] imap_security '{value}'{did_you_mean(value, ['tls', 'starttls'])}: "
                "use tls or starttls",
                line_of(key),
            )
            continue
        if key == "smtp_security" and value not in ("", "starttls", "tls", "none"):
            report.error(
                f"[tool.deckgen] smtp_security '{value}'{did_you_mean(value, ['starttls', 'tls', 'none'])}: "
                "use starttls, tls or none",
                line_of(key),
            )
            continue
        if key == "unsubscribe_mailto" and value and not value.startswith("mailto:"):
            report.error("[tool.deckgen] unsubscribe_mailto must start with mailto:", line_of(key))
            continue
        values[key] = value
    report.raise_if_errors()
    return Settings(**values), report.warnings
