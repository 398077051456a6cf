"""DrawingML colours as a template states them, resolved to the sRGB a viewer draws.

A template rarely says "#1F3A5F": it says "the scheme's text colour, 75 % lighter" and lets
the master's colour map decide what "text" is (``tx1`` is the theme's ``dk1`` on a light
master, its ``lt1`` on a dark one). `ColorContext` holds one master's theme colours and the
colour map in force (the master's, or a layout's override) and turns any colour element
(``a:srgbClr``, ``a:schemeClr``, ``a:sysClr``, ``a:prstClr``, ``a:scrgbClr``, ``a:hslClr``
with ``lumMod``, ``lumOff``, ``tint``, ``shade``, ``satMod``, ``alpha``...) into an RGB triple
and an opacity. Fills (``a:solidFill``, ``a:gradFill``, ``a:pattFill``) are read here too.
"""

from __future__ import annotations

import colorsys
from collections.abc import Mapping
from dataclasses import dataclass

A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"

RGB = tuple[int, int, int]

# The colour map of a master without one (and of every master PowerPoint makes light).
DEFAULT_CLR_MAP = {
    "bg1": "lt1",
    "tx1": "dk1",
    "bg2": "lt2",
    "tx2": "dk2",
    **{f"accent{k}": f"accent{k}" for k in range(1, 7)},
    "hlink": "hlink",
    "folHlink": "folHlink",
}
SCHEME_SLOTS = (
    "dk1",
    "lt1",
    "dk2",
    "lt2",
    *(f"accent{k}" for k in range(1, 7)),
    "hlink",
    "folHlink",
)
# Office's own values, for a theme part that leaves a slot out.
OFFICE_SCHEME = {
    "dk1": "000000",
    "lt1": "FFFFFF",
    "dk2": "44546A",
    "lt2": "E7E6E6",
    "accent1": "4472C4",
    "accent2": "ED7D31",
    "accent3": "A5A5A5",
    "accent4": "FFC000",
    "accent5": "5B9BD5",
    "accent6": "70AD47",
    "hlink": "0563C1",
    "folHlink": "954F72",
}
PRESET = {  # the preset colours templates use in practice (a:prstClr)
    "black": "000000",
    "white": "FFFFFF",
    "red": "FF0000",
    "green": "008000",
    "blue": "0000FF",
    "yellow": "FFFF00",
    "gray": "808080",
    "grey": "808080",
    "darkGray": "A9A9A9",
    "lightGray": "D3D3D3",
    "silver": "C0C0C0",
    "navy": "000080",
    "orange": "FFA500",
}
COLOR_TAGS = tuple(
    A + t for t in ("srgbClr", "schemeClr", "sysClr", "prstClr", "scrgbClr", "hslClr")
)


def hex_rgb(value: str) -> RGB:
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def rgb_hex(rgb: RGB) -> str:
    return "".join(f"{max(0, min(255, round(c))):02X}" for c in rgb)


def scheme_colors(theme_root) -> dict[str, str]:
    """The twelve slots of a theme part's colour scheme, as hex (Office's value for a slot
    it leaves out)."""
    out = dict(OFFICE_SCHEME)
    scheme = theme_root.find(f".//{A}clrScheme") if theme_root is not None else None
    if scheme is None:
        return out
    for slot in scheme:
        name = slot.tag.replace(A, "")
        if not len(slot):
            continue
        node = slot[0]
        value = node.get("lastClr") if node.tag == f"{A}sysClr" else node.get("val")
        if node.tag == f"{A}sysClr" and not value:
            value = {"windowText": "000000", "window": "FFFFFF"}.get(node.get("val", ""), "")
        if value and len(value) == 6:
            try:
                hex_rgb(value)
            except ValueError:
                continue
            out[name] = value.upper()
    return out


