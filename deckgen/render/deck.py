"""The deck renderer: document model + theme -> a native, editable PowerPoint presentation.

`render_deck` opens the theme's template (bytes loaded by the theme), reads the boxes of its
layouts, asks the planner (`plan.py`) where everything goes and at what size, then draws the
plan with python-pptx: titles and body text in the layouts' placeholders, native tables and
charts, pictures with alt text, speaker notes, footers and slide numbers. It returns the
presentation; writing it to disk is `output.py`'s job.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.presentation import Presentation as PresentationType
from pptx.util import Emu, Pt

from ..model import (
    Block,
    Chart,
    Code,
    Document,
    Heading,
    Image,
    Inline,
    ListBlock,
    Only,
    Paragraph,
    Quote,
    RawHtml,
    Table,
    plain_text,
)
from ..themes import Theme, template
from . import pptx_speed, pptx_xml
from .fit import Measurer
from .html_text import html_text
from .plan import (
    CELL_X,
    CELL_Y,
    INSET_X,
    INSET_Y,
    ChartFrame,
    Geometry,
    ImageFrame,
    PlannedSlide,
    Planner,
    Rect,
    TableFrame,
    TextFrame,
)

CHART_TYPES = {
    "bar": XL_CHART_TYPE.BAR_CLUSTERED,
    "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
    "line": XL_CHART_TYPE.LINE_MARKERS,
    "pie": XL_CHART_TYPE.PIE,
}


def render_deck(
    doc: Document,
    theme: Theme,
    measurer: Measurer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PresentationType:
    """Build the presentation for `doc` in `theme`. Pure: reads no file."""
    prs, layouts, logos, geometry = _prepare(theme)
    planner = Planner(doc, theme, geometry, measurer or Measurer(theme.fonts.faces))
    planned = planner.plan()
    drawer = _Drawer(prs, doc, theme, layouts)
    # Titles kept clear of the logo need their box written (the layout's is under it).
    drawer.title_boxes = {kind: geometry.layouts[kind].title for kind in logos}
    for number, slide_plan in enumerate(planned, start=1):
        drawer.draw(slide_plan, number)
        if progress is not None:
            progress(number, len(planned))
    props = prs.core_properties
    props.title = doc.meta.title
    props.subject = doc.meta.subtitle or doc.meta.subject
    props.author = doc.meta.author
    props.language = doc.meta.lang
    return prs


def _prepare(theme: Theme, drawing: bool = True):
    """The template opened, its layouts, logo boxes and geometry; made ready to draw on
    (example slides removed, theme colours and fonts written, logos placed) unless only
    the geometry is wanted."""
    prs = Presentation(io.BytesIO(theme.template))
    if drawing:
        pptx_xml.remove_all_slides(prs)
        pptx_xml.unique_shape_ids(prs)
        pptx_xml.apply_theme(prs, theme.colors, theme.fonts, theme.scheme_slots)
        pptx_speed.make_linear(prs)
    layouts = template.layouts_by_kind(prs, theme.layouts, theme.template_path)
    logos = _place_logo(prs, theme, layouts, drawing)
    geometry = Geometry(
        prs.slide_width,
        prs.slide_height,
        {
            kind: template.layout_boxes(layout, logos.get(kind), LOGO_GAP)
            for kind, layout in layouts.items()
        },
        template.title_caps(layouts.values()),
    )
    return prs, layouts, logos, geometry


def plan_deck(doc: Document, theme: Theme, measurer: Measurer | None = None) -> Planner:
    """The planner of `doc` in `theme`, for checks that need the plan without a deck
    (call its `plan()`)."""
    _, _, _, geometry = _prepare(theme, drawing=False)
    return Planner(doc, theme, geometry, measurer or Measurer(theme.fonts.faces))


LOGO_MARGIN = Emu(274320)  # 0.3 in from the slide's edges
LOGO_GAP = Emu(91440)  # 0.1 in between the logo and any text


def _place_logo(prs, theme: Theme, layouts: dict, drawing: bool = True) -> dict[str, Rect]:
    """Put the theme's logo on the layouts the deck uses (one picture per layout, shown on
    every slide built on it, as corporate templates do; only the boxes unless `drawing`)
    and return its box per slide kind. The title slide's layout gets it twice as large."""
    logo = theme.logo
    if logo is None:
        return {}
    kinds_on: dict[int, list[str]] = {}  # layout -> the slide kinds built on it
    for kind, layout in layouts.items():
        kinds_on.setdefault(id(layout), []).append(kind)
    placed: dict[str, Rect] = {}
    for kinds in kinds_on.values():
        layout = layouts[kinds[0]]
        if not any(logo.title if kind == "title" else logo.slides for kind in kinds):
            continue
        # Large on a layout used only for the title slide; a shared one gets the small logo.
        height = int(Pt(logo.height * (2 if kinds == ["title"] else 1)))
        width = round(height * logo.asset.width / max(logo.asset.height, 1))
        x = LOGO_MARGIN if logo.position.endswith("left") else prs.slide_width - LOGO_MARGIN - width
        rect = Rect(int(x), int(LOGO_MARGIN), width, height)
        if drawing:
            pptx_xml.add_layout_picture(layout, logo.asset.data, rect, theme.name)
        # Every kind on that layout shows the picture: all keep their text clear of it.
        placed.update(dict.fromkeys(kinds, rect))
    return placed


