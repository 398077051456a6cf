"""Everything deckgen does to a presentation below python-pptx's public API.

Kept in one place so the rest of the deck renderer stays readable:

- slides written as XML text and parsed once: python-pptx's shape API costs about 10 ms a
  slide (xpath lookups on every property), which made 1,000 slides take 13 s; lxml
  elements built one by one cost 0.6 ms a slide, the same XML as text 0.08 ms. The
  elements and attributes are those python-pptx itself writes;

- paragraph formatting: margins, hanging indent, bullets and list numbering (``a:pPr``);
- language tags on every run (``a:rPr/@lang``) so PowerPoint spell-checks in the right language;
- text bodies that never autofit (we size text ourselves; ``normAutofit`` is unreliable);
- the theme part's colour and font schemes, so a client's colours are native theme colours;
- alt text on pictures (``p:cNvPr/@descr``);
- chart axis ids the schema accepts (python-pptx writes negative ones);
- footer and slide-number placeholders copied from the layout (python-pptx skips them);
- notes pages copied from one prototype;
- removing a template's own example slides, and ids used twice in its masters and layouts.
"""

from __future__ import annotations

import copy
import re
from xml.sax.saxutils import escape

from lxml import etree
from pptx.opc.constants import CONTENT_TYPE as CT
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.package import Part, XmlPart
from pptx.oxml import parse_xml
from pptx.oxml.ns import qn

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


def unique_shape_ids(prs) -> None:
    """Give every shape of the template's masters and layouts an id of its own within its
    part. LibreOffice (7.4) saves templates with ids used twice on a master or layout
    ("PlaceHolder 1" and "PlaceHolder 4" both 5), which PowerPoint's rules forbid and the
    schema validator does not see; the first use keeps its id, the later ones get new ids."""
    parts = [master.part for master in prs.slide_masters]
    parts += [layout.part for master in prs.slide_masters for layout in master.slide_layouts]
    for part in parts:
        nodes = list(part._element.iter(qn("p:cNvPr")))
        numbers = [int(v) for v in (n.get("id", "") for n in nodes) if v.isdigit()]
        free = max(numbers, default=0) + 1
        seen: set[str] = set()
        for node in nodes:
            value = node.get("id", "")
            if value in seen:
                node.set("id", str(free))
                free += 1
            else:
                seen.add(value)


# Template parts come from clients: never resolve entities nor fetch anything (themes/safety.py
# already refuses parts that declare a DTD; this is the second lock).
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def drop_autofit_scales(prs) -> None:
    """Remove the shrink factors (``fontScale``, ``lnSpcReduction`` of ``a:normAutofit``)
    that masters and layouts keep from their author's own overflowing prompt text. deckgen
    sizes text itself, and LibreOffice applies a master's factor to the indents of slide
    text inheriting from it (a factor of 8 % pushed bullets 12 times further right)."""
    for master in prs.slide_masters:
        for element in (master._element, *(layout._element for layout in master.slide_layouts)):
            for autofit in element.iter(qn("a:normAutofit")):
                for name in ("fontScale", "lnSpcReduction"):
                    if name in autofit.attrib:
                        del autofit.attrib[name]


def apply_theme(prs, colors, fonts, slots: frozenset[str] | None = None) -> None:
    """Write the theme's colours and fonts into the template's theme parts (native theme
    colours: a user who changes them in PowerPoint changes the whole deck). `slots` limits
    the writing to those slots (a client's corporate template keeps the others)."""
    from ..themes.scheme import scheme_values

    wanted, faces = scheme_values(colors, fonts, slots)
    if not wanted and not faces:
        return
    done = set()
    for master in prs.slide_masters:
        theme_part = next(r.target_part for r in master.part.rels.values() if r.reltype == THEME_RT)
        if id(theme_part) in done:
            continue
        done.add(id(theme_part))
        root = etree.fromstring(theme_part.blob, SAFE_PARSER)
        scheme = root.find(".//a:clrScheme", NS)
        for name, value in wanted.items():
            slot = scheme.find(f"a:{name}", NS)
            if slot is None:
                continue
            for child in list(slot):
                slot.remove(child)
            etree.SubElement(slot, qn("a:srgbClr"), val=value)
        font_scheme = root.find(".//a:fontScheme", NS)
        for which, family in faces.items():
            latin = font_scheme.find(f"a:{which}Font/a:latin", NS)
            if latin is not None:
                latin.set("typeface", family)
        theme_part._blob = etree.tostring(
            root, xml_declaration=True, encoding="UTF-8", standalone=True
        )


