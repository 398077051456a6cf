"""The delivery journal: one SQLite row per (campaign, recipient), the truth about who got what.

States and their meaning::

    queued    not tried yet
    sending   the server accepted the recipient and the message data is about to go out:
              if the process dies now, nobody knows whether the server took the message
              ("unknown": reported, never resent unless the user asks, --retry-unknown)
    sent      the server answered 250 to the message data (its reply is kept)
    deferred  a temporary failure (4xx, lost connection): retried, with its attempts count
    failed    a permanent failure (5xx): never retried

Every transition is its own committed transaction, made right after the event it records
(the "sent" commit right after the server's 250): the journal never claims more than what
happened, and what it does not know is visible as "sending". That is at-most-once delivery:
a recipient is never sent twice by deckgen on its own, at the price of asking the user about
the rare message whose fate is unknown.

Durability: WAL mode with ``synchronous=NORMAL`` by default. A committed transaction then
survives the death of the process (SIGKILL, a crash, Ctrl-C): it is in the WAL, in the OS's
page cache, as soon as the commit returns. What NORMAL gives up is the last commits before a
power cut or a kernel crash; ``durable=True`` (``--durable``) makes each commit wait for the
disk (``synchronous=FULL``, one fsync per transition) for machines where that matters.

The connections of a run (threads, see `deckgen.delivery.run`) share one `Journal`: its
methods take a lock, one statement at a time, so each transition is still its own commit.

A lock file beside the database (``flock``, released by the kernel even on SIGKILL) keeps
two ``deckgen send`` processes from working on one journal at once: two senders would each
send what the other has not marked yet.
"""

from __future__ import annotations

import fcntl
import functools
import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ..errors import InputError

STATES = ("queued", "sending", "sent", "deferred", "failed")

SCHEMA = """
CREATE TABLE IF NOT EXISTS campaign (
    id TEXT PRIMARY KEY,
    content TEXT NOT NULL,
    theme TEXT NOT NULL,
    list TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS delivery (
    campaign TEXT NOT NULL,
    recipient TEXT NOT NULL,          -- lowercased address: the identity
    address TEXT NOT NULL,            -- as sent (RCPT TO)
    raw TEXT NOT NULL,                -- as written in the list (saves re-checking it)
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'sending', 'sent', 'deferred', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    reply TEXT NOT NULL DEFAULT '',   -- the server's last reply
    message_id TEXT NOT NULL DEFAULT '',
    updated REAL NOT NULL,
    PRIMARY KEY (campaign, recipient)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS delivery_sent ON delivery (state, updated);
-- deckgen bounces: a bounce, complaint or unsubscribe is found by the original Message-ID.
CREATE INDEX IF NOT EXISTS delivery_message_id ON delivery (message_id);
-- Every message deckgen bounces has read (its Message-ID, or a hash): each is read once.
CREATE TABLE IF NOT EXISTS report (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,               -- dsn, arf, unsubscribe, auto-reply, ignored
    received REAL NOT NULL
) WITHOUT ROWID;
-- What the reports said about each recipient, per campaign ('' when none matched).
CREATE TABLE IF NOT EXISTS feedback (
    report TEXT NOT NULL,
    campaign TEXT NOT NULL,
    recipient TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('hard', 'soft', 'complaint', 'unsubscribe')),
    status TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    at REAL NOT NULL,
    suppressed INTEGER NOT NULL DEFAULT 0,  -- 1 once on the suppression list
    PRIMARY KEY (report, recipient, kind)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS feedback_recipient ON feedback (recipient, kind);
"""

# Suppression reasons, by kind of feedback.
SUPPRESSION_REASONS = {"hard": "bounced", "complaint": "complained", "unsubscribe": "unsubscribed"}
SOFT_LIMIT = 3  # soft bounces on this many campaigns make a hard one


@dataclass(frozen=True)
class Row:
    recipient: str
    address: str
    state: str
    attempts: int
    reply: str
    message_id: str


F = TypeVar("F", bound=Callable[..., Any])


def _serialized(method: F) -> F:
    """One thread at a time on the SQLite connection (the run's connections share it)."""

    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return locked  # type: ignore[return-value]


class JournalBusy(InputError):
    """Another deckgen send holds the journal."""


