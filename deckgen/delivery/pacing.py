"""Pacing: how fast a run may go (--rate, --per-hour) and how long it waits before a retry.

A relay limits an account, not a connection: `Throttle` counts every message the run sends,
and the hour slides over every campaign of the journal.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


def backoff(attempt: int, base: float, ceiling: float = 600.0) -> float:
    """Seconds to wait before try number `attempt` + 1: base, 2 base, 4 base... capped."""
    return min(base * 2 ** max(attempt - 1, 0), ceiling)


class Throttle:
    """--rate (messages per second) and --per-hour (a sliding hour, across runs: the
    journal's recent sends seed it), the limits relays put on an account."""

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

    def wait(self) -> float:
        """Seconds to wait before the next message may go (0: now)."""
        now = self.clock()
        delay = max(0.0, self._last + self.interval - now)
        if self.per_hour:
            while self._window and self._window[0] <= now - 3600:
                self._window.popleft()
            if len(self._window) >= self.per_hour:
                delay = max(delay, self._window[0] + 3600 - now)
        return delay

    def record(self) -> None:
        now = self.clock()
        self._last = now
        if self.per_hour:
            self._window.append(now)
