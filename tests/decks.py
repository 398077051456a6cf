"""Reading built decks back for tests: a JSON summary, and an independent fit check."""

from __future__ import annotations

from pathlib import Path

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE, PP_PLACEHOLDER
from pptx.oxml.ns import qn

from deckgen.render.fit import Measurer, Piece
from deckgen.themes import Theme

EMU_PT = 12700


def shape_kind(shape) -> str:
    if shape.is_placeholder:
        kind = shape.placeholder_format.type
        names = {
            PP_PLACEHOLDER.TITLE: "title",
            PP_PLACEHOLDER.CENTER_TITLE: "title",
            PP_PLACEHOLDER.FOOTER: "footer",
            PP_PLACEHOLDER.SLIDE_NUMBER: "slide-number",
            PP_PLACEHOLDER.SUBTITLE: "subtitle",
        }
        return names.get(kind, "body")
    if shape.has_chart:
        return "chart:" + str(shape.chart.chart_type).split(" ")[0].split(".")[-1].lower()
    if shape.has_table:
        return "table"
    if shape.shape_type == MSO_SHAPE_TYPE.PICTURE:
        return "picture"
    return "text" if shape.has_text_frame else str(shape.shape_type)


def summarize(path: Path) -> dict:
    """Per slide: layout, title, kinds of shapes, texts, tables, charts and notes."""
    prs = Presentation(str(path))
    slides = []
    for slide in prs.slides:
        entry: dict = {"layout": slide.slide_layout.name, "title": None, "shapes": [], "texts": []}
        for shape in slide.shapes:
            kind = shape_kind(shape)
            entry["shapes"].append(kind)
            if kind == "title":
                entry["title"] = shape.text_frame.text
            elif kind in ("footer", "slide-number"):
                continue
            elif kind == "table":
                table = shape.table
                entry.setdefault("tables", []).append(
                    [
                        [table.cell(r, c).text for c in range(len(table.columns))]
                        for r in range(len(table.rows))
                    ]
                )
            elif kind.startswith("chart:"):
                chart = shape.chart
                plot = chart.plots[0]
                entry.setdefault("charts", []).append(
                    {
                        "title": chart.chart_title.text_frame.text if chart.has_title else "",
                        "categories": [str(c) for c in plot.categories],
                        "series": {s.name: list(s.values) for s in plot.series},
                    }
                )
            elif kind == "picture":
                entry.setdefault("pictures", []).append(
                    shape._element.nvPicPr.cNvPr.get("descr", "")
                )
            elif shape.has_text_frame:
                entry["texts"].append(shape.text_frame.text)
        if slide.has_notes_slide:
            entry["notes"] = slide.notes_slide.notes_text_frame.text
        slides.append(entry)
    return {"slide_size": [prs.slide_width, prs.slide_height], "slides": slides}


def _text_boxes(slide):
    for shape in slide.shapes:
        if shape.has_text_frame and shape.text_frame.text.strip():
            yield shape


def overflows(path: Path, theme: Theme, measurer: Measurer | None = None) -> list[str]:
    """Re-measure every text box and table cell of a built deck from the file itself.

    Independent of the planner: reads sizes, margins, indents and spacing back from the
    XML and measures with the theme's fonts. Returns the boxes whose text is taller than
    the box (or whose box leaves the slide)."""
    m = measurer or Measurer(theme.fonts.faces)
    prs = Presentation(str(path))
    problems = []
    for number, slide in enumerate(prs.slides, start=1):
        for shape in slide.shapes:
            bottom = (shape.top or 0) + (shape.height or 0)
            right = (shape.left or 0) + (shape.width or 0)
            if bottom > prs.slide_height or right > prs.slide_width:
                problems.append(f"slide {number}: {shape.name} leaves the slide")
            if shape.has_table:
                problems += _table_overflows(number, shape, theme, m)
        for shape in _text_boxes(slide):
            kind = shape_kind(shape)
            if kind in ("footer", "slide-number"):
                continue
            family = theme.fonts.heading if kind == "title" else theme.fonts.body
            need = _frame_height(shape.text_frame, shape.width / EMU_PT, family, theme, m)
            have = shape.height / EMU_PT
            if need > have + 0.5:
                problems.append(
                    f"slide {number}: {shape.name} needs {need:.1f} pt, has {have:.1f} pt: "
                    f"{shape.text_frame.text[:60]!r}"
                )
    return problems


def _frame_height(
    tf,
    width: float,
    family: str,
    theme: Theme,
    m: Measurer,
    insets: tuple[float, float, float, float] | None = None,
) -> float:
    body = tf._txBody.bodyPr
    if insets is None:
        insets = tuple(
            int(body.get(k, d)) / EMU_PT
            for k, d in (("lIns", 91440), ("rIns", 91440), ("tIns", 45720), ("bIns", 45720))
        )
    left, right, top, bottom = insets
    total = top + bottom
    for k, p in enumerate(tf.paragraphs):
        ppr = p._p.pPr
        margin = int(ppr.get("marL", "0")) / EMU_PT if ppr is not None else 0.0
        pieces, sizes = [], []
        for r in p.runs:
            size = r.font.size.pt if r.font.size else 18.0
            sizes.append(size)
            latin = r.font._rPr.find(qn("a:latin")) if r.font._rPr is not None else None
            face = latin.get("typeface") if latin is not None else family
            pieces.append(Piece(r.text, face, bool(r.font.bold), bool(r.font.italic)))
        # Line breaks inside a paragraph start new lines.
        if p._p.findall(qn("a:br")):
            pieces = _with_breaks(p)
        size = max(sizes) if sizes else 18.0
        if k and ppr is not None:
            pts = ppr.find(qn("a:spcBef") + "/" + qn("a:spcPts"))
            if pts is not None:
                total += int(pts.get("val")) / 100
        lines = m.count_lines(pieces, size, width - left - right - margin)
        total += lines * size * m.line_height(pieces[0].family if pieces else family)
    return total


def _with_breaks(p) -> list[Piece]:
    pieces = []
    for child in p._p:
        if child.tag == qn("a:r"):
            rpr = child.find(qn("a:rPr"))
            pieces.append(
                Piece(
                    child.findtext(qn("a:t")) or "",
                    "Arial",
                    rpr is not None and rpr.get("b") == "1",
                    rpr is not None and rpr.get("i") == "1",
                )
            )
        elif child.tag == qn("a:br"):
            pieces.append(Piece("\n", "Arial"))
    return pieces


def _table_overflows(number: int, shape, theme: Theme, m: Measurer) -> list[str]:
    problems = []
    table = shape.table
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            width = table.columns[c].width / EMU_PT
            insets = (
                cell.margin_left / EMU_PT,
                cell.margin_right / EMU_PT,
                cell.margin_top / EMU_PT,
                cell.margin_bottom / EMU_PT,
            )
            need = _frame_height(cell.text_frame, width, theme.fonts.body, theme, m, insets)
            if need > row.height / EMU_PT + 0.5:
                problems.append(
                    f"slide {number}: table cell ({r}, {c}) needs {need:.1f} pt, "
                    f"row has {row.height / EMU_PT:.1f} pt"
                )
    return problems