class _Drawer:
    """Draws planned slides. Text, placeholders, tables, footers and notes are written as XML
    text (pptx_xml: python-pptx's shape API is far too slow for 1,000-slide decks); charts
    and pictures, a few per deck, go through python-pptx's API once the slide exists."""

    def __init__(self, prs, doc: Document, theme: Theme, layouts: dict):
        self.prs = prs
        self.doc = doc
        self.theme = theme
        self.layouts = layouts
        self.lang = doc.meta.lang
        self.colors = theme.colors
        self.mono = theme.fonts.mono
        footer = theme.slides.footer or doc.meta.title
        self.placeholders = {
            kind: _placeholder_templates(layout) for kind, layout in layouts.items()
        }
        self.footers = {
            kind: pptx_xml.footer_templates(
                layout,
                footer,
                theme.slides.slide_numbers,
                lang=self.lang,
                font=theme.fonts.body,
                color=theme.colors.muted,
            )
            for kind, layout in layouts.items()
        }
        self.notes = pptx_xml.NotesWriter(prs, self.lang, theme.fonts.body)
        self.title_boxes: dict[str, Rect | None] = {}

    def draw(self, plan: PlannedSlide, number: int) -> None:
        kind = plan.kind if plan.kind in self.layouts else "content"
        # Slides with charts or pictures, and the first notes page, go through python-pptx's
        # API after the XML is written; the others stay text (never parsed, 2x faster).
        plain = not any(isinstance(f, ChartFrame | ImageFrame) for f in plan.frames) and (
            not plan.notes or self.notes.ready
        )
        slide_part = pptx_speed.append_slide(self.prs, self.layouts[kind], plain)
        title_nv, title_align, bodies = self.placeholders[kind]
        shapes: list[str] = []
        later: list = []  # charts and pictures, drawn with python-pptx once the XML is in
        shape_id = 2
        if plan.title and title_nv is not None:
            runs = self.runs(slide_part, plan.title, plan.title_size)
            body = pptx_xml.text_body(
                [pptx_xml.paragraph(runs, self.lang, plan.title_size, align=title_align)],
                (INSET_X, INSET_Y),
            )
            rect = plan.title_rect or self.title_boxes.get(kind)
            shapes.append(pptx_xml.placeholder(title_nv, shape_id, body, rect))
            shape_id += 1
        free_bodies = list(bodies)
        for frame in plan.frames:
            if isinstance(frame, TextFrame):
                body = pptx_xml.text_body(
                    self.paragraphs(slide_part, frame), (INSET_X, INSET_Y), frame.anchor
                )
                if frame.placeholder is not None and free_bodies:
                    shapes.append(
                        pptx_xml.placeholder(free_bodies.pop(0), shape_id, body, frame.rect)
                    )
                else:
                    fill = "F3F4F6" if frame.style == "code" else None
                    name = {"code": "Code", "quote": "Quote"}.get(frame.style, "Text")
                    shapes.append(pptx_xml.text_box(shape_id, name, frame.rect, body, fill))
                shape_id += 1
            elif isinstance(frame, TableFrame):
                shapes.append(self.table(slide_part, shape_id, frame))
                shape_id += 1
            else:
                later.append(frame)
        if plan.kind != "title":
            footer, shape_id = pptx_xml.footer(self.footers[kind], shape_id, number)
            shapes.extend(footer)
        pptx_xml.set_slide_xml(slide_part, pptx_xml.slide_xml(shapes))
        for frame in later:
            if isinstance(frame, ChartFrame):
                self.draw_chart(slide_part.slide, frame)
            elif isinstance(frame, ImageFrame):
                self.draw_image(slide_part.slide, frame)
        if later and plan.kind != "title":
            pptx_xml.footers_last(slide_part._element)
        if plan.notes:
            self.notes.add(slide_part, notes_lines(plan.notes))

    # text

    def paragraphs(self, slide_part, frame: TextFrame) -> list[str]:
        out = []
        for k, para in enumerate(frame.paras):
            listed = para.bullet is not None or para.number_start is not None
            color = None
            italic = False
            if para.role == "quote":
                color, italic = self.colors.primary, True
            elif para.role == "attribution":
                color = self.colors.muted
            elif para.role == "heading":
                color = self.colors.primary
            runs = self.runs(
                slide_part,
                para.runs,
                para.size,
                bold=para.role == "heading",
                italic=italic,
                color=color,
                mono=para.role == "code",
            )
            out.append(
                pptx_xml.paragraph(
                    runs,
                    self.lang,
                    para.size,
                    margin_left=para.margin_left,
                    hanging=para.hanging,
                    align=para.align,
                    space_before=para.space_before * para.size if k else 0.0,
                    bullet=para.bullet,
                    number_start=para.number_start,
                    bullet_color=self.colors.accent if listed else None,
                )
            )
        return out

    def runs(
        self,
        slide_part,
        runs: Inline,
        size: float,
        bold: bool = False,
        italic: bool = False,
        color: str | None = None,
        mono: bool = False,
    ) -> str:
        out = []
        for r in runs:
            rid = slide_part.relate_to(r.href, RT.HYPERLINK, is_external=True) if r.href else None
            out.append(
                pptx_xml.run(
                    r.text,
                    self.lang,
                    size,
                    bold=bold or r.bold,
                    italic=italic or r.italic,
                    strike=r.strike,
                    font=self.mono if (r.code or mono) else None,
                    color=color,
                    link_rid=rid,
                )
            )
        return "".join(out)

    # tables

    def table(self, slide_part, shape_id: int, frame: TableFrame) -> str:
        light = _tint(self.colors.primary, 0.9)
        rows = []
        for r, (height, cells) in enumerate(
            zip(frame.row_heights, (frame.header, *frame.rows), strict=True)
        ):
            fill = (
                self.colors.primary if r == 0 else (light if r % 2 == 0 else self.colors.background)
            )
            color = self.colors.background if r == 0 else self.colors.text
            row = []
            for c in range(len(frame.col_widths)):
                content = cells[c] if c < len(cells) else ()
                runs = self.runs(slide_part, content, frame.size, bold=r == 0, color=color)
                p = pptx_xml.paragraph(runs, self.lang, frame.size, align=frame.align[c])
                row.append(pptx_xml.table_cell(p, (CELL_X, CELL_Y), fill))
            rows.append((height, row))
        return pptx_xml.table(shape_id, frame.rect, frame.col_widths, rows)

    # charts and pictures (python-pptx's API: a few per deck)

    def draw_chart(self, slide, frame: ChartFrame) -> None:
        # Imported here: it pulls in XlsxWriter (~30 ms), needed only by decks with charts.
        from pptx.chart.data import CategoryChartData

        spec = frame.chart
        data = CategoryChartData(number_format="General")
        data.categories = list(spec.categories)
        for series in spec.series:
            data.add_series(series.name, list(series.values))
        shape = slide.shapes.add_chart(CHART_TYPES[spec.kind], *_xywh(frame.rect), data)
        shape.name = "Chart"
        chart = shape.chart
        size = Pt(frame.size)
        chart.font.size = size
        chart.font.name = self.theme.fonts.body
        if spec.title:
            chart.has_title = True
            chart.chart_title.text_frame.text = spec.title
            title_run = chart.chart_title.text_frame.paragraphs[0].runs[0]
            title_run.font.size = Pt(frame.size + 2)
            title_run.font.bold = True
        else:
            chart.has_title = False
        multi = len(spec.series) > 1
        chart.has_legend = multi or spec.kind == "pie"
        if chart.has_legend:
            chart.legend.position = XL_LEGEND_POSITION.BOTTOM
            chart.legend.include_in_layout = False
            chart.legend.font.size = size
        plot = chart.plots[0]
        plot.has_data_labels = True
        labels = plot.data_labels
        labels.font.size = size
        labels.number_format = _number_format(spec)
        labels.number_format_is_linked = False
        if spec.kind in ("bar", "column"):
            labels.position = XL_LABEL_POSITION.OUTSIDE_END
            plot.gap_width = 60
            if not multi:
                plot.vary_by_categories = False
        elif spec.kind == "pie":
            labels.position = XL_LABEL_POSITION.BEST_FIT
        colors = list(self.colors.series)
        if spec.kind == "pie":
            for k, point in enumerate(plot.series[0].points):
                point.format.fill.solid()
                point.format.fill.fore_color.rgb = RGBColor.from_string(colors[k % len(colors)])
        else:
            for k, series in enumerate(plot.series):
                color = RGBColor.from_string(colors[k % len(colors)])
                if spec.kind == "line":
                    series.format.line.color.rgb = color
                    series.format.line.width = Pt(2.5)
                    series.smooth = False
                else:
                    series.format.fill.solid()
                    series.format.fill.fore_color.rgb = color
        if spec.kind != "pie":
            value_axis = chart.value_axis
            value_axis.has_major_gridlines = True
            value_axis.major_gridlines.format.line.color.rgb = RGBColor.from_string("D9DDE3")
            value_axis.tick_labels.font.size = size
            value_axis.tick_labels.number_format = _number_format(spec)
            value_axis.tick_labels.number_format_is_linked = False
            chart.category_axis.tick_labels.font.size = size
        pptx_xml.fix_chart_axis_ids(chart)
        pptx_xml.set_chart_language(chart, self.lang)

    def draw_image(self, slide, frame: ImageFrame) -> None:
        asset = self.doc.assets[frame.asset]
        x, y, w, h = _xywh(frame.rect)
        picture = slide.shapes.add_picture(io.BytesIO(asset.data), x, y, w, h)
        picture.name = "Picture"
        pptx_xml.set_alt_text(picture, frame.alt)


