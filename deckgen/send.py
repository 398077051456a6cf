"""deckgen send: one newsletter, one personalized message per subscriber, each delivered once.

The flow: the content file is read and rendered once in its theme (`Personalizer`: the
templates run and the CSS is inlined once, with a token per merge field), the message is
built once (`MessageCopies`); the subscribers CSV is checked and joined with the journal;
then, for each recipient still to send, a copy is filled in and handed to the SMTP server on
one reused connection, the journal recording each step (see `deckgen.mail.journal` for the
states and the at-most-once rule).

This module and `deckgen.mail.smtp` are the only ones that touch the network; the renderers
never read files. Merge fields: ``{{ first_name }}`` (any column of the list, ``email``,
``unsubscribe_url``) in the subject or the text of the content, and ``{{ recipient.x }}`` in
a theme's email templates. Values are put in as text (escaped in HTML), never evaluated.
"""

from __future__ import annotations

import heapq
import os
import re
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from .build import BuildResult, ThemeCache, load_document
from .config import Settings
from .errors import DeckgenError, Diagnostic, InputError, UsageError, display_path
from .mail.copies import MessageCopies
from .mail.journal import Journal
from .mail.message import Envelope, HeaderInjection
from .mail.smtp import Connection, ConnectionLost, Server, Throttle, backoff, is_hard_bounce
from .mail.subscribers import Subscriber, SubscriberList, add_suppressions, unsubscribe_link
from .model import Asset, Document

SECRET_ENV = "DECKGEN_UNSUBSCRIBE_SECRET"
PASSWORD_ENV = "DECKGEN_SMTP_PASSWORD"
DEFAULT_JOURNAL = Path("build") / ".deckgen" / "send.sqlite"
MERGE = re.compile(r"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}")
TOKEN = re.compile(r"DGFIELD([a-z0-9_]+)DGEND")
BUILT_IN_FIELDS = ("email", "unsubscribe_url")


class SendError(DeckgenError):
    """The run stopped (server unreachable, refused us): exit 1; the journal says where."""


# ---------------------------------------------------------------------------- the message


class _Filled:
    """A text cut at its merge fields: literal, field, literal, field, ..."""

    def __init__(self, text: str, html: bool):
        self.parts = TOKEN.split(text)
        self.html = html

    @property
    def fields(self) -> set[str]:
        return set(self.parts[1::2])

    def fill(self, values: Mapping[str, str]) -> str:
        parts = self.parts[:]
        for k in range(1, len(parts), 2):
            value = values.get(parts[k], "")
            parts[k] = escape(value, {'"': "&quot;"}) if self.html else value
        return "".join(parts)


@dataclass
class Campaign:
    """Everything needed to make any recipient's message; built once per run."""

    id: str
    doc: Document
    theme: str
    settings: Settings
    copies: MessageCopies
    html: _Filled
    text: _Filled
    subject: _Filled
    secret: bytes
    author_fields: set[str] = field(default_factory=set)  # {{ x }} in the subject or text
    warnings: list[Diagnostic] = field(default_factory=list)

    @property
    def fields(self) -> set[str]:
        return self.html.fields | self.text.fields | self.subject.fields

    def values(self, subscriber: Subscriber, to: str | None = None) -> dict[str, str]:
        to = to or subscriber.address
        values = {**subscriber.fields, "email": to}
        if self.settings.unsubscribe_url:
            values["unsubscribe_url"] = unsubscribe_link(
                self.settings.unsubscribe_url, self.secret, to
            )
        return values

    def render(
        self, subscriber: Subscriber, to: str | None = None, subject_prefix: str = ""
    ) -> tuple[bytes, str]:
        """(message bytes, Message-ID) for one subscriber (raises HeaderInjection)."""
        values = self.values(subscriber, to)
        name = f"{values.get('first_name', '')} {values.get('last_name', '')}".strip()
        return self.copies.copy(
            name,
            to or subscriber.address,
            subject_prefix + self.subject.fill(values),
            self.text.fill(values),
            self.html.fill(values),
            values.get("unsubscribe_url", ""),
        )


