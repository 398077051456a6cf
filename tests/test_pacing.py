"""deckgen.delivery.pacing: the relay's throttling slows the whole run down, then it speeds
back up; the user's --rate holds over every connection together."""

from __future__ import annotations

import threading

import pytest

from deckgen.delivery.pacing import Governor, Throttle
from deckgen.delivery.smtp import classify, throttle_kind


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    "code, reply, kind",
    [
        (454, "454 Throttling failure: Maximum sending rate exceeded.", "rate"),
        (454, "454 Throttling failure: Daily message quota exceeded.", "quota"),
        (451, "451 4.7.500 Server busy. Please try again later from [192.0.2.1].", "rate"),
        (450, "450 4.7.1 Error: too much mail from 192.0.2.1", "rate"),
        (421, "421 4.7.0 Too many connections, try again later", "connections"),
        (421, "421 4.3.2 Service shutting down", "connections"),
        (451, "451 4.7.1 greylisted, try again later", ""),  # the recipient's own deferral
        (450, "450 4.2.1 The user you are trying to contact is receiving mail too quickly", ""),
        (550, "550 5.7.1 rate of spam too high", ""),  # permanent: never a throttle
    ],
)
def test_what_a_reply_says_about_the_sender(code, reply, kind):
    assert throttle_kind(code, reply) == kind
    outcome = classify(code, reply.split(" ", 1)[1], "MAIL" if code < 500 else "RCPT")
    assert outcome.throttle == kind
    if kind:  # the recipient is not at fault; that connection is dropped
        assert outcome.state == "deferred" and outcome.reconnect


def test_rate_throttling_halves_the_rate_pauses_everyone_then_speeds_back_up():
    clock = Clock()
    governor = Governor(10, pause=2.0, quiet=10.0, clock=clock)
    for _ in range(50):  # 50 messages over 5 s: 10 per second
        clock.now += 0.1
        governor.sent()
    assert governor.ceiling is None and governor.connections == 10
    assert governor.throttle("rate", live=10) == 2.0
    assert governor.ceiling == pytest.approx(5.0, rel=0.05)  # half of what went through
    assert governor.pause_left() == 2.0
    # The other connections' messages in flight get the same 454: one step down only.
    assert governor.throttle("rate", live=10) == 2.0
    assert governor.ceiling == pytest.approx(5.0, rel=0.05)
    clock.now += 2.0
    assert governor.throttle("rate", live=10) == 4.0  # still throttled: the pause doubles
    assert governor.ceiling == pytest.approx(2.5, rel=0.05)
    clock.now += 4.0
    assert governor.pause_left() == 0.0
    ceilings = []
    for _ in range(500):  # 50 quiet seconds
        clock.now += 0.1
        governor.sent()
        ceilings.append(governor.ceiling)
    assert governor.streak == 0
    # Up by half every quiet spell, then no ceiling at all once far above the pace.
    assert ceilings[150] == pytest.approx(2.5 * 1.5, rel=0.05)
    assert governor.ceiling is None and governor.lowest_rate == pytest.approx(2.5, rel=0.05)


def test_too_many_connections_takes_one_away_then_gives_them_back():
    clock = Clock()
    governor = Governor(8, pause=1.0, quiet=5.0, clock=clock)
    governor.throttle("connections", live=6)  # the relay refused a 7th: 5 from now on
    assert governor.connections == 5 and governor.fewest == 5
    governor.throttle("connections", live=6)  # another at the same moment: the same step
    assert governor.connections == 5
    clock.now += 1.0
    governor.throttle("connections", live=5)
    assert governor.connections == 4
    for _ in range(4):
        clock.now += 60.0
        governor.throttle("connections", live=1)
    assert governor.connections == 1  # never none
    for _ in range(400):  # 80 quiet seconds (after a 32 s pause: six throttles in a row)
        clock.now += 0.2
        governor.sent()
    assert governor.connections == 8  # one more each quiet spell, up to --connections


def test_the_rate_holds_over_all_connections_together():
    clock = Clock()
    throttle = Throttle(rate=10, clock=clock)
    waits = []
    lock = threading.Lock()

    def connection() -> None:
        for _ in range(5):
            delay = throttle.reserve()
            with lock:
                waits.append(delay)

    threads = [threading.Thread(target=connection) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 20 slots booked at the same instant by 4 connections: one every 0.1 s, none shared.
    assert sorted(round(w, 6) for w in waits) == [round(0.1 * k, 6) for k in range(20)]
    assert throttle.reserve(ceiling=2.0) == pytest.approx(1.9 + 0.5)  # the relay's ceiling


def test_the_hourly_cap_counts_bookings_and_gives_back_what_was_not_sent():
    clock = Clock()
    throttle = Throttle(per_hour=2, recent=[clock.now - 100], clock=clock)
    assert throttle.reserve() == 0.0
    assert throttle.wait() == pytest.approx(3500.0)  # two in the hour: the next in 3500 s
    throttle.release()  # that one was refused: its place is free again
    assert throttle.wait() == 0.0
