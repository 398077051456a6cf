"""The client's PowerPoint template, read once when the theme loads: opening it (.pptx or
.potx, after `safety` has checked the file) and everything deckgen builds on, as plain data
(`TemplateInfo`): its masters, its layouts with their type, their placeholders (type, index,
box, the size, colour, alignment and font their text inherits, their prompt), the pictures
and shapes drawn on them (logos, bands) and their background (`backdrop.Backdrop`).

Both ``deckgen theme new --template`` (to map slide kinds to layouts and say what it found)
and the build (boxes, colours) read templates through here; python-pptx objects stay inside
this module and `layout_object`.

Layouts are named by their ``key``: their name when no other layout has it, else
``"Master 2/Contenu"`` (the master's position, from 1): `TemplateInfo.find` takes either.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from .backdrop import Backdrop, Drawn, render_backdrop, xfrm_rect
from .drawingml import A, ColorContext, Fill, P, color_map, first_color, rgb_hex, scheme_colors
from .geometry import Rect
from .safety import unsafe_template
from .scheme import TemplateScheme, scheme_of

TEMPLATE_NAMES = ("template.pptx", "template.potx")
PPTX_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
POTX_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml"
R_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"

TITLE_TYPES = ("title", "ctrTitle")
CONTENT_TYPES = ("body", "obj")  # placeholders for any text or content
FOOTER_TYPES = ("dt", "ftr", "sldNum")
# The master placeholder a layout placeholder of each type inherits from, and the master
# text style its text falls back to.
BASE_TYPE = {"ctrTitle": "title", "title": "title", "dt": "dt", "ftr": "ftr", "sldNum": "sldNum"}
STYLE_OF = {
    "title": "titleStyle",
    "ctrTitle": "titleStyle",
    "dt": "otherStyle",
    "ftr": "otherStyle",
}
STYLE_OF["sldNum"] = "otherStyle"


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A placeholder of a layout, with what a slide's text inherits from it."""

    type: str  # OOXML type: title, ctrTitle, subTitle, body, obj, dt, ftr, sldNum, pic, tbl...
    idx: int  # its idx attribute (not unique: LibreOffice writes 0 everywhere)
    n: int  # its position among the layout's placeholders: what `LayoutBoxes` refers to
    name: str
    rect: Rect | None  # its box (the master's when the layout does not move it)
    prompt: str = ""  # the text the layout shows in it ("Click to add text")
    size: float | None = None  # level-1 font size, points
    align: str | None = None  # level-1 alignment: l, ctr, r, just
    color: str | None = None  # level-1 text colour, hex
    font: str | None = None  # latin typeface, theme fonts resolved
    fill: str | None = None  # its own fill, drawn behind its text on a slide
    vertical: bool = False  # vertical text (vert="vert"...)
    caps: bool = False  # cap="all"
    # A glow the text style draws around its letters (a light halo on a dark theme): what
    # the letters stand out from, with its opacity.
    glow: tuple[str, float] | None = None


@dataclass(frozen=True, slots=True)
class Obstacle:
    """Something a layout shows on every slide that text must keep clear of: a picture (a
    logo), a band, a rule, a text of the template's own."""

    rect: Rect
    kind: str  # picture | fill | line | text-only
    name: str = ""
    text: str = ""
    on: str = "layout"  # layout | master


@dataclass(frozen=True)
class Layout:
    """One layout of the template, as deckgen reads it."""

    key: str  # unique: the name, or "Master 2/Name" when names repeat
    name: str
    master: int  # position of its master, from 0
    index: int  # position in its master's layouts, from 0
    type: str  # the layout's type: title, obj, secHead, twoObj, titleOnly, blank, cust...
    placeholders: tuple[Placeholder, ...]
    obstacles: tuple[Obstacle, ...]  # shown on every slide: keep text clear of them
    backdrop: Backdrop = field(repr=False, compare=False)
    body_color: str = "000000"  # what tx1 is here (text of text boxes)
    heading_color: str = "000000"  # what the title style draws titles in
    link_color: str = "0563C1"  # what hlink is here (hyperlinks)

    def of_type(self, *types: str) -> list[Placeholder]:
        return [p for p in self.placeholders if p.type in types]

    @property
    def title(self) -> Placeholder | None:
        """The title placeholder (the largest, if a layout has several)."""
        titles = [p for p in self.of_type(*TITLE_TYPES) if p.rect is not None]
        return max(titles, key=lambda p: p.rect.w * p.rect.h, default=None)  # type: ignore[union-attr]


