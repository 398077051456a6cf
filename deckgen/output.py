"""Where outputs go and how they are written: atomically, so a crash never leaves half a file.

Every output is written to a temporary file in the target folder, flushed to disk, then
renamed over the target in one step (`os.replace`). A build interrupted at any moment
leaves either the previous file or the new one, never a truncated deck.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

TMP_PREFIX = ".deckgen-"


def output_path(out_dir: Path, theme: str, stem: str, suffix: str) -> Path:
    """``<out>/<theme>/<stem><suffix>``, e.g. build/default/formation.pptx."""
    return out_dir / theme / f"{stem}{suffix}"


def write_atomic(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write a file by calling `write` on a temporary file, then renaming it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(path)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f"{TMP_PREFIX}{path.name}.", suffix=".tmp", dir=path.parent
    )
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    write_atomic(path, lambda handle: handle.write(data))


# Folder -> names of the temporary files in it when this process first wrote there.
_STALE: dict[Path, set[str]] = {}


def _remove_stale(path: Path) -> None:
    """Temporary files a killed build left for this target (SIGKILL skips cleanup).

    Each folder is listed once per process: listing it for every file made writing 100,000
    messages into one folder (send --dry-run) quadratic, hours instead of seconds. A
    temporary file that appears after that listing belongs to a build running now and is
    never touched."""
    folder = path.parent
    names = _STALE.get(folder)
    if names is None:
        names = {p.name for p in folder.glob(f"{TMP_PREFIX}*.tmp")}
        _STALE[folder] = names
    prefix = f"{TMP_PREFIX}{path.name}."
    for name in [n for n in names if n.startswith(prefix)]:
        names.discard(name)
        with contextlib.suppress(OSError):
            (folder / name).unlink()
