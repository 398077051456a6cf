"""Regenerate themes/default/template.pptx, the masters and layouts of the default theme.

    python themes/default/make_template.py

It starts from python-pptx's own default template (4:3, the standard layout names:
"Title Slide", "Title and Content", "Section Header", "Two Content", "Title Only", ...),
makes it 16:9 by widening every master and layout shape, and gives it a plain modern style:
left-aligned titles in the theme's dark 2 colour (the theme's primary colour), a thin accent
rule under the title. Colours and fonts stay theme references (tx2, accent1, +mj-lt...), so
deckgen writes each client theme's colours and fonts into the theme part at build time.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.util import Emu

A = "http://schemas.openxmlformats.org/drawingml/2006/main"
P = "http://schemas.openxmlformats.org/presentationml/2006/main"
NS = {"a": A, "p": P}
WIDE = 12192000  # 13.333 in
HEIGHT = 6858000  # 7.5 in
OUT = Path(__file__).with_name("template.pptx")


def widen(element: etree._Element, factor: float) -> None:
    for off in element.iter(f"{{{A}}}off"):
        off.set("x", str(round(int(off.get("x")) * factor)))
    for ext in element.iter(f"{{{A}}}ext"):
        if ext.get("cx") is not None:
            ext.set("cx", str(round(int(ext.get("cx")) * factor)))


def restyle_titles(master_el: etree._Element) -> None:
    lvl1 = master_el.find("p:txStyles/p:titleStyle/a:lvl1pPr", NS)
    lvl1.set("algn", "l")
    rpr = lvl1.find("a:defRPr", NS)
    rpr.set("sz", "3400")
    rpr.set("b", "1")
    fill = rpr.find("a:solidFill/a:schemeClr", NS)
    fill.set("val", "tx2")
    # Body text in the theme's text colour, bullets in the accent colour.
    for lvl in master_el.find("p:txStyles/p:bodyStyle", NS):
        bu = lvl.find("a:buFont", NS)
        if bu is not None:
            clr = etree.Element(f"{{{A}}}buClr")
            etree.SubElement(clr, f"{{{A}}}schemeClr", val="accent1")
            bu.addprevious(clr)


def add_rule(layout, scratch_slide, top: int) -> None:
    """A thin accent-coloured rule under the title, drawn on the layout behind the slide.

    Layouts have no add_shape in python-pptx: the shape is made on a scratch slide and its
    element moved to the layout's shape tree.
    """
    rule = scratch_slide.shapes.add_shape(
        1, Emu(609600), Emu(top), Emu(WIDE - 2 * 609600), Emu(38100)
    )
    rule.fill.solid()
    rule.line.fill.background()
    sp = rule._element
    sp_pr = sp.spPr
    solid = sp_pr.find(f"{{{A}}}solidFill")
    for child in list(solid):
        solid.remove(child)
    etree.SubElement(solid, f"{{{A}}}schemeClr", val="accent1")
    style = sp.find(f"{{{P}}}style")
    if style is not None:
        sp.remove(style)
    sp.getparent().remove(sp)
    tree = layout._element.find("p:cSld/p:spTree", NS)
    ids = [int(e.get("id")) for e in tree.iter(f"{{{P}}}cNvPr")]
    sp.find("p:nvSpPr/p:cNvPr", NS).set("id", str(max(ids, default=1) + 1))
    sp.find("p:nvSpPr/p:cNvPr", NS).set("name", "Accent Rule")
    tree.append(sp)


def main() -> None:
    prs = Presentation()
    factor = WIDE / prs.slide_width
    prs.slide_width = Emu(WIDE)
    prs.slide_height = Emu(HEIGHT)
    master = prs.slide_master
    widen(master._element.find("p:cSld", NS), factor)
    for layout in master.slide_layouts:
        widen(layout._element.find("p:cSld", NS), factor)
    restyle_titles(master._element)
    # All-caps titles are wider than the text deckgen measures: keep the case as written.
    for element in [master._element, *(layout._element for layout in master.slide_layouts)]:
        for node in element.iter(f"{{{A}}}defRPr", f"{{{A}}}rPr"):
            if node.get("cap") is not None:
                del node.attrib["cap"]
    # A rule right under the title on the content layouts.
    scratch = prs.slides.add_slide(master.slide_layouts.get_by_name("Blank"))
    for layout in master.slide_layouts:
        if layout.name in ("Title and Content", "Two Content", "Title Only", "Comparison"):
            add_rule(layout, scratch, 1463040)
    # Drop the scratch slide: the template ships with no slides.
    rid = prs.slides._sldIdLst[0].rId
    prs.part.drop_rel(rid)
    prs.slides._sldIdLst.remove(prs.slides._sldIdLst[0])
    sld_sz = prs.part._element.find("p:sldSz", NS)
    if sld_sz.get("type") is not None:
        del sld_sz.attrib["type"]
    prs.save(str(OUT))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
