"""The commands: ``deckgen send`` (a dry run, a test copy, a campaign or its status) and
``deckgen unsubscribe``; options in, an exit code out.

Where things happen: `deckgen.delivery.campaign` (the message prepared once, filled per
recipient), `.subscribers` (the list and the suppressions), `.run` (the campaign run),
`.smtp` (one SMTP session), `.pacing` (rates, backoff), `.journal` (who got what).
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

from ..errors import Diagnostic, InputError, UsageError, did_you_mean, display_path
from ..mail.message import HeaderInjection
from .campaign import SECRET_ENV, Campaign, check_fields, deliverable, prepare_campaign
from .journal import Journal
from .run import Policy, Stop, deliver, send_test
from .smtp import Server, is_hard_bounce
from .subscribers import Subscriber, add_suppressions

PASSWORD_ENV = "DECKGEN_SMTP_PASSWORD"
DEFAULT_JOURNAL = Path("build") / ".deckgen" / "send.sqlite"


def dry_run(campaign: Campaign, subscribers: list[Subscriber], out_dir: Path) -> int:
    """Write each recipient's message as <address>.eml, atomically; send nothing."""
    from ..output import write_bytes_atomic

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


def status_lines(journal: Journal, campaign: str, limit: int = 20) -> list[str]:
    """`deckgen send --status`: the counts, then who failed, waits or is unknown, and why."""
    counts = journal.summary(campaign)
    total = sum(counts.values())
    lines = [
        f"campaign {campaign}: {total} recipients: {counts['sent']} sent, "
        f"{counts['queued']} queued, {counts['deferred']} deferred, {counts['failed']} failed, "
        f"{counts['sending']} unknown"
    ]
    lines += feedback_lines(counts["sent"], journal.feedback(campaign))
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
            where = (
                f"  Message-ID {row.message_id}" if state == "sending" and row.message_id else ""
            )
            lines.append(f"    {row.address}  {row.reply or '-'}  ({row.attempts} attempts){where}")
        if len(rows) > limit:
            lines.append(f"    ... and {len(rows) - limit} more")
    return lines


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
    from ..config import load_settings
    from .smtp import is_loopback, parse_server
    from .subscribers import (
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
    attachments = []
    if args.attach:  # the follow-up to a training: its PDF, built once, before anything
        from .followup import training_pdf

        pdf = training_pdf(args.content, args.theme, args.attach, root)
        state = "built" if pdf.built else "up to date"
        print(
            f"attaching {display_path(pdf.path)} ({state}, {len(pdf.attachment.data) / 1e6:.1f} MB)"
        )
        attachments.append(pdf.attachment)
    campaign = prepare_campaign(
        args.content, args.theme, root, settings, args.to_list, args.campaign,
        attachments=attachments, attach=args.attach or "",
    )  # fmt: skip
    if attachments:
        from .followup import check_size

        size = len(campaign.render(Subscriber("size@example.invalid", 0, {}))[0])
        warning = check_size(size)
        if warning:
            print(f"deckgen: warning: {warning}", file=sys.stderr)
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
            f"{did_you_mean(cid, set(journal.campaigns()))}; drop --resume to start it"
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
    states = journal.states(cid)
    new = [(s.key, s.address, s.raw) for s in subscribers if s.key not in states]
    if new:  # a resume queues nothing again (10,000 rows: 0.15 s saved before the first message)
        journal.enqueue(cid, new)
        states.update(journal.states(cid))
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
    policy = Policy(args.rate, args.per_hour, args.retry_base, args.max_attempts, args.connections)
    progress = _Progress(todo, sys.stderr.isatty())
    with Stop() as stop:
        try:
            report = deliver(
                campaign, subscribers, journal, server, policy, stop, listing.path, progress,
                states=states,
            )  # fmt: skip
        finally:
            progress.done()
    for line in report.problems:
        print(line, file=sys.stderr)
    if report.throttling:
        print(f"deckgen: {report.throttling}", file=sys.stderr)
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
            "deckgen: stopped by Ctrl-C after the messages in flight; run the same command "
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
                f"{did_you_mean(name, set(names))}; campaigns: {known}"
            )
        for line in status_lines(journal, name):
            print(line)
    return 0


def run_unsubscribe(addresses: list[str], reason: str, root: Path) -> int:
    """``deckgen unsubscribe ADDRESS|LINK...``: add to the suppression list. A recipient's
    signed unsubscribe link (or its bare ``t`` token), as the unsubscribe page received it,
    stands for its address once its signature is checked with the secret."""
    from ..config import load_settings

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

    from .subscribers import verify_unsubscribe_token

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


# What relays watch, and where they act (Amazon SES reviews an account above 5 % bounces or
# 0.1 % complaints and may pause it at 10 % / 0.5 %; Gmail asks bulk senders to keep spam
# complaints under 0.1 % and never reach 0.3 %).
BOUNCE_REVIEW, BOUNCE_PAUSE = 5.0, 10.0
COMPLAINT_REVIEW, COMPLAINT_HARM = 0.1, 0.3