def add_layout_picture(layout, data: bytes, rect, name: str) -> None:
    """A picture (the logo) on a slide layout: it shows on every slide built on the layout
    and stays out of the way of editing, as in corporate templates."""
    import io

    _, rid = layout.part.get_or_add_image_part(io.BytesIO(data))
    tree = layout.shapes._spTree
    ids = [int(v) for v in tree.xpath("//p:cNvPr/@id") if str(v).isdigit()]
    shape_id = max(ids, default=1) + 1
    pic = (
        f"<p:pic {XMLNS}><p:nvPicPr>"
        f'<p:cNvPr id="{shape_id}" name="Logo" descr="{attr(name)} logo"/>'
        '<p:cNvPicPr><a:picLocks noChangeAspect="1"/></p:cNvPicPr><p:nvPr userDrawn="1"/>'
        f'</p:nvPicPr><p:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch>'
        f"</p:blipFill><p:spPr>{_xfrm(rect)}"
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr></p:pic>'
    )
    tree.append(parse_xml(pic))


def chart_background(chart, fill: str | None = None) -> None:
    """The chart area and plot area without a fill of their own (the slide shows through,
    as the colours of its text were chosen against it), or filled with `fill`. In the
    schema's order: ``c:spPr`` right after ``c:chart`` (chart area) and at the end of the
    plot area before its ``c:extLst``."""
    space = chart._chartSpace
    fill_xml = f'<a:solidFill><a:srgbClr val="{fill}"/></a:solidFill>' if fill else "<a:noFill/>"
    for parent, after in (
        (space, space.find(qn("c:chart"))),
        (space.find(f"{qn('c:chart')}/{qn('c:plotArea')}"), None),
    ):
        if parent is None:
            continue
        old = parent.find(qn("c:spPr"))
        if old is not None:
            parent.remove(old)
        sp_pr = etree.fromstring(
            f'<c:spPr xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
            f'xmlns:a="{A_NS}">{fill_xml if parent is space else "<a:noFill/>"}'
            "<a:ln><a:noFill/></a:ln></c:spPr>"
        )
        if after is not None:
            after.addnext(sp_pr)
        else:
            ext = parent.find(qn("c:extLst"))
            if ext is not None:
                ext.addprevious(sp_pr)
            else:
                parent.append(sp_pr)


AXIS_ID_TAGS = (qn("c:axId"), qn("c:crossAx"))
UINT32_MAX = 2**32 - 1


def fix_chart_axis_ids(chart) -> None:
    """Make the chart's axis ids valid ``unsignedInt`` values (the schema's type for
    ``c:axId/@val`` and ``c:crossAx/@val``): python-pptx 1.0 writes fixed negative ids
    (``-2068027336``), which Microsoft's validator rejects (6 errors per bar chart) and
    PowerPoint may "repair". Each id keeps its pairs (an axis and the axis crossing it)
    and becomes ``id mod 2**31``, or the next free number if that is taken."""
    nodes = list(chart._chartSpace.iter(*AXIS_ID_TAGS))
    values = {n.get("val") for n in nodes}
    valid = {v for v in values if v.isdigit() and int(v) <= UINT32_MAX}
    taken = {int(v) for v in valid}
    mapping = {}
    for value in sorted(values - valid):
        new = int(value) % 2**31
        while new in taken or new == 0:
            new = (new + 1) % 2**31
        taken.add(new)
        mapping[value] = str(new)
    for node in nodes:
        if node.get("val") in mapping:
            node.set("val", mapping[node.get("val")])


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

