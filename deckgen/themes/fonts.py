"""Font discovery: the files text is measured with, for each family a theme names (its own
files, the machine's, a metric-compatible twin, or a wide fallback that errs towards smaller
text).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from ..errors import Collector, did_you_mean
from .schema import FONT_STYLES, FontFace, Locator

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


def read_font_files(
    family: str, given: dict[str, Any], folder: Path, report: Collector, where: Locator
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
