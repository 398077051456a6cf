"""Deck layout planning: which slides to make, where each block goes, at what size.

Pure computation on the model and the template's geometry, no python-pptx: given a slide's
blocks and the boxes of the template's layouts, the planner measures text (`fit.Measurer`),
picks a layout (content, two-content, chart, quote...), shrinks text step by step down to the
theme's minimum size and, when that is not enough, splits the slide into continuation slides
titled "<title> (suite)", tables repeating their header. `deck.py` then draws the plan.
Every text box the plan makes is measured to fit; nothing is left to PowerPoint's autofit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from ..model import (
    Background,
    Block,
    Chart,
    Code,
    Columns,
    Document,
    Heading,
    Image,
    Inline,
    ListBlock,
    Paragraph,
    Quote,
    RawHtml,
    Run,
    Slide,
    Table,
    for_output,
    plain_text,
    walk,
)
from ..themes import Theme
from ..themes.boxes import GAP as GAP_EMU  # 0.1 in between boxes
from ..themes.boxes import own_subtitle
from ..themes.geometry import LayoutBoxes, Rect  # boxes of the template's layouts, in EMU
from ..typography import format_date
from .fit import EMU_PER_PT, Measurer, Piece
from .html_text import html_text

GAP = 10.0  # points between stacked blocks
INSET_X = 7.2  # text frame insets in points (0.1 in), written explicitly on every frame
INSET_Y = 3.6  # (0.05 in)
CELL_X = 5.4  # table cell margins (points), up to 24 pt text
CELL_Y = 2.9


def cell_margins(size: float) -> tuple[float, float]:
    """A table cell's margins (points) for text of `size`: deckgen's, growing with text
    larger than 24 pt (a large slide's sizes), so rows keep their proportions."""
    k = max(1.0, size / 24.0)
    return CELL_X * k, CELL_Y * k


HEIGHT_SAFETY = 0.97  # keep 3 % of every box free: renderers' line heights differ a little
CHART_MIN_H = 170.0  # points
IMAGE_MIN_H = 110.0
LEVEL_INDENT = 24.0  # points of left margin per list level
CONTINUED = {"fr": "(suite)", "en": "(cont.)", "de": "(Forts.)", "es": "(cont.)", "it": "(segue)"}


# --- geometry (read from the template by themes/template.py) ---------------------------


@dataclass(frozen=True, slots=True)
class Geometry:
    width: int
    height: int
    layouts: Mapping[str, LayoutBoxes]  # slide kind -> boxes of the layout the theme maps it to
    # The template shows titles in capitals (cap="all"): measure them as shown, or they
    # come out wider than measured.
    title_caps: bool = False
    # Every layout of the template by name or key ("Two Content", "Master 2/Contenu"; a
    # slide may name one: {layout="Two Content"}), its boxes computed when asked for
    # (deckgen.themes.boxes.theme_boxes): `boxes_of`, or `named[name]`.
    named: Mapping[str, LayoutBoxes] = field(default_factory=dict)

    def boxes_of(self, name: str) -> LayoutBoxes:
        """The boxes of the template's layout `name` (a key or a name); KeyError if none."""
        if name not in self.named:
            raise KeyError(name)
        return self.named[name]


# --- the plan -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph ready to draw: its text, role and final size."""

    runs: Inline
    role: str = "body"  # body | heading | quote | attribution | code | subtitle
    level: int = 0  # list depth, 0 outside lists
    bullet: str | None = None
    number_start: int | None = None  # ordered lists: the number the list starts at here
    ordinal: int | None = None  # this item's own number
    align: str = "left"
    size: float = 0.0  # points, set when the plan is final
    rel: float = 0.0  # size relative to the step (headings larger, sub-levels smaller)
    space_before: float = 0.0  # in em of this paragraph's size

    def margin_left(self, size: float) -> float:
        """The left margin (points) of this paragraph's text drawn at `size`: a list's
        indents grow with text larger than 24 pt (a large slide's sizes), so a 48 pt bullet
        keeps its gap."""
        if self.role in ("quote", "attribution") and self.level == 0:
            return LEVEL_INDENT  # beside the quote's rule, at any size
        k = max(1.0, size / 24.0)
        return (LEVEL_INDENT * self.level + (6.0 if self.number_start is not None else 0.0)) * k

    def hanging(self, size: float) -> float:
        """Where the bullet or number sits, left of the text (points), at `size`."""
        if self.bullet is None and self.number_start is None:
            return 0.0
        return (18.0 if self.number_start is None else 24.0) * max(1.0, size / 24.0)


@dataclass(frozen=True, slots=True)
class TextFrame:
    rect: Rect
    paras: tuple[Para, ...]
    style: str = "body"  # body | code | quote | subtitle
    placeholder: int | None = None  # idx of the layout placeholder to fill; None: a text box
    anchor: str = "top"


@dataclass(frozen=True, slots=True)
class TableFrame:
    rect: Rect
    header: tuple[Inline, ...]
    rows: tuple[tuple[Inline, ...], ...]
    align: tuple[str, ...]
    col_widths: tuple[int, ...]  # EMU
    row_heights: tuple[int, ...]  # EMU, header first
    size: float


@dataclass(frozen=True, slots=True)
class ChartFrame:
    rect: Rect
    chart: Chart
    size: float


@dataclass(frozen=True, slots=True)
class ImageFrame:
    rect: Rect
    asset: str
    alt: str


@dataclass(frozen=True, slots=True)
class BackgroundFrame:
    """A picture behind the slide's content: the whole slide, or one side of it, cropped to
    fill its box (``crop``: the share cut from each edge, left, top, right, bottom)."""

    rect: Rect
    asset: str
    alt: str
    crop: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True, slots=True)
class PlaceholderFrame:
    """Where a picture that could not be read would be: a framed box with its
    description and why it is missing."""

    rect: Rect
    para: Para


Frame = TextFrame | TableFrame | ChartFrame | ImageFrame | BackgroundFrame | PlaceholderFrame


@dataclass(frozen=True, slots=True)
class PlannedSlide:
    kind: str  # title | section | content | two-content | quote | chart
    title: Inline | None
    title_size: float
    frames: tuple[Frame, ...]
    notes: tuple[Block, ...] = ()
    line: int = 0
    title_rect: Rect | None = None  # when the title needed a taller box than the layout's
    shrunk: bool = False  # text was made smaller than the theme's body size
    continued: bool = False  # a "(suite)" slide made by splitting
    layout: str = ""  # a template layout by name, instead of the kind's


# --- items: blocks turned into measurable, splittable units ------------------------------


@dataclass(eq=False)
class _Text:
    paras: list[Para]
    style: str = "body"
    heights: dict = field(default_factory=dict)  # (width, step) -> points, measured once


@dataclass(eq=False)
class _Table:
    table: Table
    rows: tuple[tuple[Inline, ...], ...]
    heights: dict = field(default_factory=dict)


