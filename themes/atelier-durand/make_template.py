"""Regenerate the sample client "Atelier Durand" (a French SME): its corporate template
(template.pptx) and its logo (assets/logo.png).

    python themes/atelier-durand/make_template.py

It stands for the template a client hands over, made the way a client's designer would:
French layout names ("Titre", "Titre et contenu", ...), a title slide with a wide green
band and a terracotta edge, left-aligned titles, a green band down the left of every other
slide, titles in Times New Roman and body text in Calibri, and the company's colours in the
theme part. deckgen keeps all of
it: theme.toml only maps deckgen's slide kinds to these layout names and adds the logo.

Starts from deckgen's default template (16:9, python-pptx's standard layouts).
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree
from PIL import Image, ImageDraw, ImageFont
from pptx import Presentation
from pptx.opc.constants import RELATIONSHIP_TYPE as RT

A = "http://schemas.openxmlformats.org/drawingml/2006/main"
P = "http://schemas.openxmlformats.org/presentationml/2006/main"
NS = {"a": A, "p": P}
HERE = Path(__file__).parent
SOURCE = HERE.parent / "default" / "template.pptx"
OUT = HERE / "template.pptx"
LOGO = HERE / "assets" / "logo.png"

GREEN = "2E5E4E"
TERRACOTTA = "B5462F"
COLOURS = {
    "dk1": "222222",
    "lt1": "FFFFFF",
    "dk2": GREEN,
    "lt2": "F4EFE6",
    "accent1": TERRACOTTA,
    "accent2": GREEN,
    "accent3": "D9A441",
    "accent4": "5B8C85",
    "accent5": "7A5C45",
    "accent6": "8C8C8C",
    "hlink": GREEN,
    "folHlink": "5B8C85",
}
FONTS = {"majorFont": "Times New Roman", "minorFont": "Calibri"}
LAYOUT_NAMES = {
    "Title Slide": "Titre",
    "Section Header": "Titre de section",
    "Title and Content": "Titre et contenu",
    "Two Content": "Deux contenus",
    "Title Only": "Titre seul",
    "Blank": "Vide",
}


def set_theme(prs) -> None:
    part = next(r.target_part for r in prs.slide_master.part.rels.values() if r.reltype == RT.THEME)
    root = etree.fromstring(part.blob)
    # The names go on the schemes (a:themeElements has no name attribute in the schema:
    # Microsoft's validator rejects it) and on the theme itself.
    root.set("name", "Atelier Durand")
    scheme = root.find(".//a:clrScheme", NS)
    scheme.set("name", "Atelier Durand")
    for slot, value in COLOURS.items():
        node = scheme.find(f"a:{slot}", NS)
        for child in list(node):
            node.remove(child)
        etree.SubElement(node, f"{{{A}}}srgbClr", val=value)
    fonts = root.find(".//a:fontScheme", NS)
    fonts.set("name", "Atelier Durand")
    for tag, family in FONTS.items():
        fonts.find(f"a:{tag}/a:latin", NS).set("typeface", family)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def band(tree, shape_id: int, x: int, y: int, cx: int, cy: int, colour: str) -> None:
    """A plain filled rectangle in a scheme colour, behind everything else."""
    sp = etree.fromstring(
        f'<p:sp xmlns:p="{P}" xmlns:a="{A}"><p:nvSpPr><p:cNvPr id="{shape_id}" name="Bande"/>'
        '<p:cNvSpPr/><p:nvPr userDrawn="1"/></p:nvSpPr><p:spPr>'
        f'<a:xfrm><a:off x="{x}" y="{y}"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
        f'<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:solidFill><a:schemeClr val="{colour}"/>'
        "</a:solidFill><a:ln><a:noFill/></a:ln></p:spPr></p:sp>"
    )
    tree.insert(2, sp)  # after the group properties: drawn first, under the placeholders


def make_logo() -> None:
    """A terracotta monogram and the company name in green."""
    width, height = 720, 240
    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    try:
        serif = ImageFont.truetype("LiberationSerif-Bold.ttf", 120)
        name = ImageFont.truetype("LiberationSerif-Regular.ttf", 64)
    except OSError:
        serif = name = ImageFont.load_default()
    draw.rounded_rectangle((8, 8, 232, 232), radius=36, fill="#" + TERRACOTTA)
    draw.text((120, 124), "AD", font=serif, fill="white", anchor="mm")
    draw.text((262, 80), "Atelier", font=name, fill="#" + GREEN, anchor="lm")
    draw.text((262, 160), "Durand", font=name, fill="#" + GREEN, anchor="lm")
    LOGO.parent.mkdir(exist_ok=True)
    image.save(LOGO, optimize=True)


def main() -> None:
    prs = Presentation(str(SOURCE))
    set_theme(prs)
    master = prs.slide_master
    for layout in master.slide_layouts:
        if layout.name in LAYOUT_NAMES:
            layout.name = LAYOUT_NAMES[layout.name]
    # Remove the default's accent rules: this client has its band instead.
    for layout in master.slide_layouts:
        tree = layout._element.find("p:cSld/p:spTree", NS)
        for sp in tree.findall("p:sp", NS):
            if sp.find("p:nvSpPr/p:cNvPr", NS).get("name") == "Accent Rule":
                tree.remove(sp)
    master_tree = master._element.find("p:cSld/p:spTree", NS)
    band(master_tree, 90, 0, 0, 182880, prs.slide_height, "tx2")  # 0.2 in, full height
    # The title slide: a wider green band with a terracotta edge, the title left-aligned.
    title = master.slide_layouts.get_by_name("Titre")
    title_tree = title._element.find("p:cSld/p:spTree", NS)
    band(title_tree, 91, 0, 0, 640080, prs.slide_height, "tx2")  # 0.7 in
    band(title_tree, 92, 640080, 0, 73152, prs.slide_height, "accent1")
    for sp in title_tree.iter(f"{{{P}}}sp"):
        ph = sp.find("p:nvSpPr/p:nvPr/p:ph", NS)
        if ph is not None and ph.get("type") in ("ctrTitle", "subTitle"):
            body = sp.find("p:txBody", NS)
            for ppr in body.iter(f"{{{A}}}lvl1pPr"):
                ppr.set("algn", "l")
            lst = body.find("a:lstStyle", NS)
            if not len(lst):
                etree.SubElement(lst, f"{{{A}}}lvl1pPr", algn="l")
    # Titles in the heading font, not bold: this client's style.
    lvl1 = master._element.find("p:txStyles/p:titleStyle/a:lvl1pPr/a:defRPr", NS)
    lvl1.set("b", "0")
    prs.core_properties.title = "Atelier Durand — modèle de présentation"
    prs.save(str(OUT))
    make_logo()
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes) and {LOGO} ({LOGO.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
