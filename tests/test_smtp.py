"""deckgen.delivery.smtp against a real encrypting server: STARTTLS (the default), TLS from the
first byte (port 465), logins, and the certificate and server mistakes a user meets.

The server is aiosmtpd on 127.0.0.1 with a certificate from a throwaway authority made by
trustme; deckgen trusts that authority only through SSL_CERT_FILE, the standard OpenSSL
variable, exactly as it would trust a company's own authority. Nothing is mocked below
the socket: smtplib, ssl and the server speak the real protocol.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import trustme
from aiosmtpd.smtp import AuthResult, LoginPassword
from smtpserver import smtp_server
from test_send import CONFIG, SECRET, address, journal_states, write_list

from deckgen.cli import main

USER = "lettre@example.com"
PASSWORD = "s3cret-pass phrase, never printed"

CONTENT = """---
title: "La lettre"
subject: "{{ first_name }}, la lettre chiffrée"
---

## Bonjour

Bonjour {{ first_name }}, voici la lettre.
"""


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, authority: trustme.CA) -> Path:
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "lettre.md").write_text(CONTENT, encoding="utf-8")
    write_list(tmp_path / "abonnes.csv", 12)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))  # how a user trusts a private CA
    monkeypatch.setenv("DECKGEN_UNSUBSCRIBE_SECRET", SECRET)
    monkeypatch.setenv("DECKGEN_SMTP_PASSWORD", PASSWORD)
    return tmp_path


def server_context(authority: trustme.CA, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(*(names or ("127.0.0.1", "localhost"))).configure_cert(context)
    return context


class Logins:
    """aiosmtpd authenticator: accepts USER/PASSWORD and records every attempt, with
    whether the connection was encrypted when the password crossed it."""

    def __init__(self) -> None:
        self.attempts: list[tuple[str, str, bool]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        self.attempts.append((login, password, encrypted))
        # handled=False: aiosmtpd itself answers 535 on a failure (True would leave the
        # client waiting for a reply that never comes).
        return AuthResult(success=(login, password) == (USER, PASSWORD), handled=False)


def send(capsys, port: int, security: str, *extra: str) -> tuple[int, str, str]:
    code = main(
        ["send", "content/lettre.md", "--to-list", "abonnes.csv",
         "--smtp", f"127.0.0.1:{port}", "--security", security, "--user", USER,
         "--retry-base", "0.01", "--timeout", "5", *extra]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    assert PASSWORD not in out + err  # never printed, whatever happens
    return code, out, err


def starttls(authority: trustme.CA, logins: Logins, **names: str) -> dict[str, object]:
    return {
        "tls_context": server_context(authority, *names.values()),
        "require_starttls": True,  # the server refuses MAIL and AUTH in clear
        "auth_require_tls": True,
        "authenticator": logins,
    }


def implicit_tls(authority: trustme.CA, logins: Logins, **names: str) -> dict[str, object]:
    return {
        "ssl_context": server_context(authority, *names.values()),
        # aiosmtpd's auth_require_tls only knows STARTTLS; here everything is encrypted
        # from the first byte, which Logins checks on each attempt.
        "auth_require_tls": False,
        "authenticator": logins,
    }


MODES = {"starttls": starttls, "tls": implicit_tls}


@pytest.mark.parametrize("security", MODES)
def test_encrypted_login_and_delivery(project, capsys, authority, security):
    logins = Logins()
    with smtp_server(**MODES[security](authority, logins)) as (mailbox, port):
        code, out, err = send(capsys, port, security)
    assert code == 0, err
    assert mailbox.count() == {address(k): 1 for k in range(12)}
    assert "12 sent" in out
    # One login per connection (10 at most), and the password only ever crossed an
    # encrypted link.
    assert 1 <= len(logins.attempts) <= 10
    assert set(logins.attempts) == {(USER, PASSWORD, True)}
    message = mailbox.parsed()[address(3)]
    assert message["Subject"] == "Prénom3, la lettre chiffrée"
    assert PASSWORD.encode() not in (project / "build" / ".deckgen" / "send.sqlite").read_bytes()


@pytest.mark.parametrize("security", MODES)
def test_an_untrusted_certificate_stops_at_once_and_sends_nothing(
    project, capsys, authority, security, monkeypatch
):
    stranger = trustme.CA()  # the server's certificate comes from an authority nobody trusts
    logins = Logins()
    with smtp_server(**MODES[security](stranger, logins)) as (mailbox, port):
        code, out, err = send(capsys, port, security)
    assert code == 1
    assert f"127.0.0.1:{port}: the server's certificate is not valid" in err
    assert "unable to get local issuer certificate" in err
    assert mailbox.count() == {}
    assert logins.attempts == []  # the password was never sent to an unverified server
    # A configuration error (SmtpFatal), not a connection failure to retry later.
    assert "cannot connect" not in err and "attempts" not in err
    assert set(journal_states(project).values()) <= {"queued"}


@pytest.mark.parametrize("security", MODES)
def test_a_certificate_for_another_name_is_refused(project, capsys, authority, security):
    logins = Logins()
    options = MODES[security](authority, logins, name="smtp.example.net")
    with smtp_server(**options) as (mailbox, port):
        code, out, err = send(capsys, port, security)
    assert code == 1
    assert "the server's certificate is not valid" in err and "mismatch" in err
    assert mailbox.count() == {} and logins.attempts == []


def test_a_wrong_password_is_a_clear_error_not_a_retry(project, capsys, authority, monkeypatch):
    monkeypatch.setenv("DECKGEN_SMTP_PASSWORD", "not the password")
    logins = Logins()
    with smtp_server(**starttls(authority, logins)) as (mailbox, port):
        code, out, err = send(capsys, port, "starttls")
    assert code == 1
    assert f"127.0.0.1:{port} refused the login for '{USER}': 535" in err
    assert "check --user and DECKGEN_SMTP_PASSWORD" in err
    assert "not the password" not in out + err
    # smtplib tries PLAIN, then LOGIN, on one connection; deckgen does not try again.
    assert [encrypted for *_, encrypted in logins.attempts] == [True, True]
    assert mailbox.count() == {}


def test_starttls_against_a_server_without_it_refuses_to_go_on_in_clear(project, capsys):
    with smtp_server() as (mailbox, port):  # plain SMTP, no STARTTLS offered
        code, out, err = send(capsys, port, "starttls")
    assert code == 1
    assert f"127.0.0.1:{port} does not offer STARTTLS" in err
    assert mailbox.count() == {}


def test_tls_against_a_plain_server_says_what_to_change(project, capsys):
    with smtp_server() as (mailbox, port):  # speaks SMTP in clear: the TLS handshake fails
        code, out, err = send(capsys, port, "tls")
    assert code == 1
    assert f"127.0.0.1:{port}: TLS handshake failed (WRONG_VERSION_NUMBER)" in err
    assert "use --security starttls" in err
    assert mailbox.count() == {}
    assert "cannot connect" not in err
