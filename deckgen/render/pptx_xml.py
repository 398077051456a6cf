"""Everything deckgen does to a presentation below python-pptx's public API.

Kept in one place so the rest of the deck renderer stays readable:

- slides, text boxes, placeholders and tables written as XML directly: python-pptx's shape
  API costs about 10 ms a slide (xpath lookups on every property), which made 1,000 slides
  take 13 s; building the same elements with lxml takes well under 1 ms a slide. The
  output is the XML python-pptx itself would write (same elements and attributes);

- paragraph formatting: margins, hanging indent, bullets and list numbering (``a:pPr``);
- language tags on every run (``a:rPr/@lang``) so PowerPoint spell-checks in the right language;
- text bodies that never autofit (we size text ourselves; ``normAutofit`` is unreliable);
- the theme part's colour and font schemes, so a client's colours are native theme colours;
- alt text on pictures (``p:cNvPr/@descr``);
- footer and slide-number placeholders copied from the layout (python-pptx skips them);
- notes pages copied from one prototype;
- removing a template's own example slides.
"""

from __future__ import annotations

import copy

from lxml import etree
from pptx.opc.constants import CONTENT_TYPE as CT
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.parts.slide import NotesSlidePart

A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
NS = {"a": A_NS, "p": P_NS}
THEME_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme"
TEXT_PARENTS = (qn("a:r"), qn("a:fld"))


def tag_language(element, lang: str) -> None:
    """Set lang on every run, field and end-of-paragraph properties under `element`."""
    for parent in element.iter(*TEXT_PARENTS):
        rpr = parent.find(qn("a:rPr"))
        if rpr is None:
            rpr = etree.Element(qn("a:rPr"))
            parent.insert(0, rpr)
        rpr.set("lang", lang)
    for end in element.iter(qn("a:endParaRPr")):
        end.set("lang", lang)
    for p in element.iter(qn("a:p")):
        if (
            p.find(qn("a:endParaRPr")) is None
            and p.find(qn("a:r")) is None
            and p.find(qn("a:fld")) is None
        ):
            etree.SubElement(p, qn("a:endParaRPr"), lang=lang)


def set_alt_text(picture, alt: str) -> None:
    picture._element.nvPicPr.cNvPr.set("descr", alt)


def remove_all_slides(prs) -> None:
    """Drop a template's own slides (a corporate deck's examples) before building."""
    id_list = prs.slides._sldIdLst
    for sld_id in list(id_list):
        prs.part.drop_rel(sld_id.rId)
        id_list.remove(sld_id)


def apply_theme(prs, colors, fonts) -> None:
    """Write the theme's colours and fonts into the template's theme part (native theme
    colours: a user who changes them in PowerPoint changes the whole deck)."""
    master_part = prs.slide_master.part
    theme_part = next(r.target_part for r in master_part.rels.values() if r.reltype == THEME_RT)
    root = etree.fromstring(theme_part.blob)
    scheme = root.find(".//a:clrScheme", NS)
    wanted = {
        "dk1": colors.text,
        "lt1": colors.background,
        "dk2": colors.primary,
        "lt2": "F2F4F7",
        "hlink": colors.primary,
        "folHlink": colors.muted,
    }
    series = list(colors.series) + [colors.primary, colors.accent] * 3
    accents = [colors.accent, *series]
    for k in range(1, 7):
        wanted[f"accent{k}"] = accents[k - 1]
    for name, value in wanted.items():
        slot = scheme.find(f"a:{name}", NS)
        if slot is None:
            continue
        for child in list(slot):
            slot.remove(child)
        etree.SubElement(slot, qn("a:srgbClr"), val=value)
    font_scheme = root.find(".//a:fontScheme", NS)
    for tag, family in (("a:majorFont", fonts.heading), ("a:minorFont", fonts.body)):
        latin = font_scheme.find(f"{tag}/a:latin", NS)
        if latin is not None:
            latin.set("typeface", family)
    theme_part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def set_chart_language(chart, lang: str) -> None:
    """The chart's editing language (``c:lang``, right after ``c:date1904`` as the schema
    requires: PowerPoint rejects misordered chart XML) and the language of its text."""
    space = chart._chartSpace
    node = space.find(qn("c:lang"))
    if node is None:
        node = etree.Element(qn("c:lang"))
        date = space.find(qn("c:date1904"))
        if date is not None:
            date.addnext(node)
        else:
            space.insert(0, node)
    node.set("val", lang)
    tag_language(space, lang)


# --- fast XML writing ---------------------------------------------------------------------