class Journal:
    """The delivery journal of a project (``build/.deckgen/send.sqlite`` by default)."""

    def __init__(self, path: Path, durable: bool = False, lock: bool = True):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fd: int | None = None
        if lock:
            self._lock_fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(self._lock_fd)
                self._lock_fd = None
                raise JournalBusy(
                    "another 'deckgen send' is using this journal; wait for it to finish "
                    "(two senders would send the same messages twice)",
                    path,
                ) from None
        # Autocommit: each statement below is its own transaction, committed on return.
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, isolation_level=None, timeout=10, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        self._db.executescript(SCHEMA)

    @_serialized
    def close(self) -> None:
        self._db.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -------------------------------------------------------------- campaigns

    @_serialized
    def add_campaign(self, campaign: str, content: str, theme: str, list_path: str) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO campaign VALUES (?, ?, ?, ?, ?)",
            (campaign, content, theme, list_path, time.time()),
        )

    @_serialized
    def campaigns(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT id FROM campaign ORDER BY created")]

    @_serialized
    def has_campaign(self, campaign: str) -> bool:
        return (
            self._db.execute("SELECT 1 FROM campaign WHERE id = ?", (campaign,)).fetchone()
            is not None
        )

    # -------------------------------------------------------------- queue

    @_serialized
    def enqueue(self, campaign: str, recipients: Iterable[tuple[str, str, str]]) -> int:
        """Queue (key, address, raw) rows not already in the campaign, in one transaction.
        Returns how many were new."""
        now = time.time()
        with self._transaction():
            before = self._db.total_changes
            self._db.executemany(
                "INSERT OR IGNORE INTO delivery (campaign, recipient, address, raw, updated) "
                "VALUES (?, ?, ?, ?, ?)",
                ((campaign, key, address, raw, now) for key, address, raw in recipients),
            )
            return self._db.total_changes - before

    @_serialized
    def known_addresses(self, campaign: str) -> dict[str, str]:
        """List spelling -> normalized address of every row already checked and queued."""
        return dict(
            self._db.execute("SELECT raw, address FROM delivery WHERE campaign = ?", (campaign,))
        )

    @_serialized
    def rows(self, campaign: str, states: Iterable[str] = STATES) -> list[Row]:
        wanted = tuple(states)
        marks = ",".join("?" * len(wanted))
        return [
            Row(*r)
            for r in self._db.execute(
                "SELECT recipient, address, state, attempts, reply, message_id FROM delivery "
                f"WHERE campaign = ? AND state IN ({marks}) ORDER BY recipient",
                (campaign, *wanted),
            )
        ]

    @_serialized
    def states(self, campaign: str) -> dict[str, tuple[str, int]]:
        """recipient -> (state, attempts)."""
        return {
            key: (state, attempts)
            for key, state, attempts in self._db.execute(
                "SELECT recipient, state, attempts FROM delivery WHERE campaign = ?", (campaign,)
            )
        }

    @_serialized
    def requeue_unknown(self, campaign: str) -> int:
        """--retry-unknown: put 'sending' rows back in the queue (they may arrive twice)."""
        cursor = self._db.execute(
            "UPDATE delivery SET state = 'queued', updated = ? "
            "WHERE campaign = ? AND state = 'sending'",
            (time.time(), campaign),
        )
        return cursor.rowcount

    # -------------------------------------------------------------- transitions (one commit each)

    @_serialized
    def mark_sending(self, campaign: str, recipient: str, message_id: str) -> None:
        self._set(campaign, recipient, "sending", None, message_id=message_id)

    @_serialized
    def mark_sent(self, campaign: str, recipient: str, reply: str) -> None:
        self._set(campaign, recipient, "sent", reply)

    @_serialized
    def mark_deferred(self, campaign: str, recipient: str, reply: str) -> int:
        """Returns the attempts so far."""
        self._db.execute(
            "UPDATE delivery SET state = 'deferred', reply = ?, attempts = attempts + 1, "
            "updated = ? WHERE campaign = ? AND recipient = ?",
            (reply, time.time(), campaign, recipient),
        )
        row = self._db.execute(
            "SELECT attempts FROM delivery WHERE campaign = ? AND recipient = ?",
            (campaign, recipient),
        ).fetchone()
        return row[0] if row else 0

    @_serialized
    def mark_failed(self, campaign: str, recipient: str, reply: str) -> None:
        self._set(campaign, recipient, "failed", reply, attempts_plus=1)

    @_serialized
    def mark_requeued(self, campaign: str, recipient: str, reply: str) -> None:
        """Back to the queue as it was, attempts unchanged: the relay throttled us, the
        recipient is not at fault (its data was refused or never sent)."""
        self._set(campaign, recipient, "queued", reply)

    def _set(
        self,
        campaign: str,
        recipient: str,
        state: str,
        reply: str | None,
        message_id: str | None = None,
        attempts_plus: int = 0,
    ) -> None:
        self._db.execute(
            "UPDATE delivery SET state = ?, reply = COALESCE(?, reply), "
            "message_id = COALESCE(?, message_id), attempts = attempts + ?, updated = ? "
            "WHERE campaign = ? AND recipient = ?",
            (state, reply, message_id, attempts_plus, time.time(), campaign, recipient),
        )

    # -------------------------------------------------------------- reports

    @_serialized
    def summary(self, campaign: str) -> Counter[str]:
        counts: Counter[str] = Counter({state: 0 for state in STATES})
        counts.update(
            dict(
                self._db.execute(
                    "SELECT state, COUNT(*) FROM delivery WHERE campaign = ? GROUP BY state",
                    (campaign,),
                ).fetchall()
            )
        )
        return counts

    @_serialized
    def sent_since(self, since: float) -> list[float]:
        """When each message of every campaign sent after `since` was sent (hourly cap:
        a relay's limit counts every message of the account, whatever the campaign)."""
        return [
            r[0]
            for r in self._db.execute(
                "SELECT updated FROM delivery WHERE state = 'sent' AND updated > ? "
                "ORDER BY updated",
                (since,),
            )
        ]

    # -------------------------------------------------------------- what came back

    @_serialized
    def has_report(self, key: str) -> bool:
        return self._db.execute("SELECT 1 FROM report WHERE key = ?", (key,)).fetchone() is not None

    @_serialized
    def match(self, message_id: str, address: str) -> tuple[str, str] | None:
        """(campaign, recipient) a report is about: by the original Message-ID, else the
        latest campaign sent to that address; None when this journal never sent to it."""
        if message_id:
            row = self._db.execute(
                "SELECT campaign, recipient FROM delivery WHERE message_id = ?", (message_id,)
            ).fetchone()
            if row:
                return row[0], row[1]
        if address:
            row = self._db.execute(
                "SELECT campaign, recipient FROM delivery WHERE recipient = ? "
                "AND state IN ('sent', 'sending') ORDER BY updated DESC LIMIT 1",
                (address.lower(),),
            ).fetchone()
            if row:
                return row[0], row[1]
        return None

    @_serialized
    def add_report(
        self, key: str, kind: str, findings: Iterable[tuple[str, str, str, str, str]]
    ) -> None:
        """A report read, with its (campaign, recipient, kind, status, detail), in one
        transaction: reading it again adds nothing."""
        now = time.time()
        with self._transaction():
            self._db.execute("INSERT OR IGNORE INTO report VALUES (?, ?, ?)", (key, kind, now))
            self._db.executemany(
                "INSERT OR IGNORE INTO feedback (report, campaign, recipient, kind, status, "
                "detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                ((key, *finding, now) for finding in findings),
            )

    @_serialized
    def to_suppress(self) -> dict[str, str]:
        """recipient -> reason for everyone the feedback puts on the suppression list and
        who is not there yet: a hard bounce, a complaint, an unsubscribe, or soft bounces
        on `SOFT_LIMIT` campaigns."""
        found: dict[str, str] = {}
        for recipient, kind in self._db.execute(
            "SELECT recipient, kind FROM feedback WHERE suppressed = 0 AND kind != 'soft' "
            "ORDER BY at"
        ):
            found.setdefault(recipient, SUPPRESSION_REASONS[kind])
        for (recipient,) in self._db.execute(
            "SELECT recipient FROM feedback WHERE kind = 'soft' AND campaign != '' "
            "GROUP BY recipient HAVING COUNT(DISTINCT campaign) >= ? AND MIN(suppressed) = 0",
            (SOFT_LIMIT,),
        ):
            found.setdefault(recipient, f"bounced ({SOFT_LIMIT} soft bounces)")
        return found

    @_serialized
    def mark_suppressed(self, recipients: Iterable[str]) -> None:
        with self._transaction():
            self._db.executemany(
                "UPDATE feedback SET suppressed = 1 WHERE recipient = ?",
                ((r,) for r in recipients),
            )

    @_serialized
    def feedback(self, campaign: str) -> Counter[str]:
        """Recipients per kind of feedback for one campaign (each counted once per kind)."""
        counts: Counter[str] = Counter({"hard": 0, "soft": 0, "complaint": 0, "unsubscribe": 0})
        counts.update(
            dict(
                self._db.execute(
                    "SELECT kind, COUNT(DISTINCT recipient) FROM feedback WHERE campaign = ? "
                    "GROUP BY kind",
                    (campaign,),
                ).fetchall()
            )
        )
        return counts

    def _transaction(self):
        db = self._db

        class _Tx:
            def __enter__(self):
                db.execute("BEGIN IMMEDIATE")

            def __exit__(self, kind, value, tb):
                db.execute("COMMIT" if kind is None else "ROLLBACK")

        return _Tx()