def campaign_id(content: Path, theme: str, list_path: Path) -> str:
    """Readable and stable across runs: ``<content>.<theme>.<list>`` (file stems)."""
    return f"{content.stem}.{theme}.{list_path.stem}"


def prepare_campaign(
    content: Path,
    theme_name: str | None,
    root: Path,
    settings: Settings,
    list_path: Path,
    name: str | None = None,
) -> Campaign:
    """Read and render the newsletter once, with a token for every merge field."""
    from .newsletter import Personalizer, field_token, identity

    result = BuildResult()
    doc = load_document(content, root, result)
    if doc is None:
        raise InputError.many(result.errors)
    theme_name = theme_name or doc.meta.theme
    cache = ThemeCache(root, result)
    theme = cache.get(theme_name, doc)
    if theme is None:
        raise InputError.many(result.errors)
    env = cache.email_environment(theme_name)
    settings, sender, view = identity(doc, theme, settings)
    if not settings.sender_address:
        raise InputError(
            "no sender address: set sender_address in [tool.deckgen] (or [email] in the "
            "theme); the relay must accept it",
            root / "pyproject.toml",
        )
    secret = os.environ.get(SECRET_ENV, "").encode("utf-8")
    if settings.unsubscribe_url and len(secret) < 16:
        raise InputError(
            f"the unsubscribe links are signed with a secret: set {SECRET_ENV} to a long "
            "random string (python -c 'import secrets; print(secrets.token_urlsafe(32))') "
            "and keep it: the unsubscribe page checks the links with it"
            + (" (it is shorter than 16 characters)" if secret else ""),
            root / "pyproject.toml",
        )
    used: dict[str, Asset] = {}

    def image_src(asset: Asset) -> str:
        used[asset.key] = asset  # the pictures the message embeds, as CID parts
        return f"cid:{asset.key}"

    personalizer = Personalizer(doc, theme, env, image_src, sender, view)
    html, text = personalizer.render({f: field_token(f) for f in personalizer.fields})
    subject = doc.meta.subject or doc.meta.title

    def tokenize(value: str) -> str:  # the author's {{ first_name }} -> its token
        return MERGE.sub(lambda m: field_token(m.group(1).lower()), value)

    envelope = Envelope(
        sender_name=sender.name,
        sender_address=settings.sender_address,
        to="",
        subject="",
        reply_to=settings.reply_to,
        unsubscribe_url="https://unsubscribe.invalid/" if settings.unsubscribe_url else "",
        unsubscribe_mailto=settings.unsubscribe_mailto,
        message_id_domain=settings.message_id_domain,
    )
    return Campaign(
        id=name or campaign_id(content, theme_name, list_path),
        doc=doc,
        theme=theme_name,
        settings=settings,
        copies=MessageCopies(envelope, used),
        html=_Filled(tokenize(html), html=True),
        text=_Filled(tokenize(text), html=False),
        subject=_Filled(tokenize(subject), html=False),
        secret=secret,
        author_fields={m.group(1).lower() for m in MERGE.finditer(subject + "\n" + text)},
        warnings=result.warnings,
    )


def check_fields(campaign: Campaign, columns: tuple[str, ...]) -> None:
    """Every {{ field }} the author wrote must be a column of the list: an error with its
    path:line. A field only the theme's templates use is a warning (left empty)."""
    available = set(columns) - {"email"} | set(BUILT_IN_FIELDS)
    doc = campaign.doc
    source = doc.path.read_text(encoding="utf-8").split("\n")
    problems = []
    for name in sorted(campaign.author_fields - available):
        line = next(
            (
                k
                for k, raw in enumerate(source, start=1)
                if re.search(r"\{\{\s*" + re.escape(name) + r"\s*\}\}", raw, re.I)
            ),
            None,
        )
        problems.append(
            Diagnostic(
                doc.path,
                line,
                f"merge field '{{{{ {name} }}}}' is not a column of the list"
                f"{_did_you_mean(name, available)}; the list has: "
                f"{', '.join(sorted(available))}",
            )
        )
    if problems:
        raise InputError.many(problems)
    missing = campaign.fields - available - campaign.author_fields
    if missing:
        campaign.warnings.append(
            Diagnostic(
                None,
                None,
                f"the theme's email templates use {', '.join(sorted(missing))}, not a column "
                "of the list: left empty",
                "warning",
            )
        )