ALIGN = {"left": "l", "center": "ctr", "right": "r"}
HLINK_COLOR_URI = "{A12FA001-AC4F-418D-AE19-62706E023703}"
HLINK_COLOR_NS = "http://schemas.microsoft.com/office/drawing/2018/hyperlinkcolor"
ANCHOR = {"top": "t", "middle": "ctr", "bottom": "b"}
TABLE_URI = "http://schemas.openxmlformats.org/drawingml/2006/table"
TABLE_STYLE = "{5C22544A-7EE6-4342-B048-85BDC9FD1C3A}"  # python-pptx's default (Medium 2)
XMLNS = (
    f'xmlns:a="{A_NS}" xmlns:p="{P_NS}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
SLIDE_OPEN = (
    f'<p:sld {XMLNS}><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/>'
    "<p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>"
)
SLIDE_CLOSE = "</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>"
# XML 1.0 forbids most control characters: drop them from text rather than fail.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ATTR = {'"': "&quot;", "\n": "&#10;", "\t": "&#9;"}


def text(value: str) -> str:
    return escape(CONTROL.sub("", value))


def attr(value: str) -> str:
    return escape(CONTROL.sub("", value), ATTR)


def emu(points: float) -> int:
    return int(round(points * 12700))


def _xfrm(rect, tag: str = "a:xfrm") -> str:
    return f'<{tag}><a:off x="{rect.x}" y="{rect.y}"/><a:ext cx="{rect.w}" cy="{rect.h}"/></{tag}>'


def slide_xml(shapes: list[str]) -> str:
    return SLIDE_OPEN + "".join(shapes) + SLIDE_CLOSE


XML_DECLARATION = b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"


def set_slide_xml(slide_part, xml: str) -> None:
    """Give a new, still empty slide part its content: bytes for a plain part, else parsed
    once with python-pptx's element classes, so its API works on the slide afterwards."""
    if isinstance(slide_part, XmlPart):
        slide_part._element = parse_xml(xml.encode("utf-8"))
    else:
        slide_part._blob = XML_DECLARATION + xml.encode("utf-8")


ID_SLOT = "__DECKGEN_ID__"
NUMBER_SLOT = "__DECKGEN_NUMBER__"


# The namespaces every slide declares on its root (SLIDE_OPEN): a copied element needs no
# declaration of its own for them.
ROOT_NAMESPACES = (
    A_NS,
    P_NS,
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
)


def nv_template(layout_sp) -> str:
    """The non-visual properties of a layout placeholder (its type, index and name) as
    text with an id slot: a slide placeholder inheriting from it starts with this.

    Templates saved by PowerPoint 2016+ carry extensions here (``a16:creationId``, ``p14``
    ids in ``a:extLst``, ``mc:AlternateContent``): the extension lists are dropped (a slide
    gets no creation id of its template's placeholder; PowerPoint gives new shapes their
    own), and any other namespace the element still uses stays declared on it."""
    nv = copy.deepcopy(layout_sp.find(qn("p:nvSpPr")))
    for ext in list(nv.iter(qn("a:extLst"), qn("p:extLst"))):
        ext.getparent().remove(ext)
    nv.find(qn("p:cNvPr")).set("id", ID_SLOT)
    etree.cleanup_namespaces(nv)
    xml = etree.tostring(nv, encoding="unicode")
    # Declared on the slide root: drop their declarations (and only theirs) from the copy.
    for uri in ROOT_NAMESPACES:
        xml = re.sub(rf'\s+xmlns:\w+="{re.escape(uri)}"', "", xml)
    return xml


def placeholder(nv: str, shape_id: int, body: str, rect=None, fill: str | None = None) -> str:
    """A placeholder shape inheriting from a layout placeholder, optionally moved and
    filled (under text that would not read on what is behind it)."""
    inner = _xfrm(rect) if rect is not None else ""
    if fill:
        if rect is None:
            raise ValueError("a filled placeholder needs its box")
        inner += f'<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:solidFill><a:srgbClr val="{fill}"/></a:solidFill>'
    sp_pr = f"<p:spPr>{inner}</p:spPr>" if inner else "<p:spPr/>"
    return f"<p:sp>{nv.replace(ID_SLOT, str(shape_id))}{sp_pr}{body}</p:sp>"


def text_box(
    shape_id: int, name: str, rect, body: str, fill: str | None = None, line: str | None = None
) -> str:
    """A text box; `line`: a dashed outline of that colour (a missing picture's box)."""
    fill_xml = f'<a:solidFill><a:srgbClr val="{fill}"/></a:solidFill>' if fill else ""
    line_xml = (
        f'<a:ln w="12700"><a:solidFill><a:srgbClr val="{line}"/></a:solidFill>'
        '<a:prstDash val="dash"/></a:ln>'
        if line
        else ""
    )
    return (
        f'<p:sp><p:nvSpPr><p:cNvPr id="{shape_id}" name="{attr(name)}"/><p:cNvSpPr txBox="1"/>'
        f"<p:nvPr/></p:nvSpPr><p:spPr>{_xfrm(rect)}"
        f'<a:prstGeom prst="rect"><a:avLst/></a:prstGeom>{fill_xml}{line_xml}</p:spPr>'
        f"{body}</p:sp>"
    )


SVG_EXT = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"  # PowerPoint's SVG picture extension
SVG_NS = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"


def add_svg(picture, slide_part, svg: bytes) -> None:
    """Make a picture an SVG picture as PowerPoint 2016+ writes one: its PNG blip stays (the
    fallback of readers without SVG), and an ``a:extLst`` on the blip points at the SVG
    part (``asvg:svgBlip``). python-pptx has no API for it."""
    from lxml import etree
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT
    from pptx.opc.package import Part
    from pptx.opc.packuri import PackURI
    from pptx.oxml.ns import qn

    package = slide_part.package
    existing = {str(p.partname) for p in package.iter_parts()}
    k = 1
    while f"/ppt/media/image{k}.svg" in existing:
        k += 1
    part = Part(PackURI(f"/ppt/media/image{k}.svg"), "image/svg+xml", package, svg)
    rid = slide_part.relate_to(part, RT.IMAGE)
    blip = picture._element.find(".//" + qn("a:blip"))
    ext_list = etree.SubElement(blip, qn("a:extLst"))
    ext = etree.SubElement(ext_list, qn("a:ext"), uri=SVG_EXT)
    svg_blip = etree.SubElement(ext, f"{{{SVG_NS}}}svgBlip", nsmap={"asvg": SVG_NS})
    svg_blip.set(qn("r:embed"), rid)


def veil(shape_id: int, rect, color: str, alpha: float) -> str:
    """A rectangle of `color` at `alpha` opacity, no outline: laid over a background picture
    so that the text on it stays readable (with the picture still seen through)."""
    return (
        f'<p:sp><p:nvSpPr><p:cNvPr id="{shape_id}" name="Background Veil"/><p:cNvSpPr/>'
        f"<p:nvPr/></p:nvSpPr><p:spPr>{_xfrm(rect)}"
        f'<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:solidFill><a:srgbClr val="{color}">'
        f'<a:alpha val="{round(alpha * 100000)}"/></a:srgbClr></a:solidFill><a:ln><a:noFill/></a:ln>'
        "</p:spPr></p:sp>"
    )


def send_to_back(sp_tree, element) -> None:
    """Move a shape to the back of its slide (first after the tree's own properties)."""
    sp_tree.remove(element)
    sp_tree.insert(2, element)


def text_body(
    paragraphs: list[str], insets: tuple[float, float], anchor: str = "top", tag: str = "p:txBody"
) -> str:
    """A text body that wraps and never autofits, with explicit insets (points)."""
    x, y = emu(insets[0]), emu(insets[1])
    return (
        f'<{tag}><a:bodyPr wrap="square" lIns="{x}" tIns="{y}" rIns="{x}" bIns="{y}" '
        f'anchor="{ANCHOR[anchor]}"><a:noAutofit/></a:bodyPr><a:lstStyle/>'
        f"{''.join(paragraphs)}</{tag}>"
    )


def paragraph(
    runs: str,
    lang: str,
    size: float,
    *,
    margin_left: float = 0.0,
    hanging: float = 0.0,
    align: str = "left",
    space_before: float = 0.0,
    bullet: str | None = None,
    number_start: int | None = None,
    bullet_color: str | None = None,
    bullet_font: str = "Arial",
) -> str:
    """``a:p``: margins (points), alignment, space before (points), bullet, then the runs."""
    if bullet is None and number_start is None:
        mark = "<a:buNone/>"
    else:
        color = f'<a:buClr><a:srgbClr val="{bullet_color}"/></a:buClr>' if bullet_color else ""
        if number_start is not None:
            mark = (
                f'{color}<a:buFont typeface="+mj-lt"/>'
                f'<a:buAutoNum type="arabicPeriod" startAt="{number_start}"/>'
            )
        else:
            mark = f'{color}<a:buFont typeface="{attr(bullet_font)}"/><a:buChar char="{attr(bullet or "•")}"/>'
    # "inherit": the placeholder's own alignment, as the template's designer set it.
    algn = "" if align == "inherit" else f' algn="{ALIGN.get(align, "l")}"'
    return (
        f'<a:p><a:pPr marL="{emu(margin_left)}" indent="{-emu(hanging)}"'
        f'{algn}><a:spcBef><a:spcPts val="{int(round(space_before * 100))}"/>'
        f"</a:spcBef>{mark}</a:pPr>{runs}"
        f'<a:endParaRPr lang="{lang}" sz="{int(round(size * 100))}"/></a:p>'
    )


def run(
    value: str,
    lang: str,
    size: float,
    *,
    bold: bool = False,
    italic: bool = False,
    strike: bool = False,
    font: str | None = None,
    color: str | None = None,
    link_rid: str | None = None,
    link_color: bool = False,
) -> str:
    """``a:r`` elements (``a:br`` for each line break in `value`) with their properties; a
    link keeps the theme's hyperlink colour unless `link_color` (then it is `color`)."""
    props = f'lang="{lang}" sz="{int(round(size * 100))}"'
    if bold:
        props += ' b="1"'
    if italic:
        props += ' i="1"'
    if strike:
        props += ' strike="sngStrike"'
    inner = ""
    if color and (not link_rid or link_color):
        inner += f'<a:solidFill><a:srgbClr val="{color}"/></a:solidFill>'
    if font:
        inner += f'<a:latin typeface="{attr(font)}"/>'
    if link_rid and link_color:
        # PowerPoint draws links in the theme's hyperlink colour unless told to use the
        # run's (Office 2019+): for a link whose theme colour would not read here.
        inner += (
            f'<a:hlinkClick r:id="{link_rid}"><a:extLst><a:ext uri="{HLINK_COLOR_URI}">'
            f'<ahyp:hlinkClr xmlns:ahyp="{HLINK_COLOR_NS}" val="tx"/></a:ext></a:extLst>'
            "</a:hlinkClick>"
        )
    elif link_rid:
        inner += f'<a:hlinkClick r:id="{link_rid}"/>'
    rpr = f"<a:rPr {props}>{inner}</a:rPr>" if inner else f"<a:rPr {props}/>"
    out = []
    for k, part in enumerate(value.split("\n")):
        if k:
            out.append(f"<a:br><a:rPr {props}/></a:br>")
        if part:
            out.append(f"<a:r>{rpr}<a:t>{text(part)}</a:t></a:r>")
    return "".join(out)


def table(shape_id: int, rect, col_widths, rows: list[tuple[int, list[str]]]) -> str:
    """A native table: `rows` are (height, cell XML list), cells from `table_cell`."""
    grid = "".join(f'<a:gridCol w="{w}"/>' for w in col_widths)
    body = "".join(f'<a:tr h="{h}">{"".join(cells)}</a:tr>' for h, cells in rows)
    return (
        f'<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="{shape_id}" name="Table"/>'
        '<p:cNvGraphicFramePr><a:graphicFrameLocks noGrp="1"/></p:cNvGraphicFramePr><p:nvPr/>'
        f"</p:nvGraphicFramePr>{_xfrm(rect, 'p:xfrm')}<a:graphic>"
        f'<a:graphicData uri="{TABLE_URI}"><a:tbl><a:tblPr firstRow="1">'
        f"<a:tableStyleId>{TABLE_STYLE}</a:tableStyleId></a:tblPr><a:tblGrid>{grid}</a:tblGrid>"
        f"{body}</a:tbl></a:graphicData></a:graphic></p:graphicFrame>"
    )


def table_cell(paragraphs: str, margins: tuple[float, float], fill: str) -> str:
    x, y = emu(margins[0]), emu(margins[1])
    return (
        f"<a:tc><a:txBody><a:bodyPr/><a:lstStyle/>{paragraphs}</a:txBody>"
        f'<a:tcPr marL="{x}" marR="{x}" marT="{y}" marB="{y}"><a:solidFill>'
        f'<a:srgbClr val="{fill}"/></a:solidFill></a:tcPr></a:tc>'
    )


def footer_templates(
    layout,
    footer: str,
    slide_numbers: bool,
    *,
    lang: str,
    font: str | None,
    color: str | None,
    size: float | None = 11,
    styles: dict[str, tuple[str | None, str | None, float | None]] | None = None,
    include=None,
    inherit: bool = False,
) -> list[str]:
    """The layout's footer and slide-number placeholders with deckgen's text, as text with
    id and number slots (python-pptx leaves them out of new slides). `font`, `color` and
    `size` None keep the template's own style; `styles` gives (font, colour, size) per
    placeholder type ("ftr", "sldNum", over the others); `include(shape, "FOOTER")` says
    which to keep (those on the slide);
    `inherit` keeps the template's text box (insets, anchor) too."""
    out = []
    done = set()
    for shape in layout.placeholders:
        type_name = str(shape._element.ph_type).split(" ")[0].split(".")[-1]
        if type_name in done or (include is not None and not include(shape, type_name)):
            continue
        done.add(type_name)
        short = {"FOOTER": "ftr", "SLIDE_NUMBER": "sldNum"}.get(type_name, "")
        face, tint, points = (styles or {}).get(short, (font, color, size))
        inner = f'<a:solidFill><a:srgbClr val="{tint}"/></a:solidFill>' if tint else ""
        # An explicit font: LibreOffice otherwise draws footers in its default (often a serif).
        inner += f'<a:latin typeface="{attr(face)}"/>' if face else ""
        sz = f' sz="{int(points * 100)}"' if points else ""
        props = (
            f'<a:rPr lang="{lang}"{sz}>{inner}</a:rPr>' if inner else f'<a:rPr lang="{lang}"{sz}/>'
        )
        if type_name == "FOOTER" and footer:
            content = f"<a:r>{props}<a:t>{text(footer)}</a:t></a:r>"
        elif type_name == "SLIDE_NUMBER" and slide_numbers:
            content = (
                f'<a:fld id="{{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}}" type="slidenum">'
                f"{props}<a:t>{NUMBER_SLOT}</a:t></a:fld>"
            )
        else:
            continue
        if inherit:  # the template's own box: its insets, anchor and autofit
            body = f"<p:txBody><a:bodyPr/><a:lstStyle/><a:p>{content}</a:p></p:txBody>"
        else:
            body = text_body([f"<a:p>{content}</a:p>"], (7.2, 3.6))
        out.append(f"<p:sp>{nv_template(shape._element)}<p:spPr/>{body}</p:sp>")
    return out


def footer(templates: list[str], shape_id: int, number: int) -> tuple[list[str], int]:
    """The footer shapes of one slide, and the next free shape id."""
    shapes = []
    for template in templates:
        shapes.append(template.replace(ID_SLOT, str(shape_id)).replace(NUMBER_SLOT, str(number)))
        shape_id += 1
    return shapes, shape_id


def footers_last(slide_element) -> None:
    """Move footer and slide-number placeholders back on top, after shapes added later."""
    tree = slide_element.cSld.spTree
    for sp in list(tree.iterchildren(qn("p:sp"))):
        ph = sp.find(f"{qn('p:nvSpPr')}/{qn('p:nvPr')}/{qn('p:ph')}")
        if ph is not None and ph.get("type") in ("ftr", "sldNum"):
            tree.append(sp)


NOTES_SIZE = 1200  # hundredths of a point
NOTES_PPR = '<a:pPr marL="0" indent="0"/>'


class NotesWriter:
    """Notes pages from one prototype: the first is made by python-pptx (placeholders cloned
    from the notes master), the others are its XML with other text, which is much faster."""

    MARK = "__DECKGEN_NOTES__"

    def __init__(self, prs, lang: str, font: str | None = None):
        self.prs = prs
        self.lang = lang
        # The theme's body font, 12 pt and no indent, stated on each paragraph: LibreOffice
        # does not apply the notes master's style (its "+mn-lt" font, 12 pt), so its notes
        # pages, deckgen's handouts, came out in a large serif with a hanging indent.
        # PowerPoint shows the same as before: these are its notes master's values.
        self.props = f'lang="{lang}" sz="{NOTES_SIZE}"'
        self.latin = f'<a:latin typeface="{attr(font)}"/>' if font else ""
        self.head = self.tail = ""

    @property
    def ready(self) -> bool:
        """Whether the prototype exists (the first notes page needs a python-pptx slide)."""
        return bool(self.head)

    def add(self, slide_part, lines: list[str]) -> None:
        run_props = (
            f"<a:rPr {self.props}>{self.latin}</a:rPr>" if self.latin else f"<a:rPr {self.props}/>"
        )
        paragraphs = "".join(
            f"<a:p>{NOTES_PPR}<a:r>{run_props}<a:t>{text(line)}</a:t></a:r></a:p>"
            if line
            else f'<a:p>{NOTES_PPR}<a:endParaRPr {self.props}/></a:p>'
            for line in lines or [""]
        )
        if not self.head:
            notes = slide_part.notes_slide  # python-pptx builds the first notes page
            tag_language(notes._element, self.lang)
            body = _notes_body(notes._element)
            for p in body.findall(qn("a:p")):
                body.remove(p)
            body.append(
                etree.fromstring(f'<a:p xmlns:a="{A_NS}"><a:r><a:t>{self.MARK}</a:t></a:r></a:p>')
            )
            xml = etree.tostring(notes._element, encoding="unicode")
            start = xml.rindex("<a:p", 0, xml.index(self.MARK))
            end = xml.index("</a:p>", xml.index(self.MARK)) + len("</a:p>")
            self.head, self.tail = xml[:start], xml[end:]
            notes.part._element = parse_xml((self.head + paragraphs + self.tail).encode("utf-8"))
            return
        package = slide_part.package
        part = Part(
            package.next_partname("/ppt/notesSlides/notesSlide%d.xml"),
            CT.PML_NOTES_SLIDE,
            package,
            XML_DECLARATION + (self.head + paragraphs + self.tail).encode("utf-8"),
        )
        part.relate_to(self.prs.part.notes_master_part, RT.NOTES_MASTER)
        part.relate_to(slide_part, RT.SLIDE)
        slide_part.relate_to(part, RT.NOTES_SLIDE)


def _notes_body(element):
    for sp in element.iter(qn("p:sp")):
        ph = sp.find(f"{qn('p:nvSpPr')}/{qn('p:nvPr')}/{qn('p:ph')}")
        if ph is not None and ph.get("type") == "body":
            tx = sp.find(qn("p:txBody"))
            if tx is None:
                tx = etree.SubElement(sp, qn("p:txBody"))
                etree.SubElement(tx, qn("a:bodyPr"))
                etree.SubElement(tx, qn("a:lstStyle"))
            return tx
    raise ValueError("the notes master has no body placeholder")
