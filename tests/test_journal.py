"""The delivery journal: states, one commit per step, the lock, what survives a kill."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deckgen.delivery.journal import Journal, JournalBusy
from deckgen.delivery.pacing import Throttle, backoff

REPO = Path(__file__).resolve().parent.parent
ROWS = [(f"r{k}@example.com", f"r{k}@example.com", f"R{k}@example.com") for k in range(5)]


def test_states_attempts_and_summary(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.add_campaign("c", "content/x.md", "default", "list.csv")
        assert journal.enqueue("c", ROWS) == 5
        assert journal.enqueue("c", ROWS[:2]) == 0  # already queued: never twice
        journal.mark_sending("c", "r0@example.com", "<m0@example.com>")
        journal.mark_sent("c", "r0@example.com", "250 OK")
        assert journal.mark_deferred("c", "r1@example.com", "451 later") == 1
        assert journal.mark_deferred("c", "r1@example.com", "451 later") == 2
        journal.mark_failed("c", "r2@example.com", "550 no such user")
        journal.mark_sending("c", "r3@example.com", "<m3@example.com>")
        assert dict(journal.summary("c")) == {
            "queued": 1,
            "sending": 1,
            "sent": 1,
            "deferred": 1,
            "failed": 1,
        }
        assert journal.states("c")["r1@example.com"] == ("deferred", 2)
        sent = journal.rows("c", ("sent",))[0]
        assert (sent.reply, sent.message_id) == ("250 OK", "<m0@example.com>")
        assert journal.known_addresses("c")["R4@example.com"] == "r4@example.com"
        assert journal.requeue_unknown("c") == 1
        assert journal.states("c")["r3@example.com"] == ("queued", 0)
        assert len(journal.sent_since(time.time() - 60)) == 1
        assert journal.campaigns() == ["c"] and journal.has_campaign("c")


def test_wal_mode_and_a_second_sender_is_refused(tmp_path):
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        mode = journal._db.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
        with pytest.raises(JournalBusy, match="another 'deckgen send' is using this journal"):
            Journal(path)
        with Journal(path, lock=False) as reader:  # --status reads while a run sends
            assert reader.campaigns() == []
    Journal(path).close()  # the lock went with the first one


def test_every_step_is_committed_when_it_returns(tmp_path):
    """A process killed with SIGKILL right after mark_sent leaves the row sent: the commit
    is in the WAL before the call returns (synchronous=NORMAL suffices for a process
    crash)."""
    path = tmp_path / "j.sqlite"
    code = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from deckgen.delivery.journal import Journal\n"
        f"j = Journal(Path({str(path)!r}))\n"
        "j.add_campaign('c', 'x', 'default', 'l')\n"
        f"j.enqueue('c', {ROWS!r})\n"
        "j.mark_sending('c', 'r0@example.com', '<m>')\n"
        "j.mark_sent('c', 'r0@example.com', '250 OK')\n"
        "j.mark_sending('c', 'r1@example.com', '<n>')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))  # this tree's deckgen, not an installed one
    proc = subprocess.run([sys.executable, "-c", code], cwd=str(tmp_path), env=env, check=False)
    assert proc.returncode == -9
    with Journal(path) as journal:  # the lock died with the process
        states = journal.states("c")
        assert states["r0@example.com"][0] == "sent"
        assert states["r1@example.com"][0] == "sending"  # visible as unknown
        assert states["r2@example.com"][0] == "queued"


def test_backoff_doubles_and_is_capped():
    assert [backoff(n, 0.5) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]
    assert backoff(30, 5.0) == 600.0


def test_throttle_rate_and_sliding_hour():
    now = [1000.0]
    throttle = Throttle(rate=10, per_hour=3, recent=[-3000.0, 900.0], clock=lambda: now[0])
    assert throttle.wait() == 0.0  # -3000 is more than an hour old: one sent in the hour
    throttle.record()
    assert throttle.wait() == pytest.approx(0.1)
    now[0] += 0.1
    assert throttle.wait() == 0.0
    throttle.record()  # three in the last hour: 900, 1000, 1000.1
    assert throttle.wait() == pytest.approx(900.0 + 3600 - 1000.1)
