"""The campaign run: every recipient still to send, delivered once, each step in the journal.

`deliver` takes the recipients the journal says are queued or deferred and shares them out
to a pool of connections (``--connections``, 10 by default), one thread each. A thread
takes a recipient, fills in its copy (`Campaign.render`), hands it to the server on its own
reused connection (`deckgen.delivery.smtp`: with PIPELINING the next recipient's envelope
rides behind this message's data) and records the outcome (`deckgen.delivery.journal`: the
states and the at-most-once rule). Temporary failures wait their backoff and are retried;
the pace over all connections together follows `deckgen.delivery.pacing` (the user's
limits, and the relay's throttling replies, which slow the whole run down). Ctrl-C (`Stop`)
finishes the messages in flight.

Why threads, not asyncio: the time goes to waiting on the network (at 50 ms a connection
is idle 99 % of the time) and to a little CPU per message that is the same either way
(filling a copy, two SQLite commits); smtplib and ssl already give a tested session (TLS,
logins, the three ways a transaction ends) that threads reuse as it is, where asyncio would
need another SMTP client (aiosmtplib does not pipeline) and would still block its loop on
SQLite. Ten threads cost nothing measurable next to that (see bench/send.py).
"""

from __future__ import annotations

import heapq
import signal
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DeckgenError, display_path
from ..mail.message import HeaderInjection
from .campaign import Campaign
from .journal import Journal
from .pacing import Governor, Throttle, backoff
from .smtp import Connection, ConnectionLost, Outcome, Server
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
        sender = campaign.settings.bounce_address or campaign.settings.sender_address
        outcome = connection.deliver(sender, address, data, lambda: None)
    finally:
        connection.close()
    if outcome.state != "sent":
        raise SendError(f"the test message to {address} was not taken: {outcome.reply}")
    return outcome.reply


DEFAULT_CONNECTIONS = 10  # what common relays allow at once (and beats Postfix's 20 at 50 ms)


@dataclass
class Policy:
    rate: float | None = None  # messages per second, all connections together
    per_hour: int | None = None
    retry_base: float = 5.0  # seconds; doubled at each attempt
    max_attempts: int = 5  # per recipient and run; also consecutive connection failures
    connections: int = DEFAULT_CONNECTIONS


@dataclass
class RunReport:
    counts: Counter[str] = field(default_factory=Counter)  # this run's outcomes
    problems: list[str] = field(default_factory=list)  # failed, unknown: one line each
    deferred: dict[str, str] = field(default_factory=dict)  # left deferred: address -> reply
    interrupted: bool = False
    stopped: str = ""  # why the run stopped early (server unreachable, the relay's quota)
    throttling: str = ""  # how the relay throttled the run, if it did


class Stop:
    """Ctrl-C: finish the messages in flight, then stop. A second Ctrl-C stops at once.
    `halt` stops the run the same way for a reason of its own (the relay's quota...)."""

    def __init__(self):
        self.event = threading.Event()
        self.reason = ""
        self._previous = None

    def __enter__(self) -> Stop:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def _handle(self, signum, frame) -> None:
        if self.event.is_set() and not self.reason:
            raise KeyboardInterrupt
        self.reason = ""
        self.event.set()
        print(
            "\ndeckgen: stopping after the messages in flight (Ctrl-C again to stop now)",
            file=sys.stderr,
        )

    def halt(self, reason: str) -> None:
        if not self.event.is_set():
            self.reason = reason
            self.event.set()

    @property
    def requested(self) -> bool:
        return self.event.is_set()

    @property
    def interrupted(self) -> bool:
        """Stopped by Ctrl-C (not by `halt`)."""
        return self.event.is_set() and not self.reason

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.event.wait(seconds)


class _Queue:
    """The recipients still to try in this run, shared by the connections: list order
    first, then each retry when its backoff is over. A recipient is in one place only:
    here, or taken by one connection until it is settled."""

    def __init__(self, todo: list[Subscriber]):
        self.pending: deque[Subscriber] = deque(todo)
        self.retries: list[tuple[float, int, Subscriber]] = []  # (when, order, subscriber)
        self.taken = 0
        self._order = 0
        self.ready = threading.Condition()

    def take(self, stop: Stop, wait: bool = True) -> Subscriber | None:
        """The next recipient; None when there is none left (or none now, if not `wait`)."""
        with self.ready:
            while not stop.requested:
                now = time.monotonic()
                if self.retries and self.retries[0][0] <= now:
                    subscriber = heapq.heappop(self.retries)[2]
                elif self.pending:
                    subscriber = self.pending.popleft()
                elif not wait or (not self.retries and not self.taken):
                    return None
                else:  # others may still give theirs back, or a retry comes due
                    due = self.retries[0][0] - now if self.retries else 0.5
                    self.ready.wait(min(max(due, 0.001), 0.5))
                    continue
                self.taken += 1
                return subscriber
            return None

    def settle(self, subscriber: Subscriber, retry_at: float | None = None, again=False):
        """Done with a recipient taken: finished, to retry at `retry_at`, or `again` now
        (it was not its fault: throttling, a connection that went away)."""
        with self.ready:
            self.taken -= 1
            if retry_at is not None:
                self._order += 1
                heapq.heappush(self.retries, (retry_at, self._order, subscriber))
            elif again:
                self.pending.appendleft(subscriber)
            self.ready.notify_all()

    @property
    def finished(self) -> bool:
        with self.ready:
            return not self.pending and not self.retries and not self.taken


