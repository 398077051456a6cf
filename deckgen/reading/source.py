"""A content file's bytes -> its text: UTF-8 (a BOM accepted), line endings made ``\\n``."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError


def read_text(path: Path) -> str:
    """The text of `path`. Raises `InputError` (missing, a folder, empty, not UTF-8)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file; check the path", path) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a Markdown file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", path) from None
    if not raw.strip():
        raise InputError("the file is empty: write a front matter and some slides", path, 1)
    try:
        text = raw.decode("utf-8-sig")  # a BOM is accepted and dropped
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 (byte 0x{raw[exc.start]:02x}); re-save the file as UTF-8 "
            "(for example: iconv -f latin1 -t utf-8)",
            path,
            line,
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")
