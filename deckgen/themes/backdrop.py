"""What a slide shows behind its own shapes: the background of its layout (or master), the
master's and the layout's bands, pictures and shapes, drawn once per layout into a small
raster (about 1/12 in a pixel), so "which colours are behind this box?" is a quick look-up.

Colours deckgen chooses (quote text, table headers, footers, links, chart text) are chosen
against it, and ``theme-contrast`` checks what is drawn against it.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from .drawingml import A, ColorContext, Fill, P, first_color, rgb_hex
from .geometry import Rect

WIDTH_PX = 160  # raster width; the height follows the slide's proportions
SIGNIFICANT = 0.01  # a colour behind a box counts when it covers 1 % of it
FULL_SLIDE = 0.6  # a shape covering more of the slide is a background, not an obstacle


@dataclass
class Backdrop:
    """A layout's background as a coarse RGB raster of the slide."""

    width: int  # slide width, EMU
    height: int
    size: tuple[int, int]
    pixels: bytes = field(repr=False)
    unknown: tuple[Rect, ...] = ()  # pictures deckgen could not decode (EMF, WMF...)
    # Colours viewers may draw instead of the background where it shows: a background
    # given by reference to the theme's styles (bgRef) is drawn by LibreOffice in the
    # colour of bg1 whatever colour it names.
    also: tuple[str, ...] = ()
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def colors(self, rect: Rect) -> tuple[str, ...]:
        """The colours (hex) covering at least 1 % of `rect`, most common first."""
        key = (rect.x, rect.y, rect.w, rect.h)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        from PIL import Image

        image = self._cache.get("image")
        if image is None:
            image = self._cache["image"] = Image.frombytes("RGB", self.size, self.pixels)
        sx, sy = self.size[0] / self.width, self.size[1] / self.height
        x0 = max(0, min(self.size[0] - 1, math.floor(rect.x * sx)))
        y0 = max(0, min(self.size[1] - 1, math.floor(rect.y * sy)))
        x1 = max(x0 + 1, min(self.size[0], math.ceil((rect.x + rect.w) * sx)))
        y1 = max(y0 + 1, min(self.size[1], math.ceil((rect.y + rect.h) * sy)))
        region = image.crop((x0, y0, x1, y1))
        counts = region.getcolors(maxcolors=region.width * region.height + 1) or []
        total = sum(n for n, _ in counts) or 1
        # Quantise lightly so anti-aliased edges and gradients do not count as many colours.
        merged: dict[str, int] = {}
        for n, rgb in counts:
            merged[rgb_hex(tuple(round(c / 8) * 8 for c in rgb))] = (
                merged.get(rgb_hex(tuple(round(c / 8) * 8 for c in rgb)), 0) + n
            )
        found = tuple(
            c for c, n in sorted(merged.items(), key=lambda kv: -kv[1]) if n / total >= SIGNIFICANT
        )
        if not found:
            found = (max(merged.items(), key=lambda kv: kv[1])[0],)
        # A picture has hundreds of colours, each too rare to count, together most of the
        # box: its darkest and lightest tones (2nd and 98th percentiles) count too.
        found = (*found, *(c for c in _extremes(region) if c not in found))
        if self.also and self._background() in found:
            found = (*found, *(c for c in self.also if c not in found))
        self._cache[key] = found
        return found

    def _background(self) -> str:
        """The background's colour as the raster has it (its first pixel: the corner)."""
        from PIL import Image

        image = self._cache.get("image")
        if image is None:
            image = self._cache["image"] = Image.frombytes("RGB", self.size, self.pixels)
        return rgb_hex(tuple(round(c / 8) * 8 for c in image.getpixel((0, 0))))

    def dominant(self) -> str:
        """The colour covering most of the slide."""
        return self.colors(Rect(0, 0, self.width, self.height))[0]


def _extremes(region) -> list[str]:
    """The mean colours of the darkest and of the lightest 2 % of a region's pixels."""
    from PIL import ImageStat

    luma = region.convert("L")
    histogram = luma.histogram()
    total = sum(histogram)
    if not total:
        return []
    out = []
    for order in (range(256), range(255, -1, -1)):
        seen, edge = 0, 0
        for value in order:
            seen += histogram[value]
            if seen >= 0.02 * total:
                edge = value
                break
        dark = order.start == 0
        mask = luma.point(lambda v, e=edge, d=dark: 255 if (v <= e if d else v >= e) else 0)
        mean = ImageStat.Stat(region, mask).mean
        out.append(rgb_hex(tuple(round(c / 8) * 8 for c in mean[:3])))
    return list(dict.fromkeys(out))