class _Run:
    """One `deliver` call: the pool's shared state and each connection's loop."""

    def __init__(self, campaign, journal, server, policy, stop, list_path, progress, todo):
        self.campaign, self.journal, self.policy = campaign, journal, policy
        self.stop, self.list_path, self.progress = stop, list_path, progress
        self.report = RunReport()
        self.queue = _Queue(todo)
        self.throttle = Throttle(
            policy.rate, policy.per_hour, journal.sent_since(time.time() - 3600)
        )
        self.governor = Governor(
            max(1, policy.connections), pause=policy.retry_base, quiet=2 * policy.retry_base
        )
        self.connections = [Connection(server) for _ in range(max(1, policy.connections))]
        self.lock = threading.Lock()
        self.trouble = 0  # consecutive connection failures and drops, all connections
        self.error: BaseException | None = None
        self.sender = campaign.settings.bounce_address or campaign.settings.sender_address

    # -------------------------------------------------------------- one connection

    def work(self, index: int) -> None:
        try:
            self._loop(index)
        except BaseException as exc:  # SmtpFatal, or a bug: the main thread raises it
            with self.lock:
                self.error = self.error or exc
            self.stop.halt("error")
        finally:
            self.connections[index].close()

    def _loop(self, index: int) -> None:
        connection = self.connections[index]
        job = None  # (subscriber, data, message_id): taken, its commands maybe on the wire
        try:
            while not self.stop.requested:
                if index >= self.governor.connections:  # the relay wants fewer of us
                    if job is not None:
                        self.queue.settle(job[0], again=True)
                        job = None
                    connection.close()
                    if self.queue.finished:
                        return
                    self._park(index)
                    continue
                if job is None:
                    job = self._prepare(self.queue.take(self.stop))
                    if job is None:
                        if self.queue.finished or self.stop.requested:
                            return
                        continue
                if not connection.is_open and not self._open(connection):
                    continue
                pause = self.governor.pause_left()
                if pause > 0:
                    self.stop.sleep(pause)
                    continue
                epoch = self.governor.epoch
                self.stop.sleep(self.throttle.reserve(self.governor.ceiling))
                if self.stop.requested:
                    self.throttle.release()
                    break
                subscriber, data, message_id = job
                following = None
                if connection.pipelining and not self.policy.rate and self.governor.ceiling is None:
                    following = self._prepare(self.queue.take(self.stop, wait=False))
                outcome = connection.deliver(
                    self.sender,
                    subscriber.address,
                    data,
                    lambda key=subscriber.key, mid=message_id: self.journal.mark_sending(
                        self.campaign.id, key, mid
                    ),
                    then=(self.sender, following[0].address) if following else None,
                )
                self._settle(subscriber, outcome, connection, epoch)
                job = following
        finally:
            if job is not None:
                self.queue.settle(job[0], again=True)

    def _prepare(self, subscriber: Subscriber | None):
        """(subscriber, message bytes, Message-ID); None for none, or for a copy that a
        merge field would turn into a forged header (failed, reported)."""
        while subscriber is not None:
            try:
                data, message_id = self.campaign.render(subscriber)
                return subscriber, data, message_id
            except HeaderInjection as exc:
                self.journal.mark_failed(self.campaign.id, subscriber.key, f"not sent: {exc}")
                with self.lock:
                    self.report.counts["failed"] += 1
                    self.report.problems.append(
                        f"{display_path(self.list_path)}:{subscriber.line}: {subscriber.address}:"
                        f" not sent, a merge field would forge a header ({exc})"
                    )
                self.queue.settle(subscriber)
                subscriber = self.queue.take(self.stop, wait=False)
        return None

    def _park(self, index: int) -> None:
        with self.governor.changed:
            self.governor.changed.wait(0.5)

    def _open(self, connection: Connection) -> bool:
        with self.lock:
            trouble = self.trouble
        if trouble:
            self.stop.sleep(backoff(trouble, self.policy.retry_base))
            if self.stop.requested:
                return False
        epoch = self.governor.epoch
        try:
            connection.open()
            return True
        except ConnectionLost as exc:
            if exc.throttle:
                self._throttled(exc.throttle, str(exc), epoch)
                return False
            with self.lock:
                self.trouble += 1
                over = self.trouble > self.policy.max_attempts
            if over:
                self.report.stopped = f"{exc} ({self.policy.max_attempts} attempts)"
                self.stop.halt("server unreachable")
            return False

    def _live(self) -> int:
        return sum(1 for c in self.connections if c.is_open)

    def _throttled(self, kind: str, reply: str, epoch: int | None = None) -> None:
        if kind == "quota":
            self.report.stopped = (
                f"the relay's quota is reached ({reply}); everyone left stays queued: run "
                "the same command when the quota is renewed"
            )
            self.stop.halt("quota")
            return
        self.governor.throttle(kind, self._live(), epoch)
        if self.governor.streak > 4 * self.policy.max_attempts:
            self.report.stopped = (
                f"the relay kept throttling ({self.governor.streak} times in a row, last: {reply})"
            )
            self.stop.halt("throttled")

    # -------------------------------------------------------------- outcomes

    def _settle(
        self, subscriber: Subscriber, outcome: Outcome, connection: Connection, epoch: int
    ) -> None:
        cid, key, journal, report = self.campaign.id, subscriber.key, self.journal, self.report
        if outcome.state != "sent":
            self.throttle.release()
        if outcome.state == "sent":
            journal.mark_sent(cid, key, outcome.reply)
            self.governor.sent()
            self.queue.settle(subscriber)
        elif outcome.throttle:
            # The relay limits us: not this recipient's failure. Back in the queue as it was,
            # this connection dropped, and the whole run slows down.
            journal.mark_requeued(cid, key, outcome.reply)
            connection.close()
            self.queue.settle(subscriber, again=True)
            self._throttled(outcome.throttle, outcome.reply, epoch)
        elif outcome.state == "failed":
            journal.mark_failed(cid, key, outcome.reply)
            self.queue.settle(subscriber)
        elif outcome.state == "deferred":
            attempts = journal.mark_deferred(cid, key, outcome.reply)
            if attempts < self.policy.max_attempts:
                when = time.monotonic() + backoff(attempts, self.policy.retry_base)
                self.queue.settle(subscriber, retry_at=when)
            else:
                with self.lock:
                    report.deferred[subscriber.address] = outcome.reply
                self.queue.settle(subscriber)
        else:  # unknown: stays "sending" in the journal
            self.queue.settle(subscriber)
        with self.lock:
            if outcome.state == "failed":
                report.problems.append(f"failed: {subscriber.address}: {outcome.reply}")
            elif outcome.state == "unknown":
                report.problems.append(
                    f"unknown: {subscriber.address}: {outcome.reply}; the server may have "
                    "delivered it: not resent (--retry-unknown to send it again, maybe twice)"
                )
            if outcome.state == "sent":
                self.trouble = 0
            elif outcome.reconnect and not outcome.throttle:
                self.trouble += 1
            elif not outcome.throttle:
                self.trouble = 0
            state = "throttled" if outcome.throttle else outcome.state
            report.counts[state] += 1
            self.progress(report.counts)