def _did_you_mean(name: str, choices: set[str]) -> str:
    from .errors import did_you_mean

    return did_you_mean(name, choices)


def deliverable(campaign: Campaign, listing: SubscriberList) -> tuple[list[Subscriber], int]:
    """The subscribers this content goes to, and how many have another `lang`: a list may
    hold several languages, each gets the content written in its language."""
    lang = campaign.doc.meta.lang.split("-")[0].lower()
    keep = [
        s
        for s in listing.subscribers
        if not s.fields.get("lang") or s.fields["lang"].split("-")[0].lower() == lang
    ]
    return keep, len(listing.subscribers) - len(keep)


# ---------------------------------------------------------------------------- dry run and test


def dry_run(campaign: Campaign, subscribers: list[Subscriber], out_dir: Path) -> int:
    """Write each recipient's message as <address>.eml, atomically; send nothing."""
    from .output import write_bytes_atomic

    count = 0
    for subscriber in subscribers:
        try:
            data, _ = campaign.render(subscriber)
        except HeaderInjection:
            continue  # reported by the caller's list check already
        safe = re.sub(r"[^A-Za-z0-9@._+-]", "_", subscriber.key)
        write_bytes_atomic(out_dir / f"{safe}.eml", data)
        count += 1
    return count


def send_test(campaign: Campaign, subscriber: Subscriber, address: str, server: Server) -> str:
    """One copy, "[TEST]" in front of the subject, to `address`; the journal is untouched."""
    data, _ = campaign.render(subscriber, to=address, subject_prefix="[TEST] ")
    connection = Connection(server)
    try:
        connection.open()
    except ConnectionLost as exc:
        raise SendError(f"{exc}; check --smtp (nothing was sent)") from None
    try:
        outcome = connection.deliver(campaign.settings.sender_address, address, data, lambda: None)
    finally:
        connection.close()
    if outcome.state != "sent":
        raise SendError(f"the test message to {address} was not taken: {outcome.reply}")
    return outcome.reply


# ---------------------------------------------------------------------------- delivery


@dataclass
class Policy:
    rate: float | None = None  # messages per second
    per_hour: int | None = None
    retry_base: float = 5.0  # seconds; doubled at each attempt
    max_attempts: int = 5  # per recipient and run; also consecutive connection failures


@dataclass
class RunReport:
    counts: Counter[str] = field(default_factory=Counter)  # this run's outcomes
    problems: list[str] = field(default_factory=list)  # failed, unknown: one line each
    deferred: dict[str, str] = field(default_factory=dict)  # left deferred: address -> reply
    interrupted: bool = False
    stopped: str = ""  # why the run stopped early (server unreachable)


class Stop:
    """Ctrl-C: finish the message in flight, then stop. A second Ctrl-C stops at once."""

    def __init__(self):
        self.event = threading.Event()
        self._previous = None

    def __enter__(self) -> Stop:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def _handle(self, signum, frame) -> None:
        if self.event.is_set():
            raise KeyboardInterrupt
        self.event.set()
        print(
            "\ndeckgen: stopping after the message in flight (Ctrl-C again to stop now)",
            file=sys.stderr,
        )

    @property
    def requested(self) -> bool:
        return self.event.is_set()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.event.wait(seconds)