@dataclass(frozen=True)
class TemplateInfo:
    """Everything deckgen reads from a template, read once."""

    width: int  # EMU
    height: int
    masters: tuple[str, ...]  # master names ("" when unnamed)
    layouts: tuple[Layout, ...]
    scheme: TemplateScheme  # the first master's colours and fonts as theme.toml values
    pictures_unread: tuple[str, ...] = ()  # layout keys with a picture deckgen cannot decode

    def named(self, name: str) -> list[Layout]:
        """Every layout a name can mean: its key, or its plain name (several masters)."""
        exact = [layout for layout in self.layouts if layout.key == name]
        return exact or [layout for layout in self.layouts if layout.name == name]

    def find(self, name: str) -> Layout:
        """The layout of a key or name (the first when a name is in several masters: see
        `named`); `KeyError` with the layouts there are when none has it."""
        found = self.named(name)
        if not found:
            raise KeyError(name)
        return found[0]

    @property
    def keys(self) -> list[str]:
        return [layout.key for layout in self.layouts]


# --- opening ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenedTemplate:
    """A template opened and checked: python-pptx's presentation and its colour scheme."""

    prs: object
    scheme: TemplateScheme


def read_template(path: Path) -> tuple[bytes, str | None, OpenedTemplate | None]:
    """The template as .pptx bytes (a .potx is converted: only its main content type
    differs), why it cannot be used (or None), and the opened template (`analyse` reads
    it once the theme's colours are known). Checked when the theme loads, so a broken
    client template fails before any build."""
    from pptx.exc import PackageNotFoundError

    data = path.read_bytes()
    not_pptx = (
        "not a PowerPoint presentation or template (.pptx, .potx) ({}); save the client's "
        "template from PowerPoint or LibreOffice as .pptx"
    )
    unsafe = unsafe_template(data)
    if unsafe:
        return b"", unsafe, None
    try:
        data = as_pptx(data)
        prs = open_template(data)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        return data, not_pptx.format(type(exc).__name__), None
    if not len(prs.slide_masters) or not any(len(m.slide_layouts) for m in prs.slide_masters):
        return data, "this template has no slide layouts; save it again from PowerPoint", None
    try:
        return data, None, OpenedTemplate(prs, scheme_of(prs))
    except (etree.XMLSyntaxError, KeyError, ValueError, StopIteration) as exc:
        return data, f"this template could not be read ({type(exc).__name__}: {exc})", None


def open_template(data: bytes):
    """The template opened with python-pptx (bytes of a .pptx, or of a .potx).

    LibreOffice relates the core properties with an old relationship type
    (``.../officedocument/2006/relationships/metadata/core-properties``) that python-pptx
    does not know: it would add a second ``docProps/core.xml``, a zip with a duplicate
    member. The relationship gets the standard type."""
    from pptx import Presentation
    from pptx.opc.constants import CONTENT_TYPE as CT
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    prs = Presentation(io.BytesIO(as_pptx(data)))
    for rel in prs.part.package._rels.values():
        if (
            not rel.is_external
            and rel.reltype != RT.CORE_PROPERTIES
            and rel.target_part.content_type == CT.OPC_CORE_PROPERTIES
        ):
            rel._reltype = RT.CORE_PROPERTIES
            rel.__dict__["reltype"] = RT.CORE_PROPERTIES  # python-pptx caches it (lazyproperty)
    return prs


