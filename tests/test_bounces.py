"""deckgen bounces: the reports real MTAs send (fixtures modelled on them, see
tests/fixtures/bounces/README.md), matched to the campaign by the journal, the suppression
list kept, the next campaign skipping exactly those addresses."""

from __future__ import annotations

import email
import email.policy
import mailbox
import os
import re
import sqlite3
from pathlib import Path

import pytest
from smtpserver import smtp_server
from test_send import JOURNAL, project, send

from deckgen.cli import main
from deckgen.delivery.bounces import read_report
from deckgen.delivery.journal import Journal

__all__ = ["project"]


def _first(message):
    return next(
        (p for p in message.walk() if p.get_content_type() == "message/delivery-status"), None
    )


FIXTURES = Path(__file__).parent / "fixtures" / "bounces"
UNSUBSCRIBE = frozenset({"desabonnement@example.com"})
CORPUS = Path(os.environ.get("DECKGEN_BOUNCE_CORPUS", "/work/corpus/bounces"))

# fixture -> (report kind, [(finding kind, address, status)], original Message-ID quoted)
EXPECTED = {
    "postfix-hard.eml": ("dsn", [("hard", "r0001@example.com", "5.1.1")], True),
    "postfix-delayed.eml": ("dsn", [("soft", "r0002@example.com", "4.4.1")], True),
    "exim-hard.eml": ("dsn", [("hard", "r0003@example.com", "5.0.0")], True),
    "exim-text.eml": ("dsn", [("hard", "r0004@example.com", "5.1.1")], True),
    "gmail-hard.eml": ("dsn", [("hard", "r0005@gmail.example", "5.1.1")], True),
    "exchange-hard.eml": ("dsn", [("hard", "r0006@contoso.example", "5.1.10")], True),
    "ses-hard.eml": ("dsn", [("hard", "r0007@example.com", "5.1.1")], False),
    "ses-complaint.eml": ("arf", [("complaint", "r0008@example.com", "abuse")], False),
    "arf-yahoo.eml": ("arf", [("complaint", "", "abuse")], True),
    "unsubscribe-mailto.eml": ("unsubscribe", [("unsubscribe", "r0010@example.com", "")], False),
    "unsubscribe-reply.eml": ("unsubscribe", [("unsubscribe", "r0011@example.com", "")], True),
    "ses-notification.eml": ("dsn", [("soft", "r0013@example.com", "4.2.2")], True),
    "autoreply.eml": ("auto-reply", [], False),
    "not-a-report.eml": ("unreadable", [], False),
}
SOURCES = {
    "postfix-hard.eml": "Postfix",
    "exim-hard.eml": "Exim",
    "exim-text.eml": "Exim",
    "gmail-hard.eml": "Gmail",
    "exchange-hard.eml": "Exchange",
    "ses-hard.eml": "Amazon SES",
    "ses-notification.eml": "Amazon SES",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_format_is_read(name):
    kind, findings, quoted = EXPECTED[name]
    report = read_report((FIXTURES / name).read_bytes(), UNSUBSCRIBE)
    assert report.kind == kind, report.why
    assert [(f.kind, f.address, f.status) for f in report.findings] == findings
    if name in SOURCES:
        assert report.source == SOURCES[name]
    for finding in report.findings:
        number = re.search(r"r(\d{4})@", finding.address or "r0009@")
        if quoted:
            assert finding.message_id == f"<dg-original-{number.group(1)}@example.com>"
    if kind == "unreadable":
        assert "left for you" in report.why


def test_codes_about_the_message_not_the_address_are_soft():
    text = (FIXTURES / "postfix-hard.eml").read_text(encoding="utf-8")
    for status, kind in (
        ("5.7.1", "soft"),
        ("5.2.2", "soft"),
        ("5.1.10", "hard"),
        ("5.2.1", "hard"),
    ):
        report = read_report(text.replace("Status: 5.1.1", f"Status: {status}").encode())
        assert report.findings[0].kind == kind, status


def test_a_report_without_message_id_gets_a_stable_key():
    data = (
        (FIXTURES / "not-a-report.eml")
        .read_bytes()
        .replace(b"Message-ID: <question-1@example.org>\n", b"")
    )
    first, second = read_report(data), read_report(data.replace(b"\n", b"\r\n"))
    assert first.key.startswith("sha256:") and first.key == second.key


@pytest.mark.skipif(not (CORPUS / "sisimai").is_dir(), reason="no local corpus of real bounces")
def test_real_reports_of_the_named_senders_are_read():
    """Real reports collected by sisimai (outside git: /work/corpus/bounces, or
    $DECKGEN_BOUNCE_CORPUS): every RFC 3464 report of Postfix, Exim, Gmail, Exchange and
    SES names its recipients."""
    folder = CORPUS / "sisimai" / "maildir" / "bsd"
    read = 0
    for path in sorted(folder.glob("lhost-*.eml")):
        if not re.match(r"lhost-(postfix|exim|gmail|office365|exchange2007|amazonses)-", path.name):
            continue
        data = path.read_bytes()
        top = email.message_from_bytes(data, policy=email.policy.default)
        if top.get_content_type() != "multipart/report" or _first(top) is None:
            continue  # a text bounce, or a report forwarded inside another message
        report = read_report(data)
        if "naming no recipient" in report.why:  # a real one whose recipient block is missing
            continue
        assert report.kind in ("dsn", "ignored"), (path.name, report.why)
        assert all(f.address and f.status for f in report.findings), path.name
        read += 1
    assert read >= 80


# ---------------------------------------------------------------------------- end to end


def _list(project: Path) -> list[str]:
    addresses = [f"r{k:04d}@example.com" for k in range(1, 15)]
    addresses[4], addresses[5] = "r0005@gmail.example", "r0006@contoso.example"
    rows = ["email,first_name,last_name,entreprise"]
    rows += [f"{a},Prénom{k},Nom{k},Société {k}" for k, a in enumerate(addresses, start=1)]
    (project / "abonnes.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return addresses


def _reports(project: Path) -> dict[str, bytes]:
    """The fixtures, each quoting the Message-ID deckgen really gave its recipient."""
    with sqlite3.connect(project / JOURNAL) as db:
        ids = dict(db.execute("SELECT substr(recipient, 2, 4), message_id FROM delivery"))
    out = {}
    for name in EXPECTED:
        data = (FIXTURES / name).read_bytes()
        data = re.sub(
            rb"<dg-original-(\d{4})@example\.com>",
            lambda m: ids[m.group(1).decode()].encode(),
            data,
        )
        out[name] = data
    return out


def _maildir(path: Path, reports: dict[str, bytes]) -> None:
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True)
    for k, (_name, data) in enumerate(sorted(reports.items())):
        (path / "new" / f"1731400000.M{k}P1.mail.example.com").write_bytes(data)


SUPPRESSED = {
    "r0001@example.com": "bounced",
    "r0003@example.com": "bounced",
    "r0004@example.com": "bounced",
    "r0005@gmail.example": "bounced",
    "r0006@contoso.example": "bounced",
    "r0007@example.com": "bounced",
    "r0008@example.com": "complained",
    "r0009@example.com": "complained",
    "r0010@example.com": "unsubscribed",
    "r0011@example.com": "unsubscribed",
}


def suppressions(project: Path) -> dict[str, str]:
    lines = (project / "suppressions.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "email,reason,date"
    rows = [line.split(",") for line in lines[1:]]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r[2]) for r in rows)
    return {r[0]: r[1] for r in rows}


