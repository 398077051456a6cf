"""SMTP: one session, one message at a time over a reused connection, and what a reply means.

`Connection.deliver` runs MAIL, RCPT, DATA itself (smtplib's low-level calls, not
``sendmail``) so that it can tell the three ways a transaction can end without a reply
apart, which ``sendmail`` cannot:

* the connection drops before the end of the data went out: the server cannot have taken
  the message (RFC 5321 4.1.1.4: no end-of-data, no delivery) -> deferred, retried;
* it drops after the end of the data went out, before the reply: the server may have
  taken it -> unknown (the journal keeps it "sending"; deckgen does not resend it alone);
* a reply: 2xx sent, 421 deferred and reconnect, other 4xx deferred, 5xx failed.

The password is held in `Server` with ``repr=False``: it never appears in a traceback's
locals printout, a log line or the journal.
"""

from __future__ import annotations

import ipaddress
import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..errors import DeckgenError, UsageError

SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class SmtpFatal(DeckgenError):
    """The server will not take any message from us (authentication, TLS, sender refused):
    retrying cannot help; the run stops. Exit code 1."""


class ConnectionLost(Exception):
    """The connection could not be opened or broke: retry later on a new one. `throttle`
    says when the server refused it to limit us ("connections": too many at once)."""

    def __init__(self, message: str, throttle: str = ""):
        super().__init__(message)
        self.throttle = throttle


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: str = "starttls"
    user: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 60.0


def parse_server(text: str, security: str) -> tuple[str, int]:
    """``HOST[:PORT]`` (``[::1]:25`` for IPv6) -> (host, port); the port defaults to the
    security's usual one (587 STARTTLS, 465 TLS, 25 none)."""
    match = re.fullmatch(r"\[([^\]]+)\](?::(\d+))?|([^:\[\]]+)(?::(\d+))?", text.strip())
    if not match:
        raise UsageError(f"--smtp {text}: give HOST:PORT, e.g. smtp.example.com:587")
    host = match.group(1) or match.group(3)
    port_text = match.group(2) or match.group(4)
    port = int(port_text) if port_text else DEFAULT_PORTS[security]
    if not 0 < port < 65536:
        raise UsageError(f"--smtp {text}: the port must be between 1 and 65535")
    return host, port


