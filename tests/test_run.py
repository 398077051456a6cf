"""deckgen.delivery.run: a pool of connections to a real server (aiosmtpd on 127.0.0.1 with
PIPELINING and injected faults), and the journal's promises at that concurrency: nobody
mailed twice, nobody skipped without being reported, through throttling, SIGKILL and Ctrl-C."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from smtpserver import Mailbox, smtp_server
from test_send import JOURNAL, REPO, address, journal_states, project, send, settled, write_list

__all__ = ["project"]  # the fixture, shared with test_send


def attempts(project: Path) -> dict[str, int]:
    with sqlite3.connect(project / JOURNAL) as db:
        return dict(db.execute("SELECT recipient, attempts FROM delivery"))


def faulty(**extra) -> Mailbox:
    """A relay with every fault of the issue: 451, 421 every 25 messages on a connection,
    a drop before the data, a drop after it, a 550."""
    return Mailbox(
        defer={address(5): 1, address(77): 2},
        refuse={address(9)},
        close_after=25,
        drop_at_rcpt={address(12)},
        drop_in_data={address(30)},
        **extra,
    )


def test_eight_connections_deliver_each_recipient_once(project, capsys):
    write_list(project / "abonnes.csv", 400)
    with smtp_server() as (mailbox, port):
        code, out, err = send(capsys, port, "--connections", "8")
    assert code == 0, err
    assert mailbox.count() == {address(k): 1 for k in range(400)}
    assert 2 <= mailbox.peak <= 8  # the pool really ran in parallel, and no wider
    assert set(journal_states(project).values()) == {"sent"}


def test_faults_over_eight_connections(project, capsys):
    write_list(project / "abonnes.csv", 300)
    with smtp_server(faulty()) as (mailbox, port):
        code, out, err = send(capsys, port, "--connections", "8")
    assert code == 1  # a failure and an unknown
    counts = mailbox.count()
    everyone = {address(k) for k in range(300)}
    assert set(counts.values()) == {1}
    # All but the 550 and the one whose connection dropped after its data (the server
    # threw it away; the sender cannot know: unknown, not resent).
    assert set(counts) == everyone - {address(9), address(30)}
    states = journal_states(project)
    assert states[address(9)] == "failed" and states[address(30)] == "sending"
    assert f"unknown: {address(30)}: connection lost after the message was sent" in err
    assert Counter(states.values()) == {"sent": 298, "failed": 1, "sending": 1}
    # The 421s every 25 messages dropped connections: the recipients waiting on them were
    # not at fault, so nobody was marked as having tried more than the faults explain.
    tries = attempts(project)
    assert tries[address(77)] == 2 and tries[address(5)] == 1 and tries[address(12)] == 1
    assert max(tries[a] for a in everyone - {address(5), address(77), address(12)}) <= 1


def test_a_relay_over_its_rate_slows_the_run_down_and_nobody_fails_for_it(project, capsys):
    write_list(project / "abonnes.csv", 300)
    with smtp_server(Mailbox(rate_limit=60)) as (mailbox, port):
        code, out, err = send(capsys, port, "--connections", "8")
    assert code == 0, err
    assert mailbox.throttled > 0
    assert "the relay throttled this run" in err and "nobody was counted as failed" in err
    assert mailbox.count() == {address(k): 1 for k in range(300)}
    assert set(attempts(project).values()) == {0}  # a 454 is never the recipient's attempt


def test_too_many_connections_means_fewer(project, capsys):
    write_list(project / "abonnes.csv", 200)
    with smtp_server(Mailbox(max_connections=3)) as (mailbox, port):
        code, out, err = send(capsys, port, "--connections", "10")
    assert code == 0, err
    assert mailbox.count() == {address(k): 1 for k in range(200)}
    assert mailbox.peak <= 3
    assert "connection(s)" in err and "the relay throttled this run" in err


def test_a_daily_quota_stops_the_run_and_keeps_the_rest_queued(project, capsys):
    write_list(project / "abonnes.csv", 50)
    mailbox = Mailbox(stop_after=None)
    quota = "454 Throttling failure: Daily message quota exceeded."
    with smtp_server(mailbox) as (_, port):
        mailbox.reject = {address(k): quota for k in range(20, 50)}
        code, out, err = send(capsys, port, "--connections", "4")
    assert code == 1
    assert "the relay's quota is reached" in err and "stays queued" in err
    states = journal_states(project)
    sent = {r for r, s in states.items() if s == "sent"}
    assert set(states.values()) == {"sent", "queued"}  # the rest waits for tomorrow
    assert sent == set(mailbox.count()) and sent <= {address(k) for k in range(20)}
    assert set(attempts(project).values()) == {0}
    mailbox.reject = {}  # the quota is renewed
    with smtp_server(mailbox) as (_, port):
        code, out, err = send(capsys, port, "--connections", "4")
    assert code == 0, err
    assert mailbox.count() == {address(k): 1 for k in range(50)}


def _start(project: Path, port: int, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, "-m", "deckgen", "send", "content/lettre.md", "--to-list",
         "abonnes.csv", "--smtp", f"127.0.0.1:{port}", "--security", "none",
         "--connections", "8", "--retry-base", "0.01", *extra],
        cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def _wait_for(mailbox: Mailbox, count: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while sum(mailbox.count().values()) < count and time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"deckgen send ended early: {proc.stderr.read().decode()}")
        time.sleep(0.005)


@pytest.mark.parametrize("how", ["SIGKILL", "Ctrl-C"])
def test_kill_mid_send_over_eight_connections_then_resume(project, capsys, how):
    write_list(project / "abonnes.csv", 400)
    everyone = {address(k) for k in range(400)}
    with smtp_server(faulty(delay=0.002)) as (mailbox, port):
        proc = _start(project, port)
        _wait_for(mailbox, 120, proc)
        proc.send_signal(signal.SIGKILL if how == "SIGKILL" else signal.SIGINT)
        code = proc.wait(30)
        err = proc.stderr.read().decode()
        proc.stderr.close()
        before = settled(mailbox)
        states = journal_states(project)
        unknown = {r for r, s in states.items() if s == "sending"}
        sent = {r for r, s in states.items() if s == "sent"}
        assert sent <= set(before) <= sent | unknown  # the journal never claims more
        if how == "SIGKILL":
            assert code == -9
            assert len(unknown - {address(30)}) <= 8  # at most one per connection
        else:
            assert code == 130, err
            assert "stopped by Ctrl-C after the messages in flight" in err
            assert unknown <= {address(30)}  # every message in flight was finished
        assert 120 <= sum(before.values()) < 400

        code, out, err = send(capsys, port, "--resume", "--connections", "8")
        after = mailbox.count()
    assert max(after.values()) == 1  # never twice
    for recipient in unknown:  # reported, neither resent nor forgotten
        assert f"{recipient}: unknown from an earlier run" in err
        assert after[recipient] == before[recipient]
    missing = everyone - set(after)
    assert missing <= unknown | {address(9)}  # only an unknown one, or the 550, is missing
    final = journal_states(project)
    assert final[address(9)] == "failed"
    assert {r for r, s in final.items() if s == "sent"} == everyone - unknown - {address(9)}


def test_ctrl_c_in_process_over_eight_connections(project, capsys):
    write_list(project / "abonnes.csv", 300)
    with smtp_server(Mailbox(delay=0.002)) as (mailbox, port):

        def interrupt() -> None:
            while sum(mailbox.count().values()) < 40:
                time.sleep(0.005)
            os.kill(os.getpid(), signal.SIGINT)

        threading.Thread(target=interrupt, daemon=True).start()
        code, out, err = send(capsys, port, "--connections", "8")
        assert code == 130
        states = journal_states(project)
        assert "sending" not in states.values()
        assert set(mailbox.count()) == {r for r, s in states.items() if s == "sent"}
        code, out, err = send(capsys, port, "--resume")
        assert code == 0, err
        assert mailbox.count() == {address(k): 1 for k in range(300)}


# ---------------------------------------------------------------------------- a real relay


@pytest.fixture
def relay_postfix():
    """Postfix on 127.0.0.1 (PIPELINING offered by a real smtpd), relaying to aiosmtpd."""
    from postfix import available, postfix
    from realclients import clients_required
    from smtpserver import free_port

    why = available()
    if why:
        if clients_required():
            pytest.fail(f"{why}; DECKGEN_REQUIRE_CLIENTS=1 requires it", pytrace=False)
        pytest.skip(why)

    @contextlib.contextmanager
    def start(**settings):
        with smtp_server() as (mailbox, port):
            with postfix(free_port(), port, settings=settings) as instance:
                yield mailbox, instance

    return start


def _arrived(mailbox: Mailbox, count: int, timeout: float = 60) -> Counter[str]:
    deadline = time.monotonic() + timeout
    while sum(mailbox.count().values()) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return settled(mailbox)


@pytest.mark.realclient
def test_pipelining_against_postfix(project, capsys, relay_postfix):
    write_list(project / "abonnes.csv", 200)
    with relay_postfix() as (mailbox, postfix):
        code, out, err = send(capsys, postfix.port, "--connections", "4")
        assert code == 0, err
        assert _arrived(mailbox, 200) == {address(k): 1 for k in range(200)}
        log = postfix.log.read_text(encoding="utf-8")
    # Postfix's smtpd checks the client's pipelining: it logs "improper command
    # pipelining" for a client that sends ahead when it may not. Ours may, and did.
    assert "improper command pipelining" not in log
    assert re.search(r"disconnect from localhost\[127\.0\.0\.1\] ehlo=1 mail=\d+ rcpt=\d+", log)


@pytest.mark.realclient
def test_postfix_rate_limits_slow_the_run_down(project, capsys, relay_postfix):
    """Postfix's anvil: at most 30 messages per client every 2 seconds; over that its
    smtpd answers with a 4.7.x "too much mail" reply (a real throttling reply)."""
    write_list(project / "abonnes.csv", 150)
    limits = {
        "smtpd_client_message_rate_limit": "30",
        "anvil_rate_time_unit": "2s",
        "smtpd_client_event_limit_exceptions": "",
    }
    with relay_postfix(**limits) as (mailbox, postfix):
        code, out, err = send(capsys, postfix.port, "--connections", "6", "--retry-base", "0.5")
        assert code == 0, err
        assert _arrived(mailbox, 150) == {address(k): 1 for k in range(150)}
    # Postfix's "450 4.7.1 Error: too much mail from 127.0.0.1" (it does not log it).
    assert "the relay throttled this run" in err
    assert set(attempts(project).values()) == {0}
