"""Themes: ``themes/<name>/theme.toml`` -> a typed, validated `Theme`, loaded once per build.

A theme folder holds ``theme.toml``, optionally ``template.pptx`` (the PowerPoint masters and
layouts slides are built on) and ``assets/`` (font files for measuring text, logos). A theme
without its own template uses the default theme's. Everything a renderer needs from disk
(template bytes, font files) is read here, so renderers never touch files.

Themes are looked up in the project's ``themes/`` folder first, then among the themes
shipped with deckgen.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Collector, Diagnostic, InputError, did_you_mean
from .model import Asset
from .reading.pictures import ImageProblem, read_image

HEX = re.compile(r"^#?([0-9A-Fa-f]{6})$")
SLIDE_KINDS = ("title", "section", "content", "two-content", "quote", "chart")
FONT_STYLES = ("regular", "bold", "italic", "bold_italic")


@dataclass(frozen=True, slots=True)
class Colors:
    """Hex colours without '#', as python-pptx and CSS both take them."""

    primary: str = "1F3A5F"
    accent: str = "E4572E"
    text: str = "1F2933"
    background: str = "FFFFFF"
    muted: str = "6B7785"
    series: tuple[str, ...] = ("1F3A5F", "E4572E", "2A9D8F", "E9C46A", "8E5572", "6B7785")


@dataclass(frozen=True, slots=True)
class FontFace:
    """The font files used to measure text in one family (bytes, read once)."""

    family: str
    files: Mapping[str, bytes] = field(repr=False)  # style -> font file content
    source: str = ""  # where the files came from, for messages


@dataclass(frozen=True, slots=True)
class Fonts:
    heading: str = "Arial"
    body: str = "Arial"
    mono: str = "Courier New"
    faces: Mapping[str, FontFace] = field(default_factory=dict, repr=False)  # family -> face


@dataclass(frozen=True, slots=True)
class Sizes:
    """Font sizes in points."""

    title: float = 34
    section: float = 40
    body: float = 24
    min_body: float = 16


@dataclass(frozen=True, slots=True)
class SlideOptions:
    footer: str = ""
    slide_numbers: bool = True


LOGO_POSITIONS = ("top-right", "top-left")  # the top corners: footers hold the bottom ones


@dataclass(frozen=True, slots=True)
class Logo:
    """The client's logo, read and checked once: on the title slide (twice `height`), in a
    corner of every other slide (on their layouts, so it is one picture, not one per slide)
    and in the email header."""

    asset: Asset
    position: str = "top-right"
    height: float = 28  # points, on the slides other than the title slide
    title: bool = True
    slides: bool = True
    email: bool = True


@dataclass(frozen=True, slots=True)
class Theme:
    name: str
    folder: Path
    colors: Colors
    fonts: Fonts
    sizes: Sizes
    slides: SlideOptions
    layouts: Mapping[str, str]  # deckgen slide kind -> layout name in the template
    template: bytes = field(repr=False, default=b"")
    template_path: Path | None = None
    # Email templates by name ("email/base.html" -> source): the theme's own files over the
    # default theme's, read once here so renderers never read files.
    email_templates: Mapping[str, str] = field(repr=False, default_factory=dict)
    # [email] of theme.toml: the client's sender identity (over [tool.deckgen]), link colour.
    email: Mapping[str, str] = field(default_factory=dict)
    parents: tuple[str, ...] = ()  # the themes it extends, nearest first
    email_template_files: Mapping[str, Path] = field(repr=False, default_factory=dict)
    logo: Logo | None = None
    # Which slots of the template's colour and font scheme the theme writes ("dk2",
    # "major", ...): None for every slot (deckgen's own templates), else only those the
    # client theme states (a corporate template keeps the rest).
    scheme_slots: frozenset[str] | None = None


DEFAULT_LAYOUTS = {
    "title": "Title Slide",
    "section": "Section Header",
    "content": "Title and Content",
    "two-content": "Two Content",
    "quote": "Title Only",
    "chart": "Title and Content",
}

SCHEMA: dict[str, Any] = {
    "name": str,
    "extends": str,
    "colors": {
        "primary": "color",
        "accent": "color",
        "text": "color",
        "background": "color",
        "muted": "color",
        "series": "colors",
    },
    "fonts": {"heading": str, "body": str, "mono": str, "files": "fontfiles"},
    "sizes": {"title": "size", "section": "size", "body": "size", "min_body": "size"},
    "slides": {"footer": str, "slide_numbers": bool},
    "layouts": {kind: str for kind in SLIDE_KINDS},
    "email": {"sender_name": str, "sender_address": str, "reply_to": str, "link_color": "color"},
    "logo": {
        "file": str,
        "position": "position",
        "height": "size",
        "title": bool,
        "slides": bool,
        "email": bool,
    },
}


def builtin_themes_dir() -> Path:
    from . import _themes  # type: ignore[attr-defined]  # the top-level themes/ folder, shipped

    return Path(_themes.__path__[0])


# The themes deckgen ships. The repository's themes/ folder also holds the sample clients
# (agence-boreal, atelier-durand): they are this project's themes, not deckgen's.
BUILTIN_THEMES = ("default",)


def theme_folders(project_root: Path | None) -> list[Path]:
    """Every theme folder, the project's first, then deckgen's own."""
    found: list[Path] = []
    for folder in theme_dirs(project_root):
        builtin = not (project_root is not None and folder == project_root / "themes")
        for toml in sorted(folder.glob("*/theme.toml")):
            if not builtin or toml.parent.name in BUILTIN_THEMES:
                found.append(toml.parent)
    return found


def theme_dirs(project_root: Path | None) -> list[Path]:
    dirs = []
    if project_root is not None and (project_root / "themes").is_dir():
        dirs.append(project_root / "themes")
    try:
        builtin = builtin_themes_dir()
    except (ImportError, AttributeError, IndexError):
        builtin = Path(__file__).resolve().parent.parent / "themes"
    if builtin.is_dir() and all(builtin.resolve() != d.resolve() for d in dirs):
        dirs.append(builtin)
    return dirs


class ThemeNotFound(InputError):
    """No theme of that name (the message lists the themes there are)."""


def find_theme(name: str, project_root: Path | None) -> Path:
    folders = theme_folders(project_root)
    for folder in folders:
        if folder.name == name:
            return folder
    known = sorted({f.name for f in folders})
    raise ThemeNotFound(
        f"theme '{name}' not found{did_you_mean(name, known)}; available: {', '.join(known) or 'none'}"
    )


def load_theme(name: str, project_root: Path | None = None) -> tuple[Theme, list[Diagnostic]]:
    """Load and validate a theme and its parents. Raises `InputError` listing every problem
    of its files.

    A theme states only what differs from its parent (``extends``, default ``default``):
    tables are merged key by key, lists replaced whole; ``template.pptx``, email templates
    and font files are looked up from the theme to its parents.
    """
    chain = _chain(name, project_root)  # [(folder, data, locator)], the theme first
    folder, _, where = chain[0]
    path = folder / "theme.toml"
    report = Collector(path)
    folders = [f for f, _, _ in chain]
    # The template: the nearest theme's template.pptx (or .potx), read and checked once.
    owner = next(
        (k for k, f in enumerate(folders) if any((f / n).is_file() for n in TEMPLATE_NAMES)),
        None,
    )
    template_path: Path | None = None
    template = b""
    scheme: TemplateScheme | None = None
    if owner is None:
        report.error("no template.pptx in this theme or its parents; reinstall deckgen")
    else:
        template_path = next(
            folders[owner] / n for n in TEMPLATE_NAMES if (folders[owner] / n).is_file()
        )
        template, problem, scheme = _read_template(template_path)
        if problem:
            report.errors.append(Diagnostic(template_path, None, problem))
    data: dict[str, Any] = {}
    for _, own, _ in reversed(chain):
        data = _merge(data, own)
    client_template = owner is not None and owner < len(chain) - 1 and scheme is not None
    if client_template:
        # A client's corporate template keeps its own theme colours and fonts: only what the
        # themes from the template's owner down state explicitly changes them.
        assert scheme is not None and owner is not None
        own_style: dict[str, Any] = {}
        for _, own, _ in reversed(chain[: owner + 1]):
            own_style = _merge(own_style, {k: own[k] for k in ("colors", "fonts") if k in own})
        data["colors"] = {**scheme.colors, **own_style.get("colors", {})}
        data["fonts"] = {
            **data.get("fonts", {}),
            **scheme.fonts,
            **own_style.get("fonts", {}),
        }
        slots = _scheme_slots(own_style)
    else:
        slots = None
    # Font files are relative to the theme that names them.
    font_homes: dict[str, tuple[Path, _Locator]] = {}
    for theme_folder, own, locator in reversed(chain):
        for family in own.get("fonts", {}).get("files", {}):
            font_homes[family] = (theme_folder, locator)

    logo_home = next(
        ((f, loc) for f, own, loc in chain if "file" in own.get("logo", {})), (folder, where)
    )
    logo = _read_logo(data.get("logo", {}), *logo_home, report)

    colors_raw = data.get("colors", {})
    colors = Colors(
        **{
            k: (tuple(_hex(c) for c in v) if k == "series" else _hex(v))
            for k, v in colors_raw.items()
        }
    )
    fonts_raw = {k: v for k, v in data.get("fonts", {}).items() if k != "files"}
    fonts = Fonts(**fonts_raw)
    sizes = Sizes(**{k: float(v) for k, v in data.get("sizes", {}).items()})
    if sizes.min_body > sizes.body:
        report.error(
            f"sizes.min_body ({sizes.min_body:g}) is larger than sizes.body ({sizes.body:g})",
            where.line(("sizes",), "min_body"),
        )
    slides = SlideOptions(**data.get("slides", {}))
    layouts = {**DEFAULT_LAYOUTS, **data.get("layouts", {})}

    files = data.get("fonts", {}).get("files", {})
    faces: dict[str, FontFace] = {}
    for family in dict.fromkeys((fonts.heading, fonts.body, fonts.mono)):
        given = files.get(family)
        if given:
            home, locator = font_homes.get(family, (folder, where))
            face = _read_font_files(family, given, home, report, locator)
        else:
            face = system_font_face(family)
            if face is None:
                report.warn(
                    f"no font files to measure '{family}' (install fonts-liberation2 and "
                    f'fonts-crosextra-carlito, or add [fonts.files."{family}"] to the theme); '
                    "text is measured with a wider fallback font",
                    where.line(("fonts",), "body"),
                    rule="theme-font-missing",
                )
                face = fallback_font_face(family)
        if face is not None:
            faces[family] = face
    fonts = Fonts(fonts.heading, fonts.body, fonts.mono, faces)

    for message, key in contrast_problems(colors, data.get("email", {}).get("link_color")):
        report.warn(
            message,
            where.line(("email",) if key == "link_color" else ("colors",), key)
            or where.line(("colors",)),
            rule="theme-contrast",
        )
    if scheme is not None and template_path is not None:
        problem = missing_layouts(scheme.layouts, layouts)
        if problem:
            # At fault: the [layouts] line that names a missing layout (the nearest theme
            # stating it), else the template itself.
            missing = [k for k, v in layouts.items() if v not in scheme.layouts]
            at = next(
                (
                    (f / "theme.toml", loc.line(("layouts",), kind))
                    for f, own, loc in chain
                    for kind in missing
                    if kind in own.get("layouts", {})
                ),
                (template_path, None),
            )
            report.errors.append(Diagnostic(at[0], at[1], f"{template_path.name}: {problem}"))
    email_templates: dict[str, str] = {}
    template_files: dict[str, Path] = {}
    for source in reversed(folders):  # the default's first, each child overriding
        found = _read_templates(source / "templates")
        email_templates.update(found)
        template_files.update({name: source / "templates" / name for name in found})
    report.raise_if_errors()
    theme = Theme(
        name=str(chain[0][1].get("name", folder.name)),
        folder=folder,
        parents=tuple(f.name for f in folders[1:]),
        colors=colors,
        fonts=fonts,
        sizes=sizes,
        slides=slides,
        layouts=layouts,
        template=template,
        template_path=template_path,
        email_templates=email_templates,
        email_template_files=template_files,
        logo=logo,
        scheme_slots=slots,
        email={k: (_hex(v) if k == "link_color" else v) for k, v in data.get("email", {}).items()},
    )
    return theme, report.warnings


def _read_logo(
    table: dict[str, Any], folder: Path, where: _Locator, report: Collector
) -> Logo | None:
    """The logo of ``[logo]``, its file relative to the theme that names it."""
    if not table:
        return None
    path = folder / "theme.toml"
    line = where.line(("logo",), "file") or where.line(("logo",))
    rel = table.get("file")
    if not rel:
        report.error('[logo] needs a file: file = "assets/logo.png"', line)
        return None
    target = (folder / rel).resolve()
    if Path(rel).is_absolute() or not target.is_relative_to(folder.resolve()):
        report.errors.append(
            Diagnostic(
                path,
                line,
                f"logo '{rel}' is outside the theme folder; copy it into {folder}/assets/",
            )
        )
        return None
    if not target.is_file():
        report.errors.append(
            Diagnostic(
                path,
                line,
                f"logo '{rel}' not found (looked for {target}); check the path, relative to {folder}",
            )
        )
        return None
    try:
        asset = read_image(target, rel)
    except ImageProblem as exc:
        report.errors.append(Diagnostic(path, line, str(exc)))
        return None
    options = {k: v for k, v in table.items() if k != "file"}
    return Logo(asset, **options)


TEMPLATE_NAMES = ("template.pptx", "template.potx")
PPTX_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
POTX_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml"
A_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


@dataclass(frozen=True, slots=True)
class TemplateScheme:
    """What deckgen reads from a template: its layout names and its first master's theme
    colours and fonts, as theme.toml values."""

    layouts: list[str]
    colors: dict[str, Any]
    fonts: dict[str, str]


def _read_template(path: Path) -> tuple[bytes, str | None, TemplateScheme | None]:
    """The template as .pptx bytes (a .potx is converted: only its main content type
    differs), why it cannot be used (or None), and its scheme. Checked when the theme
    loads, so a broken client template fails before any build."""
    import io
    import zipfile

    from pptx import Presentation
    from pptx.exc import PackageNotFoundError

    data = path.read_bytes()
    not_pptx = (
        "not a PowerPoint presentation or template (.pptx, .potx) ({}); save the client's "
        "template from PowerPoint or LibreOffice as .pptx"
    )
    unsafe = _unsafe_template(data)
    if unsafe:
        return b"", unsafe, None
    try:
        if path.suffix == ".potx":
            data = _potx_to_pptx(data)
        prs = Presentation(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        return data, not_pptx.format(type(exc).__name__), None
    return data, None, _scheme_of(prs)


# A template comes from a client: it is opened only after these checks, which read the zip
# directory and then inflate each part in 1 MB chunks (memory stays small whatever it holds).
MAX_TEMPLATE_UNPACKED = 256 * 1024 * 1024  # corporate templates with pictures: tens of MB
MAX_TEMPLATE_RATIO = 200  # XML deflates 10-50:1, pictures barely; zip bombs about 1000:1
MAX_TEMPLATE_PARTS = 10_000
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: encrypted or .ppt
DTD_MARKS = tuple(
    mark.encode(codec)
    for mark in ("<!DOCTYPE", "<!ENTITY")
    for codec in ("utf-8", "utf-16-le", "utf-16-be")
)


def _unsafe_template(data: bytes) -> str | None:
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


def _potx_to_pptx(data: bytes) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "[Content_Types].xml":
                body = body.replace(POTX_MAIN.encode(), PPTX_MAIN.encode())
            dst.writestr(info, body)
    return out.getvalue()


def _scheme_of(prs) -> TemplateScheme:
    from lxml import etree
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    master = prs.slide_masters[0].part
    theme_part = next(r.target_part for r in master.rels.values() if r.reltype == RT.THEME)
    from .render.pptx_xml import SAFE_PARSER

    root = etree.fromstring(theme_part.blob, SAFE_PARSER)

    def color(slot: str) -> str | None:
        node = root.find(f".//{A_NS}clrScheme/{A_NS}{slot}")
        if node is None or not len(node):
            return None
        value = node[0].get("val") if node[0].tag == f"{A_NS}srgbClr" else node[0].get("lastClr")
        return f"#{value.upper()}" if value and HEX.match(value) else None

    colors: dict[str, Any] = {}
    for key, slot in (
        ("text", "dk1"),
        ("background", "lt1"),
        ("primary", "dk2"),
        ("accent", "accent1"),
    ):
        value = color(slot)
        if value:
            colors[key] = value
    series = [c for c in (color(f"accent{k}") for k in range(1, 7)) if c]
    if series:
        colors["series"] = series
    if "text" in colors and "background" in colors:
        colors["muted"] = "#" + _mix(colors["text"][1:], colors["background"][1:], 0.35)
    fonts: dict[str, str] = {}
    for key, tag in (("heading", "majorFont"), ("body", "minorFont")):
        latin = root.find(f".//{A_NS}fontScheme/{A_NS}{tag}/{A_NS}latin")
        if (
            latin is not None
            and latin.get("typeface")
            and not latin.get("typeface").startswith("+")
        ):
            fonts[key] = latin.get("typeface")
    layouts = [layout.name for m in prs.slide_masters for layout in m.slide_layouts]
    return TemplateScheme(layouts, colors, fonts)


def _mix(a: str, b: str, amount: float) -> str:
    """`amount` of the way from colour `a` to colour `b`."""
    ca = [int(a[k : k + 2], 16) for k in (0, 2, 4)]
    cb = [int(b[k : k + 2], 16) for k in (0, 2, 4)]
    return "".join(f"{round(x + (y - x) * amount):02X}" for x, y in zip(ca, cb, strict=True))


# theme.toml key -> the scheme slots it sets in a client's template
SCHEME_SLOTS = {
    ("colors", "text"): ("dk1",),
    ("colors", "background"): ("lt1",),
    ("colors", "primary"): ("dk2",),
    ("colors", "accent"): ("accent1",),
    ("fonts", "heading"): ("major",),
    ("fonts", "body"): ("minor",),
}


def _scheme_slots(style: dict[str, Any]) -> frozenset[str]:
    return frozenset(
        slot
        for (table, key), slots in SCHEME_SLOTS.items()
        if key in style.get(table, {})
        for slot in slots
    )


def missing_layouts(names: list[str], layouts: Mapping[str, str]) -> str | None:
    """What to say when a template lacks layouts the theme maps slide kinds to, or None."""
    missing = [f"{kind} -> '{name}'" for kind, name in layouts.items() if name not in names]
    if not missing:
        return None
    return (
        f"this template lacks the layouts {', '.join(missing)}; it has: "
        f"{', '.join(repr(n) for n in names)}. Map each slide kind to one of them in "
        "[layouts] of theme.toml"
    )


def _read_theme_file(folder: Path) -> tuple[dict[str, Any], _Locator]:
    path = folder / "theme.toml"
    text = _read_utf8(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        raise InputError(f"not valid TOML: {exc}", path, line) from None
    where = _Locator(text)
    report = Collector(path)
    _check(data, SCHEMA, (), report, where)
    report.raise_if_errors()
    return data, where


def _chain(name: str, project_root: Path | None) -> list[tuple[Path, dict[str, Any], _Locator]]:
    """The theme and its parents, nearest first; each file validated on its own."""
    chain: list[tuple[Path, dict[str, Any], _Locator]] = []
    seen: list[str] = []
    current = name
    while True:
        folder = find_theme(current, project_root)
        data, where = _read_theme_file(folder)
        chain.append((folder, data, where))
        seen.append(current)
        parent = data.get("extends", "default" if current != "default" else None)
        if parent is None:
            return chain
        if parent in seen:
            raise InputError(
                f"themes extend each other in a cycle: {' -> '.join([*seen, parent])}; "
                "make one of them extend 'default'",
                folder / "theme.toml",
                where.line((), "extends"),
            )
        try:
            find_theme(parent, project_root)
        except ThemeNotFound as exc:
            raise InputError(
                f"extends {exc.diagnostics[0].message}",
                folder / "theme.toml",
                where.line((), "extends"),
            ) from None
        current = parent


def _merge(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """`own` over `base`: tables merged key by key, anything else replaced."""
    out = dict(base)
    for key, value in own.items():
        if key in ("name", "extends"):
            out[key] = value
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def theme_names(project_root: Path | None) -> list[tuple[str, tuple[str, ...], Path]]:
    """Every theme found (name, parents, folder), for ``deckgen themes``."""
    found = []
    names = sorted(
        {f.name for f in theme_folders(project_root)}
    )
    for name in names:
        try:
            chain = _chain(name, project_root)
            found.append((name, tuple(f.name for f, _, _ in chain[1:]), chain[0][0]))
        except InputError:
            found.append(
                (
                    name,
                    ("(broken: run deckgen build --theme " + name + ")",),
                    find_theme(name, project_root),
                )
            )
    return found


def _read_utf8(path: Path) -> str:
    """A theme's text file; not UTF-8 (a Latin-1 save) is an input error with its line."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 (byte 0x{raw[exc.start]:02x}); re-save the file as UTF-8 "
            "(for example: iconv -f latin1 -t utf-8)",
            path,
            raw[: exc.start].count(b"\n") + 1,
        ) from None


