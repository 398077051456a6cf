"""deckgen send --attach handout|pdf: the follow-up to a training's attendees, against a
real SMTP server (aiosmtpd on 127.0.0.1): one personalised message per participant with the
training's PDF, built once, journaled, within the relays' size limits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from smtpserver import smtp_server
from test_send import CONFIG, JOURNAL, REPO, SECRET, journal_states

from deckgen.cli import main
from deckgen.mail import message

TRAINING = """---
title: "Médias sociaux : la formation"
subject: "{{ first_name }}, le support de la formation"
lang: fr-FR
---

## Bienvenue

Bonjour {{ first_name }}, merci d’avoir suivi la formation.

::: notes
Accueillir les participants et rappeler l’objectif de la journée.
:::

## Trois idées

- écouter avant de publier
- répondre à chaque commentaire
- mesurer une fois par mois

::: notes
Insister sur la régularité plutôt que sur le volume.
:::
"""
HANDOUT = Path("build/default/formation.handout.pdf")


def participants(path: Path, count: int) -> None:
    rows = ["email,first_name,last_name"] + [
        f"p{k:03d}@example.com,Prénom{k},Nom{k}" for k in range(count)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "formation.md").write_text(TRAINING, encoding="utf-8")
    participants(tmp_path / "participants.csv", 20)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DECKGEN_UNSUBSCRIBE_SECRET", SECRET)
    monkeypatch.delenv("DECKGEN_SMTP_PASSWORD", raising=False)
    return tmp_path


def prebuilt(project: Path, data: bytes = b"%PDF-1.7\n% a handout\n") -> bytes:
    """An up-to-date handout in build/ (written after the content): used as it is."""
    target = project / HANDOUT
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return data


def send(capsys, port: int | None, *extra: str, attach: str | None = "handout"):
    args = ["send", "content/formation.md", "--to-list", "participants.csv"]
    if port is not None:
        args += ["--smtp", f"127.0.0.1:{port}", "--security", "none", "--retry-base", "0.01"]
    if attach:
        args += ["--attach", attach]
    code = main([*args, *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out, err


def pdf_part(msg):
    parts = [p for p in msg.walk() if p.get_content_type() == "application/pdf"]
    assert len(parts) == 1, [p.get_content_type() for p in msg.walk()]
    return parts[0]


@pytest.mark.realclient
def test_each_participant_gets_one_personal_message_with_the_handout_built_once(project, capsys):
    from realclients import pdf_pages, require_tool

    require_tool("soffice")
    stale = prebuilt(project, b"%PDF-1.7\n% an old handout\n")
    os.utime(project / HANDOUT, (1, 1))  # older than the content: built again
    with smtp_server() as (mailbox, port):
        code, out, err = send(capsys, port)
        assert code == 0, err
        assert f"attaching {HANDOUT.as_posix()} (built" in out
        assert "campaign formation.default.participants.handout: 20 to send" in out
        handout = (project / HANDOUT).read_bytes()
        assert handout != stale and handout.startswith(b"%PDF")
        pages = pdf_pages(project / HANDOUT)
        assert len(pages) == 3  # the title slide and two slides, each with its notes
        assert "Insistersurlarégularité" in "".join(pages[2].text.split())
        counts = mailbox.count()
        assert len(counts) == 20 and set(counts.values()) == {1}
        for k, (recipient, msg) in enumerate(sorted(mailbox.parsed().items())):
            assert recipient == f"p{k:03d}@example.com"
            assert msg.get_content_type() == "multipart/mixed"
            assert msg["Subject"] == f"Prénom{k}, le support de la formation"
            assert f"Bonjour Prénom{k}, merci" in msg.get_body(("plain",)).get_content()
            part = pdf_part(msg)
            assert part.get_filename() == "formation.handout.pdf"
            assert part.get_content() == handout
        assert set(journal_states(project).values()) == {"sent"}
        # Again: the handout is up to date, and nobody gets it twice.
        code, out, err = send(capsys, port)
        assert code == 0 and "(up to date" in out and "0 to send, 20 already done" in out
        assert mailbox.count() == counts


def test_the_follow_up_is_another_campaign_than_the_plain_newsletter(project, capsys):
    """Sent without the PDF first, then with it: everybody gets both, nobody is skipped
    as already sent. Without LibreOffice: an up-to-date handout is used as it is."""
    data = prebuilt(project)
    with smtp_server() as (mailbox, port):
        code, out, _ = send(capsys, port, attach=None)
        assert code == 0 and "campaign formation.default.participants: 20 to send" in out
        code, out, _ = send(capsys, port)
        assert code == 0 and "formation.default.participants.handout: 20 to send" in out
        assert set(mailbox.count().values()) == {2}
    with_pdf = [m for m in mailbox.messages if b"application/pdf" in m[1]]
    assert len(with_pdf) == 20
    parsed = mailbox.parsed()  # the last message of each: the follow-up
    assert all(pdf_part(msg).get_content() == data for msg in parsed.values())


def test_dry_run_writes_the_follow_up_with_its_attachment(project, capsys):
    import email
    import email.policy

    data = prebuilt(project)
    code, out, _ = send(capsys, None, "--dry-run", "out")
    assert code == 0 and "wrote 20 message(s)" in out
    msg = email.message_from_bytes(
        (project / "out" / "p007@example.com.eml").read_bytes(), policy=email.policy.default
    )
    assert pdf_part(msg).get_content() == data


def test_over_25_mb_nothing_is_sent_and_over_10_mb_a_warning(project, capsys, monkeypatch):
    prebuilt(project, b"%PDF-1.7\n" + os.urandom(300_000))
    with smtp_server() as (mailbox, port):
        monkeypatch.setattr(message, "SIZE_LIMIT", 200_000)
        code, _, err = send(capsys, port)
        assert code == 1 and "relays refuse messages over" in err and "nothing was sent" in err
        assert mailbox.count() == Counter()
        assert not (project / JOURNAL).exists()  # not even queued
        monkeypatch.setattr(message, "SIZE_LIMIT", 25 * 1024 * 1024)
        monkeypatch.setattr(message, "SIZE_WARNING", 200_000)
        code, _, err = send(capsys, port)
        assert code == 0 and "warning: the message is 0.4 MB with its attachment" in err
        assert len(mailbox.count()) == 20


def test_killed_mid_follow_up_then_resumed_each_participant_gets_it_once(project, capsys):
    prebuilt(project, b"%PDF-1.7\n" + os.urandom(200_000))
    participants(project / "participants.csv", 150)
    with smtp_server() as (mailbox, port):
        proc = subprocess.Popen(
            [sys.executable, "-m", "deckgen", "send", "content/formation.md", "--to-list",
             "participants.csv", "--attach", "handout", "--smtp", f"127.0.0.1:{port}",
             "--security", "none", "--rate", "60"],
            cwd=project, env=dict(os.environ, PYTHONPATH=str(REPO)),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while sum(mailbox.count().values()) < 30 and time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"deckgen send ended early: {proc.stderr.read().decode()}")
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.stderr.close()
        before = mailbox.count()
        assert 30 <= sum(before.values()) < 150
        unknown = {r for r, s in journal_states(project).items() if s == "sending"}
        assert len(unknown) <= 10  # at most one per connection (10 by default, issue 14)
        code, out, err = send(capsys, port, "--resume")
        assert code == 0, err
        after = mailbox.count()
        assert max(after.values()) == 1  # never twice
        assert {f"p{k:03d}@example.com" for k in range(150)} - set(after) <= unknown
        assert all(b"application/pdf" in raw for _, raw in mailbox.messages)