def as_pptx(data: bytes) -> bytes:
    """A .potx as .pptx bytes (python-pptx refuses templates); a .pptx as it is."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        try:
            types = z.read("[Content_Types].xml")
        except KeyError:
            return data
    return potx_to_pptx(data) if POTX_MAIN.encode() in types else data


def potx_to_pptx(data: bytes) -> bytes:
    """A .potx as .pptx bytes: only the main part's content type differs."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "[Content_Types].xml":
                body = body.replace(POTX_MAIN.encode(), PPTX_MAIN.encode())
            dst.writestr(info, body)
    return out.getvalue()


def layout_object(prs, layout: Layout):
    """The python-pptx layout of an opened template that `layout` describes."""
    return prs.slide_masters[layout.master].slide_layouts[layout.index]


# --- reading ----------------------------------------------------------------------------------


def analyse(
    prs,
    colors: Mapping[str, str] | None = None,
    fonts: Mapping[str, str] | None = None,
    scheme: TemplateScheme | None = None,
) -> TemplateInfo:
    """Read every master and layout of an opened template, with the colour and font slots
    deckgen writes into its theme (``dk1`` -> hex, ``major`` -> family: see
    `scheme.scheme_values`) in place of the template's own."""
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    from ..render.pptx_xml import SAFE_PARSER

    width, height = int(prs.slide_width or 9144000), int(prs.slide_height or 6858000)
    masters: list[str] = []
    raw: list[tuple[int, int, object]] = []
    layouts: list[Layout] = []
    for m, master in enumerate(prs.slide_masters):
        masters.append(master.name or "")
        theme_part = next(
            (r.target_part for r in master.part.rels.values() if r.reltype == RT.THEME), None
        )
        theme_root = etree.fromstring(theme_part.blob, SAFE_PARSER) if theme_part else None
        reading = _MasterReading(master, theme_root, width, height, colors or {}, fonts or {})
        reading.theme_part = theme_part
        for k, layout in enumerate(master.slide_layouts):
            raw.append((m, k, layout))
            layouts.append(reading.layout(layout, m, k))
    # Keys: the name, or "Master N/name" where a name repeats.
    counts: dict[str, int] = {}
    for layout in layouts:
        counts[layout.name] = counts.get(layout.name, 0) + 1
    keyed: list[Layout] = []
    seen: set[str] = set()
    for layout in layouts:
        key = (
            layout.name if counts[layout.name] == 1 else f"Master {layout.master + 1}/{layout.name}"
        )
        n = 2
        base = key
        while key in seen:
            key, n = f"{base} ({n})", n + 1
        seen.add(key)
        keyed.append(_with_key(layout, key))
    unread = tuple(layout.key for layout in keyed if layout.backdrop.unknown)
    return TemplateInfo(
        width, height, tuple(masters), tuple(keyed), scheme or scheme_of(prs), unread
    )


def _with_key(layout: Layout, key: str) -> Layout:
    return Layout(
        key,
        layout.name,
        layout.master,
        layout.index,
        layout.type,
        layout.placeholders,
        layout.obstacles,
        layout.backdrop,
        layout.body_color,
        layout.heading_color,
        layout.link_color,
    )


