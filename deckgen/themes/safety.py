"""Template safety: a template comes from a client, so it is opened only after these checks.

They read the zip directory and then inflate each part in 1 MB chunks (memory stays small
whatever the file holds), and refuse encrypted files, old binary .ppt, zip bombs and XML
declaring a DTD, each with what to do instead.
"""

from __future__ import annotations

MAX_TEMPLATE_UNPACKED = 256 * 1024 * 1024  # corporate templates with pictures: tens of MB
MAX_TEMPLATE_RATIO = 200  # XML deflates 10-50:1, pictures barely; zip bombs about 1000:1
MAX_TEMPLATE_PARTS = 10_000
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: encrypted or .ppt
DTD_MARKS = tuple(
    mark.encode(codec)
    for mark in ("<!DOCTYPE", "<!ENTITY")
    for codec in ("utf-8", "utf-16-le", "utf-16-be")
)


def unsafe_template(data: bytes) -> str | None:
    """Why a template file must not be opened at all, or None: encrypted, an old binary
    .ppt, a zip bomb, or XML declaring a DTD (Office never writes one; entities can read
    files of this computer or blow up memory). A file that is not a zip is left to the
    caller's "not a PowerPoint" message."""
    import io
    import zipfile

    if data.startswith(CFB_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            return (
                "this template is encrypted (password-protected); open it in PowerPoint and "
                "save an unprotected copy as .pptx"
            )
        return (
            "this is an old binary PowerPoint file (.ppt, .pot), not .pptx; open it in "
            "PowerPoint or LibreOffice and save it as .pptx"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return None
    bomb = (
        "this template unpacks to {}, like a zip bomb; deckgen refuses it unopened (at most "
        f"{MAX_TEMPLATE_UNPACKED >> 20} MB, compressed at most {MAX_TEMPLATE_RATIO}:1): save "
        "the template again from PowerPoint"
    )
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_TEMPLATE_PARTS:
            return bomb.format(f"{len(infos):,} parts")
        declared = sum(info.file_size for info in infos)
        if declared > MAX_TEMPLATE_UNPACKED:
            return bomb.format(f"{declared >> 20:,} MB")
        for info in infos:
            if info.flag_bits & 0x1:
                return (
                    "this template is encrypted (password-protected); open it in PowerPoint "
                    "and save an unprotected copy as .pptx"
                )
            if info.file_size > 1 << 20 and info.file_size > MAX_TEMPLATE_RATIO * max(
                info.compress_size, 1
            ):
                ratio = info.file_size // max(info.compress_size, 1)
                return bomb.format(f"{info.file_size >> 20:,} MB in {info.filename} ({ratio}:1)")
        # The directory's sizes are only claims: inflate every part from the raw bytes, in
        # 1 MB steps, and refuse one that yields more than its entry says (zipfile would cut
        # it there, but only after inflating it all at once when python-pptx reads it).
        for info in infos:
            problem = _check_part(data, info)
            if problem == "bomb":
                return bomb.format(f"more than its zip directory says in {info.filename}")
            if problem:
                return problem
    return None


def _check_part(data: bytes, info) -> str | None:
    """Inflate one part of a template zip in bounded steps: "bomb" when it yields more than
    its directory entry says, a message when it is damaged or declares a DTD, else None."""
    import struct

    header = data[info.header_offset : info.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        return f"this template is damaged (no local header for {info.filename}); save it again"
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    raw = data[start : start + info.compress_size]
    xml = info.filename.lower().endswith((".xml", ".rels", ".vml"))
    if info.compress_type == 0:  # stored
        size, chunks = len(raw), [raw]
    elif info.compress_type == 8:  # deflated: what Office writes
        inflated = _inflate(raw, info.file_size, keep=xml)
        if inflated is None:
            return "bomb"
        size, chunks = inflated
    else:
        return (
            f"this template's part {info.filename} uses a compression Office never writes "
            f"(method {info.compress_type}); save the template again from PowerPoint"
        )
    if size > info.file_size:
        return "bomb"
    if xml:
        text = b"".join(chunks)
        if any(mark in text for mark in DTD_MARKS):
            return (
                f"its part {info.filename} declares a DTD (<!DOCTYPE>); Office never writes "
                "one, and its entities could make an XML parser read files of this computer "
                "(XXE): refused; save the template again from PowerPoint"
            )
    return None


def _inflate(raw: bytes, limit: int, keep: bool) -> tuple[int, list[bytes]] | None:
    """(size, chunks if `keep`) of a raw deflate stream inflated in 1 MB steps, or None as
    soon as it passes `limit` bytes."""
    import zlib

    inflater = zlib.decompressobj(-15)
    chunks: list[bytes] = []
    size = 0
    pending = raw
    while pending and not inflater.eof:
        try:
            chunk = inflater.decompress(pending, 1 << 20)
        except zlib.error:
            break  # damaged: python-pptx's own reading reports it
        size += len(chunk)
        if size > limit:
            return None
        if keep:
            chunks.append(chunk)
        pending = inflater.unconsumed_tail
        if not chunk and not pending:
            break
    return size, chunks
