"""deckgen send against a real SMTP server (aiosmtpd on 127.0.0.1, tests/smtpserver.py):
every recipient gets exactly one personalized message, through faults, restarts and kills."""

from __future__ import annotations

import email
import email.policy
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
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from smtpserver import Mailbox, free_port, smtp_server

from deckgen.cli import main
from deckgen.delivery.subscribers import verify_unsubscribe_token

REPO = Path(__file__).resolve().parent.parent
SECRET = "test-secret-0123456789abcdef"
CONFIG = """[tool.deckgen]
base_url = "https://lettre.example.com"
sender_name = "Hélène Marchand"
sender_address = "lettre@example.com"
postal_address = "12 rue de l’Exemple, 75011 Paris"
unsubscribe_url = "https://lettre.example.com/desabonnement"
unsubscribe_mailto = "mailto:desabonnement@example.com"
message_id_domain = "example.com"
"""
CONTENT = """---
title: "La lettre"
subject: "{{ first_name }}, la différence en 3 minutes"
---

## Bonjour

Bonjour {{ first_name }} ({{ entreprise }}), voici la lettre de novembre.
"""
JOURNAL = Path("build/.deckgen/send.sqlite")


def address(k: int) -> str:
    return f"r{k:04d}@example.com"


def write_list(path: Path, count: int, extra: str = "") -> None:
    rows = ["email,first_name,last_name,entreprise"]
    rows += [f"{address(k)},Prénom{k},Nom{k},Société {k}" for k in range(count)]
    path.write_text("\n".join(rows) + "\n" + extra, encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "lettre.md").write_text(CONTENT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DECKGEN_UNSUBSCRIBE_SECRET", SECRET)
    monkeypatch.delenv("DECKGEN_SMTP_PASSWORD", raising=False)
    return tmp_path


def send(capsys, port: int, *extra: str, listing: str = "abonnes.csv") -> tuple[int, str, str]:
    code = main(
        [
            "send",
            "content/lettre.md",
            "--to-list",
            listing,
            "--smtp",
            f"127.0.0.1:{port}",
            "--security",
            "none",
            "--retry-base",
            "0.01",
            "--timeout",
            "5",
            *extra,
        ]
    )
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out, err


def settled(mailbox: Mailbox) -> Counter[str]:
    """What the server holds once it has finished with the data already on the wire."""
    before = None
    while before != (before := mailbox.count()):
        time.sleep(0.3)
    return before


def journal_states(project: Path) -> dict[str, str]:
    with sqlite3.connect(project / JOURNAL) as db:
        return dict(db.execute("SELECT recipient, state FROM delivery"))


# ---------------------------------------------------------------------------- 500 recipients


def test_500_recipients_each_get_one_personalized_valid_message(project, capsys):
    write_list(project / "abonnes.csv", 499, 'zoe@example.org,"<b>Zoé & co</b>",Z,"A ""B"""\n')
    with smtp_server() as (mailbox, port):
        code, out, err = send(capsys, port)
        assert code == 0, err
        assert "campaign lettre.default.abonnes: 500 to send, 0 already done" in out
        assert "this run: sent 500 · deferred 0 · failed 0" in out
        counts = mailbox.count()
        assert len(counts) == 500 and set(counts.values()) == {1}
        messages = mailbox.parsed()
        urls = set()
        for k in range(499):
            msg = messages[address(k)]
            assert not msg.defects and all(not p.defects for p in msg.walk())
            assert msg.get_content_type() == "multipart/alternative"
            assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
            assert msg["To"].addresses[0].display_name == f"Prénom{k} Nom{k}"
            assert msg["Subject"] == f"Prénom{k}, la différence en 3 minutes"
            assert msg["From"].addresses[0].addr_spec == "lettre@example.com"
            assert msg["Message-ID"].endswith("@example.com>")
            text = msg.get_body(("plain",)).get_content()
            html = msg.get_body(("html",)).get_content()
            assert f"Bonjour Prénom{k} (Société {k}), voici" in text
            assert f"Bonjour Prénom{k} (Société {k}), voici" in html
            assert "DGFIELD" not in text + html and "{{" not in text + html
            https, mailto = msg["List-Unsubscribe"].split(", ")
            assert mailto == "<mailto:desabonnement@example.com>"
            assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            url = https.strip("<>")
            token = parse_qs(urlsplit(url).query)["t"][0]
            assert verify_unsubscribe_token(SECRET.encode(), token) == address(k)
            assert url in text and url.replace("&", "&amp;") in html  # the footer link
            urls.add(url)
        assert len(urls) == 499
        zoe = messages["zoe@example.org"]
        assert zoe["Subject"].startswith("<b>Zoé & co</b>,")  # a subject is text
        assert (
            "Bonjour &lt;b&gt;Zoé &amp; co&lt;/b&gt; (A &quot;B&quot;)"
            in zoe.get_body(("html",)).get_content()
        )
        assert set(journal_states(project).values()) == {"sent"}
        # The same command again: nothing left to send, nobody gets a second copy.
        code, out, err = send(capsys, port)
        assert code == 0 and "0 to send, 500 already done" in out
        assert mailbox.count() == counts


# ---------------------------------------------------------------------------- faults


def test_faults_then_a_healthy_repeat_deliver_everyone_exactly_once(project, capsys):
    write_list(project / "abonnes.csv", 200)
    faulty = Mailbox(
        defer={address(5): 1, address(17): 2},  # 451, then accepted on a retry
        refuse={address(9)},  # 550 at RCPT: a permanent failure
        close_after=40,  # 421 and a closed connection every 40 messages
        drop_in_data={address(30)},  # the connection drops after the data, no reply
        stop_after=120,  # then the whole server goes away
    )
    with smtp_server(faulty) as (_, port):
        code, out, err = send(capsys, port, "--max-attempts", "4")
    assert code == 1
    assert "deckgen: stopped: " in err and "run the same command to resume" in err
    assert f"failed: {address(9)}: 550 5.1.1 no such mailbox here" in err
    assert f"unknown: {address(30)}: connection lost after the message was sent" in err
    first = settled(faulty)
    # 120, plus the transactions the other connections had begun when it said 421.
    assert 120 <= len(first) <= 120 + 10 and set(first.values()) == {1}
    assert first[address(5)] == first[address(17)] == 1  # retried after their 451s
    states = journal_states(project)
    assert states[address(9)] == "failed" and states[address(30)] == "sending"
    # When the server went away, each connection may have had a message whose data went
    # out without a reply: unknown too (at most one per connection, besides address 30).
    unknown = {r for r, state in states.items() if state == "sending"}
    assert address(30) in unknown and len(unknown) <= 1 + 10
    for recipient in unknown:
        assert f"unknown: {recipient}: connection lost after the message was sent" in err
    sent = {r for r, state in states.items() if state == "sent"}
    assert sent <= set(first) <= sent | unknown
    # --status names the unknown one with its Message-ID, to look up in the relay's log.
    capsys.readouterr()
    assert main(["send", "--status", "lettre.default.abonnes"]) == 0
    status = capsys.readouterr().out
    assert re.search(
        rf"unknown .*relay's log\):\n    {re.escape(address(30))}  .*"
        r"Message-ID <[^@>\s]+@example\.com>\n",
        status,
    ), status

    with smtp_server() as (healthy, port):
        # The repeat sends what is left, but not the unknown one: it may have arrived.
        code, out, err = send(capsys, port)
        assert code == 0, err
        for recipient in unknown:
            assert f"{recipient}: unknown from an earlier run" in err and "--retry-unknown" in err
        assert not unknown & set(healthy.count())
        # The user checked the relay's log; the ones that did not arrive are sent again.
        with sqlite3.connect(project / JOURNAL) as db:
            db.executemany(
                "UPDATE delivery SET state = 'sent' WHERE recipient = ?",
                [(r,) for r in unknown & set(first)],
            )
        code, out, err = send(capsys, port, "--retry-unknown")
        assert code == 0, err
        assert f"{len(unknown - set(first))} recipient(s) in an unknown state queued again" in err
    total = first + healthy.count()
    assert set(total) == {address(k) for k in range(200)} - {address(9)}
    assert set(total.values()) == {1}  # nothing lost, nothing twice
    states = journal_states(project)
    assert states[address(9)] == "failed"
    assert Counter(states.values()) == {"sent": 199, "failed": 1}


def test_a_451_on_every_try_stays_deferred_for_the_next_run(project, capsys):
    write_list(project / "abonnes.csv", 3)
    with smtp_server(Mailbox(defer={address(1): 3})) as (mailbox, port):
        code, out, err = send(capsys, port, "--max-attempts", "2")
        assert code == 1
        assert f"deferred: {address(1)}: 451 4.7.1 greylisted" in err
        assert "run the same command later to retry them" in err
        assert journal_states(project)[address(1)] == "deferred"
        code, out, err = send(capsys, port)  # the third 451, then accepted
        assert code == 0, err
        assert mailbox.count() == {address(k): 1 for k in range(3)}


def test_sigkill_mid_campaign_then_resume_sends_each_once_or_reports_it(project, capsys):
    write_list(project / "abonnes.csv", 300)
    with smtp_server() as (mailbox, port):
        env = dict(os.environ, PYTHONPATH=str(REPO))
        proc = subprocess.Popen(
            [sys.executable, "-m", "deckgen", "send", "content/lettre.md", "--to-list",
             "abonnes.csv", "--smtp", f"127.0.0.1:{port}", "--security", "none",
             "--rate", "100"],
            cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while sum(mailbox.count().values()) < 60 and time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"deckgen send ended early: {proc.stderr.read().decode()}")
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.stderr.close()
        before = mailbox.count()
        assert 60 <= sum(before.values()) < 300
        states = journal_states(project)
        unknown = {r for r, s in states.items() if s == "sending"}
        assert len(unknown) <= 1  # at most the message in flight
        assert {r for r, s in states.items() if s == "sent"} <= set(before)

        code, out, err = send(capsys, port, "--resume")
        assert code == 0, err
        for recipient in unknown:  # reported, not silently resent nor lost
            assert f"{recipient}: unknown from an earlier run" in err
        after = mailbox.count()
        assert max(after.values()) == 1  # never twice
        missing = {address(k) for k in range(300)} - set(after)
        assert missing <= unknown  # only an unknown one may be missing, and it is reported
        states = journal_states(project)
        assert Counter(states.values())["sent"] == 300 - len(unknown)


def test_ctrl_c_stops_after_the_message_in_flight(project, capsys):
    write_list(project / "abonnes.csv", 200)
    with smtp_server() as (mailbox, port):

        def interrupt() -> None:
            while sum(mailbox.count().values()) < 20:
                time.sleep(0.005)
            os.kill(os.getpid(), signal.SIGINT)

        threading.Thread(target=interrupt, daemon=True).start()
        code, out, err = send(capsys, port, "--rate", "200")
        assert code == 130
        assert "stopped by Ctrl-C after the messages in flight" in err
        states = journal_states(project)
        assert "sending" not in states.values()  # the messages in flight were finished
        sent = {r for r, s in states.items() if s == "sent"}
        assert set(mailbox.count()) == sent and 20 <= len(sent) < 200
        code, out, err = send(capsys, port, "--resume")
        assert code == 0
        assert mailbox.count() == {address(k): 1 for k in range(200)}


# ---------------------------------------------------------------------------- bad input


def test_malformed_csv_is_an_error_with_its_line_and_nothing_is_sent(project, capsys):
    (project / "abonnes.csv").write_text(
        'email,first_name\na@example.com,A\n"b@example.com,B\nc@example.com,C\n', encoding="utf-8"
    )
    with smtp_server() as (mailbox, port):
        code, out, err = send(capsys, port)
    assert code == 1
    assert err.startswith("abonnes.csv:3: the CSV cannot be read from here on")
    assert not mailbox.messages


def test_bad_addresses_and_line_breaks_are_skipped_reported_never_sent_twice(project, capsys):
    write_list(
        project / "abonnes.csv",
        3,
        'pas-une-adresse,X,Y,Z\nbcc@example.com,"Eve\r\nBcc: victim@example.org",Y,Z\n',
    )
    with smtp_server() as (mailbox, port):
        for _ in range(2):  # the same run twice: the good rows once, the bad ones never
            code, out, err = send(capsys, port)
            assert code == 1
            assert "abonnes.csv:5: 'pas-une-adresse' is not a valid email address" in err
            assert "abonnes.csv:6: the first_name value contains a line break" in err
            assert "2 bad row(s) skipped" in out
        assert mailbox.count() == {address(k): 1 for k in range(3)}
        assert all(b"victim" not in data for _, data in mailbox.messages)


def test_missing_password_is_an_error_before_anything_is_sent(project, capsys):
    write_list(project / "abonnes.csv", 2)
    with smtp_server() as (mailbox, port):
        code, out, err = send(capsys, port, "--user", "helene")
    assert code == 1
    assert (
        "the SMTP password for 'helene' goes in the environment variable DECKGEN_SMTP_PASSWORD"
        in err
    )
    assert not mailbox.messages and not (project / JOURNAL).exists()


def test_the_password_is_never_printed_nor_journaled(project, capsys, monkeypatch):
    write_list(project / "abonnes.csv", 2)
    monkeypatch.setenv("DECKGEN_SMTP_PASSWORD", "s3cr3t-Pa55")
    with smtp_server() as (mailbox, port):  # aiosmtpd offers no AUTH without TLS
        code, out, err = send(capsys, port, "--user", "helene")
    assert code == 1 and "does not offer authentication" in err
    assert "s3cr3t" not in out + err
    assert b"s3cr3t" not in (project / JOURNAL).read_bytes()
    assert not mailbox.messages


def test_an_unreachable_server_is_an_error_and_nothing_is_marked_sent(project, capsys):
    write_list(project / "abonnes.csv", 2)
    code, out, err = send(capsys, free_port())
    assert code == 1
    assert "cannot connect to 127.0.0.1:" in err and "nothing was sent" in err
    assert set(journal_states(project).values()) == {"queued"}


def test_missing_unsubscribe_secret_is_an_error(project, capsys, monkeypatch):
    write_list(project / "abonnes.csv", 2)
    monkeypatch.delenv("DECKGEN_UNSUBSCRIBE_SECRET")
    code, out, err = send(capsys, free_port())
    assert code == 1
    assert err.startswith(
        "pyproject.toml: the unsubscribe links are signed with a secret: set DECKGEN_UNSUBSCRIBE_SECRET"
    )


def test_an_unknown_merge_field_is_an_error_with_its_line(project, capsys):
    write_list(project / "abonnes.csv", 2)
    source = project / "content" / "lettre.md"
    source.write_text(CONTENT.replace("{{ entreprise }}", "{{ entrprise }}"), encoding="utf-8")
    code, out, err = send(capsys, free_port())
    assert code == 1
    assert (
        "content/lettre.md:8: merge field '{{ entrprise }}' is not a column of the list "
        '(did you mean "entreprise"?)' in err
    )


def test_security_none_is_only_for_loopback(project, capsys):
    write_list(project / "abonnes.csv", 1)
    code = main(["send", "content/lettre.md", "--to-list", "abonnes.csv", "--smtp",
                 "smtp.example.com:25", "--security", "none"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "--security none sends passwords and messages in clear" in err


# ---------------------------------------------------------------------------- dry run, test, status


def test_dry_run_writes_every_message_and_sends_nothing(project, capsys):
    write_list(project / "abonnes.csv", 5)
    code = main(["send", "content/lettre.md", "--to-list", "abonnes.csv", "--dry-run", "out"])
    out = capsys.readouterr().out
    assert code == 0 and "wrote 5 message(s) to out; nothing was sent" in out
    files = sorted((project / "out").iterdir())
    assert [f.name for f in files] == [f"{address(k)}.eml" for k in range(5)]
    msg = email.message_from_bytes(files[2].read_bytes(), policy=email.policy.default)
    assert msg["Subject"] == "Prénom2, la différence en 3 minutes"
    assert not (project / JOURNAL).exists()


def test_test_to_sends_one_marked_copy_and_leaves_the_journal_alone(project, capsys):
    write_list(project / "abonnes.csv", 5)
    with smtp_server() as (mailbox, port):
        code, out, err = send(capsys, port, "--test-to", "moi@example.net")
    assert code == 0, err
    assert "sent a [TEST] copy to moi@example.net" in out
    [(recipient, data)] = mailbox.messages
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert recipient == "moi@example.net"
    assert msg["Subject"] == "[TEST] Prénom0, la différence en 3 minutes"
    assert not (project / JOURNAL).exists()


def test_status_prints_the_summary_and_failures(project, capsys):
    write_list(project / "abonnes.csv", 4)
    with smtp_server(Mailbox(refuse={address(2)})) as (_, port):
        send(capsys, port)
    assert main(["send", "--status", "lettre.default.abonnes"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "campaign lettre.default.abonnes: 4 recipients: 3 sent, 0 queued, 0 deferred, "
        "1 failed, 0 unknown\n  came back (deckgen bounces): 0 hard bounce(s), 0 soft, "
        "0 complaint(s), 0 unsubscribe(s); bounce rate 0.00 %, complaint rate 0.000 % of 3 "
        "sent\n  failed (permanent, not retried):\n"
        f"    {address(2)}  550 5.1.1 no such mailbox here"
    )
    assert main(["send", "--status", "lettre.default.abonne"]) == 2
    assert 'did you mean "lettre.default.abonnes"' in capsys.readouterr().err


def test_unsubscribe_then_send_skips_them(project, capsys):
    write_list(project / "abonnes.csv", 4)
    assert main(["unsubscribe", address(1).upper(), address(3)]) == 0
    assert "suppressions.csv: 2 added (unsubscribed), 0 already there" in capsys.readouterr().out
    with smtp_server() as (mailbox, port):
        code, out, err = send(capsys, port)
    assert code == 0 and "(not sent: 2 on the suppression list)" in out
    assert set(mailbox.count()) == {address(0), address(2)}


def test_the_link_a_recipient_used_unsubscribes_that_recipient_only(project, capsys, monkeypatch):
    write_list(project / "abonnes.csv", 3)
    with smtp_server() as (mailbox, port):
        assert send(capsys, port)[0] == 0
        links = {
            to: msg["List-Unsubscribe"].split(", ")[0].strip("<>")
            for to, msg in mailbox.parsed().items()
        }
    link = links[address(1)]  # as the unsubscribe page received it
    token = token_of(links[address(2)])
    forged = link.replace(token_of(link)[:8], "AAAAAAAA")  # another address, same MAC
    capsys.readouterr()
    # A forged or cut link is refused, and then nothing is added, not even the good ones.
    assert main(["unsubscribe", link, forged, link[:-3]]) == 1
    err = capsys.readouterr().err
    assert f"'{forged}' is not an unsubscribe link signed with DECKGEN_UNSUBSCRIBE_SECRET" in err
    assert f"'{link[:-3]}' is not an unsubscribe link" in err
    assert not (project / "suppressions.csv").exists()
    assert main(["unsubscribe", link, token]) == 0  # a whole link, or its bare token
    assert "2 added (unsubscribed)" in capsys.readouterr().out
    rows = (project / "suppressions.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == [address(1), address(2)]
    # Without the secret a link cannot be checked, so it is not taken on trust.
    monkeypatch.delenv("DECKGEN_UNSUBSCRIBE_SECRET")
    assert main(["unsubscribe", links[address(0)]]) == 1
    assert "checking a link needs the secret" in capsys.readouterr().err


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["t"][0]


def test_addresses_that_do_not_exist_are_suppressed_for_later_campaigns(project, capsys):
    write_list(project / "abonnes.csv", 6)
    policy = "550 5.7.1 message refused by policy"
    mailbox = Mailbox(
        refuse={address(1)},  # 550 5.1.1: no such mailbox
        reject={address(2): "550 5.1.10 domain accepts no mail", address(3): policy,
                address(4): "550 mailbox unavailable"},  # a bare 550 says nothing more
    )  # fmt: skip
    with smtp_server(mailbox) as (_, port):
        code, out, err = send(capsys, port)
    assert code == 1
    assert "2 address(es) do not exist (5.1.x replies): suppressions.csv now lists them" in err
    rows = (project / "suppressions.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "email,reason,date"
    assert [row.split(",")[:2] for row in rows[1:]] == [
        [address(1), "bounced"],
        [address(2), "bounced"],
    ]
    # Taken from the journal, not from the run's memory: had the process died before
    # writing the list, the next run of the campaign (with nothing left to send) adds them.
    (project / "suppressions.csv").unlink()
    with smtp_server() as (_, port):
        code, out, err = send(capsys, port)
    assert "2 address(es) do not exist" in err and "0 to send" in out
    assert (project / "suppressions.csv").read_text(encoding="utf-8").count("bounced") == 2
    with smtp_server() as (_, port):
        code, out, err = send(capsys, port)
    assert "do not exist" not in err  # said once, not on every run
    # The next campaign (another subject: another campaign id) skips the two bounces only;
    # the policy refusal and the bare 550 may succeed another day.
    letter = project / "content" / "lettre.md"
    letter.write_text(letter.read_text(encoding="utf-8").replace("lettre", "suite"), "utf-8")
    (project / "content" / "lettre.md").rename(project / "content" / "suite.md")
    with smtp_server() as (healthy, port):
        code = main(
            ["send", "content/suite.md", "--to-list", "abonnes.csv",
             "--smtp", f"127.0.0.1:{port}", "--security", "none"]
        )  # fmt: skip
        out = capsys.readouterr().out
    assert code == 0 and "(not sent: 2 on the suppression list)" in out
    assert set(healthy.count()) == {address(k) for k in (0, 3, 4, 5)}


# ---------------------------------------------------------------------------- the SMTP layer


class _Stub:
    """smtplib.SMTP stand-in: records every write and answers each command in order; the
    data's write or the reply to the end of data can fail."""

    def __init__(self, fail_send: bool = False, fail_reply: bool = False):
        self.fail_send, self.fail_reply, self.writes = fail_send, fail_reply, []
        self.replies: list[tuple[int, bytes]] = []

    def send(self, data):
        self.writes.append(data)
        if data.endswith(b"\r\n.\r\n") or b"\r\n.\r\n" in data:
            if self.fail_send:
                raise OSError("broken pipe")
            self.replies.append((-1, b"") if self.fail_reply else (250, b"queued"))
            data = data.split(b"\r\n.\r\n", 1)[1]
        for line in data.split(b"\r\n"):
            if line.startswith((b"MAIL", b"RCPT")):
                self.replies.append((250, b"ok"))
            elif line == b"DATA":
                self.replies.append((354, b"go"))

    def getreply(self):
        code, text = self.replies.pop(0)
        if code == -1:
            raise OSError("reset by peer")
        return code, text

    def close(self):
        pass


@pytest.mark.parametrize("pipelining", [False, True])
@pytest.mark.parametrize(
    "stub, state",
    [(_Stub(), "sent"), (_Stub(fail_send=True), "deferred"), (_Stub(fail_reply=True), "unknown")],
)
def test_a_drop_before_the_end_of_data_is_retried_after_it_unknown(stub, state, pipelining):
    from deckgen.delivery.smtp import Connection, Server

    stub.writes.clear()
    connection = Connection(Server("127.0.0.1", 25, "none"))
    connection._smtp, connection.pipelining = stub, pipelining
    marks = []
    outcome = connection.deliver(
        "a@example.com", "b@example.com", b".x\r\ny", lambda: marks.append(1)
    )
    assert outcome.state == state and marks == [1]
    commands = [b"MAIL FROM:<a@example.com>\r\n", b"RCPT TO:<b@example.com>\r\n", b"DATA\r\n"]
    if pipelining:  # one write, one round trip
        assert stub.writes[0] == b"".join(commands)
    else:
        assert stub.writes[:3] == commands
    assert stub.writes[-1] == b"..x\r\ny\r\n.\r\n"  # dot-stuffed, terminated


def test_pipelining_sends_the_next_envelope_behind_the_data():
    from deckgen.delivery.smtp import Connection, Server

    stub = _Stub()
    connection = Connection(Server("127.0.0.1", 25, "none"))
    connection._smtp, connection.pipelining = stub, True
    marks = []
    first = connection.deliver(
        "s@example.com", "one@example.com", b"1", lambda: marks.append(1),
        then=("s@example.com", "two@example.com"),
    )  # fmt: skip
    second = connection.deliver("s@example.com", "two@example.com", b"2", lambda: marks.append(2))
    assert (first.state, second.state, marks) == ("sent", "sent", [1, 2])
    assert stub.writes == [
        b"MAIL FROM:<s@example.com>\r\nRCPT TO:<one@example.com>\r\nDATA\r\n",
        b"1\r\n.\r\nMAIL FROM:<s@example.com>\r\nRCPT TO:<two@example.com>\r\nDATA\r\n",
        b"2\r\n.\r\n",  # the second's envelope was already on the wire
    ]
    with pytest.raises(ValueError):  # no line break can reach a command
        connection.deliver("s@example.com", "x@example.com\r\nRCPT TO:<y>", b"3", lambda: None)


def test_header_values_with_line_breaks_are_refused_per_copy():
    from deckgen.mail.copies import MessageCopies
    from deckgen.mail.message import Envelope, HeaderInjection

    copies = MessageCopies(Envelope("H", "h@example.com", "", ""))
    for name, subject in (("Eve\r\nBcc: x@example.org", "S"), ("Eve", "S\nBcc: x@example.org")):
        with pytest.raises(HeaderInjection):
            copies.copy(name, "e@example.com", subject, "t", "<p>h</p>")


@given(st.binary(max_size=200).map(lambda b: b.replace(b"\r", b"")))
@settings(max_examples=300, derandomize=True)
def test_dot_stuffing_doubles_exactly_the_dots_that_start_a_line(data):
    from deckgen.delivery.smtp import dot_stuff

    assert dot_stuff(data) == re.sub(rb"(?m)^\.", b"..", data)
    crlf = data.replace(b"\n", b"\r\n")
    assert dot_stuff(crlf) == re.sub(rb"(?m)^\.", b"..", crlf)