class _MasterReading:
    """Reads the layouts of one master, with its theme and text styles at hand."""

    def __init__(self, master, theme_root, width: int, height: int, colors, fonts):
        self.master = master
        self.element = master._element
        self.cache: dict = {}  # decoded pictures, the master's backdrop
        self.theme_part = None  # the master's theme part (theme background pictures)
        self.width, self.height = width, height
        self.scheme = {**scheme_colors(theme_root), **colors}
        self.map = color_map(self.element)
        self.fonts = _theme_fonts(theme_root)
        slots = {"major": "+mj-lt", "minor": "+mn-lt"}
        self.fonts.update({slots[k]: v for k, v in fonts.items() if k in slots})
        self.theme_root = theme_root
        self.styles = self.element.find(f"{P}txStyles")
        self.master_ph = {}
        for sp in self.element.iter(f"{P}sp"):
            ph = sp.find(f"{P}nvSpPr/{P}nvPr/{P}ph")
            if ph is not None:
                self.master_ph.setdefault(ph.get("type", "body"), sp)

    def layout(self, layout, m: int, k: int) -> Layout:
        element = layout._element
        colors = ColorContext(self.scheme, color_map(element, self.map))
        placeholders = tuple(
            self.placeholder(sp, ph, colors, n) for n, (sp, ph) in enumerate(_placeholders(layout))
        )
        layers = []
        if element.get("showMasterSp", "1") not in ("0", "false"):
            layers.append(
                (
                    "master",
                    self.element.find(f"{P}cSld/{P}spTree"),
                    ColorContext(self.scheme, self.map),
                    self.master.part,
                )
            )
        layers.append(("layout", element.find(f"{P}cSld/{P}spTree"), colors, layout.part))
        background = self.background(element, colors, layout.part) or self.background(
            self.element, ColorContext(self.scheme, self.map), self.master.part
        )
        own_bg = element.find(f"{P}cSld/{P}bg") is not None
        base_key = (id(element) if own_bg else "master", len(layers) == 2)
        backdrop, drawn = render_backdrop(
            self.width, self.height, background, layers, self.cache, base_key
        )
        reference = element.find(f"{P}cSld/{P}bg/{P}bgRef")
        if reference is None and element.find(f"{P}cSld/{P}bg") is None:
            reference = self.element.find(f"{P}cSld/{P}bg/{P}bgRef")
        if reference is not None:
            bg1 = colors.slot("bg1")
            backdrop.also = (rgb_hex(tuple(round(c / 8) * 8 for c in _rgb(bg1))),)
        obstacles = tuple(_obstacle(d) for d in drawn if not d.covers_slide)
        heading = self.style_color("titleStyle", colors) or colors.slot("tx1")
        return Layout(
            layout.name or f"Layout {k + 1}",
            layout.name or f"Layout {k + 1}",
            m,
            k,
            element.get("type", "cust"),
            placeholders,
            obstacles,
            backdrop,
            colors.slot("tx1"),
            heading,
            colors.slot("hlink"),
        )

    def background(self, element, colors: ColorContext, part) -> tuple[Fill, object] | None:
        bg = element.find(f"{P}cSld/{P}bg")
        if bg is None:
            return None
        pr = bg.find(f"{P}bgPr")
        if pr is not None:
            fill = colors.fill(pr)
            return (fill, part) if fill is not None else None
        ref = bg.find(f"{P}bgRef")
        if ref is not None:
            idx = int(ref.get("idx", "0") or 0)
            passed = colors.resolve(first_color(ref))
            styles = (
                self.theme_root.find(f".//{A}fmtScheme/{A}bgFillStyleLst")
                if self.theme_root is not None
                else None
            )
            if styles is not None and idx >= 1001 and len(styles) >= idx - 1000:
                # The style's fill, with phClr standing for the colour the reference passes.
                holder = etree.Element("holder")
                holder.append(_copy(styles[idx - 1001]))
                fill = colors.fill(holder, passed[0] if passed else None)
                if fill is not None:
                    # A picture of the theme's own (a theme background): its part holds it.
                    return fill, self.theme_part or self.master.part
            if passed:
                return Fill("solid", ((0.0, *passed),)), part
        return None

    def placeholder(self, sp, ph, colors: ColorContext, n: int) -> Placeholder:
        kind = ph.get("type", "obj")  # the schema's default type
        idx = int(ph.get("idx", "0") or 0)
        name = sp.find(f"{P}nvSpPr/{P}cNvPr").get("name", "")
        rect = _sp_rect(sp)
        base = self.master_ph.get(BASE_TYPE.get(kind, "body"))
        if rect is None and base is not None:
            rect = _sp_rect(base)
        chain = [sp, base]
        style = (
            self.styles.find(f"{P}{STYLE_OF.get(kind, 'bodyStyle')}")
            if self.styles is not None
            else None
        )

        def level1(attribute: str):
            for node in chain:
                if node is None:
                    continue
                lvl = node.find(f"{P}txBody/{A}lstStyle/{A}lvl1pPr")
                value = _pick(lvl, attribute)
                if value is not None:
                    return value
            return _pick(style.find(f"{A}lvl1pPr") if style is not None else None, attribute)

        size = level1("sz")
        color_node = level1("color")
        font = level1("latin")
        if font in ("+mj-lt", "+mn-lt"):
            font = self.fonts.get(font)
        got = colors.resolve(color_node) if color_node is not None else None
        fill = None
        for node in chain:
            if node is None:
                continue
            f = colors.fill(node.find(f"{P}spPr"))
            if f is not None:
                fill = rgb_hex(f.color) if f.kind in ("solid", "gradient") and f.color else None
                break
        body_pr = next(
            (
                n.find(f"{P}txBody/{A}bodyPr")
                for n in chain
                if n is not None and n.find(f"{P}txBody/{A}bodyPr") is not None
            ),
            None,
        )
        vertical = body_pr is not None and body_pr.get("vert", "horz") not in ("horz", "")
        return Placeholder(
            kind,
            idx,
            n,
            name,
            rect,
            _text(sp),
            int(size) / 100 if size else None,
            level1("algn"),
            rgb_hex(got[0]) if got else colors.slot("tx1"),
            font,
            fill,
            vertical,
            level1("cap") == "all",
            _glow(colors, level1("glow")),
        )

    def style_color(self, style_name: str, colors: ColorContext) -> str | None:
        style = self.styles.find(f"{P}{style_name}") if self.styles is not None else None
        node = _pick(style.find(f"{A}lvl1pPr") if style is not None else None, "color")
        got = colors.resolve(node) if node is not None else None
        return rgb_hex(got[0]) if got else None