# --- drawing the raster -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Drawn:
    """A shape of a master or layout as the backdrop sees it."""

    rect: Rect
    kind: str  # fill | picture | line | text-only
    text: str = ""
    name: str = ""
    covers_slide: bool = False
    layer: str = "layout"  # master | layout


def render_backdrop(
    width: int,
    height: int,
    background: tuple[Fill, object] | None,
    layers: Iterable[tuple[str, object, ColorContext, object]],
    cache: dict | None = None,
    base_key: object = None,
) -> tuple[Backdrop, list[Drawn]]:
    """Draw the background fill (with the part holding it, for a picture), then each
    layer's shapes (``(name, spTree, colours, part)``: the master's, then the layout's),
    and list what was drawn. With a `cache` (one per template), decoded pictures are kept,
    and so is what comes before the layout's own shapes under `base_key` (the layouts of
    one master mostly share their background and the master's shapes)."""
    from PIL import Image

    cache = cache if cache is not None else {}
    layers = list(layers)
    size = (WIDTH_PX, max(1, round(WIDTH_PX * height / width)))
    sx, sy = size[0] / width, size[1] / height
    base = cache.get(("base", base_key)) if base_key is not None else None
    if base is None:
        image = Image.new("RGBA", size, (255, 255, 255, 255))
        unknown: list[Rect] = []
        if background is not None:
            fill, part = background
            whole = Rect(0, 0, width, height)
            _paint(image, (0, 0, size[0], size[1]), fill, part, None, unknown, whole, cache=cache)
        drawn: list[Drawn] = []
        for layer in (entry for entry in layers if entry[0] == "master"):
            drawn += _draw_layer(image, layer, width, height, sx, sy, unknown, cache)
        base = (image, drawn, unknown)
        if base_key is not None:
            cache[("base", base_key)] = base
    image, drawn, unknown = base[0].copy(), list(base[1]), list(base[2])
    for layer in (entry for entry in layers if entry[0] != "master"):
        drawn += _draw_layer(image, layer, width, height, sx, sy, unknown, cache)
    rgb = image.convert("RGB")
    return Backdrop(width, height, size, rgb.tobytes(), tuple(unknown)), drawn


def _draw_layer(image, entry, width, height, sx, sy, unknown, cache) -> list[Drawn]:
    """Paint one layer's shapes on `image`; what was drawn."""
    layer, tree, colors, part = entry
    drawn: list[Drawn] = []
    if tree is None:
        return drawn
    for element, rect in _shapes(tree):
        box = (rect.x * sx, rect.y * sy, (rect.x + rect.w) * sx, (rect.y + rect.h) * sy)
        covers = rect.w * rect.h >= FULL_SLIDE * width * height
        name = _name(element)
        text = _text(element)
        if element.tag == f"{P}pic":
            blip = element.find(f"{P}blipFill")
            fill = Fill("picture", (), blip=blip)
            _paint(image, box, fill, part, element, unknown, rect, cache=cache)
            drawn.append(Drawn(rect, "picture", text, name, covers, layer))
            continue
        fill = _shape_fill(element, colors)
        geometry = _geometry(element)
        if fill is not None and fill.kind not in ("none", "group"):
            _paint(image, box, fill, part, element, unknown, rect, geometry, cache)
            drawn.append(Drawn(rect, "fill", text, name, covers, layer))
        elif _has_line(element, colors):
            drawn.append(Drawn(rect, "line", text, name, covers, layer))
        elif text:
            drawn.append(Drawn(rect, "text-only", text, name, covers, layer))
    return drawn


def _name(element) -> str:
    for c in element.iter(f"{P}cNvPr"):
        return c.get("name", "")
    return ""


def _text(element) -> str:
    return " ".join(
        "".join(t.text or "" for t in p.iter(f"{A}t")) for p in element.iter(f"{A}p")
    ).strip()


def _shapes(tree, transform=None):
    """(element, box in slide EMU) of every non-placeholder shape of a shape tree, groups
    flattened through their transforms."""
    for child in tree:
        tag = child.tag
        if tag == f"{P}grpSp":
            xfrm = child.find(f"{P}grpSpPr/{A}xfrm")
            yield from _shapes(child, _compose(transform, xfrm))
            continue
        if tag not in (f"{P}sp", f"{P}pic", f"{P}cxnSp"):
            continue
        if child.find(f"{P}nvSpPr/{P}nvPr/{P}ph") is not None:
            continue  # placeholders are drawn only when a slide fills them
        if child.find(f"{P}nvPicPr/{P}nvPr/{P}ph") is not None:
            continue
        xfrm = child.find(f"{P}spPr/{A}xfrm")
        if xfrm is None:
            continue
        rect = xfrm_rect(xfrm)
        if rect is None:
            continue
        if transform is not None:
            rect = transform(rect)
        yield child, rect


