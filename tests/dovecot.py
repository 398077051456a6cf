"""A real IMAP server for the tests: Dovecot (Debian's dovecot-imapd) on 127.0.0.1, started
with a throwaway configuration in a temporary folder, TLS (port 993 style) and STARTTLS
listeners on free ports with a certificate from a trustme authority, one user whose
Maildir the test fills; stopped with ``doveadm stop`` afterwards.

Dovecot refuses uid 0 for mail ("userdb returned 0 as uid"): the mail belongs to nobody.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from smtpserver import free_port, wait_listening

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVEADM = shutil.which("doveadm") or "/usr/bin/doveadm"


def available() -> str:
    if not Path(DOVECOT).exists() or not Path("/usr/lib/dovecot/imap").exists():
        return "Dovecot is not installed (apt-get install dovecot-imapd)"
    if os.geteuid() != 0:
        return "Dovecot's test instance is started as root (it drops to nobody)"
    return ""


@dataclass
class Dovecot:
    tls_port: int
    starttls_port: int
    user: str
    password: str
    maildir: Path
    config: Path

    def deliver(self, name: str, data: bytes) -> None:
        """Put a message in the user's INBOX (as the MTA would: Maildir new/)."""
        path = self.maildir / "new" / name
        path.write_bytes(data)
        nobody = pwd.getpwnam("nobody")
        os.chown(path, nobody.pw_uid, nobody.pw_gid)


@contextlib.contextmanager
def dovecot(cert_pem: Path, key_pem: Path, user: str, password: str) -> Iterator[Dovecot]:
    tmp = Path(tempfile.mkdtemp(prefix="deckgen-dovecot-"))
    tmp.chmod(0o755)
    nobody = pwd.getpwnam("nobody")
    home = tmp / "mail" / user
    maildir = home / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for path in (tmp / "mail", home, maildir, *(maildir / s for s in ("cur", "new", "tmp"))):
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    (tmp / "passwd").write_text(f"{user}:{{PLAIN}}{password}\n", encoding="utf-8")
    tls_port, starttls_port = free_port(), free_port()
    config = tmp / "dovecot.conf"
    config.write_text(
        f"""
base_dir = {tmp}/run
state_dir = {tmp}/state
log_path = {tmp}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = yes
ssl_cert = <{cert_pem}
ssl_key = <{key_pem}
disable_plaintext_auth = yes
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
default_internal_user = nobody
default_internal_group = nogroup
default_login_user = nobody
first_valid_uid = {nobody.pw_uid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {tmp}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={tmp}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {starttls_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
""",
        encoding="utf-8",
    )
    # Dovecot goes to the background; its children would keep a pipe open: a file instead.
    with open(tmp / "start.log", "w+b") as out:
        started = subprocess.run([DOVECOT, "-c", str(config)], stdout=out, stderr=out)
        out.seek(0)
        said = out.read().decode("utf-8", "replace")
    if started.returncode != 0:
        log = (tmp / "dovecot.log").read_text() if (tmp / "dovecot.log").exists() else ""
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(f"dovecot did not start: {said}{log}")
    try:
        wait_listening(tls_port, "dovecot")
        wait_listening(starttls_port, "dovecot")
        yield Dovecot(tls_port, starttls_port, user, password, maildir, config)
    finally:
        subprocess.run([DOVEADM, "-c", str(config), "stop"], capture_output=True)
        deadline = time.monotonic() + 10
        while (tmp / "run" / "master.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        shutil.rmtree(tmp, ignore_errors=True)
