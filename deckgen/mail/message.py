"""A ready-to-send newsletter message: `email.message.EmailMessage` with policy.SMTP.

multipart/alternative (the text part first, then the HTML; the HTML inside
multipart/related with its pictures when they are embedded as CID parts), inside
multipart/mixed with the attachments (a training's PDF handout) when there are some;
quoted-printable bodies (no line over 78 characters);
the subject encoded per RFC 2047 by the email package; List-Unsubscribe (https and mailto)
with List-Unsubscribe-Post for one-click unsubscription (RFC 8058), each on one line.
Header values containing CR or LF are refused: no header injection.
"""

from __future__ import annotations

import email.policy
import email.utils
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage

from ..model import Asset

# The top-level headers are written unfolded (up to RFC 5322's 998 columns), so that
# List-Unsubscribe stays on one line as mail providers expect; the rest keeps 78.
WRITE_POLICY = email.policy.SMTP.clone(max_line_length=998)


class HeaderInjection(ValueError):
    """A header value contains a line break."""


# What relays take: Gmail, Outlook.com and most relays refuse messages over 25 MB (the
# encoded size: base64 makes an attachment a third larger), many corporate servers stop
# at 10 MB.
SIZE_WARNING = 10 * 1024 * 1024
SIZE_LIMIT = 25 * 1024 * 1024


@dataclass(frozen=True)
class Attachment:
    """A file sent with the message (the same for every recipient)."""

    filename: str  # as the recipient sees it
    data: bytes = field(repr=False)
    mime: str = "application/pdf"


def size_problem(size: int) -> tuple[str, str] | None:
    """("warning" | "error", what to do) for a message of `size` bytes as sent, or None."""
    mb = size / (1024 * 1024)
    if size > SIZE_LIMIT:
        return (
            "error",
            f"the message is {mb:.1f} MB with its attachment: relays refuse messages over "
            f"{SIZE_LIMIT // (1024 * 1024)} MB; send a link to the file instead, or a smaller file",
        )
    if size > SIZE_WARNING:
        return (
            "warning",
            f"the message is {mb:.1f} MB with its attachment: many company mail servers "
            f"refuse messages over {SIZE_WARNING // (1024 * 1024)} MB",
        )
    return None


@dataclass(frozen=True)
class Envelope:
    sender_name: str
    sender_address: str
    to: str
    subject: str
    reply_to: str = ""
    unsubscribe_url: str = ""  # https://... (one-click POST target)
    unsubscribe_mailto: str = ""  # mailto:...
    message_id_domain: str = ""
    date: datetime | None = None
    extra_headers: Mapping[str, str] = field(default_factory=dict)


def build_message(
    envelope: Envelope,
    text: str,
    html: str,
    images: Mapping[str, Asset] | None = None,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """The message; `images` maps each CID used in the HTML (``cid:KEY``) to its asset;
    `attachments` follow the text and HTML (multipart/mixed)."""
    values = [
        envelope.sender_name,
        envelope.sender_address,
        envelope.to,
        envelope.subject,
        envelope.reply_to,
        envelope.unsubscribe_url,
        envelope.unsubscribe_mailto,
        *envelope.extra_headers.keys(),
        *envelope.extra_headers.values(),
    ]
    for value in values:
        if "\r" in value or "\n" in value:
            raise HeaderInjection(f"a line break in a header value: {value!r}")
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = Address(envelope.sender_name, addr_spec=envelope.sender_address)
    msg["To"] = envelope.to
    if envelope.reply_to:
        msg["Reply-To"] = envelope.reply_to
    msg["Subject"] = envelope.subject
    date = envelope.date or datetime.now(UTC)
    msg["Date"] = email.utils.format_datetime(date)
    domain = envelope.message_id_domain or envelope.sender_address.rpartition("@")[2] or None
    msg["Message-ID"] = email.utils.make_msgid(domain=domain)
    msg["MIME-Version"] = "1.0"
    targets = [f"<{u}>" for u in (envelope.unsubscribe_url, envelope.unsubscribe_mailto) if u]
    if targets:
        msg["List-Unsubscribe"] = ", ".join(targets)
        if envelope.unsubscribe_url:
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in envelope.extra_headers.items():
        msg[name] = value
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    if images:
        # The HTML part becomes multipart/related (HTML + pictures): the structure email
        # clients expect, and the one Python's email package builds.
        html_part = msg.get_payload()[1]
        for cid, asset in images.items():
            maintype, _, subtype = asset.mime.partition("/")
            html_part.add_related(
                asset.data,
                maintype=maintype,
                subtype=subtype,
                cid=f"<{cid}>",
                disposition="inline",
                filename=asset.source.name,
            )
    for attachment in attachments:  # the first one makes the message multipart/mixed
        if "\r" in attachment.filename or "\n" in attachment.filename:
            raise HeaderInjection(f"a line break in a file name: {attachment.filename!r}")
        maintype, _, subtype = attachment.mime.partition("/")
        msg.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return msg


def to_bytes(msg: EmailMessage) -> bytes:
    """The message as sent: CRLF line ends; the top-level headers unfolded (List-Unsubscribe
    on one line), everything after them (parts and their headers) within 78 columns."""
    body_78 = msg.as_bytes(policy=email.policy.SMTP)  # also fixes the multipart boundaries
    head = msg.as_bytes(policy=WRITE_POLICY).split(b"\r\n\r\n", 1)[0]
    return head + b"\r\n\r\n" + body_78.split(b"\r\n\r\n", 1)[1]
