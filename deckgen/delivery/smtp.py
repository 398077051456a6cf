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
from dataclasses import dataclass, field

from ..errors import DeckgenError, UsageError

SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class SmtpFatal(DeckgenError):
    """The server will not take any message from us (authentication, TLS, sender refused):
    retrying cannot help; the run stops. Exit code 1."""


class ConnectionLost(Exception):
    """The connection could not be opened or broke: retry later on a new one."""


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


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}".strip()


def classify(code: int, message: bytes | str, stage: str) -> Outcome:
    """What a non-success reply at `stage` (MAIL, RCPT, DATA, end of data) means."""
    reply = _reply(code, message)
    if code == 421 or code < 200:  # closing, or the server's own connection dropped
        return Outcome("deferred", reply, reconnect=True)
    if 400 <= code < 500:
        return Outcome("deferred", reply)
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
        except (OSError, smtplib.SMTPException) as exc:
            raise ConnectionLost(f"cannot connect to {where}: {_why(exc)}") from None
        try:
            smtp.ehlo()
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
        except SmtpFatal:
            _close(smtp)
            raise
        except (OSError, smtplib.SMTPException) as exc:
            _close(smtp)
            raise ConnectionLost(f"{where}: {_why(exc)}") from None
        self._smtp = smtp

    def close(self) -> None:
        if self._smtp is not None:
            smtp, self._smtp = self._smtp, None
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                _close(smtp)

    def abandon(self) -> None:
        """Drop the connection without a goodbye (it is broken or in an unknown state)."""
        if self._smtp is not None:
            _close(self._smtp)
            self._smtp = None

    def deliver(
        self, sender: str, recipient: str, data: bytes, before_data: Callable[[], None]
    ) -> Outcome:
        """Send one message (CRLF line ends) to one recipient. `before_data` runs once the
        recipient is accepted, just before DATA: the journal marks the row "sending" there.
        The connection must be open; on a reconnect outcome it is closed."""
        smtp = self._smtp
        assert smtp is not None, "open() first"
        outcome = self._transaction(smtp, sender, recipient, data, before_data)
        if outcome.reconnect:
            self.abandon()
        elif outcome.state != "sent" and outcome.state != "unknown":
            try:  # leave the session ready for the next message
                code, message = smtp.rset()
                if code != 250:
                    self.abandon()
            except (OSError, smtplib.SMTPException):
                self.abandon()
        return outcome

    def _transaction(self, smtp, sender, recipient, data, before_data) -> Outcome:
        try:
            # smtplib's mail() and rcpt() parse each address again with email.utils (a
            # tenth of the client's time at 10,000 messages); ours are already validated.
            # putcmd still refuses a CR or LF, so nothing can be smuggled into a command.
            smtp.putcmd("mail", f"FROM:<{sender}>")
            code, message = smtp.getreply()
            if code != 250:
                return classify(code, message, "MAIL")
            smtp.putcmd("rcpt", f"TO:<{recipient}>")
            code, message = smtp.getreply()
            if code not in (250, 251):
                return classify(code, message, "RCPT")
            before_data()
            smtp.putcmd("data")
            code, message = smtp.getreply()
            if code != 354:
                return classify(code, message, "DATA")
        except (OSError, smtplib.SMTPException) as exc:
            return Outcome("deferred", f"connection lost: {_why(exc)}", reconnect=True)
        payload = dot_stuff(data)
        if not payload.endswith(b"\r\n"):
            payload += b"\r\n"
        try:
            smtp.send(payload + b".\r\n")
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
            return Outcome("sent", _reply(code, message))
        return classify(code, message, "end of data")


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