def color_map(element, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The colour map of a master (``p:clrMap``) or a layout's override (``p:clrMapOvr``)
    over `base`."""
    out = dict(base or DEFAULT_CLR_MAP)
    if element is None:
        return out
    node = element.find(f"{P}clrMap")
    if node is None:
        over = element.find(f"{P}clrMapOvr")
        node = over.find(f"{A}overrideClrMapping") if over is not None else None
    if node is not None:
        out.update({k: v for k, v in node.attrib.items() if k in out})
    return out


@dataclass(frozen=True, slots=True)
class ColorContext:
    """One master's theme colours and the colour map in force where a colour is drawn."""

    scheme: Mapping[str, str]  # dk1 ... folHlink -> hex
    clr_map: Mapping[str, str]  # bg1 ... folHlink -> dk1 ... folHlink

    def slot(self, name: str) -> str:
        """The hex of a scheme name as a shape uses it (``tx1``, ``accent2``, ``dk1``...)."""
        target = self.clr_map.get(name, name)
        return self.scheme.get(target, self.scheme.get(name, "000000"))

    def resolve(self, node, placeholder: RGB | None = None) -> tuple[RGB, float] | None:
        """(RGB, opacity 0..1) of a colour element, or None when it is not one. `placeholder`
        is what ``phClr`` stands for (the colour a style reference passes)."""
        if node is None:
            return None
        tag = node.tag
        rgb: tuple[float, float, float]
        if tag == f"{A}srgbClr":
            rgb = _hex_or_black(node.get("val", ""))
        elif tag == f"{A}schemeClr":
            name = node.get("val", "tx1")
            if name == "phClr":
                rgb = placeholder if placeholder is not None else (0, 0, 0)
            else:
                rgb = hex_rgb(self.slot(name))
        elif tag == f"{A}sysClr":
            rgb = _hex_or_black(
                node.get("lastClr")
                or {"windowText": "000000", "window": "FFFFFF"}.get(node.get("val", ""), "000000")
            )
        elif tag == f"{A}prstClr":
            rgb = hex_rgb(PRESET.get(node.get("val", ""), "000000"))
        elif tag == f"{A}scrgbClr":
            rgb = tuple(  # type: ignore[assignment]
                _from_linear(int(node.get(k, "0")) / 100000) * 255 for k in ("r", "g", "b")
            )
        elif tag == f"{A}hslClr":
            h = int(node.get("hue", "0")) / 21600000
            s = int(node.get("sat", "0")) / 100000
            lum = int(node.get("lum", "0")) / 100000
            r, g, b = colorsys.hls_to_rgb(h, lum, s)
            rgb = (r * 255, g * 255, b * 255)
        else:
            return None
        return _transform(rgb, node)

    def fill(self, parent, placeholder: RGB | None = None) -> Fill | None:
        """The fill stated right under `parent` (an ``spPr``, ``bgPr``, a style list item):
        None when it states none, `Fill.NONE` for ``a:noFill``."""
        if parent is None:
            return None
        for child in parent:
            tag = child.tag
            if tag == f"{A}noFill":
                return NO_FILL
            if tag == f"{A}solidFill":
                got = self.resolve(child[0] if len(child) else None, placeholder)
                return Fill("solid", ((0.0, *got),) if got else ())
            if tag == f"{A}gradFill":
                stops = []
                for gs in child.iter(f"{A}gs"):
                    got = self.resolve(gs[0] if len(gs) else None, placeholder)
                    if got:
                        stops.append((int(gs.get("pos", "0")) / 100000, *got))
                lin = child.find(f"{A}lin")
                angle = int(lin.get("ang", "0")) / 60000 if lin is not None else 90.0
                radial = child.find(f"{A}path") is not None
                return Fill("gradient", tuple(sorted(stops)), angle, radial)
            if tag == f"{A}pattFill":
                fg = self.resolve(_first_color(child.find(f"{A}fgClr")), placeholder)
                bg = self.resolve(_first_color(child.find(f"{A}bgClr")), placeholder)
                got = [c for c in (fg, bg) if c]
                if not got:
                    return NO_FILL
                mixed = tuple(sum(c[0][k] for c in got) / len(got) for k in range(3))
                return Fill("solid", ((0.0, mixed, max(c[1] for c in got)),))
            if tag == f"{A}blipFill":
                # A duotone recolours the picture between two colours (theme backgrounds).
                duo = child.find(f"{A}blip/{A}duotone")
                stops: list[tuple[float, RGB, float]] = []
                if duo is not None:
                    for k, node in enumerate(c for c in duo if c.tag in COLOR_TAGS):
                        got = self.resolve(node, placeholder)
                        if got:
                            stops.append((float(k), *got))
                return Fill("picture", tuple(stops[:2]), blip=child)
            if tag == f"{A}grpFill":
                return Fill("group", ())
        return None


@dataclass(frozen=True, slots=True)
class Fill:
    """A fill: solid (one stop), a gradient (stops at positions 0..1, an angle in degrees,
    or radial), a picture (its ``a:blipFill``), none, or the group's."""

    kind: str  # solid | gradient | picture | none | group
    stops: tuple[tuple[float, RGB, float], ...] = ()  # (position, rgb, opacity)
    angle: float = 90.0
    radial: bool = False
    blip: object | None = None

    @property
    def color(self) -> RGB | None:
        """A representative colour: the solid colour, or the middle of a gradient."""
        if not self.stops:
            return None
        if len(self.stops) == 1:
            return self.stops[0][1]
        return _blend(self.stops[0][1], self.stops[-1][1], 0.5)


NO_FILL = Fill("none")


def _first_color(parent):
    if parent is None:
        return None
    return next((c for c in parent if c.tag in COLOR_TAGS), None)


def first_color(parent):
    """The first colour element right under `parent` (``a:solidFill``, ``a:fillRef``...)."""
    return _first_color(parent)


def _hex_or_black(value: str) -> RGB:
    try:
        return hex_rgb(value) if len(value) == 6 else (0, 0, 0)
    except ValueError:
        return (0, 0, 0)


def _to_linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _from_linear(c: float) -> float:
    c = max(0.0, min(1.0, c))
    return c * 12.92 if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def _blend(a, b, t: float) -> RGB:
    return tuple(x + (y - x) * t for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def _transform(rgb, node) -> tuple[RGB, float]:
    """Apply a colour's transforms in document order (as Office does), then clamp."""
    r, g, b = (c / 255 for c in rgb)
    alpha = 1.0
    for child in node:
        name = child.tag.replace(A, "")
        value = int(child.get("val", "0")) / 100000
        if name in ("tint", "shade"):
            lin = [_to_linear(c) for c in (r, g, b)]
            if name == "tint":
                lin = [c * value + (1 - value) for c in lin]
            else:
                lin = [c * value for c in lin]
            r, g, b = (_from_linear(c) for c in lin)
        elif name in ("lumMod", "lumOff", "satMod", "satOff", "hueOff", "hueMod"):
            h, lum, s = colorsys.rgb_to_hls(r, g, b)
            if name == "lumMod":
                lum *= value
            elif name == "lumOff":
                lum += value
            elif name == "satMod":
                s *= value
            elif name == "satOff":
                s += value
            elif name == "hueOff":
                h = (h + value * 100000 / 21600000) % 1
            elif name == "hueMod":
                h = (h * value) % 1
            r, g, b = colorsys.hls_to_rgb(h, max(0.0, min(1.0, lum)), max(0.0, min(1.0, s)))
        elif name == "alpha":
            alpha = value
        elif name == "alphaMod":
            alpha *= value
        elif name == "alphaOff":
            alpha += value
        elif name == "gray":
            y = 0.2126 * r + 0.7152 * g + 0.0722 * b
            r = g = b = y
        elif name == "inv":
            r, g, b = 1 - r, 1 - g, 1 - b
        elif name == "comp":
            h, lum, s = colorsys.rgb_to_hls(r, g, b)
            r, g, b = colorsys.hls_to_rgb((h + 0.5) % 1, lum, s)
    clamp = [round(max(0.0, min(1.0, c)) * 255) for c in (r, g, b)]
    return (clamp[0], clamp[1], clamp[2]), max(0.0, min(1.0, alpha))