def _placeholder_templates(layout):
    """The layout's title placeholder (as an XML template), the title's alignment, and its
    body placeholders (templates, by index)."""
    title, bodies = template.title_and_bodies(layout)
    if title is None:
        return None, "left", [pptx_xml.nv_template(b._element) for b in bodies]
    # Titles keep the template's alignment (centred on a title slide).
    centred = title.placeholder_format.type == PP_PLACEHOLDER.CENTER_TITLE
    return (
        pptx_xml.nv_template(title._element),
        "center" if centred else "left",
        [pptx_xml.nv_template(b._element) for b in bodies],
    )


def _xywh(rect: Rect) -> tuple[Emu, Emu, Emu, Emu]:
    return Emu(rect.x), Emu(rect.y), Emu(rect.w), Emu(rect.h)


def _tint(hex_color: str, amount: float) -> str:
    """The colour mixed with white (amount 0..1 of white)."""
    rgb = [int(hex_color[k : k + 2], 16) for k in (0, 2, 4)]
    return "".join(f"{round(c + (255 - c) * amount):02X}" for c in rgb)


def _number_format(chart: Chart) -> str:
    values = [v for s in chart.series for v in s.values]
    decimals = any(abs(v - round(v)) > 1e-9 for v in values)
    base = "#,##0.0" if decimals else "#,##0"
    unit = chart.unit.replace('"', "'")
    if not unit:
        return base
    if unit == "%":
        return base + '" %"'
    return f'{base}" {unit}"'