def test_maildir_bounces_suppress_exactly_and_the_next_campaign_skips_them(project, capsys):
    addresses = _list(project)
    with smtp_server() as (_, port):
        assert send(capsys, port)[0] == 0
    maildir = project / "bounces"
    _maildir(maildir, _reports(project))
    assert main(["bounces", "--maildir", "bounces"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"13 message\(s\) read \(2 complaint\(s\), 6 hard bounce\(s\), 2 soft", out), (
        out
    )
    assert "1 automatic repl(ies)" in out and "0 already processed, 1 left where they are" in out
    assert "left: new/" in out and '"Question sur la formation" from client@example.org' in out
    assert suppressions(project) == SUPPRESSED
    # Read ones went to the Maildir++ folder, the question stayed for a person.
    assert len(list((maildir / ".deckgen-processed" / "cur").iterdir())) == 13
    assert [p.read_bytes() for p in (maildir / "new").iterdir()] == [
        (FIXTURES / "not-a-report.eml").read_bytes()
    ]
    # Twice changes nothing, even with the messages put back where they were.
    for path in (maildir / ".deckgen-processed" / "cur").iterdir():
        path.rename(maildir / "new" / path.name.split(":2,")[0])
    assert main(["bounces", "--maildir", "bounces"]) == 0
    out = capsys.readouterr().out
    assert "0 message(s) read" in out and "13 already processed" in out
    assert suppressions(project) == SUPPRESSED
    # --status: the rates relays watch, with the warning.
    assert main(["send", "--status", "lettre.default.abonnes"]) == 0
    status = capsys.readouterr().out
    assert (
        "6 hard bounce(s), 2 soft, 2 complaint(s), 2 unsubscribe(s); bounce rate 42.86 %" in status
    )
    assert "warning: bounce rate 42.9 % is over 5 %: Amazon SES reviews" in status
    assert "warning: complaint rate 14.29 % is over 0.1 %" in status
    # The next campaign goes to everyone but the suppressed, and only them.
    with smtp_server() as (mailbox_, port):
        code, out, err = send(capsys, port, "--campaign", "decembre")
    assert code == 0, err
    assert set(mailbox_.count()) == set(addresses) - set(SUPPRESSED)
    assert "(not sent: 10 on the suppression list)" in out


def test_mbox_is_read_once_and_left_as_it_is(project, capsys):
    _list(project)
    with smtp_server() as (_, port):
        assert send(capsys, port)[0] == 0
    box = mailbox.mbox(project / "bounces.mbox")
    for _name, data in sorted(_reports(project).items()):
        box.add(data)
    box.close()
    before = (project / "bounces.mbox").read_bytes()
    assert main(["bounces", "--mbox", "bounces.mbox"]) == 0
    assert "13 message(s) read" in capsys.readouterr().out
    assert suppressions(project) == SUPPRESSED
    assert main(["bounces", "--mbox", "bounces.mbox"]) == 0
    assert "13 already processed, 1 left" in capsys.readouterr().out
    assert (project / "bounces.mbox").read_bytes() == before


def test_a_report_about_someone_never_mailed_is_left(project, capsys, tmp_path):
    _list(project)  # no campaign sent: the journal knows nobody
    (project / "build" / ".deckgen").mkdir(parents=True)
    Journal(project / JOURNAL).close()
    _maildir(
        project / "bounces", {"postfix-hard.eml": (FIXTURES / "postfix-hard.eml").read_bytes()}
    )
    assert main(["bounces", "--maildir", "bounces"]) == 0
    out = capsys.readouterr().out
    assert "about r0001@example.com, to whom this journal sent nothing" in out
    assert not (project / "suppressions.csv").exists()


def test_three_soft_bounces_on_three_campaigns_make_a_hard_one(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        for n, campaign in enumerate(("a", "b", "c", "d")):
            journal.add_campaign(campaign, "x.md", "default", "l.csv")
            journal.enqueue(campaign, [("ana@example.com", "ana@example.com", "ana@example.com")])
            journal.mark_sending(campaign, "ana@example.com", f"<m{n}@example.com>")
            journal.mark_sent(campaign, "ana@example.com", "250 OK")
        journal.add_report("r1", "dsn", [("a", "ana@example.com", "soft", "4.2.2", "full")])
        journal.add_report("r2", "dsn", [("a", "ana@example.com", "soft", "4.2.2", "full")])
        journal.add_report("r3", "dsn", [("b", "ana@example.com", "soft", "4.4.7", "expired")])
        assert journal.to_suppress() == {}  # two campaigns only, however many reports
        journal.add_report("r4", "dsn", [("c", "ana@example.com", "soft", "4.2.2", "full")])
        assert journal.to_suppress() == {"ana@example.com": "bounced (3 soft bounces)"}
        journal.mark_suppressed(["ana@example.com"])
        assert journal.to_suppress() == {}
        assert journal.match("<m2@example.com>", "") == ("c", "ana@example.com")
        assert journal.match("", "Ana@Example.com") is not None


def test_bounces_needs_one_mailbox_and_the_password_from_the_environment(
    project, capsys, monkeypatch
):
    assert main(["bounces"]) == 2
    assert "give one mailbox" in capsys.readouterr().err
    monkeypatch.delenv("DECKGEN_IMAP_PASSWORD", raising=False)
    assert main(["bounces", "--imap", "127.0.0.1:1", "--user", "b"]) == 1
    assert "DECKGEN_IMAP_PASSWORD" in capsys.readouterr().err