def _read_templates(folder: Path) -> dict[str, str]:
    """Every template file under `folder`, by its path relative to it (with '/')."""
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): _read_utf8(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix in (".html", ".txt", ".css")
    }


# --- validation -------------------------------------------------------------------------


class _Locator:
    """Finds the line of a key in a TOML text (tomllib gives no positions)."""

    def __init__(self, text: str):
        self.lines = text.split("\n")

    def line(self, table: tuple[str, ...], key: str | None = None) -> int | None:
        current: tuple[str, ...] = ()
        for k, raw in enumerate(self.lines, start=1):
            line = raw.strip()
            header = re.match(r"^\[+\s*([^\]]+?)\s*\]+", line)
            if header:
                current = tuple(p.strip().strip('"') for p in header.group(1).split("."))
                if key is None and current == table:
                    return k
                continue
            if (
                key is not None
                and current == table
                and re.match(rf'^("?){re.escape(key)}\1\s*=', line)
            ):
                return k
        return None


def _check(
    data: Any, schema: Any, path: tuple[str, ...], report: Collector, where: _Locator
) -> None:
    for key, value in data.items():
        line = where.line(path, key) or where.line((*path, key)) or where.line(path)
        name = ".".join((*path, key))
        if key not in schema:
            report.error(
                f"unknown key '{name}'{did_you_mean(key, schema)}; known keys here: "
                f"{', '.join(schema)}",
                line,
            )
            continue
        kind = schema[key]
        if isinstance(kind, dict):
            if not isinstance(value, dict):
                report.error(f"'{name}' must be a table ([{name}])", line)
            else:
                _check(value, kind, (*path, key), report, where)
        elif kind == "color":
            if not isinstance(value, str) or not HEX.match(value):
                report.error(f"'{name}' must be a hex colour like \"#1F3A5F\", not {value!r}", line)
        elif kind == "colors":
            if (
                not isinstance(value, list)
                or not value
                or not all(isinstance(v, str) and HEX.match(v) for v in value)
            ):
                report.error(
                    f'\'{name}\' must be a list of hex colours like ["#1F3A5F", "#E4572E"]', line
                )
        elif kind == "position":
            if value not in LOGO_POSITIONS:
                report.error(
                    f"'{name}' must be one of {', '.join(LOGO_POSITIONS)}, not {value!r}", line
                )
        elif kind == "size":
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not 6 <= value <= 96
            ):
                report.error(
                    f"'{name}' must be a font size in points between 6 and 96, not {value!r}", line
                )
        elif kind == "fontfiles":
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                report.error(
                    f"'{name}' maps a font family to its files: "
                    '[fonts.files."Arial"] regular = "assets/fonts/x.ttf"',
                    line,
                )
        elif not isinstance(value, kind):
            report.error(f"'{name}' must be {_kind_name(kind)}, not {value!r}", line)