def xfrm_rect(xfrm) -> Rect | None:
    """The box an ``a:xfrm`` states (EMU), or None when it is incomplete or malformed."""
    off, ext = xfrm.find(f"{A}off"), xfrm.find(f"{A}ext")
    if off is None or ext is None:
        return None
    try:
        return Rect(int(off.get("x")), int(off.get("y")), int(ext.get("cx")), int(ext.get("cy")))
    except (TypeError, ValueError):
        return None


def _compose(outer, xfrm):
    """A function mapping child coordinates of a group to the slide."""
    if xfrm is None:
        return outer
    off, ext = xfrm.find(f"{A}off"), xfrm.find(f"{A}ext")
    ch_off, ch_ext = xfrm.find(f"{A}chOff"), xfrm.find(f"{A}chExt")
    if off is None or ext is None or ch_off is None or ch_ext is None:
        return outer
    gx, gy, gw, gh = (int(off.get("x")), int(off.get("y")), int(ext.get("cx")), int(ext.get("cy")))
    cx, cy = int(ch_off.get("x")), int(ch_off.get("y"))
    cw, ch = int(ch_ext.get("cx")) or 1, int(ch_ext.get("cy")) or 1

    def mapping(r: Rect) -> Rect:
        mapped = Rect(
            round(gx + (r.x - cx) * gw / cw),
            round(gy + (r.y - cy) * gh / ch),
            round(r.w * gw / cw),
            round(r.h * gh / ch),
        )
        return outer(mapped) if outer is not None else mapped

    return mapping


def _shape_fill(element, colors: ColorContext) -> Fill | None:
    sp_pr = element.find(f"{P}spPr")
    fill = colors.fill(sp_pr)
    if fill is not None:
        return fill
    ref = element.find(f"{P}style/{A}fillRef")
    if ref is not None and ref.get("idx", "0") != "0":
        got = colors.resolve(first_color(ref))
        if got:
            return Fill("solid", ((0.0, *got),))
    return None


def _has_line(element, colors: ColorContext) -> bool:
    line = element.find(f"{P}spPr/{A}ln")
    if line is not None:
        return line.find(f"{A}noFill") is None
    ref = element.find(f"{P}style/{A}lnRef")
    return ref is not None and ref.get("idx", "0") != "0"


def _geometry(element) -> str:
    prst = element.find(f"{P}spPr/{A}prstGeom")
    if prst is not None:
        return prst.get("prst", "rect")
    if element.find(f"{P}spPr/{A}custGeom") is not None:
        return "custom"
    return "rect"


def _paint(
    image,
    box,
    fill: Fill,
    part,
    element,
    unknown: list,
    rect: Rect,
    geometry: str = "rect",
    cache: dict | None = None,
) -> None:
    """Composite one fill (solid, gradient, picture) over `box` (raster pixels) of `image`,
    shaped like the element's geometry."""
    from PIL import Image, ImageChops

    x0, y0, x1, y1 = (round(v) for v in box)
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
    w, h = x1 - x0, y1 - y0
    if fill.kind == "picture":
        layer = _picture(fill.blip, part, (w, h), cache if cache is not None else {})
        if layer is not None and len(fill.stops) == 2:
            from PIL import ImageOps

            dark, light = fill.stops[0][1], fill.stops[1][1]
            alpha = layer.getchannel("A")
            layer = ImageOps.colorize(layer.convert("L"), dark, light).convert("RGBA")
            layer.putalpha(alpha)
        if layer is None:
            unknown.append(rect)
            return
    else:
        layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        if fill.kind == "solid" and fill.stops:
            _, rgb, alpha = fill.stops[0]
            layer.paste((*(round(c) for c in rgb), round(alpha * 255)), (0, 0, w, h))
        elif fill.kind == "gradient" and fill.stops:
            _gradient(layer, fill)
        else:
            return
    mask = _mask((w, h), geometry, element)
    if mask is not None:
        layer.putalpha(ImageChops.multiply(layer.getchannel("A"), mask))
    _composite_clipped(image, layer, x0, y0)


def _composite_clipped(image, layer, x0: int, y0: int) -> None:
    """alpha_composite that accepts a layer partly outside the image."""
    left, top = max(0, -x0), max(0, -y0)
    right = min(layer.width, image.width - x0)
    bottom = min(layer.height, image.height - y0)
    if right <= left or bottom <= top:
        return
    image.alpha_composite(layer.crop((left, top, right, bottom)), (x0 + left, y0 + top))