def deliver(
    campaign: Campaign,
    subscribers: list[Subscriber],
    journal: Journal,
    server: Server,
    policy: Policy,
    stop: Stop,
    list_path: Path,
    progress: Callable[[Counter[str]], None] = lambda counts: None,
) -> RunReport:
    """Send every subscriber's message not yet sent, recording each step in the journal."""
    report = RunReport()
    counts = report.counts
    states = journal.states(campaign.id)
    todo = [s for s in subscribers if states.get(s.key, ("queued", 0))[0] in ("queued", "deferred")]
    pending = list(reversed(todo))  # pop() from the end: list order
    retries: list[tuple[float, int, Subscriber]] = []  # (when, order, subscriber)
    attempts = {s.key: states.get(s.key, ("queued", 0))[1] for s in todo}
    throttle = Throttle(policy.rate, policy.per_hour, journal.sent_since(time.time() - 3600))
    connection = Connection(server)
    trouble = 0  # consecutive connection failures and drops
    ever_connected = False
    order = 0
    sender = campaign.settings.sender_address
    try:
        while not stop.requested:
            if retries and retries[0][0] <= time.monotonic():
                subscriber = heapq.heappop(retries)[2]  # its backoff is over
            elif pending:
                subscriber = pending.pop()
            elif retries:
                stop.sleep(retries[0][0] - time.monotonic())
                continue
            else:
                break
            wait = throttle.wait()
            if wait > 0:
                pending.append(subscriber)
                stop.sleep(wait)
                continue
            if not connection.is_open:
                if trouble:
                    stop.sleep(backoff(trouble, policy.retry_base))
                    if stop.requested:
                        pending.append(subscriber)
                        break
                try:
                    connection.open()
                    ever_connected = True
                except ConnectionLost as exc:
                    pending.append(subscriber)
                    if not ever_connected and not trouble:
                        raise SendError(
                            f"{exc}; check --smtp and --security (nothing was sent)"
                        ) from None
                    trouble += 1
                    if trouble > policy.max_attempts:
                        report.stopped = f"{exc} ({policy.max_attempts} attempts)"
                        break
                    continue
            try:
                data, message_id = campaign.render(subscriber)
            except HeaderInjection as exc:
                journal.mark_failed(campaign.id, subscriber.key, f"not sent: {exc}")
                counts["failed"] += 1
                report.problems.append(
                    f"{display_path(list_path)}:{subscriber.line}: "
                    f"{subscriber.address}: not sent, a merge field would forge a header ({exc})"
                )
                continue
            outcome = connection.deliver(
                sender,
                subscriber.address,
                data,
                lambda key=subscriber.key, mid=message_id: journal.mark_sending(
                    campaign.id, key, mid
                ),
            )
            if outcome.state == "sent":
                journal.mark_sent(campaign.id, subscriber.key, outcome.reply)
                throttle.record()
                trouble = 0
            elif outcome.state == "failed":
                journal.mark_failed(campaign.id, subscriber.key, outcome.reply)
                report.problems.append(f"failed: {subscriber.address}: {outcome.reply}")
                trouble = 0
            elif outcome.state == "deferred":
                attempts[subscriber.key] = journal.mark_deferred(
                    campaign.id, subscriber.key, outcome.reply
                )
                if attempts[subscriber.key] < policy.max_attempts:
                    order += 1
                    when = time.monotonic() + backoff(attempts[subscriber.key], policy.retry_base)
                    heapq.heappush(retries, (when, order, subscriber))
                else:
                    report.deferred[subscriber.address] = outcome.reply
            else:  # unknown: stays "sending" in the journal
                report.problems.append(
                    f"unknown: {subscriber.address}: {outcome.reply}; the server may have "
                    "delivered it: not resent (--retry-unknown to send it again, maybe twice)"
                )
            if outcome.reconnect:
                trouble += 1
            elif outcome.state != "sent":
                trouble = 0
            counts[outcome.state] += 1
            progress(counts)
    finally:
        connection.close()
    if stop.requested:
        report.interrupted = True
    for _, _, subscriber in retries:  # waiting for their next attempt when the run ended
        report.deferred[subscriber.address] = "not retried yet"
    left = len(pending)
    if left and (report.interrupted or report.stopped):
        counts["left"] = left
    return report