_Q = {
    name: qn(name)
    for name in (
        "a:p",
        "a:pPr",
        "a:r",
        "a:rPr",
        "a:t",
        "a:br",
        "a:endParaRPr",
        "a:spcBef",
        "a:spcPts",
        "a:buNone",
        "a:buClr",
        "a:buFont",
        "a:buChar",
        "a:buAutoNum",
        "a:srgbClr",
        "a:solidFill",
        "a:latin",
        "a:hlinkClick",
        "a:bodyPr",
        "a:lstStyle",
        "a:noAutofit",
        "a:off",
        "a:ext",
        "a:xfrm",
        "a:prstGeom",
        "a:avLst",
        "a:tbl",
        "a:tblPr",
        "a:tableStyleId",
        "a:tblGrid",
        "a:gridCol",
        "a:tr",
        "a:tc",
        "a:txBody",
        "a:tcPr",
        "a:graphic",
        "a:graphicData",
        "a:graphicFrameLocks",
        "p:sp",
        "p:nvSpPr",
        "p:cNvPr",
        "p:cNvSpPr",
        "p:nvPr",
        "p:spPr",
        "p:txBody",
        "p:graphicFrame",
        "p:nvGraphicFramePr",
        "p:cNvGraphicFramePr",
        "p:xfrm",
        "p:spTree",
        "p:ph",
        "r:id",
    )
}
ALIGN = {"left": "l", "center": "ctr", "right": "r"}
ANCHOR = {"top": "t", "middle": "ctr", "bottom": "b"}
TABLE_URI = "http://schemas.openxmlformats.org/drawingml/2006/table"
TABLE_STYLE = "{5C22544A-7EE6-4342-B048-85BDC9FD1C3A}"  # python-pptx's default (Medium 2)
_SubElement = etree.SubElement


def _xfrm(parent, tag: str, rect) -> None:
    xfrm = _SubElement(parent, tag)
    _SubElement(xfrm, _Q["a:off"], x=str(rect.x), y=str(rect.y))
    _SubElement(xfrm, _Q["a:ext"], cx=str(rect.w), cy=str(rect.h))


def placeholder(tree, layout_sp, shape_id: int, rect=None):
    """A placeholder inheriting from `layout_sp` (its type, index and name), optionally
    moved to `rect`. Returns the new ``p:sp``."""
    sp = _SubElement(tree, _Q["p:sp"])
    nv = copy.deepcopy(layout_sp.find(_Q["p:nvSpPr"]))
    nv.find(_Q["p:cNvPr"]).set("id", str(shape_id))
    sp.append(nv)
    sp_pr = _SubElement(sp, _Q["p:spPr"])
    if rect is not None:
        _xfrm(sp_pr, _Q["a:xfrm"], rect)
    return sp


def text_box(tree, shape_id: int, name: str, rect, fill: str | None = None):
    sp = _SubElement(tree, _Q["p:sp"])
    nv = _SubElement(sp, _Q["p:nvSpPr"])
    _SubElement(nv, _Q["p:cNvPr"], id=str(shape_id), name=name)
    _SubElement(nv, _Q["p:cNvSpPr"], txBox="1")
    _SubElement(nv, _Q["p:nvPr"])
    sp_pr = _SubElement(sp, _Q["p:spPr"])
    _xfrm(sp_pr, _Q["a:xfrm"], rect)
    geom = _SubElement(sp_pr, _Q["a:prstGeom"], prst="rect")
    _SubElement(geom, _Q["a:avLst"])
    if fill:
        solid = _SubElement(sp_pr, _Q["a:solidFill"])
        _SubElement(solid, _Q["a:srgbClr"], val=fill)
    return sp


def text_body(parent, insets: tuple[float, float], anchor: str = "top", tag: str = "p:txBody"):
    """A text body that wraps, never autofits, with explicit insets (points)."""
    body = _SubElement(parent, _Q[tag])
    x, y = (str(int(round(v * 12700))) for v in insets)
    _SubElement(
        _SubElement(
            body,
            _Q["a:bodyPr"],
            wrap="square",
            lIns=x,
            tIns=y,
            rIns=x,
            bIns=y,
            anchor=ANCHOR[anchor],
        ),
        _Q["a:noAutofit"],
    )
    _SubElement(body, _Q["a:lstStyle"])
    return body