def deliver(
    campaign: Campaign,
    subscribers: list[Subscriber],
    journal: Journal,
    server: Server,
    policy: Policy,
    stop: Stop,
    list_path: Path,
    progress: Callable[[Counter[str]], None] = lambda counts: None,
    states: dict[str, tuple[str, int]] | None = None,
) -> RunReport:
    """Send every subscriber's message not yet sent over a pool of connections, recording
    each step in the journal (`states`: the journal's, if the caller just read them)."""
    states = states if states is not None else journal.states(campaign.id)
    todo = [s for s in subscribers if states.get(s.key, ("queued", 0))[0] in ("queued", "deferred")]
    run = _Run(campaign, journal, server, policy, stop, list_path, progress, todo)
    report = run.report
    if todo:
        try:  # the first connection here: a wrong --smtp or certificate stops at once
            run.connections[0].open()
        except ConnectionLost as exc:
            raise SendError(f"{exc}; check --smtp and --security (nothing was sent)") from None
        workers = [
            threading.Thread(target=run.work, args=(k,), name=f"smtp-{k}", daemon=True)
            for k in range(len(run.connections))
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            while worker.is_alive():  # with a timeout, so that Ctrl-C reaches the handler
                worker.join(0.2)
        if run.error is not None:
            raise run.error
    report.interrupted = stop.interrupted
    governor = run.governor
    if governor.throttled:
        slowest = []
        if governor.fewest < governor.maximum:
            slowest.append(f"down to {governor.fewest} connection(s)")
        if governor.lowest_rate is not None:
            slowest.append(f"down to {governor.lowest_rate:.1f} messages/s")
        report.throttling = (
            f"the relay throttled this run {governor.throttled} time(s) "
            f"({', '.join(slowest) or 'paused'}); nobody was counted as failed for it"
        )
    for _, _, subscriber in run.queue.retries:  # waiting for their next attempt at the end
        report.deferred[subscriber.address] = "not retried yet"
    left = len(run.queue.pending)
    if left and (report.interrupted or report.stopped):
        report.counts["left"] = left
    return report
