"""What a theme is: the typed `Theme` a build uses, and the schema ``theme.toml`` is
checked against (every unknown key, bad colour or size reported at its line).

The objects are plain frozen data: loading (`loading.py`) fills them once, renderers only
read them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Collector, did_you_mean
from ..model import Asset

if TYPE_CHECKING:
    from .geometry import LayoutBoxes, Rect
    from .template import TemplateInfo

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


REFERENCE_WIDTH = 12192000  # EMU: the 13.33 in of a 16:9 PowerPoint slide, deckgen's sizes


def size_scale(slide_width: int) -> float:
    """How much larger than deckgen's sizes text must be on a slide `slide_width` EMU wide
    to look the same when projected: Keynote's 26.67 in slides, a 43 in poster. Slides
    narrower than PowerPoint's 13.33 in keep deckgen's sizes (4:3 and 10 in templates use
    the same points as 16:9 ones), as do those within 5 % of it."""
    factor = slide_width / REFERENCE_WIDTH
    return round(factor, 2) if factor > 1.05 else 1.0


def scaled_sizes(sizes: Sizes, factor: float, stated: Iterable[str] = ()) -> Sizes:
    """`sizes` times `factor`, except the ones a theme states (points the client chose)."""
    if factor == 1.0:
        return sizes
    keep = set(stated)
    return Sizes(
        **{
            k: (getattr(sizes, k) if k in keep else round(getattr(sizes, k) * factor, 1))
            for k in ("title", "section", "body", "min_body")
        }
    )


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
    layouts: Mapping[str, str]  # deckgen slide kind -> layout key in the template
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
    # What deckgen read from the template (layouts, placeholders, backgrounds), and per
    # slide kind the boxes of its layout and the logo's box on it.
    template_info: TemplateInfo | None = field(default=None, repr=False, compare=False)
    boxes: Mapping[str, LayoutBoxes] = field(default_factory=dict, repr=False)
    logos: Mapping[str, Rect] = field(default_factory=dict, repr=False)
    # The newsletter's colours where a client template's own do not read on its white
    # background ("primary", "text" -> hex) and the theme does not state them: each the
    # first of the theme's colours that reads, else the nearest shade that does.
    email_colors: Mapping[str, str] = field(default_factory=dict)

    @property
    def client_template(self) -> bool:
        """Whether the template is a client's (its colours and fonts kept), not deckgen's."""
        return self.scheme_slots is not None


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


# --- validation ---------------------------------------------------------------------------


class Locator:
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


def check_table(
    data: Any, schema: Any, path: tuple[str, ...], report: Collector, where: Locator
) -> None:
    """Report every key of `data` that `schema` does not know or whose value has the wrong
    kind, at its line."""
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
                check_table(value, kind, (*path, key), report, where)
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


def hex_color(value: str) -> str:
    """A validated colour as deckgen stores it: six upper-case hex digits, no '#'."""
    match = HEX.match(value)
    assert match is not None
    return match.group(1).upper()