def status_lines(journal: Journal, campaign: str, limit: int = 20) -> list[str]:
    """`deckgen send --status`: the counts, then who failed, waits or is unknown, and why."""
    counts = journal.summary(campaign)
    total = sum(counts.values())
    lines = [
        f"campaign {campaign}: {total} recipients: {counts['sent']} sent, "
        f"{counts['queued']} queued, {counts['deferred']} deferred, {counts['failed']} failed, "
        f"{counts['sending']} unknown"
    ]
    titles = {
        "failed": "failed (permanent, not retried)",
        "deferred": "deferred (retried by the next run)",
        "sending": "unknown (the process stopped during their transaction; not resent "
        "unless --retry-unknown; look for their Message-ID in the relay's log)",
    }
    for state, title in titles.items():
        rows = journal.rows(campaign, (state,))
        if not rows:
            continue
        lines.append(f"  {title}:")
        for row in rows[:limit]:
            where = f"  Message-ID {row.message_id}" if state == "sending" and row.message_id else ""
            lines.append(
                f"    {row.address}  {row.reply or '-'}  ({row.attempts} attempts){where}"
            )
        if len(rows) > limit:
            lines.append(f"    ... and {len(rows) - limit} more")
    return lines


# ---------------------------------------------------------------------------- the commands