def _kind_name(kind: type) -> str:
    return {str: "text", bool: "true or false", int: "a number"}.get(kind, kind.__name__)


def _hex(value: str) -> str:
    match = HEX.match(value)
    assert match is not None
    return match.group(1).upper()


# --- fonts ------------------------------------------------------------------------------

# Fonts every viewer has, with the metric-compatible twins Linux machines carry (same widths).
METRIC_TWINS = {
    "arial": "Liberation Sans",
    "helvetica": "Liberation Sans",
    "times new roman": "Liberation Serif",
    "courier new": "Liberation Mono",
    "calibri": "Carlito",
    "cambria": "Caladea",
}
STYLE_SUFFIXES = {
    "regular": ("-Regular", " Regular", "", "-Roman"),
    "bold": ("-Bold", " Bold", "bd", "b"),
    "italic": ("-Italic", " Italic", "i", "-Oblique"),
    "bold_italic": ("-BoldItalic", " Bold Italic", "bi", "z", "-BoldOblique"),
}


def _font_dirs() -> list[Path]:
    home = Path.home()
    dirs = [
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        home / ".fonts",
        home / ".local/share/fonts",
        Path("/Library/Fonts"),
        Path("/System/Library/Fonts"),
        home / "Library/Fonts",
    ]
    if sys.platform == "win32":
        dirs.append(Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts")
    return [d for d in dirs if d.is_dir()]


_FONT_INDEX: dict[str, Path] | None = None


def _font_index() -> dict[str, Path]:
    """File stem (lower case) -> path of every TrueType/OpenType font on the machine."""
    global _FONT_INDEX
    if _FONT_INDEX is None:
        index: dict[str, Path] = {}
        for folder in _font_dirs():
            for path in sorted(folder.rglob("*")):
                if path.suffix.lower() in (".ttf", ".otf"):
                    index.setdefault(path.stem.lower(), path)
        _FONT_INDEX = index
    return _FONT_INDEX


def _find_family(family: str) -> dict[str, Path]:
    index = _font_index()
    base = family.replace(" ", "")
    names = {family, base, family.lower(), base.lower()}
    found: dict[str, Path] = {}
    for style, suffixes in STYLE_SUFFIXES.items():
        for name in names:
            hit = next(
                (index[(name + s).lower()] for s in suffixes if (name + s).lower() in index), None
            )
            if hit:
                found[style] = hit
                break
    return found if "regular" in found else {}


def system_font_face(family: str) -> FontFace | None:
    """Files for `family` on this machine, or for its metric-compatible twin."""
    for candidate in (family, METRIC_TWINS.get(family.lower())):
        if not candidate:
            continue
        files = _find_family(candidate)
        if files:
            return FontFace(family, {s: p.read_bytes() for s, p in files.items()}, candidate)
    return None


def fallback_font_face(family: str) -> FontFace | None:
    """A wide font (DejaVu Sans) so a missing font errs towards smaller text, never overflow."""
    files = _find_family("DejaVu Sans") or _find_family("DejaVuSans")
    if files:
        return FontFace(
            family, {s: p.read_bytes() for s, p in files.items()}, "DejaVu Sans (fallback)"
        )
    return None


def _read_font_files(
    family: str, given: dict[str, Any], folder: Path, report: Collector, where: _Locator
) -> FontFace | None:
    files: dict[str, bytes] = {}
    table = ("fonts", "files", family)
    for style, rel in given.items():
        line = where.line(table, style) or where.line(table)
        if style not in FONT_STYLES:
            report.error(
                f"unknown font style '{style}'{did_you_mean(style, FONT_STYLES)}; "
                f"use {', '.join(FONT_STYLES)}",
                line,
            )
            continue
        path = (folder / str(rel)).resolve()
        if not path.is_relative_to(folder.resolve()):
            report.error(f"font file '{rel}' is outside the theme folder", line)
        elif not path.is_file():
            report.error(f"font file '{rel}' not found in {folder}", line)
        else:
            files[style] = path.read_bytes()
    if "regular" not in files:
        if not report.errors:
            report.error(
                f"fonts.files.\"{family}\" needs at least a 'regular' file", where.line(table)
            )
        return None
    return FontFace(family, files, str(folder))


def new_theme_text(name: str, parent: str, project_root: Path | None) -> str:
    """A commented theme.toml extending `parent`: every setting shown with the parent's
    value, commented out, so the client theme states only what it changes."""
    theme, _ = load_theme(parent, project_root)
    c, f, z, sl = theme.colors, theme.fonts, theme.sizes, theme.slides
    series = ", ".join(f'"#{v}"' for v in c.series)
    layouts = "\n".join(f'# {k} = "{v}"' for k, v in theme.layouts.items())
    return f"""# Theme "{name}": only what differs from "{parent}". Uncomment and change a line to
# override it; everything else comes from "{parent}" (and the default theme).
# Files beside this one: template.pptx (the client's corporate template: its masters and
# layouts), templates/email/*.html (overrides of the email templates), assets/ (fonts, logos).
name = "{name}"
extends = "{parent}"

[colors]
# primary = "#{c.primary}"      # titles, table headers, the email header
# accent = "#{c.accent}"        # rules, bullets
# text = "#{c.text}"
# background = "#{c.background}"
# muted = "#{c.muted}"          # footers
# series = [{series}]

[fonts]
# heading = "{f.heading}"
# body = "{f.body}"
# mono = "{f.mono}"
# Font files to measure text with, relative to this folder:
# [fonts.files."{f.body}"]
# regular = "assets/fonts/{f.body.replace(" ", "")}-Regular.ttf"
# bold = "assets/fonts/{f.body.replace(" ", "")}-Bold.ttf"

[sizes]                         # points
# title = {z.title:g}
# section = {z.section:g}
# body = {z.body:g}
# min_body = {z.min_body:g}      # text shrinks down to this size, then continues on a new slide

[slides]
# footer = "{sl.footer}"         # empty: the document's title
# slide_numbers = {str(sl.slide_numbers).lower()}

[layouts]                       # deckgen slide kind -> layout name in template.pptx
{layouts}

[email]                         # overrides [tool.deckgen] of pyproject.toml
# sender_name = "Agence Exemple"
# sender_address = "lettre@example.com"
# reply_to = "contact@example.com"
# link_color = "#{c.primary}"
"""


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two hex colours (1 to 21)."""

    def luminance(color: str) -> float:
        channels = [int(color[k : k + 2], 16) / 255 for k in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def contrast_problems(colors: Colors, link_color: str | None = None) -> list[tuple[str, str]]:
    """Colour pairs a reader must tell apart that miss WCAG AA (4.5:1): (message, key)."""
    pairs = [
        ("text", colors.text, colors.background, "text on the background"),
        ("primary", colors.primary, colors.background, "titles (primary) on the background"),
        (
            "background",
            colors.background,
            colors.primary,
            "table headers and the email header (background on primary)",
        ),
    ]
    if link_color:
        pairs.append(("link_color", _hex(link_color), colors.background, "links on the background"))
    problems = []
    for key, fg, bg, what in pairs:
        ratio = contrast_ratio(fg, bg)
        if ratio < 4.5:
            problems.append(
                (
                    f"contrast of {what} is {ratio:.1f}:1, under WCAG AA's 4.5:1 "
                    f"(#{fg} on #{bg}); darken or lighten one of them",
                    key,
                )
            )
    return problems