def is_loopback(host: str) -> bool:
    """True for this machine only (127.0.0.0/8, ::1, localhost): the one place where mail
    may travel unencrypted without crossing a network."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Outcome:
    state: str  # sent, deferred, failed or unknown
    reply: str  # the server's reply ("250 2.0.0 Ok: queued as X"), or what happened
    reconnect: bool = False  # the connection is no longer usable
    # The server is limiting us, not refusing this recipient ("" when not): "rate" (454,
    # 4.7.x rate limits), "connections" (421, too many connections), "quota" (a daily
    # quota: nothing more today). The recipient is not at fault: queued again as it was.
    throttle: str = ""


# What relays say when they limit a sender rather than refuse a recipient: Amazon SES
# "454 Throttling failure: Maximum sending rate exceeded", Microsoft "451 4.7.500 Server
# busy", Postfix's anvil "450 4.7.1 Error: too much mail from ...", Mailgun and Gmail "421
# 4.7.0 Too many connections" / "unusual rate". Greylisting ("451 4.7.1 greylisted, try
# again later") says none of these words: it stays the recipient's own deferral.
QUOTA = re.compile(r"daily (?:message |sending )?(?:quota|limit)|quota exceeded", re.I)
TOO_MANY_CONNECTIONS = re.compile(
    r"too many (?:connections|sessions|concurrent)|connection (?:limit|rate)|concurren", re.I
)
RATE_LIMITED = re.compile(
    r"throttl|rate|too (?:many|much|fast)|limit|exceed|slow down|busy|try again in \d", re.I
)


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}".strip()


def throttle_kind(code: int, reply: str) -> str:
    """Whether a 4xx reply limits the sender ("rate", "connections", "quota") or concerns
    this recipient only ("")."""
    if not 400 <= code < 500:
        return ""
    if QUOTA.search(reply):
        return "quota"
    if TOO_MANY_CONNECTIONS.search(reply):
        return "connections"
    if code == 421:
        return "connections"  # closing the session: one connection fewer for a while
    if code == 454 or (re.match(r"\d{3} 4\.7\.", reply) and RATE_LIMITED.search(reply)):
        return "rate"
    return ""


def classify(code: int, message: bytes | str, stage: str) -> Outcome:
    """What a non-success reply at `stage` (MAIL, RCPT, DATA, end of data) means."""
    reply = _reply(code, message)
    if code == 421 or code < 200:  # closing, or the server's own connection dropped
        return Outcome("deferred", reply, reconnect=True, throttle=throttle_kind(code, reply))
    if 400 <= code < 500:
        kind = throttle_kind(code, reply)
        return Outcome("deferred", reply, reconnect=bool(kind), throttle=kind)
    if 500 <= code < 600:
        if stage == "MAIL":
            raise SmtpFatal(
                f"the server refused the sender address: {reply}; check sender_address in "
                "[tool.deckgen] (the relay must allow it)"
            )
        return Outcome("failed", reply)
    return Outcome("deferred", f"unexpected reply at {stage}: {reply}", reconnect=True)


class Connection:
    """One SMTP session, opened on demand and reused for every message until it breaks."""

    def __init__(self, server: Server, local_hostname: str | None = None):
        self.server = server
        self.local_hostname = local_hostname
        self._smtp: smtplib.SMTP | None = None
        self.pipelining = False  # the server offered PIPELINING (RFC 2920) in its EHLO
        self._ahead: tuple[str, str] | None = None  # (sender, recipient) already on the wire

    @property
    def is_open(self) -> bool:
        return self._smtp is not None

    def open(self) -> None:
        """Connect, say EHLO, encrypt, log in. Raises `ConnectionLost` (retry later) or
        `SmtpFatal` (the configuration is wrong: retrying will not help)."""
        s = self.server
        where = f"{s.host}:{s.port}"
        context = ssl.create_default_context()
        try:
            if s.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, self.local_hostname, timeout=s.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, self.local_hostname, timeout=s.timeout)
        except ssl.SSLError as exc:
            raise _tls_failure(where, exc) from None
        except smtplib.SMTPConnectError as exc:  # a greeting other than 220
            reply = _reply(exc.smtp_code, exc.smtp_error)
            raise ConnectionLost(
                f"{where} refused the connection: {reply}", throttle_kind(exc.smtp_code, reply)
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise ConnectionLost(f"cannot connect to {where}: {_why(exc)}") from None
        try:
            code, message = smtp.ehlo()
            if code != 250:
                reply = _reply(code, message)
                raise ConnectionLost(f"{where}: EHLO: {reply}", throttle_kind(code, reply))
            if s.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise SmtpFatal(
                        f"{where} does not offer STARTTLS: use --security tls for a server on "
                        "port 465, or --security none for a relay on this machine"
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password)
            self.pipelining = smtp.has_extn("pipelining")
        except smtplib.SMTPAuthenticationError as exc:
            _close(smtp)
            if 400 <= exc.smtp_code < 500:
                raise ConnectionLost(
                    f"{where}: authentication: {_reply(exc.smtp_code, exc.smtp_error)}"
                ) from None
            raise SmtpFatal(
                f"{where} refused the login for '{s.user}': "
                f"{_reply(exc.smtp_code, exc.smtp_error)}; check --user and DECKGEN_SMTP_PASSWORD"
            ) from None
        except smtplib.SMTPNotSupportedError:
            _close(smtp)
            raise SmtpFatal(
                f"{where} does not offer authentication on this connection: check --security"
            ) from None
        except ssl.SSLError as exc:
            _close(smtp)
            raise _tls_failure(where, exc) from None
        except (SmtpFatal, ConnectionLost):
            _close(smtp)
            raise
        except (OSError, smtplib.SMTPException) as exc:
            _close(smtp)
            raise ConnectionLost(f"{where}: {_why(exc)}") from None
        self._smtp = smtp
        self._ahead = None

    def close(self) -> None:
        """QUIT, then close. Commands sent ahead for a message are dropped with the session
        (the server discards a transaction whose data never came)."""
        if self._smtp is not None and self._ahead is not None:
            self.abandon()
        if self._smtp is not None:
            smtp, self._smtp = self._smtp, None
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                _close(smtp)

    def abandon(self) -> None:
        """Drop the connection without a goodbye (it is broken or in an unknown state)."""
        self._ahead = None
        if self._smtp is not None:
            _close(self._smtp)
            self._smtp = None

    def deliver(
        self,
        sender: str,
        recipient: str,
        data: bytes,
        before_data: Callable[[], None],
        then: tuple[str, str] | None = None,
    ) -> Outcome:
        """Send one message (CRLF line ends) to one recipient. `before_data` runs once the
        server is ready for the data (354), just before it goes out: the journal marks the
        row "sending" there. The connection must be open; on a reconnect outcome it is
        closed.

        With PIPELINING (RFC 2920), MAIL, RCPT and DATA go out together, and `then`, the
        next message's (sender, recipient) on this connection, goes out right behind this
        message's data: one round trip per message instead of four. The next `deliver`
        must then be for that envelope (or the connection closed)."""
        smtp = self._smtp
        assert smtp is not None, "open() first"
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead != (sender, recipient):
            raise AssertionError(f"commands for {ahead[1]} are on the wire, not {recipient}'s")
        if not self.pipelining:
            then = None
        outcome = self._transaction(
            smtp, sender, recipient, data, before_data, sent=ahead is not None, then=then
        )
        if outcome.reconnect:
            self.abandon()
        elif outcome.state != "sent" and outcome.state != "unknown":
            try:  # leave the session ready for the next message
                self._ahead = None
                code, message = smtp.rset()
                if code != 250:
                    self.abandon()
            except (OSError, smtplib.SMTPException):
                self.abandon()
        return outcome

    def _transaction(self, smtp, sender, recipient, data, before_data, sent, then) -> Outcome:
        # smtplib's mail() and rcpt() parse each address again with email.utils (a tenth of
        # the client's time at 10,000 messages); ours are already validated. Commands are
        # written here, refusing a CR or LF as putcmd does: nothing can be smuggled in.
        try:
            if self.pipelining:
                if not sent:
                    smtp.send(_envelope_commands(sender, recipient))
                mail, mail_text = smtp.getreply()
                try:
                    (rcpt, rcpt_text), (go, go_text) = smtp.getreply(), smtp.getreply()
                except (OSError, smtplib.SMTPException):
                    if mail != 250:  # "421 closing" at MAIL, then the server hung up
                        return classify(mail, mail_text, "MAIL")
                    raise
                if mail != 250:
                    return classify(mail, mail_text, "MAIL")
                if rcpt not in (250, 251):
                    if go == 354:  # a server that takes DATA with no recipient: empty data
                        smtp.send(b".\r\n")
                        smtp.getreply()
                    return classify(rcpt, rcpt_text, "RCPT")
                if go != 354:
                    return classify(go, go_text, "DATA")
            else:
                smtp.send(_command("MAIL FROM:", sender))
                code, message = smtp.getreply()
                if code != 250:
                    return classify(code, message, "MAIL")
                smtp.send(_command("RCPT TO:", recipient))
                code, message = smtp.getreply()
                if code not in (250, 251):
                    return classify(code, message, "RCPT")
                smtp.send(b"DATA\r\n")
                code, message = smtp.getreply()
                if code != 354:
                    return classify(code, message, "DATA")
        except (OSError, smtplib.SMTPException) as exc:
            return Outcome("deferred", f"connection lost: {_why(exc)}", reconnect=True)
        before_data()
        payload = dot_stuff(data)
        if not payload.endswith(b"\r\n"):
            payload += b"\r\n"
        payload += b".\r\n"
        if then is not None:
            payload += _envelope_commands(*then)
        try:
            smtp.send(payload)
        except (OSError, smtplib.SMTPException) as exc:
            # The end-of-data mark did not go out: the server cannot have taken the message.
            return Outcome("deferred", f"connection lost during DATA: {_why(exc)}", reconnect=True)
        try:
            code, message = smtp.getreply()
        except (OSError, smtplib.SMTPException) as exc:
            return Outcome(
                "unknown",
                f"connection lost after the message was sent, before the server's reply: "
                f"{_why(exc)}",
                reconnect=True,
            )
        if 200 <= code < 300:
            self._ahead = then
            return Outcome("sent", _reply(code, message))
        outcome = classify(code, message, "end of data")
        if then is not None:  # the next message's DATA would find the server waiting for data
            outcome = replace(outcome, reconnect=True)
        return outcome


def _command(verb: str, address: str) -> bytes:
    if "\r" in address or "\n" in address:
        raise ValueError(f"a line break in an SMTP address: {address!r}")
    return f"{verb}<{address}>\r\n".encode("ascii")


def _envelope_commands(sender: str, recipient: str) -> bytes:
    """MAIL, RCPT and DATA in one write (PIPELINING)."""
    return _command("MAIL FROM:", sender) + _command("RCPT TO:", recipient) + b"DATA\r\n"


# RFC 3463 "addressing status" codes that say the address itself is wrong: bad mailbox
# (5.1.1), bad domain (5.1.2), bad syntax (5.1.3), moved with no forwarding (5.1.6), domain
# that takes no mail (5.1.10, null MX). Sending again only hurts the sender's reputation.
# A bare 550, or a 5.7.x policy refusal, says nothing about the address: not a bounce.
HARD_BOUNCE = re.compile(r"5\d\d 5\.1\.(?:1|2|3|6|10)\b")


def is_hard_bounce(reply: str) -> bool:
    """Whether a permanent failure's reply ("550 5.1.1 ...") says the address does not exist."""
    return HARD_BOUNCE.match(reply) is not None


def dot_stuff(data: bytes) -> bytes:
    """RFC 5321 4.5.2: double a dot that starts a line (bytes.replace: 3x a regex)."""
    data = data.replace(b"\n.", b"\n..")
    return b"." + data if data.startswith(b".") else data


def _tls_failure(where: str, exc: ssl.SSLError) -> SmtpFatal:
    """A failed TLS handshake is a configuration problem (the wrong --security for this
    port, or a certificate this machine does not trust): retrying will not help."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return SmtpFatal(
            f"{where}: the server's certificate is not valid: {exc.verify_message}; check the "
            "host name in --smtp (it must match the certificate), or, for a relay with a "
            "private authority, point SSL_CERT_FILE at that authority's certificate"
        )
    hint = (
        "the server does not speak TLS from the first byte: use --security starttls "
        "(usually port 587)"
        if exc.reason == "WRONG_VERSION_NUMBER"
        else "check --security and the port"
    )
    return SmtpFatal(f"{where}: TLS handshake failed ({exc.reason or exc}); {hint}")


def _why(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.close()
    except OSError:
        pass
