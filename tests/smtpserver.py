"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1 at a free port, in a thread,
with a handler that stores every message and can inject the faults a relay produces.

Faults (all off by default; set them on `Mailbox` before or during a run):

* ``defer``: address -> how many times DATA answers ``451`` before accepting;
* ``refuse``: addresses refused at RCPT with ``550 5.1.1`` (no such mailbox);
* ``reject``: address -> the reply RCPT gives it instead (another permanent refusal);
* ``close_after``: after that many messages on one connection, answer ``421`` to the next
  MAIL and close the connection;
* ``drop_at_rcpt``: addresses whose first RCPT closes the connection without a reply
  (before any data: the sender knows the message was not taken);
* ``drop_in_data``: addresses whose first DATA closes the connection without a reply and
  without keeping the message (the sender cannot know whether it was taken);
* ``stop_after``: once that many messages are stored, the next MAIL gets ``421`` and the
  whole server stops (``on_stop``): nothing listens on the port any more;
* ``rate_limit``: more than that many messages accepted in the last second and MAIL gets
  Amazon SES's ``454 Throttling failure: Maximum sending rate exceeded.``;
* ``max_connections``: a session beyond that many open at once gets ``421 4.7.0 Too many
  connections`` to its EHLO and is closed;
* ``delay``: seconds the server waits before each reply to MAIL, RCPT and the data (a slow
  relay, so that a test can stop a run in the middle).

``pipelining`` (on by default, as real relays do: Amazon SES, Postmark, Mailgun, Postfix)
offers PIPELINING in the EHLO reply; aiosmtpd reads commands from its stream one after the
other and answers each in order, which is what RFC 2920 asks of a server. ``sessions`` counts
the sessions opened and ``peak`` the most open at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, server: str, timeout: float = 20.0) -> None:
    """Return once something accepts connections on 127.0.0.1:`port` (a server the tests
    started: Dovecot, Postfix), else raise naming `server`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{server} did not listen on 127.0.0.1:{port}")


@dataclass
class Mailbox:
    messages: list[tuple[str, bytes]] = field(default_factory=list)  # (recipient, data)
    defer: dict[str, int] = field(default_factory=dict)
    refuse: set[str] = field(default_factory=set)
    reject: dict[str, str] = field(default_factory=dict)
    close_after: int | None = None
    drop_in_data: set[str] = field(default_factory=set)
    drop_at_rcpt: set[str] = field(default_factory=set)
    stop_after: int | None = None
    rate_limit: int | None = None
    max_connections: int | None = None
    delay: float = 0.0
    pipelining: bool = True
    on_stop: object = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    throttled: int = 0  # 454 replies given
    sessions: int = 0
    peak: int = 0
    _open: set = field(default_factory=set)
    _accepted: deque = field(default_factory=deque)

    def count(self) -> Counter[str]:
        with self.lock:
            return Counter(r for r, _ in self.messages)

    def parsed(self) -> dict[str, email.message.EmailMessage]:
        with self.lock:
            return {
                r: email.message_from_bytes(d, policy=email.policy.default)
                for r, d in self.messages
            }

    # ---------------------------------------------------------------- aiosmtpd hooks

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        self._open = {t for t in self._open if not t.is_closing()}
        if server.transport not in self._open:
            self.sessions += 1
            if self.max_connections is not None and len(self._open) >= self.max_connections:
                await server.push("421 4.7.0 Too many connections, try again later")
                server.transport.close()
                return []
            self._open.add(server.transport)
            self.peak = max(self.peak, len(self._open))
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, options):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.rate_limit is not None:
            now = time.monotonic()
            while self._accepted and self._accepted[0] < now - 1.0:
                self._accepted.popleft()
            if len(self._accepted) >= self.rate_limit:
                self.throttled += 1
                return "454 Throttling failure: Maximum sending rate exceeded."
        if self.stop_after is not None and len(self.messages) >= self.stop_after:
            # Between two messages, so that the last one's 250 did reach the sender.
            self.stop_after = None
            threading.Thread(target=self.on_stop).start()
            return "421 4.3.2 shutting down"
        sent = getattr(session, "deckgen_sent", 0)
        if self.close_after is not None and sent >= self.close_after:
            await server.push("421 4.7.0 too many messages on this connection, closing")
            server.transport.close()
            return "421 4.7.0 closing"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        if self.delay:
            await asyncio.sleep(self.delay)
        if address.lower() in self.drop_at_rcpt:
            self.drop_at_rcpt.discard(address.lower())
            server.transport.close()
            return "250 never seen"
        if address.lower() in self.refuse:
            return "550 5.1.1 no such mailbox here"
        if address.lower() in self.reject:
            return self.reject[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        rcpt = envelope.rcpt_tos[0].lower()
        with self.lock:
            if rcpt in self.drop_in_data:
                self.drop_in_data.discard(rcpt)
                server.transport.close()
                return "250 never seen"
            if self.defer.get(rcpt, 0) > 0:
                self.defer[rcpt] -= 1
                return "451 4.7.1 greylisted, try again later"
            self.messages.append((rcpt, envelope.original_content))
            self._accepted.append(time.monotonic())
            stored = len(self.messages)
        session.deckgen_sent = getattr(session, "deckgen_sent", 0) + 1
        return f"250 2.0.0 OK queued as {stored}"


@contextlib.contextmanager
def smtp_server(
    mailbox: Mailbox | None = None, port: int | None = None, **options: object
) -> Iterator[tuple[Mailbox, int]]:
    """A running server (mailbox, port); stopped when the block ends. `options` go to
    aiosmtpd's Controller: ``tls_context`` and ``require_starttls`` for STARTTLS,
    ``ssl_context`` for TLS from the first byte, ``authenticator`` for AUTH."""
    mailbox = mailbox or Mailbox()
    port = port or free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    lock = threading.Lock()
    running = [True]

    def stop() -> None:
        with lock:
            if running[0]:
                running[0] = False
                controller.stop()

    mailbox.on_stop = stop
    try:
        yield mailbox, port
    finally:
        stop()
