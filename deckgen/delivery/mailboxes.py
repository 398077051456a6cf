"""Where `deckgen bounces` reads what came back: an IMAP mailbox, a Maildir or an mbox file.

Each source yields ``(where, bytes)`` for every message, and `done(where)` puts a message
that was read away, so that the mailbox keeps only what deckgen could not read:

* IMAP (imaplib): the message is moved (MOVE, or COPY + \\Deleted + EXPUNGE) to the
  ``processed`` folder, created when missing. TLS from the first byte (port 993) or
  STARTTLS (143); the server's certificate is verified exactly as for sending (the
  system's authorities, or SSL_CERT_FILE); the password comes from DECKGEN_IMAP_PASSWORD.
* Maildir: the file is moved into the Maildir++ sub-folder ``.<processed>`` (``cur/``,
  flagged seen), which Dovecot and Courier show as a folder.
* mbox: left as it is (often an export, or a file the MTA appends to); the journal
  remembers every message read, so reading it again changes nothing.
"""

from __future__ import annotations

import imaplib
import mailbox
import os
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DeckgenError, InputError, UsageError

PASSWORD_ENV = "DECKGEN_IMAP_PASSWORD"
DEFAULT_PROCESSED = "deckgen-processed"
IMAP_PORTS = {"tls": 993, "starttls": 143}


class MailboxError(DeckgenError):
    """The mailbox cannot be read (unreachable, refused the login, no such folder)."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    security: str = "tls"
    timeout: float = 60.0


def parse_imap(text: str, security: str) -> tuple[str, int]:
    match = re.fullmatch(r"\[([^\]]+)\](?::(\d+))?|([^:\[\]]+)(?::(\d+))?", text.strip())
    if not match:
        raise UsageError(f"--imap {text}: give HOST[:PORT], e.g. imap.example.com:993")
    host = match.group(1) or match.group(3)
    port = int(match.group(2) or match.group(4) or IMAP_PORTS[security])
    if not 0 < port < 65536:
        raise UsageError(f"--imap {text}: the port must be between 1 and 65535")
    return host, port


class Source:
    name = ""

    def messages(self) -> Iterator[tuple[str, bytes]]:
        raise NotImplementedError

    def done(self, where: str) -> None:
        """The message was read: put it away."""

    def close(self) -> None:
        pass


class ImapSource(Source):
    def __init__(self, settings: ImapSettings, processed: str = DEFAULT_PROCESSED):
        self.settings, self.processed = settings, processed
        s = settings
        self.name = f"imap://{s.user}@{s.host}:{s.port}/{s.folder}"
        where = f"{s.host}:{s.port}"
        context = ssl.create_default_context()
        try:
            if s.security == "tls":
                self.imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    s.host, s.port, ssl_context=context, timeout=s.timeout
                )
            else:
                self.imap = imaplib.IMAP4(s.host, s.port, timeout=s.timeout)
                self.imap.starttls(ssl_context=context)
        except ssl.SSLCertVerificationError as exc:
            raise MailboxError(
                f"{where}: the server's certificate is not valid: {exc.verify_message}; check "
                "the host name in --imap, or point SSL_CERT_FILE at a private authority"
            ) from None
        except ssl.SSLError as exc:
            raise MailboxError(
                f"{where}: TLS handshake failed ({exc.reason or exc}); check --security "
                "(tls for port 993, starttls for 143)"
            ) from None
        except imaplib.IMAP4.error as exc:
            raise MailboxError(f"{where}: {exc} (STARTTLS: does the server offer it?)") from None
        except OSError as exc:
            raise MailboxError(f"cannot connect to {where}: {exc}") from None
        try:
            self.imap.login(s.user, s.password)
        except imaplib.IMAP4.error as exc:
            self._logout()
            raise MailboxError(
                f"{where} refused the login for '{s.user}': {_text(exc)}; check --user and "
                f"{PASSWORD_ENV}"
            ) from None
        status, data = self.imap.select(_quote(s.folder))
        if status != "OK":
            self._logout()
            raise MailboxError(f"{self.name}: no such folder ({_text(data)}); check --folder")
        # The capabilities after the login (servers announce more once logged in).
        _, capabilities = self.imap.capability()
        self._moves = b"MOVE" in b" ".join(c for c in capabilities if isinstance(c, bytes)).split()
        self._created = False

    def messages(self) -> Iterator[tuple[str, bytes]]:
        status, data = self.imap.uid("SEARCH", None, "ALL")
        if status != "OK":
            raise MailboxError(f"{self.name}: SEARCH failed: {_text(data)}")
        for uid in (data[0] or b"").split():
            status, fetched = self.imap.uid("FETCH", uid, "(BODY.PEEK[])")
            if status != "OK":
                continue
            for item in fetched:
                if isinstance(item, tuple) and len(item) == 2:
                    yield f"{self.settings.folder} uid {uid.decode()}", item[1]
                    break

    def done(self, where: str) -> None:
        uid = where.rsplit(" ", 1)[1]
        if not self._created:
            self.imap.create(_quote(self.processed))  # "already exists" is fine
            self._created = True
        if self._moves:
            status, data = self.imap.uid("MOVE", uid, _quote(self.processed))
        else:
            status, data = self.imap.uid("COPY", uid, _quote(self.processed))
            if status == "OK":
                self.imap.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
                self.imap.expunge()
        if status != "OK":
            raise MailboxError(
                f"{self.name}: cannot move {where} to {self.processed}: {_text(data)}"
            )

    def close(self) -> None:
        try:
            self.imap.close()
        except (imaplib.IMAP4.error, OSError):
            pass
        self._logout()

    def _logout(self) -> None:
        try:
            self.imap.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


class MaildirSource(Source):
    def __init__(self, path: Path, processed: str = DEFAULT_PROCESSED):
        if not (path / "cur").is_dir() or not (path / "new").is_dir():
            raise InputError(f"not a Maildir (no cur/ and new/ in {path})", path)
        self.path, self.name = path, str(path)
        self.target = path / f".{processed}"

    def messages(self) -> Iterator[tuple[str, bytes]]:
        for folder in ("new", "cur"):
            for entry in sorted((self.path / folder).iterdir()):
                if entry.is_file() and not entry.name.startswith("."):
                    yield f"{folder}/{entry.name}", entry.read_bytes()

    def done(self, where: str) -> None:
        for sub in ("cur", "new", "tmp"):
            (self.target / sub).mkdir(parents=True, exist_ok=True)
        (self.target / "maildirfolder").touch()
        name = where.split("/", 1)[1]
        base, _, flags = name.partition(":2,")
        flags = "".join(sorted(set(flags) | {"S"}))
        os.replace(self.path / where, self.target / "cur" / f"{base}:2,{flags}")


class MboxSource(Source):
    def __init__(self, path: Path):
        if not path.is_file():
            raise InputError("no such mbox file", path)
        self.path, self.name = path, str(path)
        self.box = mailbox.mbox(path, create=False)

    def messages(self) -> Iterator[tuple[str, bytes]]:
        for number, key in enumerate(self.box.iterkeys(), start=1):
            yield f"message {number}", self.box.get_bytes(key)

    def close(self) -> None:
        self.box.close()


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(value: object) -> str:
    if isinstance(value, list | tuple):
        value = b" ".join(v for v in value if isinstance(v, bytes)) or str(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())
