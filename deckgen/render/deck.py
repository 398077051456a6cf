"""The deck renderer: document model + theme -> a native, editable PowerPoint presentation.

`render_deck` opens the theme's template (bytes loaded by the theme), reads the boxes of its
layouts, asks the planner (`plan.py`) where everything goes and at what size, then draws the
plan with python-pptx: titles and body text in the layouts' placeholders, native tables and
charts, pictures with alt text, speaker notes, footers and slide numbers. It returns the
presentation; writing it to disk is `output.py`'s job.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence

from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.presentation import Presentation as PresentationType
from pptx.util import Emu, Pt

from ..errors import Diagnostic, InputError, did_you_mean
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
from ..themes import boxes as boxes_mod
from ..themes.contrast import readable
from ..themes.geometry import LayoutBoxes
from ..themes.template import Layout, Placeholder
from . import pptx_speed, pptx_xml
from .fit import Measurer
from .html_text import html_text
from .palette import Ink, Palette
from .plan import (
    INSET_X,
    INSET_Y,
    BackgroundFrame,
    ChartFrame,
    Geometry,
    ImageFrame,
    PlaceholderFrame,
    PlannedSlide,
    Planner,
    Rect,
    TableFrame,
    TextFrame,
    cell_margins,
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
    warnings: list[Diagnostic] | None = None,
) -> PresentationType:
    """Build the presentation for `doc` in `theme`. Pure: reads no file. Slides whose text
    still overflows after shrinking are added to `warnings` (as ``deckgen check`` reports
    them), when it is given."""
    prs, layouts, geometry = _prepare(theme)
    planner = Planner(doc, theme, geometry, measurer or Measurer(theme.fonts.faces))
    planned = planner.plan()
    if warnings is not None:
        warnings.extend(overflow_warnings(doc, theme, planner, planned))
    drawer = _Drawer(prs, doc, theme, layouts, geometry)
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


def probe_template(theme: Theme) -> None:
    """Draw one slide of every kind on `theme`'s template through the build's own code
    (placeholders copied from its layouts, footers, logo, notes, a table and a chart), save
    the deck and parse every part of it back. Raises `InputError` at the template when that
    fails, so ``deckgen check`` never calls a theme clean that ``deckgen build`` cannot use
    (both load themes through here)."""
    import zipfile
    from pathlib import Path

    from lxml import etree

    from ..model import ListItem, Meta, Run, Series, Slide

    def para(text: str, href: str | None = None) -> Paragraph:
        return Paragraph((Run(text, href=href),))

    bullets = ListBlock(
        (ListItem((para("Premier point"),)), ListItem((para("Un lien", "https://example.com"),)))
    )
    slides = (
        Slide("section", (Run("Partie"),), (para("Une phrase sous la section."),)),
        Slide("content", (Run("Contenu"),), (bullets,), (para("Notes."),)),
        Slide(
            "content",
            (Run("Deux colonnes"),),
            (
                para("Un texte."),
                Chart("column", "Graphique", ("A", "B"), (Series("S", (1.0, 2.0)),)),
            ),
        ),
        Slide(
            "content",
            (Run("Tableau"),),
            (Table(((Run("A"),), (Run("B"),)), (((Run("1"),), (Run("2"),)),), ("left", "right")),),
        ),
        Slide("content", None, (Quote((para("Une citation."), para("— Quelqu’un"))),)),
        Slide("content", (Run("Code"),), (Code("print()"),)),
    )
    meta = Meta(title="Titre", subtitle="Sous-titre", author="Auteur", date="2026-01-01")
    doc = Document(Path("probe.md"), meta, slides)
    where = theme.template_path
    try:
        prs = render_deck(doc, theme)
        buffer = io.BytesIO()
        pptx_speed.save(prs, buffer)
        with zipfile.ZipFile(buffer) as z:
            names = z.namelist()
            if len(names) != len(set(names)):
                raise ValueError("the saved deck has the same part twice")
            for name in names:
                if name.endswith((".xml", ".rels")):
                    etree.fromstring(z.read(name))
    except InputError:
        raise
    except Exception as exc:  # what a build would meet: said once, at the template
        raise InputError(
            f"deckgen cannot draw slides on this template ({type(exc).__name__}: {exc}); "
            "please report it with the template",
            where,
        ) from None


def overflow_warnings(
    doc: Document, theme: Theme, planner: Planner, planned: Sequence[PlannedSlide]
) -> list[Diagnostic]:
    """A slide whose text still does not fit its box at the theme's minimum size, at its
    source line: what ``deckgen check`` reports as ``deck-overflow`` and the build prints."""
    out = []
    for slide in planned:
        excess = planner.overflow(slide)
        if excess > 0.5:
            out.append(
                Diagnostic(
                    doc.path,
                    slide.line or None,
                    f"text still overflows its box by {excess:.0f} pt after shrinking to "
                    f"{theme.sizes.min_body:g} pt: shorten it or split the slide (a '---' "
                    "line)",
                    "warning",
                    "deck-overflow",
                )
            )
    return out


def _prepare(theme: Theme, drawing: bool = True):
    """The template opened, the layout of each slide kind and the geometry; made ready to
    draw on (example slides removed, theme colours and fonts written, logos placed)
    unless only the geometry is wanted."""
    info = theme.template_info
    if info is None:
        raise InputError(
            "this theme's template was not read (load themes with deckgen.themes.load_theme)",
            theme.template_path,
        )
    prs = template.open_template(theme.template)
    if drawing:
        pptx_xml.remove_all_slides(prs)
        pptx_xml.unique_shape_ids(prs)
        pptx_xml.drop_autofit_scales(prs)
        pptx_xml.apply_theme(prs, theme.colors, theme.fonts, theme.scheme_slots)
        pptx_speed.make_linear(prs)
    layouts = {
        kind: template.layout_object(prs, info.find(key)) for kind, key in theme.layouts.items()
    }
    if drawing:
        _place_logo(theme, layouts)
    caps = any(
        (title := info.find(key).title) is not None and title.caps for key in theme.layouts.values()
    )
    geometry = Geometry(
        info.width,
        info.height,
        dict(theme.boxes),
        caps,
        NamedBoxes(theme),
    )
    return prs, layouts, geometry


class NamedBoxes(Mapping):
    """The boxes of every layout of a theme's template by name or key (``"Two Content"``,
    ``"Master 2/Contenu"``), computed when asked for (`themes.boxes.theme_boxes`): what a
    slide naming its layout ({layout="..."}) is planned on."""

    def __init__(self, theme: Theme):
        self.theme = theme
        self.info = theme.template_info
        self.cache: dict[str, LayoutBoxes] = {}

    def __getitem__(self, name: str) -> LayoutBoxes:
        if name not in self.cache:
            self.cache[name] = boxes_mod.theme_boxes(self.theme, name)
        return self.cache[name]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.info is not None and bool(self.info.named(name))

    def __iter__(self):
        return iter(self.info.keys if self.info is not None else ())

    def __len__(self) -> int:
        return len(self.info.layouts) if self.info is not None else 0


def layout_problems(doc: Document, theme: Theme) -> list[Diagnostic]:
    """A warning for each slide naming a layout the theme's template lacks (with "did
    you mean"); such a slide is built on its kind's layout."""
    wanted = [s for s in doc.slides if s.layout]
    info = theme.template_info
    if not wanted or info is None:
        return []
    names = info.keys
    out = []
    for slide in wanted:
        if not info.named(slide.layout):
            out.append(
                Diagnostic(
                    doc.path,
                    slide.layout_line or slide.line,
                    f"layout '{slide.layout}' is not in the template of theme '{theme.name}'"
                    f"{did_you_mean(slide.layout, names)}; it has: {', '.join(names)}. The "
                    "slide is built on its usual layout",
                    "warning",
                )
            )
    return out