class _Progress:
    """One line on stderr, rewritten at most 10 times a second (only on a terminal)."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled, self._last = total, enabled, 0.0

    def __call__(self, counts: Counter[str]) -> None:
        now = time.monotonic()
        if not self.enabled or now - self._last < 0.1:
            return
        self._last = now
        print(f"\r  {_counts_text(counts)} of {self.total}", end="", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.enabled and self._last:
            print(file=sys.stderr)


def _counts_text(counts: Counter[str]) -> str:
    return f"sent {counts['sent']} · deferred {counts['deferred']} · failed {counts['failed']}" + (
        f" · unknown {counts['unknown']}" if counts["unknown"] else ""
    )


def run_send(args, root: Path) -> int:
    """``deckgen send``: the command line's options -> a dry run, a test, a campaign or
    its status. Returns the exit code."""
    from .config import load_settings
    from .mail.smtp import is_loopback, parse_server
    from .mail.subscribers import (
        AddressError,
        normalize_address,
        read_subscribers,
        read_suppressions,
    )

    journal_path = args.journal or root / DEFAULT_JOURNAL
    if args.status is not None:
        return _status(journal_path, args.status)
    if args.content is None or args.to_list is None:
        raise UsageError("deckgen send: give CONTENT and --to-list FILE (or --status CAMPAIGN)")
    if args.dry_run is not None and args.test_to is not None:
        raise UsageError("deckgen send: --dry-run and --test-to do not go together")
    for path, what in ((args.content, "CONTENT"), (args.to_list, "--to-list")):
        if not path.is_file():
            raise UsageError(f"deckgen send: {what} {path}: no such file")
    settings, warnings = load_settings(root)
    server = None
    if args.dry_run is None:
        security = args.security or settings.smtp_security or "starttls"
        target = args.smtp or settings.smtp
        if not target:
            raise UsageError(
                "deckgen send: give --smtp HOST:PORT (or set smtp in [tool.deckgen]), or "
                "--dry-run DIR to write the messages instead"
            )
        host, port = parse_server(target, security)
        if security == "none" and not is_loopback(host):
            raise UsageError(
                f"deckgen send: --security none sends passwords and messages in clear: only "
                f"for a server on this machine (127.0.0.1, ::1), not {host}; use starttls or tls"
            )
        user = args.user or settings.smtp_user
        password = os.environ.get(PASSWORD_ENV, "")
        if user and not password:
            raise InputError(
                f"the SMTP password for '{user}' goes in the environment variable "
                f"{PASSWORD_ENV} (never on the command line, where ps and the shell history "
                "would show it): set it and run again; nothing was sent"
            )
        server = Server(host, port, security, user, password, timeout=args.timeout)
    suppression_path = root / (settings.suppression_list or "suppressions.csv")
    suppressed, suppression_warnings = read_suppressions(suppression_path)
    warnings += suppression_warnings
    campaign = prepare_campaign(
        args.content, args.theme, root, settings, args.to_list, args.campaign
    )
    journal = None
    if args.dry_run is None and args.test_to is None:
        journal = Journal(journal_path, durable=args.durable)
    try:
        # Rows already queued were checked when they were: only new rows go through
        # email-validator (a 10,000-row resume starts in well under a second).
        known = journal.known_addresses(campaign.id) if journal is not None else {}
        listing = read_subscribers(args.to_list, suppressed, known)
        check_fields(campaign, listing.columns)
        for diagnostic in (*warnings, *campaign.warnings, *listing.warnings):
            print(diagnostic, file=sys.stderr)
        for diagnostic in listing.errors:
            print(diagnostic, file=sys.stderr)
        subscribers, other_language = deliverable(campaign, listing)
        notes = []
        if listing.suppressed:
            notes.append(f"{listing.suppressed} on the suppression list")
        if other_language:
            notes.append(f"{other_language} with another lang than {campaign.doc.meta.lang}")
        if listing.errors:
            notes.append(f"{len(listing.errors)} bad row(s) skipped")
        skipped = f" (not sent: {', '.join(notes)})" if notes else ""
        bad_input = 1 if listing.errors else 0
        if args.dry_run is not None:
            count = dry_run(campaign, subscribers, args.dry_run)
            print(
                f"wrote {count} message(s) to {display_path(args.dry_run)}{skipped}; nothing was sent"
            )
            return bad_input
        assert server is not None
        if args.test_to is not None:
            try:
                address = normalize_address(args.test_to)
            except AddressError as exc:
                raise UsageError(f"deckgen send: --test-to {args.test_to}: {exc}") from None
            model = subscribers[0] if subscribers else Subscriber(address, 0, {})
            reply = send_test(campaign, model, address, server)
            print(
                f"sent a [TEST] copy to {address} ({reply}), with the fields of "
                f"{model.address}; the journal is untouched"
            )
            return 0
        assert journal is not None
        return _campaign(
            args, campaign, listing, subscribers, journal, server, skipped, bad_input,
            suppression_path,
        )  # fmt: skip
    finally:
        if journal is not None:
            journal.close()


def _campaign(
    args, campaign, listing, subscribers, journal, server, skipped, bad_input, suppression_path
) -> int:
    cid = campaign.id
    existed = journal.has_campaign(cid)
    if args.resume and not existed:
        raise UsageError(
            f"deckgen send --resume: no campaign '{cid}' in {display_path(journal.path)}"
            f"{_did_you_mean(cid, set(journal.campaigns()))}; drop --resume to start it"
        )
    journal.add_campaign(cid, str(args.content), campaign.theme, str(args.to_list))
    if args.retry_unknown:
        count = journal.requeue_unknown(cid)
        if count:
            print(
                f"deckgen: {count} recipient(s) in an unknown state queued again "
                "(--retry-unknown): they may receive the message twice",
                file=sys.stderr,
            )
    journal.enqueue(cid, ((s.key, s.address, s.raw) for s in subscribers))
    states = journal.states(cid)
    held = [s for s in subscribers if states[s.key][0] == "sending"]
    for s in held:
        print(
            f"{display_path(listing.path)}:{s.line}: {s.address}: unknown from an earlier run "
            "(stopped during its transaction): not resent; check the server's log, then "
            "--retry-unknown to send it again",
            file=sys.stderr,
        )
    todo = sum(1 for s in subscribers if states[s.key][0] in ("queued", "deferred"))
    print(f"campaign {cid}: {todo} to send, {len(subscribers) - todo} already done{skipped}")
    policy = Policy(args.rate, args.per_hour, args.retry_base, args.max_attempts)
    progress = _Progress(todo, sys.stderr.isatty())
    with Stop() as stop:
        try:
            report = deliver(
                campaign, subscribers, journal, server, policy, stop, listing.path, progress
            )
        finally:
            progress.done()
    for line in report.problems:
        print(line, file=sys.stderr)
    # From the journal, not from this run alone: a run killed after a bounce and before
    # this point still gets its bounces suppressed by the next one.
    bounced = [r.address for r in journal.rows(cid, ("failed",)) if is_hard_bounce(r.reply)]
    added, _ = add_suppressions(suppression_path, bounced, "bounced") if bounced else (0, 0)
    if added:
        print(
            f"deckgen: {added} address(es) do not exist (5.1.x replies): "
            f"{display_path(suppression_path)} now lists them as bounced, so no later "
            "campaign sends to them",
            file=sys.stderr,
        )
    for address, reply in report.deferred.items():
        print(f"deferred: {address}: {reply}", file=sys.stderr)
    totals = journal.summary(cid)
    print(
        f"this run: {_counts_text(report.counts)}; campaign {cid}: {totals['sent']} sent, "
        f"{totals['failed']} failed, {totals['deferred'] + totals['queued']} to send, "
        f"{totals['sending']} unknown (deckgen send --status {cid})"
    )
    if report.interrupted:
        print(
            "deckgen: stopped by Ctrl-C after the message in flight; run the same command "
            "to resume",
            file=sys.stderr,
        )
        return 130
    if report.stopped:
        print(
            f"deckgen: stopped: {report.stopped}; nothing is lost: run the same command to resume",
            file=sys.stderr,
        )
        return 1
    if report.deferred:
        print(
            f"deckgen: {len(report.deferred)} deferred (temporary failures): run the same "
            "command later to retry them",
            file=sys.stderr,
        )
        return 1
    if report.counts["failed"] or report.counts["unknown"]:
        return 1
    return bad_input


def _status(journal_path: Path, name: str) -> int:
    if not journal_path.is_file():
        raise UsageError(
            f"deckgen send --status: no journal at {display_path(journal_path)} "
            "(nothing was sent from here; --journal PATH?)"
        )
    with Journal(journal_path, lock=False) as journal:
        names = journal.campaigns()
        if name not in names:
            known = ", ".join(names) or "none"
            raise UsageError(
                f"deckgen send --status: no campaign '{name}'"
                f"{_did_you_mean(name, set(names))}; campaigns: {known}"
            )
        for line in status_lines(journal, name):
            print(line)
    return 0


def run_unsubscribe(addresses: list[str], reason: str, root: Path) -> int:
    """``deckgen unsubscribe ADDRESS|LINK...``: add to the suppression list. A recipient's
    signed unsubscribe link (or its bare ``t`` token), as the unsubscribe page received it,
    stands for its address once its signature is checked with the secret."""
    from .config import load_settings

    settings, _ = load_settings(root)
    path = root / (settings.suppression_list or "suppressions.csv")
    added, present = add_suppressions(path, _addresses_of(addresses), reason)
    print(
        f"{display_path(path)}: {added} added ({reason}), {present} already there; "
        "they will not be sent to again"
    )
    return 0


def _addresses_of(arguments: list[str]) -> list[str]:
    """Addresses as given; links and tokens verified and turned into theirs. Raises
    `InputError` naming every link that is not genuine: nothing is added then."""
    from urllib.parse import parse_qs, urlsplit

    from .mail.subscribers import verify_unsubscribe_token

    secret = os.environ.get(SECRET_ENV, "").encode("utf-8")
    addresses, problems = [], []
    for text in arguments:
        if "@" in text and not text.startswith(("https://", "http://")):
            addresses.append(text)
            continue
        token = text
        if text.startswith(("https://", "http://")):
            token = parse_qs(urlsplit(text).query).get("t", [""])[0]
        if not secret:
            problems.append(
                Diagnostic(None, None, f"'{text}': checking a link needs the secret that "
                           f"signed it: set {SECRET_ENV} as for deckgen send")
            )  # fmt: skip
            continue
        address = verify_unsubscribe_token(secret, token) if token else None
        if address is None:
            problems.append(
                Diagnostic(None, None, f"'{text}' is not an unsubscribe link signed with "
                           f"{SECRET_ENV}: nothing added (forged, cut, or another secret)")
            )  # fmt: skip
        else:
            addresses.append(address)
    if problems:
        raise InputError.many(problems)
    return addresses
