"""Hostile and broken files, made at run time (large ones are never committed).

Each function writes one file and returns its path: templates that are zip bombs, carry an
XML external entity or are encrypted, images that are truncated or decompression bombs.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

from PIL import Image as PILImage

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = ROOT / "themes" / "default" / "template.pptx"


def png(path: Path, size: tuple[int, int] = (40, 30)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    PILImage.new("RGB", size, (200, 30, 30)).save(path, "PNG")
    return path


def truncated_png(path: Path) -> Path:
    """A real PNG cut in the middle of its pixel data (a download that stopped)."""
    buffer = io.BytesIO()
    PILImage.effect_noise((200, 200), 64).convert("RGB").save(buffer, "PNG")
    data = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data[: len(data) // 2])
    return path


def png_bomb(path: Path, width: int = 60_000, height: int = 60_000) -> Path:
    """A PNG whose header claims 3.6 gigapixels (about 10 GB decoded) in a few hundred
    bytes: decoding it would exhaust memory, so it must be refused from its header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 4096)  # far too little data: it is never reached
    data = (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def xxe_template(path: Path, secret: Path) -> Path:
    """The default template whose theme part declares an external entity pointing at
    `secret` and uses it as the heading font and a colour: a parser that resolves entities
    would copy the file's content into the deck and the email."""
    with (
        zipfile.ZipFile(DEFAULT_TEMPLATE) as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "ppt/theme/theme1.xml":
                text = data.decode("utf-8")
                doctype = f'<!DOCTYPE a:theme [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
                text = re.sub(r"^(<\?xml[^>]*\?>)", lambda m, d=doctype: m.group(1) + d, text)
                text = re.sub(
                    r'(<a:majorFont>\s*<a:latin typeface=")[^"]*',
                    lambda m: m.group(1) + "&xxe;",
                    text,
                )
                assert "&xxe;" in text and "<!DOCTYPE" in text
                data = text.encode("utf-8")
            dst.writestr(info, data)
    return path


def zip_bomb_template(path: Path, gigabytes: float = 1.0) -> Path:
    """The default template plus one part of `gigabytes` of zeros, deflated to about a
    thousandth of that: what a bomb looks like in the zip directory."""
    size = int(gigabytes * (1 << 30))
    with (
        zipfile.ZipFile(DEFAULT_TEMPLATE) as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        block = b"\0" * (1 << 24)
        bomb = zipfile.ZipInfo("ppt/media/image99.png")
        bomb.compress_type = zipfile.ZIP_DEFLATED
        with dst.open(bomb, "w", force_zip64=True) as part:
            for _ in range(size // len(block)):
                part.write(block)
    return path


def encrypted_template(path: Path) -> Path:
    """What PowerPoint writes for a password-protected presentation: an OLE compound file
    (CFB, not a zip) holding the streams EncryptionInfo and EncryptedPackage. Built here
    by hand to the CFB specification (version 3, 512-byte sectors), with random-looking
    stream bodies: deckgen must recognize it from its structure, not decrypt it."""
    sector = 512
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    stream_sectors = 8  # 4,096 bytes each: regular sectors, no mini stream needed
    info_start, package_start = 2, 2 + stream_sectors
    fat = [fat_sector, end]
    for start in (info_start, package_start):
        fat += [start + k + 1 for k in range(stream_sectors - 1)] + [end]
    fat += [free] * (sector // 4 - len(fat))
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0"
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", 0xFFFFFFFF, right, child)
            + b"\0" * 16  # CLSID
            + b"\0" * 4  # state bits
            + b"\0" * 16  # creation and modification times
            + struct.pack("<IQ", start, size)
        )

    directory = (
        entry("Root Entry", 5, 1, 0xFFFFFFFF, end, 0)
        + entry("EncryptionInfo", 2, 0xFFFFFFFF, 2, info_start, 4096)
        + entry("EncryptedPackage", 2, 0xFFFFFFFF, 0xFFFFFFFF, package_start, 4096)
        + b"\0" * 128
    )
    bodies = bytes((k * 131 + 7) % 256 for k in range(2 * 4096))
    data = header + struct.pack(f"<{len(fat)}I", *fat) + directory + bodies
    assert len(header) == sector and len(data) == sector * (1 + 2 + 2 * stream_sectors)
    path.write_bytes(data)
    return path