def plan_deck(doc: Document, theme: Theme, measurer: Measurer | None = None) -> Planner:
    """The planner of `doc` in `theme`, for checks that need the plan without a deck
    (call its `plan()`)."""
    _, _, geometry = _prepare(theme, drawing=False)
    return Planner(doc, theme, geometry, measurer or Measurer(theme.fonts.faces))


def _place_logo(theme: Theme, layouts: dict) -> None:
    """Put the theme's logo on the layouts the deck uses, at the boxes the theme computed
    (one picture per layout, shown on every slide built on it, as corporate templates do;
    twice as large on a layout only the title slide uses)."""
    if theme.logo is None:
        return
    done: set[int] = set()
    for kind, rect in theme.logos.items():
        layout = layouts[kind]
        if id(layout) in done:
            continue
        done.add(id(layout))
        pptx_xml.add_layout_picture(layout, theme.logo.asset.data, rect, theme.name)


CODE_FILL = "F3F4F6"


class _Drawer:
    """Draws planned slides. Text, placeholders, tables, footers and notes are written as XML
    text (pptx_xml: python-pptx's shape API is far too slow for 1,000-slide decks); charts
    and pictures, a few per deck, go through python-pptx's API once the slide exists.

    Each slide kind is drawn on its layout: in the placeholders the theme's boxes name
    (`LayoutBoxes`), or in text boxes of deckgen's own, with colours chosen against the
    layout's real background (`palette.Palette`)."""

    def __init__(self, prs, doc: Document, theme: Theme, layouts: dict, geometry: Geometry):
        self.prs = prs
        self.doc = doc
        self.theme = theme
        self.layouts = layouts
        self.geometry = geometry
        self.lang = doc.meta.lang
        self.colors = theme.colors
        self.mono = theme.fonts.mono
        info = theme.template_info
        assert info is not None
        self.info = {kind: info.find(key) for kind, key in theme.layouts.items()}
        self.palettes = {kind: Palette(theme, layout) for kind, layout in self.info.items()}
        self.nv = {kind: _placeholder_templates(layout) for kind, layout in layouts.items()}
        self.boxes = dict(geometry.layouts)
        footer = doc.meta.footer or theme.slides.footer or doc.meta.title
        self.footer_text = footer
        self.footers = {kind: self.footer_templates(kind, footer) for kind in layouts}
        self.notes = pptx_xml.NotesWriter(prs, self.lang, theme.fonts.body)

    def footer_templates(self, kind: str, footer: str) -> list[str]:
        """The layout's footer and slide-number placeholders that are on the slide: in the
        template's own style on a client's template (a colour of deckgen's only where the
        template's would not read), in the theme's on deckgen's own."""
        layout = self.info[kind]
        palette = self.palettes[kind]
        width, height = self.geometry.width, self.geometry.height
        # The first footer and slide-number placeholders, when they are on the slide.
        shown = {}
        for p in layout.of_type("ftr", "sldNum"):
            if p.type not in shown and p.rect is not None and _on_slide(p.rect, width, height):
                shown[p.type] = p
        client = self.theme.client_template
        # Written out, even when inherited: LibreOffice draws footers without the layout's
        # style (black, in its own font), whatever PowerPoint does.
        styles: dict[str, tuple[str | None, str | None, float | None]] = {}
        for p in shown.values():
            if client:
                ink = palette.text(p.rect, (self.colors.muted, palette.body_color), p.color, p.fill)
                color = ink.color or p.color or palette.body_color
                if ink.fill:  # no box of its own for a footer: what covers most of it
                    color = palette.on_most(
                        p.rect, (p.color, self.colors.muted, palette.body_color)
                    )
                styles[p.type] = (p.font or self.theme.fonts.body, color, p.size or 11)
            else:
                ink = palette.text(p.rect, (self.colors.muted,), self.colors.muted, p.fill)
                styles[p.type] = (self.theme.fonts.body, ink.color or self.colors.muted, 11)
        names = {"ftr": "FOOTER", "sldNum": "SLIDE_NUMBER"}
        wanted = {names[t] for t in shown}
        return pptx_xml.footer_templates(
            self.layouts[kind],
            footer,
            self.theme.slides.slide_numbers,
            lang=self.lang,
            font=self.theme.fonts.body,
            color=self.colors.muted,
            size=11,
            styles=styles,
            include=lambda shape, name: name in wanted,
            inherit=client,
        )

    def layout_of(self, plan: PlannedSlide) -> str:
        """The key of the layout a planned slide is drawn on: its kind's, or the layout it
        names (read once, like the kinds': placeholders, colours, footers)."""
        info = self.theme.template_info
        if plan.layout and info is not None and info.named(plan.layout):
            key = "layout:" + plan.layout
            if key not in self.layouts:
                layout = info.find(plan.layout)
                self.layouts[key] = template.layout_object(self.prs, layout)
                self.info[key] = layout
                self.palettes[key] = Palette(self.theme, layout)
                self.nv[key] = _placeholder_templates(self.layouts[key])
                self.boxes[key] = self.geometry.named[plan.layout]
                self.footers[key] = self.footer_templates(key, self.footer_text)
            return key
        return plan.kind if plan.kind in self.layouts else "content"

    def draw(self, plan: PlannedSlide, number: int) -> None:
        kind = self.layout_of(plan)
        # Slides with charts or pictures, and the first notes page, go through python-pptx's
        # API after the XML is written; the others stay text (never parsed, 2x faster).
        plain = not any(
            isinstance(f, ChartFrame | ImageFrame | BackgroundFrame) for f in plan.frames
        ) and (not plan.notes or self.notes.ready)
        slide_part = pptx_speed.append_slide(self.prs, self.layouts[kind], plain)
        boxes = self.boxes.get(kind) or self.boxes["content"]
        layout = self.info[kind]
        palette = self.palettes[kind]
        nv = self.nv[kind]
        shapes: list[str] = []
        later: list = []  # charts and pictures, drawn with python-pptx once the XML is in
        shape_id = 2
        for frame in plan.frames:
            full = isinstance(frame, BackgroundFrame) and frame.rect.w == self.prs.slide_width
            if full and (plan.title or len(plan.frames) > 1):
                # A full-bleed picture under text: a veil of what the layout shows behind
                # it keeps the text readable, in the colours chosen for that background
                # (the picture is sent behind it, below).
                veil = layout.backdrop.dominant() if self.theme.client_template else None
                shapes.append(
                    pptx_xml.veil(shape_id, frame.rect, veil or self.colors.background, 0.72)
                )
                shape_id += 1
        if plan.title:
            rect = plan.title_rect or boxes.title
            ph = _find(layout, boxes.title_placeholder)
            title_nv = nv[ph.n] if ph is not None else None
            if title_nv is not None and ph is not None:
                ink = palette.in_placeholder(ph, rect, (self.colors.primary,))
                font = None
            else:
                ink = palette.text(rect, (palette.heading_color, self.colors.primary))
                font = self.theme.fonts.heading
            runs = self.runs(slide_part, plan.title, plan.title_size, color=ink.color, font=font)
            if title_nv is not None and self.theme.client_template:
                align = "inherit"  # the template's own alignment, as its designer set it
            elif ph is not None and title_nv is not None:
                # deckgen's own templates: centred on the title slide, left elsewhere.
                align = "center" if ph.type == "ctrTitle" else "left"
            else:
                align = (ph.align if ph else None) or "left"
            body = pptx_xml.text_body(
                [pptx_xml.paragraph(runs, self.lang, plan.title_size, align=_align(align))],
                (INSET_X, INSET_Y),
            )
            if title_nv is not None:
                moved = rect if ph is None or rect != ph.rect or ink.fill else None
                shapes.append(pptx_xml.placeholder(title_nv, shape_id, body, moved, ink.fill))
            elif rect is not None:
                shapes.append(pptx_xml.text_box(shape_id, "Title", rect, body, ink.fill))
            shape_id += 1
        for frame in plan.frames:
            if isinstance(frame, TextFrame):
                shapes.append(self.text_frame(slide_part, shape_id, frame, kind))
                shape_id += 1
            elif isinstance(frame, TableFrame):
                shapes.append(self.table(slide_part, shape_id, frame))
                shape_id += 1
            elif isinstance(frame, PlaceholderFrame):
                shapes.append(self.missing_picture(slide_part, shape_id, frame))
                shape_id += 1
            else:
                later.append(frame)
        if plan.kind != "title":
            footer, shape_id = pptx_xml.footer(self.footers[kind], shape_id, number)
            shapes.extend(footer)
        pptx_xml.set_slide_xml(slide_part, pptx_xml.slide_xml(shapes))
        for frame in later:
            if isinstance(frame, ChartFrame):
                self.draw_chart(slide_part.slide, frame, palette)
            elif isinstance(frame, BackgroundFrame):
                self.draw_background(slide_part.slide, frame)
            elif isinstance(frame, ImageFrame):
                self.draw_image(slide_part.slide, frame)
        if later and plan.kind != "title":
            pptx_xml.footers_last(slide_part._element)
        if plan.notes:
            self.notes.add(slide_part, notes_lines(plan.notes))

    # text

    def text_frame(self, slide_part, shape_id: int, frame: TextFrame, kind: str) -> str:
        """A text frame in its layout placeholder, or in a text box of deckgen's."""
        palette = self.palettes[kind]
        layout = self.info[kind]
        ph = _find(layout, frame.placeholder)
        nv = self.nv[kind][ph.n] if ph is not None else None
        if frame.style == "code":
            ink = Ink(palette.on_fill(CODE_FILL, (self.colors.text, "1F2933")), CODE_FILL)
        elif ph is not None:
            ink = palette.in_placeholder(ph, frame.rect)
        else:
            main = _find(layout, self.boxes[kind].body_placeholder(0))
            ink = palette.text(frame.rect, (main.color if main else None, palette.body_color))
        body = pptx_xml.text_body(
            self.paragraphs(slide_part, frame, palette, ink), (INSET_X, INSET_Y), frame.anchor
        )
        if nv is not None:
            return pptx_xml.placeholder(nv, shape_id, body, frame.rect, ink.fill)
        name = {"code": "Code", "quote": "Quote"}.get(frame.style, "Text")
        return pptx_xml.text_box(shape_id, name, frame.rect, body, ink.fill)

    def paragraphs(self, slide_part, frame: TextFrame, palette: Palette, ink: Ink) -> list[str]:
        """The frame's paragraphs; `ink` is its text's (None: the inherited colour reads)."""
        out = []
        rect, fill = frame.rect, ink.fill
        # Bullets are marks (3:1 against what is behind them); list numbers are text (4.5:1).
        bullet = palette.graphic(self.colors.accent, rect) if not fill else self.colors.accent
        number = palette.text(rect, (self.colors.accent,), None, fill).color or self.colors.accent
        for k, para in enumerate(frame.paras):
            listed = para.bullet is not None or para.number_start is not None
            color = ink.color
            italic = False
            if para.role == "quote":
                color, italic = palette.text(rect, (self.colors.primary,), None, fill).color, True
            elif para.role == "attribution":
                color = palette.text(rect, (self.colors.muted,), None, fill).color
            elif para.role == "heading":
                color = palette.text(rect, (self.colors.primary,), None, fill).color
            runs = self.runs(
                slide_part,
                para.runs,
                para.size,
                bold=para.role == "heading",
                italic=italic,
                color=color,
                mono=para.role == "code",
                link=palette.link(rect, fill) if any(r.href for r in para.runs) else None,
            )
            out.append(
                pptx_xml.paragraph(
                    runs,
                    self.lang,
                    para.size,
                    margin_left=para.margin_left(para.size),
                    hanging=para.hanging(para.size),
                    align=para.align,
                    space_before=para.space_before * para.size if k else 0.0,
                    bullet=para.bullet,
                    number_start=para.number_start,
                    bullet_color=(number if para.number_start is not None else bullet)
                    if listed
                    else None,
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
        link: str | None = None,
        font: str | None = None,
    ) -> str:
        """Runs of text; links in the theme's hyperlink colour, or in `link` when that one
        would not read."""
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
                    font=self.mono if (r.code or mono) else font,
                    color=link if (rid and link) else color,
                    link_rid=rid,
                    link_color=bool(rid and link),
                )
            )
        return "".join(out)

    # tables

    def table(self, slide_part, shape_id: int, frame: TableFrame) -> str:
        """A native table: the header row filled with the primary colour, rows alternating
        with a tint of it; every cell's text chosen to read on its own fill."""
        light = _tint(self.colors.primary, 0.9)
        head_text = _on(self.colors.primary, (self.colors.background, "FFFFFF", "000000"))
        rows = []
        for r, (height, cells) in enumerate(
            zip(frame.row_heights, (frame.header, *frame.rows), strict=True)
        ):
            fill = (
                self.colors.primary if r == 0 else (light if r % 2 == 0 else self.colors.background)
            )
            color = head_text if r == 0 else _on(fill, (self.colors.text, "1F2933", "000000"))
            link = None if r == 0 else _link_on(fill, self.colors.primary)
            row = []
            for c in range(len(frame.col_widths)):
                content = cells[c] if c < len(cells) else ()
                runs = self.runs(
                    slide_part, content, frame.size, bold=r == 0, color=color, link=link or color
                )
                p = pptx_xml.paragraph(runs, self.lang, frame.size, align=frame.align[c])
                row.append(pptx_xml.table_cell(p, cell_margins(frame.size), fill))
            rows.append((height, row))
        return pptx_xml.table(shape_id, frame.rect, frame.col_widths, rows)

    # charts and pictures (python-pptx's API: a few per deck)

    def draw_chart(self, slide, frame: ChartFrame, palette: Palette) -> None:
        """A native chart in the theme's series colours, each made to stand out from what
        is behind the chart, its text in a colour that reads there."""
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
        # The chart shows the slide through it: its text is chosen against the slide.
        ink = palette.text(frame.rect, (palette.body_color, self.colors.text))
        text_color = ink.color or palette.body_color
        chart.font.color.rgb = RGBColor.from_string(text_color)
        pptx_xml.chart_background(chart, ink.fill)
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
            labels.position = XL_LABEL_POSITION.OUTSIDE_END  # on the slide: its colour reads
        colors = [palette.graphic(c, frame.rect) for c in self.colors.series]
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
        if spec.kind in ("bar", "column") and self.theme.client_template:
            # A label with no room beyond its bar is drawn on it (LibreOffice does): in a
            # colour that reads on the bars as well as on the slide, where one does.
            used = colors[: max(1, len(spec.series))]
            on_bars = readable(
                [text_color, "FFFFFF", "000000"], (*palette.behind(frame.rect), *used)
            )
            if on_bars is not None and on_bars != text_color:
                labels.font.color.rgb = RGBColor.from_string(on_bars)
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

    def draw_image(self, slide, frame: ImageFrame):
        asset = self.doc.assets[frame.asset]
        x, y, w, h = _xywh(frame.rect)
        picture = slide.shapes.add_picture(io.BytesIO(asset.data), x, y, w, h)
        picture.name = "Picture"
        pptx_xml.set_alt_text(picture, frame.alt)
        if asset.svg is not None:  # PowerPoint shows the SVG, older readers the PNG
            pptx_xml.add_svg(picture, slide.part, asset.svg)
        return picture

    def draw_background(self, slide, frame: BackgroundFrame) -> None:
        """The picture behind everything on the slide, cropped to fill its box."""
        picture = self.draw_image(slide, ImageFrame(frame.rect, frame.asset, frame.alt))
        picture.name = "Background Picture"
        picture.crop_left, picture.crop_top, picture.crop_right, picture.crop_bottom = frame.crop
        pptx_xml.send_to_back(slide.shapes._spTree, picture._element)

    def missing_picture(self, slide_part, shape_id: int, frame: PlaceholderFrame) -> str:
        para = frame.para
        runs = self.runs(slide_part, para.runs, para.size, italic=True, color=self.colors.muted)
        body = pptx_xml.text_body(
            [pptx_xml.paragraph(runs, self.lang, para.size, align="center")],
            (INSET_X * 2, INSET_Y * 2),
            "middle",
        )
        return pptx_xml.text_box(
            shape_id, "Missing Picture", frame.rect, body, "F3F4F6", line=self.colors.muted
        )


