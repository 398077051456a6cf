"""The template's colour and font scheme (its theme part): read as theme.toml values, and
which of its slots a client theme overrides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .schema import HEX

A_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


@dataclass(frozen=True, slots=True)
class TemplateScheme:
    """What deckgen reads from a template: its layout names and its first master's theme
    colours and fonts, as theme.toml values."""

    layouts: list[str]
    colors: dict[str, Any]
    fonts: dict[str, str]


def scheme_of(prs) -> TemplateScheme:
    """The layout names, and the first master's theme colours and fonts as theme.toml values."""
    from lxml import etree
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    master = prs.slide_masters[0].part
    theme_part = next(r.target_part for r in master.rels.values() if r.reltype == RT.THEME)
    from ..render.pptx_xml import SAFE_PARSER

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


def scheme_slots(style: dict[str, Any]) -> frozenset[str]:
    """The template's scheme slots that the themes' own [colors] and [fonts] set."""
    return frozenset(
        slot
        for (table, key), slots in SCHEME_SLOTS.items()
        if key in style.get(table, {})
        for slot in slots
    )
