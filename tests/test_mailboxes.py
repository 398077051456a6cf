"""deckgen bounces against a real IMAP server: Dovecot on 127.0.0.1 (tests/dovecot.py), TLS
and STARTTLS with a certificate from a throwaway authority that deckgen trusts only through
SSL_CERT_FILE, the password only from DECKGEN_IMAP_PASSWORD."""

from __future__ import annotations

import imaplib
import ssl
from pathlib import Path

import pytest
import trustme
from dovecot import available, dovecot
from realclients import clients_required
from smtpserver import smtp_server
from test_bounces import SUPPRESSED, _list, _reports, suppressions
from test_send import project, send

from deckgen.cli import main

__all__ = ["project"]

USER, PASSWORD = "bounces@example.com", "imap pass phrase, never printed"
pytestmark = pytest.mark.realclient


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def server(tmp_path_factory, authority):
    why = available()
    if why:
        if clients_required():
            pytest.fail(f"{why}; DECKGEN_REQUIRE_CLIENTS=1 requires it", pytrace=False)
        pytest.skip(why)
    folder = tmp_path_factory.mktemp("imap-cert")
    folder.chmod(0o755)
    cert = authority.issue_cert("127.0.0.1", "localhost")
    cert.private_key_and_cert_chain_pem.write_to_path(str(folder / "cert.pem"))
    cert.private_key_pem.write_to_path(str(folder / "key.pem"))
    with dovecot(folder / "cert.pem", folder / "key.pem", USER, PASSWORD) as instance:
        yield instance


@pytest.fixture
def trusted(project: Path, authority, monkeypatch) -> Path:
    ca = project / "ca.pem"
    authority.cert_pem.write_to_path(str(ca))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    monkeypatch.setenv("DECKGEN_IMAP_PASSWORD", PASSWORD)
    return project


def bounces(capsys, port: int, security: str = "tls", *extra: str) -> tuple[int, str, str]:
    code = main(["bounces", "--imap", f"127.0.0.1:{port}", "--user", USER,
                 "--security", security, "--timeout", "10", *extra])  # fmt: skip
    out, err = capsys.readouterr()
    assert PASSWORD not in out + err
    assert "Traceback" not in err
    return code, out, err


def folder_sizes(server, authority) -> dict[str, int]:
    context = ssl.create_default_context(cadata=authority.cert_pem.bytes().decode())
    imap = imaplib.IMAP4_SSL("127.0.0.1", server.tls_port, ssl_context=context)
    imap.login(USER, PASSWORD)
    sizes = {}
    for name in ("INBOX", "deckgen-processed"):
        status, data = imap.select(f'"{name}"', readonly=True)
        sizes[name] = int(data[0]) if status == "OK" else -1
    imap.logout()
    return sizes


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_imap_bounces_keep_the_list_clean(trusted, capsys, server, authority, security):
    project = trusted
    addresses = _list(project)
    with smtp_server() as (_, port):
        assert send(capsys, port)[0] == 0
    for k, (_name, data) in enumerate(sorted(_reports(project).items())):
        server.deliver(f"17314000{k:02d}.M{k}P1.mail", data.replace(b"\n", b"\r\n"))
    port = server.tls_port if security == "tls" else server.starttls_port
    code, out, err = bounces(capsys, port, security)
    assert code == 0, err
    assert f"imap://{USER}@127.0.0.1:{port}/INBOX: 13 message(s) read" in out
    assert "1 left where they are" in out and "Question sur la formation" in out
    assert suppressions(project) == SUPPRESSED
    # What was read went to deckgen-processed; INBOX keeps what needs a person.
    assert folder_sizes(server, authority) == {"INBOX": 1, "deckgen-processed": 13}
    code, out, err = bounces(capsys, port, security)
    assert "0 message(s) read" in out and "1 left" in out
    assert suppressions(project) == SUPPRESSED
    with smtp_server() as (mailbox, smtp_port):
        assert send(capsys, smtp_port, "--campaign", "suite")[0] == 0
    assert set(mailbox.count()) == set(addresses) - set(SUPPRESSED)


def test_an_untrusted_certificate_stops_before_the_password(project, capsys, server, monkeypatch):
    monkeypatch.setenv("DECKGEN_IMAP_PASSWORD", PASSWORD)
    monkeypatch.setenv("SSL_CERT_FILE", str(project / "nowhere.pem"))  # the system's only
    code, out, err = bounces(capsys, server.tls_port)
    assert code == 1
    assert f"127.0.0.1:{server.tls_port}: the server's certificate is not valid" in err
    log = (server.config.parent / "dovecot.log").read_text(encoding="utf-8")
    assert "Login: user=" not in log and "auth failed" not in log  # no login was tried


def test_a_wrong_password_is_a_clear_error(trusted, capsys, server, monkeypatch):
    monkeypatch.setenv("DECKGEN_IMAP_PASSWORD", "not it")
    code, out, err = bounces(capsys, server.tls_port)
    assert code == 1
    assert f"refused the login for '{USER}'" in err and "DECKGEN_IMAP_PASSWORD" in err
    assert "not it" not in out + err


def test_a_missing_folder_is_named(trusted, capsys, server):
    code, out, err = bounces(capsys, server.tls_port, "tls", "--folder", "Rebonds")
    assert code == 1 and "/Rebonds: no such folder" in err