def _glow(colors: ColorContext, node) -> tuple[str, float] | None:
    got = colors.resolve(node) if node is not None else None
    return (rgb_hex(got[0]), got[1]) if got else None


def _rgb(value: str) -> tuple[int, int, int]:
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _copy(element):
    import copy

    return copy.deepcopy(element)


def _pick(lvl, attribute: str):
    """A level's property: its alignment, or its default run's size, caps, font or colour."""
    if lvl is None:
        return None
    if attribute == "algn":
        return lvl.get("algn")
    rpr = lvl.find(f"{A}defRPr")
    if rpr is None:
        return None
    if attribute in ("sz", "cap"):
        return rpr.get(attribute)
    if attribute == "latin":
        latin = rpr.find(f"{A}latin")
        return latin.get("typeface") if latin is not None else None
    if attribute == "color":
        return first_color(rpr.find(f"{A}solidFill"))
    if attribute == "glow":
        return first_color(rpr.find(f"{A}effectLst/{A}glow"))
    return None


def _placeholders(layout):
    for sp in layout._element.iter(f"{P}sp"):
        ph = sp.find(f"{P}nvSpPr/{P}nvPr/{P}ph")
        if ph is not None:
            yield sp, ph


def _sp_rect(sp) -> Rect | None:
    xfrm = sp.find(f"{P}spPr/{A}xfrm")
    return xfrm_rect(xfrm) if xfrm is not None else None


def _text(sp) -> str:
    paragraphs = sp.findall(f"{P}txBody/{A}p")
    return "\n".join("".join(t.text or "" for t in p.iter(f"{A}t")) for p in paragraphs).strip()


def _theme_fonts(theme_root) -> dict[str, str]:
    out: dict[str, str] = {}
    if theme_root is None:
        return out
    for key, tag in (("+mj-lt", "majorFont"), ("+mn-lt", "minorFont")):
        latin = theme_root.find(f".//{A}fontScheme/{A}{tag}/{A}latin")
        if latin is not None and latin.get("typeface"):
            out[key] = latin.get("typeface")
    return out


def _obstacle(drawn: Drawn) -> Obstacle:
    return Obstacle(drawn.rect, drawn.kind, drawn.name, drawn.text, drawn.layer)


def missing_layouts(names: list[str], layouts: dict[str, str]) -> str | None:
    """What to say when a template lacks layouts the theme maps slide kinds to, or None."""
    missing = [f"{kind} -> '{name}'" for kind, name in layouts.items() if name not in names]
    if not missing:
        return None
    return (
        f"this template lacks the layouts {', '.join(missing)}; it has: "
        f"{', '.join(repr(n) for n in names)}. Map each slide kind to one of them in "
        "[layouts] of theme.toml"
    )