def feedback_lines(sent: int, feedback: Counter[str]) -> list[str]:
    """`--status`: what came back for a campaign (deckgen bounces), with the rates relays
    watch and a warning above their thresholds."""
    if not sent:
        return []
    bounce = 100.0 * feedback["hard"] / sent
    complaint = 100.0 * feedback["complaint"] / sent
    lines = [
        f"  came back (deckgen bounces): {feedback['hard']} hard bounce(s), "
        f"{feedback['soft']} soft, {feedback['complaint']} complaint(s), "
        f"{feedback['unsubscribe']} unsubscribe(s); bounce rate {bounce:.2f} %, "
        f"complaint rate {complaint:.3f} % of {sent} sent"
    ]
    if bounce >= BOUNCE_REVIEW:
        lines.append(
            f"  warning: bounce rate {bounce:.1f} % is over {BOUNCE_REVIEW:g} %: Amazon SES "
            f"reviews accounts above {BOUNCE_REVIEW:g} % (and may pause them at "
            f"{BOUNCE_PAUSE:g} %); clean the list before the next campaign"
        )
    if complaint >= COMPLAINT_REVIEW:
        lines.append(
            f"  warning: complaint rate {complaint:.2f} % is over {COMPLAINT_REVIEW:g} %: "
            f"Amazon SES reviews accounts above it, Gmail filters senders that reach "
            f"{COMPLAINT_HARM:g} %; send only to people who asked for the letter"
        )
    return lines


# ---------------------------------------------------------------------------- deckgen bounces


def run_bounces(args, root: Path) -> int:
    """``deckgen bounces``: read the bounce mailbox (IMAP, Maildir or mbox), record what came
    back in the journal, put hard bounces, complaints and unsubscribes on the suppression
    list."""
    from ..config import load_settings
    from . import mailboxes
    from .bounces import process
    from .subscribers import AddressError, normalize_address

    settings, warnings = load_settings(root)
    for diagnostic in warnings:
        print(diagnostic, file=sys.stderr)
    imap = args.imap or (settings.imap if not (args.maildir or args.mbox) else "")
    maildir = args.maildir or (
        root / settings.bounce_maildir if settings.bounce_maildir and not imap else None
    )
    mbox = args.mbox or (
        root / settings.bounce_mbox if settings.bounce_mbox and not imap and not maildir else None
    )
    chosen = [x for x in (imap, maildir, mbox) if x]
    if len(chosen) != 1:
        raise UsageError(
            "deckgen bounces: give one mailbox: --imap HOST[:PORT] --user NAME, --maildir DIR "
            "or --mbox FILE (or imap, bounce_maildir or bounce_mbox in [tool.deckgen])"
        )
    processed = args.processed or mailboxes.DEFAULT_PROCESSED
    if imap:
        security = args.security or settings.imap_security or "tls"
        host, port = mailboxes.parse_imap(imap, security)
        user = args.user or settings.imap_user
        password = os.environ.get(mailboxes.PASSWORD_ENV, "")
        if not user:
            raise UsageError("deckgen bounces --imap: give --user NAME (or imap_user)")
        if not password:
            raise InputError(
                f"the IMAP password for '{user}' goes in the environment variable "
                f"{mailboxes.PASSWORD_ENV} (never on the command line): set it and run again"
            )
        folder = args.folder or settings.imap_folder or "INBOX"
        imap_settings = mailboxes.ImapSettings(
            host, port, user, password, folder, security, timeout=args.timeout
        )
        source: mailboxes.Source = mailboxes.ImapSource(imap_settings, processed)
    elif maildir:
        source = mailboxes.MaildirSource(Path(maildir), processed)
    else:
        source = mailboxes.MboxSource(Path(mbox))
    mailto = settings.unsubscribe_mailto.removeprefix("mailto:").split("?", 1)[0].strip()
    unsubscribe_addresses = frozenset({mailto.lower()} if mailto else ())
    journal_path = args.journal or root / DEFAULT_JOURNAL
    suppression_path = root / (settings.suppression_list or "suppressions.csv")
    try:
        with Journal(journal_path, lock=False) as journal:
            outcome = process(source, journal, unsubscribe_addresses)
            pending = journal.to_suppress()
            valid: dict[str, list[str]] = {}
            for recipient, reason in pending.items():
                try:
                    valid.setdefault(reason, []).append(normalize_address(recipient))
                except AddressError as exc:
                    print(f"deckgen: {recipient}: not suppressed, {exc}", file=sys.stderr)
            added = {}
            for reason, addresses in valid.items():
                added[reason], _ = add_suppressions(suppression_path, addresses, reason)
            journal.mark_suppressed(pending)
    finally:
        source.close()
    read = sum(outcome.counts.values())
    names = {
        "hard": "hard bounce(s)",
        "soft": "soft bounce(s)",
        "complaint": "complaint(s)",
        "unsubscribe": "unsubscribe request(s)",
    }
    found = ", ".join(f"{n} {names[k]}" for k, n in sorted(outcome.findings.items()) if n)
    others = {k: n for k, n in outcome.counts.items() if k in ("auto-reply", "ignored")}
    other_text = ", ".join(
        f"{n} {'automatic repl(ies)' if k == 'auto-reply' else 'other report(s)'}"
        for k, n in others.items()
    )
    print(
        f"{source.name}: {read} message(s) read ({found or 'nothing to act on'}"
        f"{'; ' + other_text if other_text else ''}), {outcome.seen} already processed, "
        f"{len(outcome.left)} left where they are"
        + (
            f"; read ones moved to {processed}"
            if not isinstance(source, mailboxes.MboxSource)
            else ""
        )
    )
    for line in outcome.left:
        print(f"  left: {line}")
    total = sum(added.values())
    if pending:
        detail = ", ".join(f"{reason} {n}" for reason, n in added.items() if n)
        print(
            f"{display_path(suppression_path)}: {total} added ({detail or 'all already there'}); "
            "no later campaign sends to them"
        )
    return 0
