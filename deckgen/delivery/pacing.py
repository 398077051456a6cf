"""Pacing: how fast a run goes, over all its connections together.

* `Throttle`: the user's limits, ``--rate`` (messages per second) and ``--per-hour`` (a
  sliding hour over every campaign of the journal: a relay limits an account, not a run).
* `Governor`: the relay's own limits, learnt from its replies. A throttling reply (454
  "Throttling failure", 451 4.7.x rate limits, 421 and "too many connections") slows the whole
  run down: the rate is halved (or the connections cut by one), every connection waits a
  pause that doubles while the throttling goes on; then, after a quiet spell, the run speeds
  back up step by step (additive increase, multiplicative decrease, as TCP does).
* `backoff`: how long a recipient's own temporary failure waits before its next try.

Everything here is shared by the connections' threads: each method takes the lock.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


def backoff(attempt: int, base: float, ceiling: float = 600.0) -> float:
    """Seconds to wait before try number `attempt` + 1: base, 2 base, 4 base... capped."""
    return min(base * 2 ** max(attempt - 1, 0), ceiling)


class Throttle:
    """--rate (messages per second) and --per-hour (a sliding hour, across runs: the
    journal's recent sends seed it), the limits relays put on an account.

    `reserve` books the next free slot for one message (any connection) and says how long
    to wait for it; `release` gives a slot back when the message was not sent."""

    def __init__(
        self,
        rate: float | None = None,
        per_hour: int | None = None,
        recent: list[float] | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.interval = 1.0 / rate if rate else 0.0
        self.per_hour = per_hour
        self.clock = clock
        self._last = float("-inf")
        self._window: deque[float] = deque(recent or ())
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Seconds to wait before the next message may go (0: now)."""
        with self._lock:
            return self._delay(self.clock(), self.interval)

    def _delay(self, now: float, interval: float) -> float:
        delay = max(0.0, self._last + interval - now)
        if self.per_hour:
            while self._window and self._window[0] <= now - 3600:
                self._window.popleft()
            if len(self._window) >= self.per_hour:
                delay = max(delay, self._window[0] + 3600 - now)
        return delay

    def reserve(self, ceiling: float | None = None) -> float:
        """Book a slot for one message; returns the seconds to wait before sending it.
        `ceiling` is a lower rate the relay imposes (messages per second), if any."""
        with self._lock:
            now = self.clock()
            interval = max(self.interval, 1.0 / ceiling if ceiling else 0.0)
            delay = self._delay(now, interval)
            self._last = now + delay
            if self.per_hour:
                self._window.append(now + delay)
            return delay

    def release(self) -> None:
        """The message booked last was not sent: its place in the hour is free again."""
        with self._lock:
            if self.per_hour and self._window:
                self._window.pop()

    def record(self) -> None:
        """One message sent now, outside `reserve` (a single-connection caller)."""
        with self._lock:
            now = self.clock()
            self._last = now
            if self.per_hour:
                self._window.append(now)


class Governor:
    """The relay's limits, learnt from its throttling replies, for every connection.

    `connections` is how many connections may be open now (from `maximum` down to 1),
    `ceiling` the rate the relay tolerates (messages per second, None: no sign of a limit
    yet), `pause_left()` how long every connection waits before its next message."""

    def __init__(
        self,
        maximum: int,
        pause: float = 5.0,
        quiet: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.maximum = maximum
        self.connections = maximum
        self.ceiling: float | None = None
        self.base_pause = pause
        self.quiet = quiet  # seconds without throttling before each step back up
        self.clock = clock
        self.throttled = 0  # throttling replies this run
        self.streak = 0  # throttling replies since the last message sent
        self.lowest_rate: float | None = None  # the slowest rate it came down to
        self.fewest = maximum
        self._pause_until = float("-inf")
        self.epoch = 0  # steps down so far: a message carries the epoch it started in
        self._throttled_at = 1.0  # the pace (messages/s) the relay last refused
        self._calm_since = clock()
        self._sent: deque[float] = deque()  # when the last messages went (rate estimate)
        self._lock = threading.Lock()
        self.changed = threading.Condition(self._lock)

    def sent(self) -> None:
        """A message was sent: the relay took it. Speeds back up after a quiet spell."""
        with self._lock:
            now = self.clock()
            self._sent.append(now)
            while self._sent and self._sent[0] < now - 5.0:
                self._sent.popleft()
            self.streak = 0
            if now - self._calm_since >= self.quiet and now >= self._pause_until:
                self._calm_since = now
                grew = False
                if self.connections < self.maximum:
                    self.connections += 1
                    grew = True
                if self.ceiling is not None:
                    self.ceiling *= 1.5
                    if self.ceiling > 2 * self._throttled_at:
                        self.ceiling = None  # twice the pace that was refused: no limit now
                    grew = True
                if grew:
                    self.changed.notify_all()

    def throttle(self, kind: str, live: int, epoch: int | None = None) -> float:
        """A throttling reply of `kind` ("rate" or "connections") while `live` connections
        were open, to a message started at `epoch` (see `epoch`). Returns the pause every
        connection now waits (seconds)."""
        with self._lock:
            now = self.clock()
            self.throttled += 1
            self._calm_since = now
            if now < self._pause_until or (epoch is not None and epoch < self.epoch):
                # Already slowed down since that message started: the messages that were in
                # flight on the other connections get the same answer. One step down per
                # round, as TCP halves its window once per round trip, not once per loss.
                return max(0.0, self._pause_until - now)
            self.epoch += 1
            self.streak += 1
            if kind == "connections":
                self.connections = max(1, min(self.connections, live) - 1)
                self.fewest = min(self.fewest, self.connections)
            else:
                # The pace that was refused: the ceiling if there is one (the pace measured
                # since is only what the ceiling and the pauses let through).
                current = self.ceiling if self.ceiling is not None else self._rate(now) or 1.0
                self._throttled_at = current
                self.ceiling = max(current / 2, 0.1)
                self.lowest_rate = min(self.lowest_rate or self.ceiling, self.ceiling)
            pause = backoff(self.streak, self.base_pause, ceiling=300.0)
            self._pause_until = max(self._pause_until, now + pause)
            self.changed.notify_all()
            return pause

    def pause_left(self) -> float:
        with self._lock:
            return max(0.0, self._pause_until - self.clock())

    def _rate(self, now: float) -> float:
        """Messages per second over the last 5 seconds."""
        recent = [t for t in self._sent if t >= now - 5.0]
        if len(recent) < 2:
            return float(len(recent))
        return len(recent) / max(now - recent[0], 1.0)
