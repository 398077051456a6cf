"""The campaign run: every recipient still to send, delivered once, each step in the journal.

`deliver` takes the recipients the journal says are queued or deferred, fills in each one's
copy (`Campaign.render`), hands it to the SMTP server on a reused connection
(`deckgen.delivery.smtp`) and records the outcome (`deckgen.delivery.journal`: the states and
the at-most-once rule). Temporary failures wait their backoff and are retried; the pace
follows `deckgen.delivery.pacing`. Ctrl-C (`Stop`) finishes the message in flight.
"""

from __future__ import annotations

import heapq
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DeckgenError, display_path
from ..mail.message import HeaderInjection
from .campaign import Campaign
from .journal import Journal
from .pacing import Throttle, backoff
from .smtp import Connection, ConnectionLost, Server
from .subscribers import Subscriber


class SendError(DeckgenError):
    """The run stopped (server unreachable, refused us): exit 1; the journal says where."""


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