def _mask(size: tuple[int, int], geometry: str, element):
    """An L mask for shapes that are not rectangles (ellipses, custom paths), else None."""
    from PIL import Image, ImageDraw

    w, h = size
    if geometry in ("rect", "snip1Rect", "roundRect", "round1Rect", "round2SameRect"):
        return None
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    if geometry in ("ellipse", "oval", "donut", "pie", "chord", "arc"):
        draw.ellipse((0, 0, w - 1, h - 1), fill=255)
        return mask
    if geometry in ("triangle", "rtTriangle"):
        points = (
            [(w / 2, 0), (w, h), (0, h)] if geometry == "triangle" else [(0, 0), (w, h), (0, h)]
        )
        draw.polygon(points, fill=255)
        return mask
    if geometry == "custom" and element is not None:
        paths = element.findall(f"{P}spPr/{A}custGeom/{A}pathLst/{A}path")
        drew = False
        for path in paths:
            pw, ph = int(path.get("w", "0") or 0), int(path.get("h", "0") or 0)
            points = []
            for pt in path.iter(f"{A}pt"):
                try:
                    px, py = int(pt.get("x")), int(pt.get("y"))
                except (TypeError, ValueError):
                    continue
                points.append((px * w / pw if pw else 0, py * h / ph if ph else 0))
            if len(points) >= 3:
                draw.polygon(points, fill=255)
                drew = True
        return mask if drew else None
    return None  # other presets: their bounding box, a safe over-estimate


def _gradient(layer, fill: Fill) -> None:
    w, h = layer.size
    stops = list(fill.stops)
    if len(stops) == 1:
        _, rgb, alpha = stops[0]
        layer.paste((*(round(c) for c in rgb), round(alpha * 255)), (0, 0, w, h))
        return
    angle = math.radians(fill.angle)
    dx, dy = math.cos(angle), math.sin(angle)
    span = abs(dx) * w + abs(dy) * h or 1.0
    ox = 0 if dx >= 0 else w
    oy = 0 if dy >= 0 else h
    pixels = layer.load()
    for y in range(h):
        for x in range(w):
            if fill.radial:
                t = min(1.0, math.hypot(x - w / 2, y - h / 2) / (math.hypot(w, h) / 2 or 1))
            else:
                t = ((x - ox) * dx + (y - oy) * dy) / span
            pixels[x, y] = _at(stops, max(0.0, min(1.0, t)))


def _at(stops, t: float):
    if t <= stops[0][0]:
        _, rgb, a = stops[0]
        return (*(round(c) for c in rgb), round(a * 255))
    for (p0, c0, a0), (p1, c1, a1) in zip(stops, stops[1:], strict=False):
        if t <= p1:
            u = (t - p0) / (p1 - p0) if p1 > p0 else 0.0
            rgb = tuple(round(x + (y - x) * u) for x, y in zip(c0, c1, strict=True))
            return (*rgb, round((a0 + (a1 - a0) * u) * 255))
    _, rgb, a = stops[-1]
    return (*(round(c) for c in rgb), round(a * 255))


def _picture(blip_fill, part, size: tuple[int, int], cache: dict):
    """A picture of a master or layout (its ``a:blip``) as an RGBA image of `size`, or None
    when it cannot be decoded here (EMF, WMF, a missing part)."""
    from PIL import Image, UnidentifiedImageError

    if blip_fill is None or part is None:
        return None
    blip = blip_fill.find(f"{A}blip")
    if blip is None:
        return None
    rid = blip.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed")
    if not rid or rid not in part.rels:
        return None
    target = part.rels[rid]
    if target.is_external:
        return None
    key = ("picture", str(target.target_part.partname))
    if key not in cache:
        try:
            with Image.open(io.BytesIO(target.target_part.blob)) as source:
                source.draft("RGB", (WIDTH_PX * 2, WIDTH_PX * 2))  # JPEG: decode small
                source.load()
                cache[key] = source.convert("RGBA")
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            cache[key] = None
    picture = cache[key]
    if picture is None:
        return None
    crop = blip_fill.find(f"{A}srcRect")
    if crop is not None:
        l_, t_, r_, b_ = (int(crop.get(k, "0")) / 100000 for k in ("l", "t", "r", "b"))
        pw, ph = picture.size
        box = (round(pw * l_), round(ph * t_), round(pw * (1 - r_)), round(ph * (1 - b_)))
        if box[2] > box[0] and box[3] > box[1]:
            picture = picture.crop(box)
    for mod in blip:
        if mod.tag == f"{A}alphaModFix":
            amount = int(mod.get("amt", "100000")) / 100000
            picture.putalpha(picture.getchannel("A").point(lambda v, a=amount: round(v * a)))
    return picture.resize(size)
