"""What comes back after a campaign: delivery reports, complaints and unsubscribe requests.

Relays accept every message with a 250 and tell later, by email to the envelope sender:

* a delivery status notification (RFC 3464: ``multipart/report;
  report-type=delivery-status``, its ``message/delivery-status`` part holding one block per
  recipient: Final-Recipient, Action, Status, Diagnostic-Code), with the original message
  (``message/rfc822``) or only its headers (``text/rfc822-headers``). Postfix, Exim (since
  4.83), Exchange and Microsoft 365, Gmail and Amazon SES all send this form. Older Exim and
  Gmail bounces are plain text with an ``X-Failed-Recipients`` header (permanent failures
  only) and the original headers quoted in the body: read too;
* an abuse complaint (ARF, RFC 5965: ``report-type=feedback-report``, a
  ``message/feedback-report`` part, then the original message, its recipient often
  redacted: the original Message-ID is what identifies it);
* Amazon SES's own notifications, when its bounce and complaint notifications go to an
  SNS topic with an email subscription: a JSON document (``notificationType`` Bounce or
  Complaint, the recipients with their status, the original headers);
* an unsubscribe request: a message to the ``List-Unsubscribe`` mailto address, or a reply
  whose subject is "unsubscribe" / "désabonnement".

`read_report` turns one message into a `Report`: what it is and, per recipient, a
`Finding` (hard or soft bounce, complaint, unsubscribe) with the original Message-ID when
the report quotes it. Python's `email` package parses all of these structures already
(``message/delivery-status`` into one header block per recipient), and it gives the
Status, Action and the quoted Message-ID, which bounce-detection libraries such as
flufl.bounce (addresses only, by heuristics) do not: no other dependency is needed.

Which Status is hard: RFC 3463's 5.x.x with ``Action: failed``, except the codes that are
about the message or the sender rather than the address (5.2.2 mailbox full, 5.2.3 and
5.3.4 too big, 5.6.x content, 5.7.x policy, spam and authentication): those count as soft,
so that one blocklisted sending IP does not wipe out a list. A 4.x.x (``Action: delayed``,
or a relay that gave up after days of 4xx: ``failed`` with 4.4.7) is soft.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, HeaderParser

STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
SOFT_PERMANENT = re.compile(r"5\.(?:2\.2|2\.3|3\.4|6\.\d+|7\.\d+)$")
UNSUBSCRIBE_WORDS = {
    "unsubscribe",
    "desabonnement",
    "desabonner",
    "se desabonner",
    "desinscription",
    "desinscrire",
    "me desabonner",
    "stop",
}
AUTO_REPLY_SUBJECT = re.compile(
    r"^(?:auto(?:matic)?[ -]?reply|out of (?:the )?office|absen(?:ce|t)|r[ée]ponse automatique"
    r"|autosvar|abwesenheit)",
    re.I,
)
COMPLAINT_TYPES = {"abuse", "fraud", "virus", "other"}


@dataclass(frozen=True)
class Finding:
    kind: str  # "hard", "soft", "complaint" or "unsubscribe"
    address: str  # the recipient it is about (lowercased)
    status: str = ""  # RFC 3463 code (5.1.1), or the complaint's Feedback-Type
    detail: str = ""  # the remote server's words (Diagnostic-Code), shortened
    message_id: str = ""  # the original message's Message-ID, when the report quotes it


@dataclass
class Report:
    key: str  # the report's own Message-ID, or a hash of its bytes: processed once
    kind: str  # "dsn", "arf", "unsubscribe", "auto-reply", "ignored" or "unreadable"
    subject: str = ""
    sender: str = ""  # who sent the report (MAILER-DAEMON@..., a mailbox provider)
    source: str = ""  # which MTA made it, when it says (Postfix, Exim, Gmail...)
    findings: list[Finding] = field(default_factory=list)
    why: str = ""  # for "unreadable" and "ignored": what it is, in words


def report_key(data: bytes, message: Message | None = None) -> str:
    """The same report fetched over IMAP or from a Maildir gets the same key."""
    if message is None:
        message = BytesHeaderParser(policy=email.policy.compat32).parsebytes(data)
    message_id = " ".join(str(message.get("Message-ID", "")).split())
    if message_id:
        return message_id
    return "sha256:" + hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest()


def read_report(data: bytes, unsubscribe_addresses: frozenset[str] = frozenset()) -> Report:
    """Read one message from the bounce mailbox. `unsubscribe_addresses`: the mailto
    address(es) of List-Unsubscribe (lowercased)."""
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as exc:  # the email package raises little, but a broken header can
        return Report(report_key(data), "unreadable", why=f"not a parsable message ({exc})")
    report = Report(
        report_key(data, message),
        "unreadable",
        subject=_text(message.get("Subject", "")),
        sender=_address(message.get("From", "")),
    )
    try:
        _read(message, report, unsubscribe_addresses)
    except (LookupError, ValueError, TypeError, AttributeError) as exc:
        report.kind, report.findings = "unreadable", []
        report.why = f"a report deckgen cannot read ({type(exc).__name__}: {exc})"
    return report


def _read(message: EmailMessage, report: Report, unsubscribe_addresses) -> None:
    report_type = (message.get_param("report-type", "") or "").lower()
    status_part = _first(message, "message/delivery-status")
    feedback_part = _first(message, "message/feedback-report")
    if feedback_part is not None or report_type == "feedback-report":
        _read_arf(message, feedback_part, report)
    elif status_part is not None:
        _read_dsn(message, status_part, report)
    elif message.get("X-Failed-Recipients"):
        _read_plain_bounce(message, report)
    elif (notification := _ses_notification(message)) is not None:
        _read_ses(notification, report)
    elif _is_auto_reply(message):
        report.kind, report.why = "auto-reply", "an automatic reply (out of office): nothing to do"
    elif _is_unsubscribe(message, unsubscribe_addresses):
        address = report.sender
        if not address:
            report.why = "an unsubscribe request without a From address"
            return
        report.kind = "unsubscribe"
        original = _in_reply_to(message)
        report.findings.append(Finding("unsubscribe", address, message_id=original))
    else:
        report.why = (
            "not a delivery report, a complaint (ARF) or an unsubscribe request: left for you"
        )


# ---------------------------------------------------------------------------- DSN


def _read_dsn(message: EmailMessage, part: Message, report: Report) -> None:
    blocks = _status_blocks(part)
    if not blocks:
        report.why = "a delivery report with an empty message/delivery-status part"
        return
    per_message, recipients = blocks[0], blocks[1:]
    if "final-recipient" in per_message or "action" in per_message:
        per_message, recipients = {}, blocks  # no per-message block (seen in the wild)
    report.source = _source(message, per_message)
    original = _original_message_id(message)
    report.kind = "dsn"
    for block in recipients:
        address = _recipient(block.get("original-recipient", "")) or _recipient(
            block.get("final-recipient", "")
        )
        if not address:
            continue
        action = block.get("action", "").strip().lower()
        status = _status(block.get("status", "")) or _status(block.get("diagnostic-code", ""))
        detail = _short(block.get("diagnostic-code", "") or block.get("status", ""))
        kind = _bounce_kind(action, status)
        if kind is None:
            continue  # delivered, relayed, expanded: good news
        final = _recipient(block.get("final-recipient", ""))
        finding = Finding(kind, address, status, detail, original)
        report.findings.append(finding)
        if final and final != address:  # matched by either, the journal decides
            report.findings.append(Finding(kind, final, status, detail, original))
    if not report.findings and message.get("X-Failed-Recipients"):
        _read_plain_bounce(message, report)  # a recipient that is a pipe or a file: Exim
    elif not report.findings and not any(
        b.get("action", "").strip().lower() in ("delivered", "relayed", "expanded")
        for b in recipients
    ):
        report.kind = "unreadable"
        report.why = "a delivery report naming no recipient (no Final-Recipient)"
    elif not report.findings:
        report.kind, report.why = "ignored", "a delivery report of success (delivered, relayed)"


def _bounce_kind(action: str, status: str) -> str | None:
    if action in ("delivered", "relayed", "expanded"):
        return None
    if action == "delayed" or status.startswith("4"):
        return "soft"
    if status.startswith("5") or action == "failed":
        if status and SOFT_PERMANENT.match(status):
            return "soft"
        return "hard"
    return "soft"


def _read_plain_bounce(message: EmailMessage, report: Report) -> None:
    """Exim before 4.83 and Gmail's old text bounces: the failed addresses in
    X-Failed-Recipients (permanent failures only), the original headers in the body."""
    body = _body_text(message)
    status = _status(body) or "5.0.0"
    if status.startswith("2"):
        status = "5.0.0"
    detail = _short(_diagnostic_line(body) or report.subject)
    original = _quoted_message_id(body)
    report.kind = "dsn"
    report.source = _source(message, {})
    for value in message.get_all("X-Failed-Recipients", []):
        for address in re.split(r"[,\s]+", str(value)):
            address = _address(address)
            if address:
                kind = "soft" if SOFT_PERMANENT.match(status) or status[0] == "4" else "hard"
                report.findings.append(Finding(kind, address, status, detail, original))
    if not report.findings:
        report.kind, report.why = "unreadable", "X-Failed-Recipients names no address"


def _ses_notification(message: EmailMessage) -> dict | None:
    """The JSON of an SES notification delivered by SNS to an email subscription (as
    sent: the notification itself, or wrapped in SNS's envelope by the email-json
    protocol); None for anything else."""
    import json

    if message.get_content_type() != "text/plain":
        return None
    body = _body_text(message).strip()
    if not body.startswith("{"):
        return None
    # Sendmail breaks lines over 990 characters with "!" + newline + space: undone here.
    body = re.sub(r"!\r?\n ", "", body)
    try:
        document, _ = json.JSONDecoder(strict=False).raw_decode(body)
    except ValueError:
        return None
    if isinstance(document, dict) and isinstance(document.get("Message"), str):
        try:
            document = json.loads(document["Message"], strict=False)
        except ValueError:
            return None
    if isinstance(document, dict) and document.get("notificationType") in ("Bounce", "Complaint"):
        return document
    return None


def _read_ses(notification: dict, report: Report) -> None:
    report.kind, report.source = "dsn", "Amazon SES"
    headers = {
        str(h.get("name", "")).lower(): str(h.get("value", ""))
        for h in notification.get("mail", {}).get("headers", [])
        if isinstance(h, dict)
    }
    found = re.search(r"<[^<>\s]+>", headers.get("message-id", ""))
    original = found.group(0) if found else ""
    if notification["notificationType"] == "Complaint":
        report.kind = "arf"
        complaint = notification.get("complaint", {})
        kind = complaint.get("complaintFeedbackType", "abuse")
        if kind == "not-spam":
            report.kind, report.why = "ignored", "a not-spam report (the recipient wants the mail)"
            return
        for recipient in complaint.get("complainedRecipients", []):
            address = _address(recipient.get("emailAddress", ""))
            if address:
                report.findings.append(Finding("complaint", address, kind, "Amazon SES", original))
        return
    bounce = notification.get("bounce", {})
    permanent = bounce.get("bounceType") == "Permanent"
    for recipient in bounce.get("bouncedRecipients", []):
        address = _address(recipient.get("emailAddress", ""))
        if not address:
            continue
        status = _status(str(recipient.get("status", ""))) or ("5.0.0" if permanent else "4.0.0")
        kind = _bounce_kind("failed" if permanent else "delayed", status)
        detail = _short(recipient.get("diagnosticCode", "") or bounce.get("bounceSubType", ""))
        report.findings.append(Finding(kind or "soft", address, status, detail, original))
    if not report.findings:
        report.kind, report.why = "unreadable", "an SES notification naming no recipient"


# ---------------------------------------------------------------------------- ARF


def _read_arf(message: EmailMessage, part: Message | None, report: Report) -> None:
    fields: dict[str, str] = {}
    if part is not None:
        fields = _status_blocks(part)[0] if _status_blocks(part) else {}
    feedback_type = fields.get("feedback-type", "").strip().lower()
    original = _original_message_id(message)
    headers = _original_headers(message)
    report.source = _short(fields.get("user-agent", ""), 40)
    if feedback_type == "auth-failure":
        report.kind, report.why = "ignored", "a DMARC/DKIM failure report, not a complaint"
        return
    if feedback_type == "not-spam":
        report.kind, report.why = "ignored", "a not-spam report (the recipient wants the mail)"
        return
    if feedback_type and feedback_type not in COMPLAINT_TYPES:
        report.why = f"a feedback report of an unknown type '{feedback_type}'"
        return
    addresses = [_address(a) for a in fields.get("original-rcpt-to", "").split(",") if _address(a)]
    if not addresses and headers is not None:
        addresses = [a for _, a in email.utils.getaddresses(headers.get_all("To", [])) if a]
        addresses = [a.lower() for a in addresses if "@" in a and "redacted" not in a.lower()]
    if not addresses and original:
        addresses = [""]  # the journal finds the recipient by Message-ID
    if not addresses:
        report.why = "a complaint that names neither the recipient nor the original Message-ID"
        return
    report.kind = "arf"
    for address in addresses:
        report.findings.append(
            Finding("complaint", address, feedback_type or "abuse", report.source, original)
        )


# ---------------------------------------------------------------------------- unsubscribes


def _is_unsubscribe(message: EmailMessage, unsubscribe_addresses) -> bool:
    recipients = set()
    for name in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"):
        for _, address in email.utils.getaddresses([str(v) for v in message.get_all(name, [])]):
            recipients.add(address.lower())
    if recipients & set(unsubscribe_addresses):
        return True
    return _plain_words(_text(message.get("Subject", ""))) in UNSUBSCRIBE_WORDS


def _plain_words(subject: str) -> str:
    text = re.sub(r"^(?:\s*(?:re|tr|fwd?|aw|sv)\s*:\s*)+", "", subject.strip(), flags=re.I)
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def _is_auto_reply(message: EmailMessage) -> bool:
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return True
    if str(message.get("Precedence", "")).strip().lower() == "auto_reply":
        return True
    return bool(AUTO_REPLY_SUBJECT.match(_text(message.get("Subject", ""))))


def _in_reply_to(message: EmailMessage) -> str:
    for name in ("In-Reply-To", "References"):
        ids = re.findall(r"<[^<>\s]+>", str(message.get(name, "")))
        if ids:
            return ids[-1] if name == "In-Reply-To" else ids[0]
    return ""


# ---------------------------------------------------------------------------- helpers


def _first(message: Message, content_type: str) -> Message | None:
    for part in message.walk():
        if part.get_content_type() == content_type:
            return part
    return None


def _status_blocks(part: Message) -> list[dict[str, str]]:
    """The header blocks of a message/delivery-status (or feedback-report) part, field
    names lowercased, values unfolded."""
    payload = part.get_payload()
    if isinstance(payload, list) and payload:
        blocks = [
            {k.lower(): " ".join(str(v).split()) for k, v in block.items()} for block in payload
        ]
        if any(blocks):
            return [b for b in blocks if b]
    raw = part.get_payload(decode=True)
    if isinstance(raw, bytes):
        text = raw.decode("utf-8", "replace")
    else:
        text = str(payload)
    blocks = []
    for chunk in re.split(r"\r?\n[ \t]*\r?\n", text.strip()):
        parsed = HeaderParser(policy=email.policy.compat32).parsestr(chunk.strip() + "\n\n")
        block = {k.lower(): " ".join(str(v).split()) for k, v in parsed.items()}
        if block:
            blocks.append(block)
    return blocks


def _original_headers(message: Message) -> Message | None:
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload:
                return payload[0]
        elif kind in ("text/rfc822-headers", "message/rfc822-headers"):
            raw = part.get_payload(decode=True)
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            return HeaderParser(policy=email.policy.compat32).parsestr(text.lstrip())
    return None


def _original_message_id(message: Message) -> str:
    headers = _original_headers(message)
    if headers is not None:
        found = re.search(r"<[^<>\s]+>", str(headers.get("Message-ID", "")))
        if found:
            return found.group(0)
    return _quoted_message_id(_body_text(message))


def _quoted_message_id(text: str) -> str:
    found = re.search(r"(?im)^\s*Message-ID:\s*(<[^<>\s]+>)", text)
    return found.group(1) if found else ""


def _body_text(message: Message) -> str:
    texts = []
    for part in message.walk():
        if part.get_content_maintype() == "text":
            try:
                texts.append(part.get_content())
            except (LookupError, ValueError, AttributeError):
                raw = part.get_payload(decode=True)
                texts.append(raw.decode("latin-1") if isinstance(raw, bytes) else "")
    return "\n".join(texts)


def _diagnostic_line(body: str) -> str:
    for line in body.splitlines():
        if re.search(r"\b5\d\d[ -]", line) and STATUS.search(line):
            return line.strip()
    return ""


def _recipient(value: str) -> str:
    """``rfc822; <Ana@Example.com>`` -> ``ana@example.com``."""
    value = value.split(";", 1)[1] if ";" in value else value
    return _address(value)


def _address(value: object) -> str:
    text = str(value).strip()
    _, address = email.utils.parseaddr(text)
    address = (address or text).strip().strip("<>").strip()
    return address.lower() if "@" in address and " " not in address else ""


def _status(value: str) -> str:
    found = STATUS.search(value)
    return ".".join(found.groups()) if found else ""


def _short(value: str, limit: int = 200) -> str:
    text = " ".join(str(value).split())
    text = re.sub(r"^(?:smtp|x-[\w-]+)\s*;\s*", "", text, flags=re.I)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(value: object) -> str:
    return " ".join(str(value).split())


def _source(message: Message, per_message: dict[str, str]) -> str:
    """Which MTA wrote the report, from what it says about itself (for people)."""
    reporting = per_message.get("reporting-mta", "").lower()
    sender = _address(message.get("From", ""))
    headers = " ".join(k.lower() for k in message.keys())
    boundary = (message.get_boundary() or "").lower()
    if "amazonses.com" in reporting or sender.endswith("amazonses.com"):
        return "Amazon SES"
    if "google.com" in reporting or sender.endswith(("googlemail.com", "google.com")):
        return "Gmail"
    if "x-ms-exchange" in headers or "outlook.com" in reporting or "microsoft" in reporting:
        return "Exchange"
    if "x-postfix-queue-id" in per_message or "postfix" in str(message.get("From", "")).lower():
        return "Postfix"
    if "exim" in boundary or "x-exim" in headers or message.get("X-Failed-Recipients"):
        return "Exim"
    return ""


# ---------------------------------------------------------------------------- processing


@dataclass
class Outcome:
    """What one `process` run did."""

    counts: dict[str, int] = field(default_factory=dict)  # per kind of report
    findings: dict[str, int] = field(default_factory=dict)  # per kind of finding
    seen: int = 0  # already processed by an earlier run
    left: list[str] = field(default_factory=list)  # "where: why", left where they were
    suppressed: dict[str, str] = field(default_factory=dict)  # address -> reason, added now


def process(source, journal, unsubscribe_addresses: frozenset[str] = frozenset()) -> Outcome:
    """Read every message of `source` (deckgen.delivery.mailboxes), match what it says to
    the campaigns of `journal`, and put each message read away. Messages deckgen cannot
    read, or about nobody it sent to, stay where they are and are listed."""
    outcome = Outcome()
    for where, data in source.messages():
        report = read_report(data, unsubscribe_addresses)
        if journal.has_report(report.key):
            outcome.seen += 1
            source.done(where)  # read before; put away now if that failed last time
            continue
        if report.kind == "unreadable":
            outcome.left.append(f"{where}: {_describe(report)}: {report.why}")
            continue
        matched, strangers = [], []
        for finding in report.findings:
            row = _match(journal, finding)
            if row is None:
                strangers.append(finding.address or finding.message_id)
                continue
            matched.append((*row, finding.kind, finding.status, finding.detail))
        matched = list(dict.fromkeys(matched))  # the same row by Message-ID and by address
        if report.findings and not matched:
            outcome.left.append(
                f"{where}: {_describe(report)}: about {', '.join(sorted(set(strangers)))}, to "
                "whom this journal sent nothing (not a deckgen message?)"
            )
            continue
        journal.add_report(report.key, report.kind, matched)
        source.done(where)
        outcome.counts[report.kind] = outcome.counts.get(report.kind, 0) + 1
        for _, _, kind, _, _ in matched:
            outcome.findings[kind] = outcome.findings.get(kind, 0) + 1
    return outcome


def _match(journal, finding: Finding) -> tuple[str, str] | None:
    row = journal.match(finding.message_id, finding.address)
    if row is None and finding.kind == "unsubscribe" and finding.address:
        return "", finding.address  # honoured even when no campaign of ours is found
    return row


def _describe(report: Report) -> str:
    subject = report.subject if len(report.subject) <= 60 else report.subject[:59] + "…"
    return f'"{subject}" from {report.sender or "?"}'
