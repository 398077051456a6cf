"""A real Postfix on 127.0.0.1 for the tests and the bench: Debian's `postfix`, started with a
throwaway configuration in a temporary folder and stopped afterwards.

Its smtpd listens on a free loopback port and offers PIPELINING (a real server to pipeline
against); everything it accepts is relayed by its smtp client to ``[127.0.0.1]:relay_port``
with Postfix's default concurrency (up to 20 connections per destination). With ``hold``,
accepted mail waits in the hold queue until `release` (the bench queues a whole campaign,
then times Postfix delivering it). ``settings`` add or override main.cf parameters (anvil
rate limits, to get real throttling replies). Needs root (Postfix drops to its own user).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from smtpserver import wait_listening

POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"
MASTER_CF = Path("/etc/postfix/master.cf")


def available() -> str:
    """Why Postfix cannot run here ("" when it can)."""
    if not Path(POSTFIX).exists() or not MASTER_CF.is_file():
        return "Postfix is not installed (apt-get install postfix)"
    if subprocess.run(["id", "postfix"], capture_output=True).returncode != 0:
        return "no postfix user (the Debian package creates it)"
    import os

    if os.geteuid() != 0:
        return "Postfix must be started as root"
    return ""


@dataclass
class Postfix:
    config: Path
    port: int  # its smtpd on 127.0.0.1
    log: Path

    def postfix(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [POSTFIX, "-c", str(self.config), *args], capture_output=True, text=True, check=False
        )

    def release(self) -> None:
        """Send everything on hold now."""
        subprocess.run(
            ["postsuper", "-c", str(self.config), "-H", "ALL"], capture_output=True, check=True
        )

    def queued(self) -> int:
        """Messages still in Postfix's queues."""
        out = subprocess.run(
            ["postqueue", "-c", str(self.config), "-j"], capture_output=True, text=True
        ).stdout
        return sum(1 for line in out.splitlines() if line.strip())


def _master_cf(port: int) -> str:
    """Debian's master.cf with smtpd on 127.0.0.1:port, nothing chrooted (the chroot would
    need copies of system files in the temporary queue)."""
    lines = []
    for line in MASTER_CF.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if line[:1] not in ("#", " ", "\t") and len(fields) >= 8:
            if fields[0] == "smtp" and fields[1] == "inet":
                fields[0] = f"127.0.0.1:{port}"
            fields[4] = "n"
            line = "  ".join(fields)
        lines.append(line)
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def postfix(
    port: int, relay_port: int, hold: bool = False, settings: dict[str, str] | None = None
) -> Iterator[Postfix]:
    tmp = Path(tempfile.mkdtemp(prefix="deckgen-postfix-"))
    tmp.chmod(0o755)  # Postfix's own user must reach its data and queue folders
    config, queue, data = tmp / "etc", tmp / "queue", tmp / "data"
    for folder in (config, queue, data):
        folder.mkdir()
    shutil.chown(data, "postfix", "postfix")
    main = {
        "compatibility_level": "3.6",
        "queue_directory": str(queue),
        "data_directory": str(data),
        "mail_owner": "postfix",
        "setgid_group": "postdrop",
        "myhostname": "relay.deckgen.test",
        "mydomain": "deckgen.test",
        "myorigin": "example.com",
        "mydestination": "",
        "local_recipient_maps": "",
        "alias_maps": "",
        "alias_database": "",
        "inet_interfaces": "127.0.0.1",
        "inet_protocols": "ipv4",
        "mynetworks": "127.0.0.0/8",
        "smtpd_relay_restrictions": "permit_mynetworks, reject",
        "relayhost": f"[127.0.0.1]:{relay_port}",
        "smtp_tls_security_level": "none",
        "smtpd_tls_security_level": "none",
        "smtputf8_enable": "no",
        "biff": "no",
        "maillog_file": str(tmp / "maillog"),
        "maillog_file_prefixes": str(tmp),
        "message_size_limit": "52428800",
        "header_checks": f"regexp:{config / 'header_checks'}" if hold else "",
        # Bounces Postfix would make go nowhere: it is a relay under test.
        "notify_classes": "",
        "bounce_notice_recipient": "postmaster",
    }
    main.update(settings or {})
    (config / "main.cf").write_text(
        "".join(f"{k} = {v}\n" for k, v in main.items()), encoding="utf-8"
    )
    (config / "master.cf").write_text(_master_cf(port), encoding="utf-8")
    (config / "header_checks").write_text("/^Subject:/ HOLD\n", encoding="utf-8")
    instance = Postfix(config, port, tmp / "maillog")
    # Postfix reports to syslog, or to stderr only when it is a terminal: its fatal errors
    # land in maillog_file once the configuration is read.
    started = instance.postfix("start")
    if started.returncode != 0:
        log = instance.log.read_text() if instance.log.exists() else ""
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(f"postfix start failed: {started.stderr}{started.stdout}{log}")
    try:
        wait_listening(port, "postfix")
        yield instance
    finally:
        instance.postfix("stop")
        _wait_stopped(queue)
        shutil.rmtree(tmp, ignore_errors=True)


def _wait_stopped(queue: Path, timeout: float = 10.0) -> None:
    pid_file = queue / "pid" / "master.pid"
    deadline = time.monotonic() + timeout
    while pid_file.exists() and time.monotonic() < deadline:
        text = pid_file.read_text().strip() if pid_file.exists() else ""
        if not re.fullmatch(r"\d+", text) or not Path(f"/proc/{text}").exists():
            return
        time.sleep(0.05)