def notes_lines(blocks: Sequence[Block], depth: int = 0) -> list[str]:
    """Speaker notes as plain lines: the notes page has no room for layout."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph | Heading):
            lines.append(plain_text(block.runs))
        elif isinstance(block, ListBlock):
            for k, item in enumerate(block.items):
                mark = f"{block.start + k}." if block.ordered else "•"
                inner = notes_lines(item.blocks, depth + 1)
                if inner:
                    lines.append("    " * depth + f"{mark} {inner[0].lstrip()}")
                    lines.extend(inner[1:])
        elif isinstance(block, Quote):
            lines.extend(notes_lines(block.blocks, depth))
        elif isinstance(block, Code):
            lines.extend(block.text.split("\n"))
        elif isinstance(block, Table):
            lines.append(" | ".join(plain_text(c) for c in block.header))
            lines.extend(" | ".join(plain_text(c) for c in row) for row in block.rows)
        elif isinstance(block, Chart):
            lines.append(block.title)
            for s in block.series:
                lines.extend(
                    f"{c}: {v:g} {block.unit}".rstrip()
                    for c, v in zip(block.categories, s.values, strict=False)
                )
        elif isinstance(block, Only):
            if block.output == "deck":
                lines.extend(notes_lines(block.blocks, depth))
        elif isinstance(block, RawHtml):
            lines.extend(html_text(block.html))
        elif isinstance(block, Image):
            lines.append(block.alt)
    return lines