def _placeholder_templates(layout) -> list[str]:
    """The layout's placeholders as XML templates a slide placeholder starts with, in the
    order of `Layout.placeholders` (what `LayoutBoxes` refers to by position)."""
    out = []
    for sp in layout._element.iter(qn("p:sp")):
        if sp.find(f"{qn('p:nvSpPr')}/{qn('p:nvPr')}/{qn('p:ph')}") is not None:
            out.append(pptx_xml.nv_template(sp))
    return out


def _find(layout: Layout, n: int | None) -> Placeholder | None:
    """The layout's placeholder at position `n`."""
    if n is None or not 0 <= n < len(layout.placeholders):
        return None
    return layout.placeholders[n]


def _on_slide(rect: Rect, width: int, height: int, tolerance: int = 45720) -> bool:
    """Whether a box lies on the slide (0.05 in of slack: exports round boxes)."""
    return (
        rect.x >= -tolerance
        and rect.y >= -tolerance
        and rect.x + rect.w <= width + tolerance
        and rect.y + rect.h <= height + tolerance
    )


def _align(value: str) -> str:
    """deckgen's alignment names for OOXML's (and "inherit" as it is)."""
    return {"l": "left", "ctr": "center", "r": "right", "just": "left", "dist": "left"}.get(
        value, value
    )


def _on(fill: str, prefer: Sequence[str]) -> str:
    """A text colour that reads on `fill` (4.5:1), the first of `prefer` that does."""
    return readable(list(prefer), (fill,)) or "000000"


def _link_on(fill: str, primary: str) -> str | None:
    """Links in a table cell: in the primary colour where it reads on the cell's fill."""
    return readable([primary], (fill,))


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