def paragraph(
    body,
    *,
    margin_left: float = 0.0,
    hanging: float = 0.0,
    align: str = "left",
    space_before: float = 0.0,
    bullet: str | None = None,
    number_start: int | None = None,
    bullet_color: str | None = None,
    bullet_font: str = "Arial",
):
    """``a:p`` with margins (points), alignment, space before (points) and bullet."""
    p = _SubElement(body, _Q["a:p"])
    ppr = _SubElement(
        p,
        _Q["a:pPr"],
        marL=str(int(round(margin_left * 12700))),
        indent=str(-int(round(hanging * 12700))),
        algn=ALIGN.get(align, "l"),
    )
    spc = _SubElement(ppr, _Q["a:spcBef"])
    _SubElement(spc, _Q["a:spcPts"], val=str(int(round(space_before * 100))))
    if bullet is None and number_start is None:
        _SubElement(ppr, _Q["a:buNone"])
        return p
    if bullet_color:
        _SubElement(_SubElement(ppr, _Q["a:buClr"]), _Q["a:srgbClr"], val=bullet_color)
    if number_start is not None:
        _SubElement(ppr, _Q["a:buFont"], typeface="+mj-lt")
        _SubElement(ppr, _Q["a:buAutoNum"], type="arabicPeriod", startAt=str(number_start))
    else:
        _SubElement(ppr, _Q["a:buFont"], typeface=bullet_font)
        _SubElement(ppr, _Q["a:buChar"], char=bullet or "•")
    return p


def run(
    p,
    text: str,
    lang: str,
    size: float,
    *,
    bold: bool = False,
    italic: bool = False,
    strike: bool = False,
    font: str | None = None,
    color: str | None = None,
    link_rid: str | None = None,
) -> None:
    """``a:r`` (or ``a:br`` for each line break in `text`) with its properties."""
    attrs = {"lang": lang, "sz": str(int(round(size * 100)))}
    if bold:
        attrs["b"] = "1"
    if italic:
        attrs["i"] = "1"
    if strike:
        attrs["strike"] = "sngStrike"
    for k, part in enumerate(text.split("\n")):
        if k:
            _SubElement(_SubElement(p, _Q["a:br"]), _Q["a:rPr"], lang=lang, sz=attrs["sz"])
        if not part:
            continue
        r = _SubElement(p, _Q["a:r"])
        rpr = _SubElement(r, _Q["a:rPr"], attrs)
        if color and not link_rid:
            _SubElement(_SubElement(rpr, _Q["a:solidFill"]), _Q["a:srgbClr"], val=color)
        if font:
            _SubElement(rpr, _Q["a:latin"], typeface=font)
        if link_rid:
            _SubElement(rpr, _Q["a:hlinkClick"], {_Q["r:id"]: link_rid})
        _SubElement(r, _Q["a:t"]).text = part


def end_paragraph(p, lang: str, size: float) -> None:
    _SubElement(p, _Q["a:endParaRPr"], lang=lang, sz=str(int(round(size * 100))))


def table(tree, shape_id: int, rect, col_widths, row_heights):
    """An empty native table (``a:tbl``) of the given grid; returns (frame, rows)."""
    frame = _SubElement(tree, _Q["p:graphicFrame"])
    nv = _SubElement(frame, _Q["p:nvGraphicFramePr"])
    _SubElement(nv, _Q["p:cNvPr"], id=str(shape_id), name="Table")
    _SubElement(_SubElement(nv, _Q["p:cNvGraphicFramePr"]), _Q["a:graphicFrameLocks"], noGrp="1")
    _SubElement(nv, _Q["p:nvPr"])
    _xfrm(frame, _Q["p:xfrm"], rect)
    data = _SubElement(_SubElement(frame, _Q["a:graphic"]), _Q["a:graphicData"], uri=TABLE_URI)
    tbl = _SubElement(data, _Q["a:tbl"])
    _SubElement(
        _SubElement(tbl, _Q["a:tblPr"], firstRow="1"), _Q["a:tableStyleId"]
    ).text = TABLE_STYLE
    grid = _SubElement(tbl, _Q["a:tblGrid"])
    for width in col_widths:
        _SubElement(grid, _Q["a:gridCol"], w=str(width))
    rows = [_SubElement(tbl, _Q["a:tr"], h=str(h)) for h in row_heights]
    return frame, rows