@dataclass(eq=False)
class _Visual:
    block: Chart | Image
    aspect: float = 0.0  # width / height for images
    natural_h: float = 0.0  # points at 96 dpi
    heights: dict = field(default_factory=dict)
    # The size the author asked for: points, or a share of the box's width ("50%").
    want_w: float = 0.0
    want_share: float = 0.0
    want_h: float = 0.0


@dataclass(eq=False)
class _Missing:
    """A picture that could not be read: a placeholder box, one line of text high."""

    block: Image
    heights: dict = field(default_factory=dict)


_Item = _Text | _Table | _Visual | _Missing
PLACEHOLDER_H = 54.0  # points: a missing picture's box


class Planner:
    """Plans the slides of one document for one theme and template geometry."""

    def __init__(self, doc: Document, theme: Theme, geometry: Geometry, measurer: Measurer):
        self.doc = doc
        self.theme = theme
        self.geo = geometry
        self.m = measurer
        self.sizes = theme.sizes
        self.lang = doc.meta.lang.split("-")[0].lower()
        self.body_font = theme.fonts.body
        self.heading_font = theme.fonts.heading
        self.mono_font = theme.fonts.mono
        self.steps = _ladder(self.sizes.body, self.sizes.min_body)
        # Line counts and table column widths, asked again and again while shrinking and
        # paginating (a 1,000-row table took a minute without them). Keyed by the object's
        # id, the object kept in the value so its id cannot be reused by another one.
        self._lines: dict[tuple, tuple[object, int]] = {}
        self._heights: dict[tuple, tuple[object, float]] = {}
        self._widths: dict[tuple[int, float, float], tuple[Table, list[float]]] = {}

    # entry point

    def plan(self) -> list[PlannedSlide]:
        out: list[PlannedSlide] = []
        meta = self.doc.meta
        if meta.title:
            out.append(self.title_slide())
        for slide in self.doc.slides:
            if slide.kind == "section":
                out.extend(self.section_slide(slide))
            else:
                out.extend(self.content_slides(slide))
        return out

    # title and sections

    def title_slide(self) -> PlannedSlide:
        meta = self.doc.meta
        boxes = self.geo.layouts["title"]
        title = (Run(meta.title),)
        title_size = self.fit_title(title, boxes.title, self.sizes.section)
        title_rect = self.grown_title(title, boxes.title, title_size, boxes.above)
        lines = [
            t for t in (meta.subtitle, " · ".join(x for x in (meta.author, _date(meta)) if x)) if t
        ]
        frames: list[Frame] = []
        # The subtitle, author and date: in the layout's subtitle placeholder, or in a box
        # below the title when it has none (never dropped).
        box, placeholder = boxes.subtitle, boxes.subtitle_placeholder
        if box is None:
            box, placeholder = own_subtitle(boxes, self.sizes.min_body, len(lines)), None
        if box is not None and title_rect is not None and boxes.title is not None:
            box = _clear_of(box, title_rect, boxes.title)
        if lines and box is not None:
            paras = [
                Para(
                    (Run(t),),
                    "subtitle",
                    align="inherit" if placeholder is not None else "left",
                    space_before=0.3 if k else 0.0,
                )
                for k, t in enumerate(lines)
            ]
            box, title_rect = self.grown_subtitle(paras, box, placeholder, title_rect, boxes)
            sub = box
            step = self.best_step(
                lambda s: self.text_height(paras, sub.w_pt, s),
                sub.h_pt,
                _ladder(self.sizes.body, self.sizes.min_body),
            )
            frames.append(
                TextFrame(
                    box,
                    self.sized(paras, step or self.sizes.min_body),
                    "subtitle",
                    placeholder=placeholder,
                )
            )
        return PlannedSlide(
            "title", title, title_size, tuple(frames), line=1, title_rect=title_rect
        )

    def grown_subtitle(
        self,
        paras: Sequence[Para],
        box: Rect,
        placeholder: int | None,
        title_rect: Rect | None,
        boxes: LayoutBoxes,
    ) -> tuple[Rect, Rect | None]:
        """The title slide's subtitle box, grown when its lines do not fit at the smallest
        size (a Google Slides export's one-line boxes): into the room around it, down then
        up, and if still short with the title rising too, into what is clear above the
        title. Returns the subtitle's box and the title's (None: the layout's)."""
        need = self.text_height(paras, box.w_pt, self.sizes.min_body) / HEIGHT_SAFETY
        room = boxes.subtitle_room if placeholder is not None else boxes.free
        if need > box.h_pt and room is not None:
            # The box grows into the room around it: downwards first, then upwards.
            want = math.ceil(need * EMU_PER_PT)
            low = min(room.y + room.h, max(box.y + box.h, box.y + want))
            high = max(room.y, min(box.y, low - want))
            if title_rect is not None and boxes.title is not None:
                high = max(
                    high,
                    _clear_of(Rect(box.x, high, box.w, low - high), title_rect, boxes.title).y,
                )
            box = Rect(box.x, high, box.w, low - high)
        short = need - box.h_pt
        title_box = title_rect or boxes.title
        if short > 0 and title_box is not None and boxes.title is not None:
            # Too little room under the title: title and subtitle move up together,
            # into what is clear above the title.
            if box.y >= title_box.y + title_box.h - GAP_EMU:
                clear = boxes.above - (boxes.title.y - title_box.y)
                lift = min(math.ceil(short * EMU_PER_PT), clear)
                if lift > 0:
                    title_rect = Rect(title_box.x, title_box.y - lift, title_box.w, title_box.h)
                    box = Rect(box.x, box.y - lift, box.w, box.h + lift)
        return box, title_rect

    def section_slide(self, slide: Slide) -> list[PlannedSlide]:
        boxes = self.geo.layouts["section"]
        title = slide.title or ()
        title_size = self.fit_title(title, boxes.title, self.sizes.section)
        title_rect = self.grown_title(title, boxes.title, title_size, boxes.above)
        blocks = list(for_output(slide.blocks, "deck"))
        frames: list[Frame] = []
        rest: list[Block] = []
        if blocks and boxes.bodies and all(isinstance(b, Paragraph) for b in blocks):
            paras = [
                Para(b.runs, "subtitle", space_before=0.3 if k else 0.0)  # type: ignore[union-attr]
                for k, b in enumerate(blocks)
            ]
            body = boxes.bodies[0]
            if title_rect is not None and boxes.title is not None:
                body = _clear_of(body, title_rect, boxes.title)
            step = self.best_step(
                lambda s: self.text_height(paras, body.w_pt, s), body.h_pt, self.steps
            )
            if step is not None:
                frames.append(
                    TextFrame(
                        body,
                        self.sized(paras, step),
                        "subtitle",
                        placeholder=boxes.body_placeholder(0),
                        anchor="bottom",
                    )
                )
            else:
                rest = blocks
        else:
            rest = blocks
        if slide.background is not None and not slide.background.image.missing:
            before, _ = self.background(slide.background)
            frames = [*before, *frames]
        out = [
            PlannedSlide(
                "section", title, title_size, tuple(frames), slide.notes, slide.line, title_rect
            )
        ]
        if rest:
            follow = Slide("content", slide.title, tuple(rest), (), slide.line)
            out.extend(self.content_slides(follow))
        return out

    # content

    def content_slides(self, slide: Slide) -> list[PlannedSlide]:
        blocks = list(for_output(slide.blocks, "deck"))
        authored = self.authored(slide, blocks)
        if authored is not None:
            return authored
        items = self.items(blocks)
        title = slide.title  # None for an author's "---": an untitled slide, as written
        # A quotation alone gets the quote layout, large.
        if len(blocks) == 1 and isinstance(blocks[0], Quote):
            planned = self.quote_slide(slide, blocks[0])
            if planned is not None:
                return [planned]
        visuals = [i for i in items if isinstance(i, _Visual)]
        texts = [i for i in items if isinstance(i, _Text)]
        if (
            len(visuals) == 1
            and texts
            and len(items) == len(visuals) + len(texts)
            and "two-content" in self.geo.layouts
            and len(self.geo.layouts["two-content"].bodies) >= 2
        ):
            planned = self.two_content(slide, title, texts, visuals[0])
            if planned is not None:
                return [planned]
        kind = "chart" if any(isinstance(v.block, Chart) for v in visuals) else "content"
        return self.stacked(slide, title, items, kind)

    def quote_slide(self, slide: Slide, quote: Quote) -> PlannedSlide | None:
        boxes = self.geo.layouts.get("quote") or self.geo.layouts["content"]
        content = self.geo.layouts["content"]
        title = slide.title
        area = _below_title(boxes, content, self.geo)
        title_size = self.fit_title(title, boxes.title, self.sizes.title) if title else 0.0
        paras = self.quote_paras(quote, big=True)
        big = _ladder(self.sizes.body * 1.4, self.sizes.min_body)
        step = self.best_step(lambda s: self.text_height(paras, area.w_pt, s), area.h_pt, big)
        if step is None:
            return None
        frame = TextFrame(area, self.sized(paras, step), "quote", anchor="middle")
        return PlannedSlide(
            "quote",
            title,
            title_size,
            (frame,),
            slide.notes,
            slide.line,
            shrunk=step < self.sizes.body * 1.4 - 0.01,
        )

    def two_content(
        self, slide: Slide, title: Inline | None, texts: list[_Text], visual: _Visual
    ) -> PlannedSlide | None:
        boxes = self.geo.layouts["two-content"]
        left, right = boxes.bodies[0], boxes.bodies[1]
        title_size, title_rect, shift = self.title_and_shift(title, boxes)
        left = _shift(left, shift)
        right = _shift(right, shift)
        paras = [p for t in texts for p in t.paras]
        step = self.best_step(
            lambda s: self.text_height(paras, left.w_pt, s), left.h_pt, self.steps
        )
        if step is None:
            return None
        frames: list[Frame] = [
            TextFrame(left, self.sized(paras, step), placeholder=boxes.body_placeholder(0)),
            self.visual_frame(visual, right, right.h_pt, step),
        ]
        kind = "two-content"
        return PlannedSlide(
            kind,
            title,
            title_size,
            tuple(frames),
            slide.notes,
            slide.line,
            title_rect,
            shrunk=step < self.sizes.body,
        )

    def stacked(
        self,
        slide: Slide,
        title: Inline | None,
        items: list[_Item],
        kind: str,
        boxes: LayoutBoxes | None = None,
        bounds: Rect | None = None,
        before: tuple[Frame, ...] = (),
        layout: str = "",
    ) -> list[PlannedSlide]:
        """Items stacked in the body box of the kind's layout (or `boxes`), split onto
        continuation slides when they do not fit. `bounds` keeps the title and the body
        within a part of the slide (beside a side picture); `before` frames are drawn first
        (a background picture)."""
        boxes = boxes or self.geo.layouts.get(kind) or self.geo.layouts["content"]
        if bounds is not None:
            boxes = LayoutBoxes(
                _clip(boxes.title, bounds) if boxes.title is not None else None,
                tuple(_clip(b, bounds) for b in boxes.bodies)
                or (_clip(_below_title(boxes, self.geo.layouts["content"], self.geo), bounds),),
            )
        title_size, title_rect, shift = self.title_and_shift(title, boxes)
        if bounds is not None and title_rect is None and boxes.title is not None:
            title_rect = boxes.title  # the layout's own box would run under the picture
        area = (
            _shift(boxes.bodies[0], shift)
            if boxes.bodies
            else _below_title(boxes, self.geo.layouts["content"], self.geo)
        )
        if not items:
            return [
                PlannedSlide(
                    kind,
                    title,
                    title_size,
                    before,
                    slide.notes,
                    slide.line,
                    title_rect,
                    layout=layout,
                )
            ]
        height = area.h_pt * HEIGHT_SAFETY
        step = self.best_step(lambda s: self.stack_height(items, area.w_pt, s), height, self.steps)
        placeholder = boxes.body_placeholder(0) if boxes.bodies else None
        if step is not None:
            frames = self.place(items, area, step, placeholder)
            return [
                PlannedSlide(
                    kind,
                    title,
                    title_size,
                    before + frames,
                    slide.notes,
                    slide.line,
                    title_rect,
                    shrunk=step < self.sizes.body,
                    layout=layout,
                )
            ]
        # Too much even at the minimum size: split onto continuation slides.
        pages = self.paginate_balanced(items, area.w_pt, height)
        page_steps = [
            self.best_step(lambda s, p=p: self.stack_height(p, area.w_pt, s), height, self.steps)
            or self.steps[-1]
            for p in pages
        ]
        step = min(page_steps)
        out: list[PlannedSlide] = []
        suffix = CONTINUED.get(self.lang, "(cont.)")
        for k, page in enumerate(pages):
            page_title = title
            page_title_size, page_title_rect = title_size, title_rect
            if k and title is not None:
                page_title = (*title, Run(" " + suffix))
                page_title_size = self.fit_title(page_title, boxes.title, self.sizes.title)
            frames = self.place(page, area, step, placeholder)
            out.append(
                PlannedSlide(
                    kind,
                    page_title,
                    page_title_size,
                    before + frames,
                    slide.notes,
                    slide.line,
                    page_title_rect,
                    shrunk=step < self.sizes.body,
                    continued=k > 0,
                    layout=layout,
                )
            )
        return out

    # what the author asked for: a layout by name, columns, a background picture

    def authored(self, slide: Slide, blocks: list[Block]) -> list[PlannedSlide] | None:
        """The slides of a content slide that names its layout, has columns or a background
        picture; None when it has none of these (the usual planning applies)."""
        layout = slide.layout if slide.layout in self.geo.named else ""
        columns = next((b for b in blocks if isinstance(b, Columns)), None)
        if not layout and columns is None and slide.background is None:
            return None
        boxes = self.geo.named[layout] if layout else None
        before: tuple[Frame, ...] = ()
        bounds: Rect | None = None
        background = slide.background
        if background is not None and background.image.missing:
            blocks = [background.image, *blocks]  # its placeholder, on the slide
        elif background is not None:
            before, bounds = self.background(background)
        if columns is not None:
            planned = self.columns_slide(slide, blocks, columns, boxes, bounds, before, layout)
            if planned is not None:
                return [planned]
            blocks = _flatten_columns(blocks)
        items = self.items(blocks)
        kind = (
            "chart"
            if any(isinstance(i, _Visual) and isinstance(i.block, Chart) for i in items)
            else "content"
        )
        return self.stacked(slide, slide.title, items, kind, boxes, bounds, before, layout)

    def background(self, background: Background) -> tuple[tuple[Frame, ...], Rect | None]:
        """The picture's frame (cropped to fill its part of the slide, as Marp and Slidev
        show it) and, for a side picture, the part of the slide left for the content."""
        asset = self.doc.assets[background.image.asset]
        width, height = self.geo.width, self.geo.height
        if background.side == "full":
            rect = Rect(0, 0, width, height)
            bounds = None
        else:
            share = min(0.8, max(0.2, background.share))
            picture_w = round(width * share)
            margin = width // 24
            if background.side == "left":
                rect = Rect(0, 0, picture_w, height)
                bounds = Rect(picture_w + margin, 0, width - picture_w - 2 * margin, height)
            else:
                rect = Rect(width - picture_w, 0, picture_w, height)
                bounds = Rect(margin, 0, width - picture_w - 2 * margin, height)
        crop = _cover_crop(asset.width, asset.height, rect.w, rect.h)
        frame = BackgroundFrame(rect, background.image.asset, background.image.alt, crop)
        return (frame,), bounds

    def columns_slide(
        self,
        slide: Slide,
        blocks: list[Block],
        columns: Columns,
        boxes: LayoutBoxes | None,
        bounds: Rect | None,
        before: tuple[Frame, ...],
        layout: str,
    ) -> PlannedSlide | None:
        """Columns side by side, each measured and fitted on its own: in the two body
        placeholders of a two-content layout when there are two columns of even widths,
        else in the body box cut into columns. Text before the columns goes above them,
        after them into the last one. None when a column does not fit even at the minimum
        size (the columns are then stacked and continued on more slides)."""
        cols = [c for c in columns.columns if list(for_output(c.blocks, "deck"))]
        if not cols:
            return None
        index = blocks.index(columns)
        lead = self.items(blocks[:index])
        tail = list(blocks[index + 1 :])
        kind = "content"
        two = self.geo.layouts.get("two-content")
        if boxes is None:
            uneven = any(c.width for c in cols) and len({round(c.width, 2) for c in cols}) > 1
            if (
                len(cols) == 2
                and two is not None
                and len(two.bodies) >= 2
                and not uneven
                and bounds is None
            ):
                boxes, kind = two, "two-content"
            else:
                boxes = self.geo.layouts["content"]
        if bounds is not None:
            boxes = LayoutBoxes(
                _clip(boxes.title, bounds) if boxes.title is not None else None,
                tuple(_clip(b, bounds) for b in boxes.bodies),
            )
        title = slide.title
        title_size, title_rect, shift = self.title_and_shift(title, boxes)
        if bounds is not None and title_rect is None:
            title_rect = boxes.title
        bodies = [_shift(b, shift) for b in boxes.bodies] or [
            _below_title(boxes, self.geo.layouts["content"], self.geo)
        ]
        union = _union(bodies)
        frames: list[Frame] = list(before)
        top = 0.0
        if lead:
            height = union.h_pt * 0.4
            step = self.best_step(
                lambda s: self.stack_height(lead, union.w_pt, s), height, self.steps
            )
            if step is None:
                return None
            used = self.stack_height(lead, union.w_pt, step)
            frames.extend(self.place(lead, union.slice(0, used / HEIGHT_SAFETY), step))
            top = used / HEIGHT_SAFETY + GAP
        in_placeholders = len(bodies) >= len(cols) and kind == "two-content" and not lead
        if in_placeholders:
            regions = bodies[: len(cols)]
        else:
            regions = _split_columns(union.slice(top, union.h_pt - top), [c.width for c in cols])
        shrunk = False
        for k, (column, region) in enumerate(zip(cols, regions, strict=False)):
            column_blocks = list(for_output(column.blocks, "deck"))
            if k == len(cols) - 1:
                column_blocks += list(for_output(tuple(tail), "deck"))
            items = self.items(column_blocks)
            if not items:
                continue
            height = region.h_pt * HEIGHT_SAFETY
            step = self.best_step(
                lambda s, i=items, w=region.w_pt: self.stack_height(i, w, s), height, self.steps
            )
            if step is None:
                return None
            shrunk = shrunk or step < self.sizes.body
            # Each column in its own body placeholder of the two-content layout.
            placeholder = boxes.body_placeholder(k) if in_placeholders else None
            frames.extend(self.place(items, region, step, placeholder))
        return PlannedSlide(
            kind,
            title,
            title_size,
            tuple(frames),
            slide.notes,
            slide.line,
            title_rect,
            shrunk=shrunk,
            layout=layout,
        )

    # placing stacked items

    def place(
        self, items: Sequence[_Item], area: Rect, step: float, placeholder: int | None = None
    ) -> tuple[Frame, ...]:
        """Stack items in `area`; the first body text fills the layout placeholder
        `placeholder` (None: a text box)."""
        width = area.w_pt
        fixed = [self.item_height(i, width, step) for i in items]
        visual_count = sum(1 for i in items if isinstance(i, _Visual))
        free = area.h_pt * HEIGHT_SAFETY - sum(fixed) - GAP * (len(items) - 1)
        extra = free / visual_count if visual_count else 0.0
        frames: list[Frame] = []
        top = 0.0
        only_text = len(items) == 1 and isinstance(items[0], _Text)
        used_placeholder = False
        for item, h in zip(items, fixed, strict=True):
            if isinstance(item, _Missing):
                frames.append(self.placeholder_frame(item, area.slice(top, h), step))
            elif isinstance(item, _Visual):
                h = h + max(0.0, extra)
                frames.append(self.visual_frame(item, area.slice(top, h), h, step))
            elif isinstance(item, _Table):
                frames.append(self.table_frame(item, area.slice(top, h), step))
            else:
                fill = None
                if item.style == "body" and not used_placeholder:
                    fill, used_placeholder = placeholder, True
                # Text alone keeps the whole body box (room to edit); stacked, its own height.
                rect = area if only_text else area.slice(top, h / HEIGHT_SAFETY)
                frames.append(TextFrame(rect, self.sized(item.paras, step), item.style, fill))
            top += h + GAP
        return tuple(frames)

    def visual_frame(self, item: _Visual, box: Rect, height_pt: float, step: float) -> Frame:
        if isinstance(item.block, Chart):
            return ChartFrame(box, item.block, max(self.sizes.min_body, step - 6))
        # Keep the picture's aspect ratio inside the box, centred; never enlarge past 2x,
        # nor past the size the author asked for (which the box may still make smaller).
        box_w, box_h = box.w_pt, min(height_pt, box.h_pt)
        w = box_w
        if item.want_share:
            w = box_w * item.want_share
        elif item.want_w:
            w = min(box_w, item.want_w)
        elif item.want_h:
            w = min(box_w, item.want_h * item.aspect)
        h = w / item.aspect
        if h > box_h:
            h = box_h
            w = h * item.aspect
        if (
            item.natural_h
            and h > item.natural_h * 2
            and not (item.want_w or item.want_share or item.want_h)
        ):
            h = item.natural_h * 2
            w = h * item.aspect
        x = box.x + round((box.w - w * EMU_PER_PT) / 2)
        y = box.y + round((box.h - h * EMU_PER_PT) / 2) if box.h_pt >= h else box.y
        rect = Rect(x, y, round(w * EMU_PER_PT), round(h * EMU_PER_PT))
        return ImageFrame(rect, item.block.asset, item.block.alt)

    def placeholder_frame(self, item: _Missing, box: Rect, step: float) -> PlaceholderFrame:
        image = item.block
        text = f"{image.alt or image.title or '…'} — {image.missing}"
        para = Para((Run(text),), "placeholder", align="center", size=self.size_of_missing(step))
        return PlaceholderFrame(box, para)

    def size_of_missing(self, step: float) -> float:
        return max(self.sizes.min_body, step - 4)

    # measuring

    def text_height(self, paras: Sequence[Para], width: float, step: float) -> float:
        total = 2 * INSET_Y
        for k, para in enumerate(paras):
            total += self.para_height(para, width, step, bool(k))
        return total

    def para_height(self, para: Para, width: float, step: float, after_another: bool) -> float:
        """A paragraph's height (points) at a ladder step in a text box `width` wide, with
        the space before it when it follows another."""
        key = (id(para), width, step, after_another)
        hit = self._heights.get(key)
        if hit is not None and hit[0] is para:
            return hit[1]
        size = self.size_of(para, step)
        lines = self.line_count(para, size, width - 2 * INSET_X - para.margin_left(size))
        height = lines * size * self.m.line_height(self.font_of(para))
        if after_another:
            height += para.space_before * size
        self._heights[key] = (para, height)
        return height

    def stack_height(self, items: Sequence[_Item], width: float, step: float) -> float:
        return sum(self.item_height(i, width, step) for i in items) + GAP * (len(items) - 1)

    def item_height(self, item: _Item, width: float, step: float) -> float:
        key = (width, step)
        height = item.heights.get(key)
        if height is None:
            height = item.heights[key] = self._measure(item, width, step)
        return height

    def _measure(self, item: _Item, width: float, step: float) -> float:
        if isinstance(item, _Text):
            return self.text_height(item.paras, width, step)
        if isinstance(item, _Table):
            _, heights = self.table_layout(item.table, item.rows, width, self.table_size(step))
            return sum(heights)
        if isinstance(item, _Missing):
            return self.missing_height(item, width, step)
        if isinstance(item.block, Chart):
            return CHART_MIN_H
        wanted = item.want_h or (
            (item.want_w or width * item.want_share) / item.aspect if item.aspect else 0.0
        )
        if wanted:  # a size the author asked for is kept unless the slide is too small
            return min(wanted, max(IMAGE_MIN_H, wanted * 0.5))
        return min(IMAGE_MIN_H, item.natural_h or IMAGE_MIN_H)

    def missing_height(self, item: _Missing, width: float, step: float) -> float:
        image = item.block
        para = Para((Run(f"{image.alt or image.title or '…'} — {image.missing}"),), "placeholder")
        size = self.size_of_missing(step)
        lines = self.m.count_lines(self.pieces(para), size, width - 4 * INSET_X)
        return max(PLACEHOLDER_H, lines * size * self.m.line_height(self.body_font) + 4 * INSET_Y)

    def best_step(self, height_at, limit: float, steps: Sequence[float]) -> float | None:
        """The largest size step whose height fits under `limit` (binary search: height grows
        with the size)."""
        if height_at(steps[0]) <= limit:
            return steps[0]  # the common case: the text fits at the theme's size
        if height_at(steps[-1]) > limit:
            return None
        lo, hi = 1, len(steps) - 1  # steps are decreasing; find the first that fits
        while lo < hi:
            mid = (lo + hi) // 2
            if height_at(steps[mid]) <= limit:
                hi = mid
            else:
                lo = mid + 1
        return steps[lo]

    def line_count(self, para: Para, size: float, width: float) -> int:
        """Lines of a paragraph at a size in a width (points), measured once."""
        key = (id(para), size, width)
        hit = self._lines.get(key)
        if hit is not None and hit[0] is para:
            return hit[1]
        lines = self.m.count_lines(self.pieces(para), size, width)
        self._lines[key] = (para, lines)
        return lines

    def size_of(self, para: Para, step: float) -> float:
        if para.role in ("quote", "subtitle") and para.rel == 0:
            return step
        return max(self.sizes.min_body, step + para.rel)

    def font_of(self, para: Para) -> str:
        if para.role == "code":
            return self.mono_font
        if para.role == "heading":
            return self.heading_font
        return self.body_font

    def pieces(self, para: Para) -> list[Piece]:
        family = self.font_of(para)
        mono = self.mono_font
        bold = para.role == "heading"
        italic = para.role == "quote"
        # A bullet or number sits in the hanging indent, outside the measured text width.
        return [
            Piece(r.text, mono if r.code else family, bold or r.bold, italic or r.italic)
            for r in para.runs
        ]

    def sized(self, paras: Iterable[Para], step: float) -> tuple[Para, ...]:
        return tuple(replace(p, size=self.size_of(p, step)) for p in paras)

    def overflow(self, slide: PlannedSlide) -> float:
        """How many points the fullest text box of a planned slide (its title included)
        needs beyond its box: 0.0 when everything fits."""
        worst = 0.0
        for frame in slide.frames:
            if not isinstance(frame, TextFrame):
                continue
            need = 2 * INSET_Y
            inner = frame.rect.w_pt - 2 * INSET_X
            for k, para in enumerate(frame.paras):
                family = self.font_of(para)
                lines = self.m.count_lines(
                    self.pieces(para), para.size, inner - para.margin_left(para.size)
                )
                need += lines * para.size * self.m.line_height(family)
                if k:
                    need += para.space_before * para.size
            worst = max(worst, need - frame.rect.h_pt)
        boxes = self.geo.layouts.get(slide.kind) or self.geo.layouts["content"]
        box = slide.title_rect or boxes.title
        if slide.title and box is not None:
            need = self.title_height(Para(slide.title, "heading"), box.w_pt, slide.title_size)
            worst = max(worst, need - box.h_pt)
            # A title grown downwards must still end on the slide.
            worst = max(worst, box.y / EMU_PER_PT + need - self.geo.height / EMU_PER_PT)
        return worst

    # titles

    def fit_title(self, title: Inline | None, box: Rect | None, size: float) -> float:
        if not title or box is None:
            return size
        floor = max(self.sizes.min_body, round(size * 0.6))
        para = Para(title, "heading")
        for s in _ladder(size, floor):
            if self.title_height(para, box.w_pt, s) <= box.h_pt * HEIGHT_SAFETY:
                return s
        return floor

    def title_height(self, para: Para, width: float, size: float) -> float:
        if self.geo.title_caps:
            para = replace(para, runs=tuple(replace(r, text=r.text.upper()) for r in para.runs))
        lines = self.m.count_lines(self.pieces(para), size, width - 2 * INSET_X)
        return lines * size * self.m.line_height(self.heading_font) + 2 * INSET_Y

    def grown_title(
        self, title: Inline | None, box: Rect | None, size: float, room_above: int
    ) -> Rect | None:
        """A taller box for a title (title and section slides) that needs more lines than
        its box holds even at its smallest size: grown upwards into the clear room above it
        (`LayoutBoxes.above`), then downwards; None when the box holds it."""
        if not title or box is None:
            return None
        need = self.title_height(Para(title, "heading"), box.w_pt, size) / HEIGHT_SAFETY
        if need <= box.h_pt:
            return None
        extra = math.ceil((need - box.h_pt) * EMU_PER_PT)
        up = min(extra, room_above)
        return Rect(box.x, box.y - up, box.w, box.h + extra)

    def title_and_shift(
        self, title: Inline | None, boxes: LayoutBoxes
    ) -> tuple[float, Rect | None, float]:
        """Title size, a taller title box if even the smallest size needs one, and how far the
        body must move down (points) to make room."""
        if title is None or boxes.title is None:
            return 0.0, None, 0.0
        size = self.fit_title(title, boxes.title, self.sizes.title)
        need = self.title_height(Para(title, "heading"), boxes.title.w_pt, size) / HEIGHT_SAFETY
        if need <= boxes.title.h_pt:
            return size, None, 0.0
        extra = need - boxes.title.h_pt
        grown = Rect(boxes.title.x, boxes.title.y, boxes.title.w, round(need * EMU_PER_PT))
        return size, grown, extra

    # splitting

    def paginate_balanced(
        self, items: list[_Item], width: float, height: float
    ) -> list[list[_Item]]:
        """Pages at the minimum size, as few as possible, then evened out: the smallest page
        height that still gives that many pages spreads the content over them."""
        pages = self.paginate(items, width, height)
        count = len(pages)
        if count < 2:
            return pages
        lo, hi = height / count, height
        best = pages
        for _ in range(7):
            mid = (lo + hi) / 2
            trial = self.paginate(items, width, mid)
            if len(trial) <= count:
                best, hi = trial, mid
            else:
                lo = mid
        return best

    def paginate(self, items: list[_Item], width: float, height: float) -> list[list[_Item]]:
        step = self.steps[-1]
        pages: list[list[_Item]] = [[]]
        used = 0.0
        queue = list(items)
        while queue:
            item = queue.pop(0)
            gap = GAP if pages[-1] else 0.0
            h = self.item_height(item, width, step)
            if used + gap + h <= height:
                pages[-1].append(item)
                used += gap + h
                continue
            room = height - used - gap
            head, tail = self.split(item, width, room, step)
            if head is None and not pages[-1]:
                # Not even a first piece fits on an empty page: place what cannot be split.
                head, tail = self.split(item, width, height, step, force=True)
            if head is not None:
                pages[-1].append(head)
            if tail is not None:
                queue.insert(0, tail)
            pages.append([])
            used = 0.0
        return [p for p in pages if p]

    def split(
        self, item: _Item, width: float, room: float, step: float, force: bool = False
    ) -> tuple[_Item | None, _Item | None]:
        if isinstance(item, _Visual | _Missing):
            return (item, None) if force else (None, item)
        if isinstance(item, _Table):
            size = self.table_size(step)
            _, heights = self.table_layout(item.table, item.rows, width, size)
            used = heights[0]
            count = 0
            for h in heights[1:]:
                if used + h > room:
                    break
                used += h
                count += 1
            if count == 0:
                if not force:
                    return None, item
                count = 1
            if count >= len(item.rows):
                return item, None
            return _Table(item.table, item.rows[:count]), _Table(item.table, item.rows[count:])
        # Text: whole paragraphs first, then lines of the paragraph that does not fit.
        paras = item.paras
        used = 2 * INSET_Y
        inner = width - 2 * INSET_X
        for k, para in enumerate(paras):
            size = self.size_of(para, step)
            line_h = size * self.m.line_height(self.font_of(para))
            starts = self.m.break_lines(self.pieces(para), size, inner - para.margin_left(size))
            before = para.space_before * size if k else 0.0
            h = before + len(starts) * line_h
            if used + h <= room:
                used += h
                continue
            fit_lines = int((room - used - before) // line_h) if room > used + before else 0
            cut = starts[min(fit_lines, len(starts) - 1)] if fit_lines >= 1 else 0
            if cut > 0:  # a cut at 0 would give an empty head and the same tail forever
                first, second = _cut_runs(para.runs, cut)
                head = [*paras[:k], replace(para, runs=first)]
                tail_para = replace(
                    para,
                    runs=second,
                    space_before=0.0,
                    number_start=para.ordinal if para.number_start else None,
                )
                tail_para = (
                    replace(tail_para, bullet=None, number_start=None)
                    if (para.bullet or para.number_start)
                    else tail_para
                )
                return _Text(head, item.style), _Text(
                    [tail_para, *_renumber(paras[k + 1 :])], item.style
                )
            if k == 0:
                if force:
                    # A single line taller than the page: give it its own page anyway.
                    return _Text([paras[0]], item.style), (
                        _Text(_renumber(paras[1:]), item.style) if paras[1:] else None
                    )
                return None, item
            return _Text(list(paras[:k]), item.style), _Text(_renumber(paras[k:]), item.style)
        return item, None

    # tables

    def table_size(self, step: float) -> float:
        return max(self.sizes.min_body, step - 4)

    def table_layout(
        self, table: Table, rows: Sequence[tuple[Inline, ...]], width: float, size: float
    ) -> tuple[list[float], list[float]]:
        """Column widths (points) and row heights (points, header first)."""
        key = (id(table), width, size)
        hit = self._widths.get(key)
        if hit is not None and hit[0] is table:
            widths = hit[1]
        else:
            widths = self.column_widths(table, width, size)
            self._widths[key] = (table, widths)
        heights = [self.row_height(table.header, widths, size, bold=True)]
        heights += [self.row_height(row, widths, size) for row in rows]
        return widths, heights

    def column_widths(self, table: Table, width: float, size: float) -> list[float]:
        """Shared out from each column's widest cell in the whole table (so the parts of a
        split table line up)."""
        ncols = max([len(table.header)] + [len(r) for r in table.rows] + [1])
        cells_by_col: list[list[tuple[Inline, bool]]] = [[] for _ in range(ncols)]
        for k in range(ncols):
            if k < len(table.header):
                cells_by_col[k].append((table.header[k], True))
            for row in table.rows:  # widths from every row, so split parts align
                if k < len(row):
                    cells_by_col[k].append((row[k], False))
        natural = []
        for cells in cells_by_col:
            widest = max(
                (
                    sum(
                        self.m.width(
                            r.text,
                            self.mono_font if r.code else self.body_font,
                            bold or r.bold,
                            r.italic,
                        )
                        for r in cell
                    )
                    * size
                    for cell, bold in cells
                ),
                default=0.0,
            )
            natural.append(widest + 2 * cell_margins(size)[0] + 2)
        return _share(natural, width)

    def row_height(
        self, row: Sequence[Inline], widths: Sequence[float], size: float, bold: bool = False
    ) -> float:
        key = (id(row), id(widths), size, bold)  # widths: the cached list of its table
        hit = self._heights.get(key)
        if hit is not None and hit[0] is row:
            return hit[1]
        lines = 1
        mx, my = cell_margins(size)
        for k, cell in enumerate(row[: len(widths)]):
            lines = max(lines, self.cell_lines(cell, size, widths[k] - 2 * mx, bold))
        height = lines * size * self.m.line_height(self.body_font) + 2 * my
        self._heights[key] = (row, height)
        return height

    def cell_lines(self, cell: Inline, size: float, width: float, bold: bool) -> int:
        key = (id(cell), size, width, bold)
        hit = self._lines.get(key)
        if hit is not None and hit[0] is cell:
            return hit[1]
        pieces = [
            Piece(r.text, self.mono_font if r.code else self.body_font, bold or r.bold, r.italic)
            for r in cell
        ]
        lines = self.m.count_lines(pieces, size, width)
        self._lines[key] = (cell, lines)
        return lines

    def table_frame(self, item: _Table, box: Rect, step: float) -> TableFrame:
        size = self.table_size(step)
        widths, heights = self.table_layout(item.table, item.rows, box.w_pt, size)
        width_emu = [round(w * EMU_PER_PT) for w in widths]
        width_emu[-1] += box.w - sum(width_emu)  # rounding leftovers go to the last column
        rect = Rect(box.x, box.y, box.w, round(sum(heights) * EMU_PER_PT))
        ncols = len(widths)
        header = tuple(item.table.header) + ((),) * (ncols - len(item.table.header))
        rows = tuple(tuple(r) + ((),) * (ncols - len(r)) for r in item.rows)
        align = tuple(item.table.align) + ("left",) * (ncols - len(item.table.align))
        return TableFrame(
            rect,
            header,
            rows,
            align,
            tuple(width_emu),
            tuple(round(h * EMU_PER_PT) for h in heights),
            size,
        )

    # blocks -> items

    def items(self, blocks: Sequence[Block]) -> list[_Item]:
        items: list[_Item] = []
        text: list[Para] = []

        def flush() -> None:
            if text:
                items.append(_Text(list(text)))
                text.clear()

        for block in blocks:
            if isinstance(block, Paragraph):
                text.append(Para(block.runs, space_before=0.5))
            elif isinstance(block, Heading):
                text.append(Para(block.runs, "heading", rel=2, space_before=0.6))
            elif isinstance(block, ListBlock):
                text.extend(self.list_paras(block, 1))
                for image in (b for b in walk((block,), "deck") if isinstance(b, Image)):
                    flush()
                    items.append(_Missing(image) if image.missing else self.visual(image))
            elif isinstance(block, Quote):
                text.extend(self.quote_paras(block, big=False))
            elif isinstance(block, RawHtml):
                for line in html_text(block.html):
                    text.append(Para((Run(line),), space_before=0.5))
            elif isinstance(block, Code):
                flush()
                lines = block.text.split("\n") or [""]
                items.append(
                    _Text(
                        [Para((Run(line or " ", code=True),), "code", rel=-4) for line in lines],
                        "code",
                    )
                )
            elif isinstance(block, Table):
                flush()
                items.append(_Table(block, block.rows))
            elif isinstance(block, Image) and block.missing:
                flush()
                items.append(_Missing(block))
            elif isinstance(block, Chart | Image):
                flush()
                items.append(self.visual(block))
            elif isinstance(block, Columns):  # columns inside another block: one after another
                flush()
                for column in block.columns:
                    items.extend(self.items(list(for_output(column.blocks, "deck"))))
        flush()
        return items

    def visual(self, block: Chart | Image) -> _Visual:
        if isinstance(block, Image):
            asset = self.doc.assets[block.asset]
            aspect = asset.width / asset.height if asset.height else 1.0
            visual = _Visual(block, aspect, asset.height * 0.75)  # pixels at 96 dpi -> points
            share, width = _length(block.width)
            _, height = _length(block.height)
            visual.want_share, visual.want_w, visual.want_h = share, width, height
            return visual
        return _Visual(block)

    def list_paras(self, block: ListBlock, level: int) -> list[Para]:
        paras: list[Para] = []
        bullet = "•" if level % 2 else "–"
        for k, item in enumerate(block.items):
            first = True
            for child in item.blocks:
                if isinstance(child, Paragraph):
                    ordinal = block.start + k if block.ordered else None
                    paras.append(
                        Para(
                            child.runs,
                            level=level,
                            bullet=None if block.ordered or not first else bullet,
                            number_start=block.start if block.ordered and first else None,
                            ordinal=ordinal if first else None,
                            rel=-2 * (level - 1),
                            space_before=0.25 if level == 1 else 0.1,
                        )
                    )
                    first = False
                elif isinstance(child, ListBlock):
                    paras.extend(self.list_paras(child, level + 1))
                elif isinstance(child, Code):
                    paras.extend(
                        Para((Run(line or " ", code=True),), "code", level=level, rel=-4)
                        for line in child.text.split("\n")
                    )
                elif isinstance(child, Quote):
                    paras.extend(self.quote_paras(child, big=False))
        return paras

    def quote_paras(self, quote: Quote, big: bool) -> list[Para]:
        paras: list[Para] = []
        for block in quote.blocks:
            if isinstance(block, Paragraph):
                text = plain_text(block.runs).strip()
                is_attribution = text[:1] in ("—", "–") or text.startswith("-- ")
                role = "attribution" if is_attribution and paras else "quote"
                paras.append(
                    Para(
                        block.runs,
                        role,
                        align=("right" if role == "attribution" else "center" if big else "left"),
                        rel=(-6 if big else -2) if role == "attribution" else 0,
                        space_before=0.5,
                    )
                )
            elif isinstance(block, ListBlock):
                paras.extend(self.list_paras(block, 1))
        return paras


# --- helpers --------------------------------------------------------------------------------


LENGTH_UNITS = {"px": 0.75, "pt": 1.0, "in": 72.0, "cm": 72 / 2.54, "mm": 72 / 25.4, "": 0.75}


def _length(value: str) -> tuple[float, float]:
    """A picture size the author wrote: (share of the box's width, points). "50%" ->
    (0.5, 0); "300" or "300px" -> (0, 225 pt); "4in" -> (0, 288 pt); else (0, 0)."""
    import re

    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*(%|px|pt|in|cm|mm)?\s*$", value or "")
    if not m:
        return 0.0, 0.0
    number, unit = float(m.group(1)), m.group(2) or ""
    if unit == "%":
        return min(1.0, number / 100), 0.0
    return 0.0, number * LENGTH_UNITS[unit]


def _ladder(top: float, bottom: float) -> list[float]:
    """Sizes from `top` down to `bottom` in 1 pt steps (both included)."""
    top, bottom = float(top), float(bottom)
    steps = [top - k for k in range(int(math.floor(top - bottom)) + 1)]
    if steps[-1] > bottom + 1e-6:
        steps.append(bottom)
    return [round(s, 2) for s in steps]


def _share(natural: list[float], width: float) -> list[float]:
    """Column widths: every column gets its natural width when all fit (then stretched to
    the table width); otherwise narrow columns keep theirs and wide ones share the rest."""
    total = sum(natural)
    if total <= width:
        return [n * width / total for n in natural]
    widths = [0.0] * len(natural)
    remaining = list(range(len(natural)))
    room = width
    while remaining:
        fair = room / len(remaining)
        narrow = [k for k in remaining if natural[k] <= fair]
        if not narrow:
            wide_total = sum(natural[k] for k in remaining)
            for k in remaining:
                widths[k] = room * natural[k] / wide_total
            break
        for k in narrow:
            widths[k] = natural[k]
            room -= natural[k]
            remaining.remove(k)
    return widths


def _cut_runs(runs: Inline, offset: int) -> tuple[Inline, Inline]:
    """Split runs at a character offset (a line start), dropping the space at the cut."""
    first: list[Run] = []
    second: list[Run] = []
    pos = 0
    for run in runs:
        end = pos + len(run.text)
        if end <= offset:
            first.append(run)
        elif pos >= offset:
            second.append(run)
        else:
            cut = offset - pos
            first.append(replace(run, text=run.text[:cut]))
            second.append(replace(run, text=run.text[cut:]))
        pos = end
    if first:
        first[-1] = replace(first[-1], text=first[-1].text.rstrip(" "))
    if second:
        second[0] = replace(second[0], text=second[0].text.lstrip(" "))
    return tuple(r for r in first if r.text), tuple(r for r in second if r.text)


def _renumber(paras: Sequence[Para]) -> list[Para]:
    """Ordered-list items that start a new slide keep their numbers: 4. stays 4."""
    out: list[Para] = []
    starts: dict[int, int] = {}
    for p in paras:
        if p.number_start is not None and p.ordinal is not None:
            start = starts.setdefault(p.level, p.ordinal)
            p = replace(p, number_start=start)
        out.append(p)
    return out


def _clear_of(box: Rect, grown: Rect, title: Rect) -> Rect:
    """`box` (a subtitle or section text below the layout's `title`) shortened from the top
    so it starts below the `grown` title box; boxes above or beside the title are kept."""
    bottom = grown.y + grown.h
    if box.y < title.y or box.y >= bottom or box.x >= grown.x + grown.w or grown.x >= box.x + box.w:
        return box
    return Rect(box.x, bottom, box.w, max(0, box.y + box.h - bottom))


def _below_title(boxes: LayoutBoxes, content: LayoutBoxes, geo: Geometry) -> Rect:
    """Where a layout without a content box (title only) shows text: where the content
    layout has its main box, else the layout's free area below the title."""
    if content.bodies and content.body_placeholder(0) is not None:
        return content.bodies[0]
    if boxes.free is not None:
        return boxes.free
    if content.bodies:
        return content.bodies[0]
    top = (boxes.title.y + boxes.title.h) if boxes.title else geo.height // 10
    margin = geo.width // 20
    return Rect(margin, top + margin // 2, geo.width - 2 * margin, geo.height - top - 2 * margin)


def _clip(rect: Rect, bounds: Rect) -> Rect:
    """`rect` kept within `bounds` horizontally (beside a side picture)."""
    left = max(rect.x, bounds.x)
    right = min(rect.x + rect.w, bounds.x + bounds.w)
    if right - left < bounds.w // 3:  # the box was on the picture's side: take the bounds
        left, right = bounds.x, bounds.x + bounds.w
    return Rect(left, rect.y, right - left, rect.h)


def _union(rects: Sequence[Rect]) -> Rect:
    left = min(r.x for r in rects)
    top = min(r.y for r in rects)
    right = max(r.x + r.w for r in rects)
    bottom = max(r.y + r.h for r in rects)
    return Rect(left, top, right - left, bottom - top)


def _split_columns(area: Rect, widths: Sequence[float]) -> list[Rect]:
    """`area` cut into columns (a gap between them): the widths asked for (shares of the
    width), the rest shared evenly by the columns that asked for none."""
    gap = round(GAP * 2 * EMU_PER_PT)
    room = area.w - gap * (len(widths) - 1)
    asked = sum(w for w in widths if w)
    free = [w for w in widths if not w]
    rest = max(0.0, 1.0 - asked) / len(free) if free else 0.0
    shares = [w or rest for w in widths]
    total = sum(shares) or 1.0
    out = []
    x = area.x
    for share in shares:
        w = round(room * share / total)
        out.append(Rect(x, area.y, w, area.h))
        x += w + gap
    return out


def _cover_crop(px_w: int, px_h: int, box_w: int, box_h: int) -> tuple[float, float, float, float]:
    """The shares to crop (left, top, right, bottom) so a picture fills a box, centred."""
    if not px_w or not px_h or not box_w or not box_h:
        return (0.0, 0.0, 0.0, 0.0)
    picture, box = px_w / px_h, box_w / box_h
    if picture > box:  # wider: crop the sides
        cut = (1 - box / picture) / 2
        return (cut, 0.0, cut, 0.0)
    cut = (1 - picture / box) / 2
    return (0.0, cut, 0.0, cut)


def _flatten_columns(blocks: Sequence[Block]) -> list[Block]:
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, Columns):
            for column in block.columns:
                out.extend(column.blocks)
        else:
            out.append(block)
    return out


def _shift(rect: Rect, points: float) -> Rect:
    if not points:
        return rect
    delta = round(points * EMU_PER_PT)
    return Rect(rect.x, rect.y + delta, rect.w, max(rect.h - delta, rect.h // 3))


def _date(meta) -> str:
    return format_date(meta.date, meta.lang)