def table_cell(row, margins: tuple[float, float], fill: str):
    """A cell: returns its text body; margins in points; `fill` a hex colour."""
    tc = _SubElement(row, _Q["a:tc"])
    body = _SubElement(tc, _Q["a:txBody"])
    _SubElement(body, _Q["a:bodyPr"])
    _SubElement(body, _Q["a:lstStyle"])
    x, y = (str(int(round(v * 12700))) for v in margins)
    tc_pr = _SubElement(tc, _Q["a:tcPr"], marL=x, marR=x, marT=y, marB=y)
    _SubElement(_SubElement(tc_pr, _Q["a:solidFill"]), _Q["a:srgbClr"], val=fill)
    return body


def footer_prototypes(
    layout, footer: str, slide_numbers: bool, *, font: str, color: str, size: float = 11
) -> list:
    """The layout's footer and slide-number placeholders with deckgen's text and font, ready
    to be copied onto each slide (python-pptx leaves them out of new slides)."""
    out = []
    for shape in layout.placeholders:
        type_name = str(shape._element.ph_type).split(" ")[0].split(".")[-1]
        if type_name == "FOOTER" and footer:
            text = footer
        elif type_name == "SLIDE_NUMBER" and slide_numbers:
            text = None
        else:
            continue
        sp = copy.deepcopy(shape._element)
        tx = sp.find("p:txBody", NS)
        if tx is None:
            continue
        for p in tx.findall("a:p", NS):
            tx.remove(p)
        p = etree.SubElement(tx, qn("a:p"))
        if text is None:
            holder = etree.SubElement(
                p, qn("a:fld"), id="{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}", type="slidenum"
            )
        else:
            holder = etree.SubElement(p, qn("a:r"))
        # Explicit font: footers otherwise fall back to the viewer's default (often a serif).
        rpr = etree.SubElement(holder, qn("a:rPr"), sz=str(int(size * 100)))
        fill = etree.SubElement(rpr, qn("a:solidFill"))
        etree.SubElement(fill, qn("a:srgbClr"), val=color)
        etree.SubElement(rpr, qn("a:latin"), typeface=font)
        etree.SubElement(holder, qn("a:t")).text = "" if text is None else text
        out.append(sp)
    return out


def add_footer(tree, prototypes, shape_id: int, number: int, lang: str) -> int:
    """Copy the footer prototypes onto a slide; returns the next free shape id."""
    for proto in prototypes:
        sp = copy.deepcopy(proto)
        sp.find("p:nvSpPr/p:cNvPr", NS).set("id", str(shape_id))
        shape_id += 1
        fld = sp.find(".//a:fld", NS)
        if fld is not None:
            fld.find("a:t", NS).text = str(number)
        for rpr in sp.iter(_Q["a:rPr"]):
            rpr.set("lang", lang)
        tree.append(sp)
    return shape_id


class NotesWriter:
    """Notes pages from one prototype: the first is made by python-pptx (placeholders cloned
    from the notes master), the others are copies of it, which is much faster."""

    def __init__(self, prs, lang: str):
        self.prs = prs
        self.lang = lang
        self.prototype = None

    def add(self, slide_part, lines: list[str]) -> None:
        if self.prototype is None:
            notes = slide_part.notes_slide  # python-pptx builds the first one
            self.prototype = copy.deepcopy(notes._element)
            element = notes._element
        else:
            package = slide_part.package
            element = copy.deepcopy(self.prototype)
            part = NotesSlidePart(
                package.next_partname("/ppt/notesSlides/notesSlide%d.xml"),
                CT.PML_NOTES_SLIDE,
                package,
                element,
            )
            part.relate_to(self.prs.part.notes_master_part, RT.NOTES_MASTER)
            part.relate_to(slide_part, RT.SLIDE)
            slide_part.relate_to(part, RT.NOTES_SLIDE)
        body_sp = next(
            sp
            for sp in element.iter(_Q["p:sp"])
            if (ph := sp.find(f"{_Q['p:nvSpPr']}/{_Q['p:nvPr']}/{_Q['p:ph']}")) is not None
            and ph.get("type") == "body"
        )
        tx = body_sp.find(_Q["p:txBody"])
        if tx is None:
            tx = _SubElement(body_sp, _Q["p:txBody"])
            _SubElement(tx, _Q["a:bodyPr"])
            _SubElement(tx, _Q["a:lstStyle"])
        for p in tx.findall(_Q["a:p"]):
            tx.remove(p)
        for line in lines or [""]:
            p = _SubElement(tx, _Q["a:p"])
            if line:
                r = _SubElement(p, _Q["a:r"])
                _SubElement(r, _Q["a:rPr"], lang=self.lang)
                _SubElement(r, _Q["a:t"]).text = line
            else:
                _SubElement(p, _Q["a:endParaRPr"], lang=self.lang)
