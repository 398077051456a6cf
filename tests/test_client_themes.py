"""Client themes end to end: the sample clients, logos, and corporate templates (made by
python-pptx, re-saved by LibreOffice, or a .potx) keeping their masters, layouts, colours
and fonts."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pptx import Presentation

from deckgen.build import build
from deckgen.cli import main
from deckgen.errors import InputError
from deckgen.themes import load_theme

ROOT = Path(__file__).resolve().parent.parent
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
SME = ROOT / "themes" / "atelier-durand"


def scheme(pptx: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(colour slots, major/minor fonts) of a deck's first theme part."""
    with zipfile.ZipFile(pptx) as z:
        root = etree.fromstring(z.read("ppt/theme/theme1.xml"))
    colors = {}
    for slot in root.find(f".//{A}clrScheme"):
        value = slot[0].get("val") or slot[0].get("lastClr")
        colors[etree.QName(slot).localname] = value
    fonts = {
        which: root.find(f".//{A}fontScheme/{A}{which}Font/{A}latin").get("typeface")
        for which in ("major", "minor")
    }
    return colors, fonts


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The samples built in every theme of the repository (one build, as users run it)."""
    out = tmp_path_factory.mktemp("build")
    result = build([], ["all"], out, root=ROOT)
    assert not result.errors, result.errors
    return out


def test_every_sample_theme_builds_both_samples(built):
    for theme in ("default", "agence-boreal", "atelier-durand"):
        for stem in ("formation-medias-sociaux-pme", "medias-vs-reseaux"):
            for suffix in (".pptx", ".html", ".txt", ".eml"):
                assert (built / theme / (stem + suffix)).is_file()


def test_theme_colours_and_fonts_reach_the_deck_xml(built):
    deck = built / "agence-boreal" / "formation-medias-sociaux-pme.pptx"
    colors, fonts = scheme(deck)
    assert colors["dk2"] == "0B4F6C" and colors["accent1"] == "C0392B"
    assert fonts == {"major": "Calibri", "minor": "Calibri"}
    prs = Presentation(str(deck))
    # Titles are drawn in the theme's dark 2 (tx2) by the master: the primary colour.
    title_style = prs.slide_master.element.find(
        ".//{http://schemas.openxmlformats.org/presentationml/2006/main}titleStyle"
    )
    assert title_style.find(f".//{A}schemeClr").get("val") == "tx2"
    charts = [s.chart for slide in prs.slides for s in slide.shapes if s.has_chart]
    assert charts, "the training deck has a chart"
    series_fill = charts[0]._chartSpace.find(f".//{C}ser/{C}spPr/{A}solidFill/{A}srgbClr")
    assert series_fill.get("val") == "0B4F6C"  # series[0] of agence-boreal
    footers = [
        s.text_frame.text
        for s in prs.slides[3].shapes
        if s.is_placeholder and s.placeholder_format.type == 15
    ]
    assert footers == ["Boréal Stratégies B2B · Montréal"]


def test_theme_colours_and_fonts_reach_the_email_inlined_css(built):
    html = (built / "agence-boreal" / "medias-vs-reseaux.html").read_text(encoding="utf-8")
    head, body = html.split("<body", 1)
    assert 'class="header" style="' in body
    header_style = body.split('class="header" style="', 1)[1].split('"', 1)[0]
    assert "background-color: #0b4f6c" in header_style.lower()
    assert "calibri" in header_style.lower()
    h2 = body.split("<h2", 1)[1].split(">", 1)[0].lower()
    assert "color: #0b4f6c" in h2 and "calibri" in h2
    link = body.split("<a ", 1)[1].split(">", 1)[0].lower()
    assert "color: #0b4f6c" in link
    default = (built / "default" / "medias-vs-reseaux.html").read_text(encoding="utf-8")
    assert "#0b4f6c" not in default.lower()


def test_a_client_template_keeps_its_masters_layouts_colours_and_fonts(built):
    deck = built / "atelier-durand" / "formation-medias-sociaux-pme.pptx"
    template = Presentation(str(SME / "template.pptx"))
    prs = Presentation(str(deck))
    assert [m.name for m in prs.slide_masters] == [m.name for m in template.slide_masters]
    assert [layout.name for layout in prs.slide_layouts] == [
        layout.name for layout in template.slide_layouts
    ]
    used = {slide.slide_layout.name for slide in prs.slides}
    assert {"Titre", "Titre de section", "Titre et contenu"} <= used
    assert prs.slides[0].slide_layout.name == "Titre"
    # The template's scheme, untouched: theme.toml states no colour and no font.
    assert scheme(deck) == scheme(SME / "template.pptx")
    colors, fonts = scheme(deck)
    assert colors["dk2"] == "2E5E4E" and fonts["major"] == "Times New Roman"
    # and the theme's values come from it (tables, charts and bullets use them).
    theme, _ = load_theme("atelier-durand", ROOT)
    assert (theme.colors.primary, theme.colors.accent) == ("2E5E4E", "B5462F")
    assert theme.fonts.heading == "Times New Roman" and theme.fonts.body == "Calibri"
    # The template's own band is kept on the master.
    names = [s.name for s in prs.slide_master.shapes]
    assert "Bande" in names


def test_the_client_logo_is_on_the_layouts_clear_of_every_text_box(built):
    deck = built / "atelier-durand" / "formation-medias-sociaux-pme.pptx"
    prs = Presentation(str(deck))
    logo_data = (SME / "assets" / "logo.png").read_bytes()
    sizes = {}
    for slide in prs.slides:
        logos = [s for s in slide.slide_layout.shapes if s.name == "Logo"]
        assert len(logos) == 1, slide.slide_layout.name
        logo = logos[0]
        assert logo.image.blob == logo_data
        sizes[slide.slide_layout.name] = logo.height
        for shape in slide.shapes:
            if not shape.has_text_frame or not shape.text_frame.text.strip():
                continue
            apart = (
                shape.left + shape.width <= logo.left
                or logo.left + logo.width <= shape.left
                or shape.top + shape.height <= logo.top
                or logo.top + logo.height <= shape.top
            )
            assert apart, f"{shape.name} on slide {prs.slides.index(slide) + 1} overlaps the logo"
    assert sizes["Titre"] == 2 * sizes["Titre et contenu"]  # twice as large on the title


def test_the_client_logo_is_in_the_email_header(built):
    html = (built / "atelier-durand" / "medias-vs-reseaux.html").read_text(encoding="utf-8")
    logo = html.split('<td class="logo"', 1)[1].split("</td>", 1)[0]
    assert 'alt="Atelier Durand"' in logo and "logo.png" in logo
    eml = (built / "atelier-durand" / "medias-vs-reseaux.eml").read_bytes()
    import email
    import email.policy

    msg = email.message_from_bytes(eml, policy=email.policy.default)
    images = [p for p in msg.walk() if p.get_content_maintype() == "image"]
    assert any(p.get_content() == (SME / "assets" / "logo.png").read_bytes() for p in images)
    assert msg["From"].addresses[0].display_name == "Atelier Durand"


def test_a_child_of_a_client_theme_changes_only_what_it_states(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    shutil.copytree(SME, tmp_path / "themes" / "atelier-durand")
    child = tmp_path / "themes" / "durand-noel"
    child.mkdir()
    (child / "theme.toml").write_text(
        'name = "durand-noel"\nextends = "atelier-durand"\n[colors]\nprimary = "#7A1020"\n'
        '[fonts]\nbody = "Arial"\n',
        encoding="utf-8",
    )
    theme, _ = load_theme("durand-noel", tmp_path)
    assert theme.scheme_slots == frozenset({"dk2", "minor"})
    assert theme.colors.primary == "7A1020" and theme.colors.accent == "B5462F"
    assert theme.fonts.heading == "Times New Roman" and theme.fonts.body == "Arial"
    assert theme.logo is not None  # inherited, its file relative to atelier-durand
    (tmp_path / "x.md").write_text("---\ntitle: T\n---\n\n## A\n\nTexte.\n", encoding="utf-8")
    result = build([tmp_path / "x.md"], ["durand-noel"], tmp_path / "out", ["deck"], tmp_path)
    assert not result.errors
    colors, fonts = scheme(tmp_path / "out" / "durand-noel" / "x.pptx")
    template_colors, template_fonts = scheme(SME / "template.pptx")
    assert colors == {**template_colors, "dk2": "7A1020"}
    assert fonts == {**template_fonts, "minor": "Arial"}


def _potx(pptx: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(pptx)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"presentationml.presentation.main+xml", b"presentationml.template.main+xml"
                )
            dst.writestr(info, data)
    return out.getvalue()


def test_a_potx_template_works_like_a_pptx(tmp_path):
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    folder = tmp_path / "themes" / "modele"
    folder.mkdir(parents=True)
    (folder / "theme.toml").write_text(
        (SME / "theme.toml").read_text(encoding="utf-8").replace("[logo]", "[nologo]"), "utf-8"
    )
    toml = (folder / "theme.toml").read_text(encoding="utf-8")
    toml = toml.split("[nologo]")[0] + "[slides]" + toml.split("[slides]")[1]
    (folder / "theme.toml").write_text(toml, encoding="utf-8")
    (folder / "template.potx").write_bytes(_potx((SME / "template.pptx").read_bytes()))
    with pytest.raises(ValueError):  # python-pptx alone refuses a template
        Presentation(str(folder / "template.potx"))
    (tmp_path / "x.md").write_text("---\ntitle: T\n---\n\n## A\n\nTexte.\n", encoding="utf-8")
    result = build([tmp_path / "x.md"], ["modele"], tmp_path / "out", ["deck"], tmp_path)
    assert not result.errors, result.errors
    prs = Presentation(str(tmp_path / "out" / "modele" / "x.pptx"))
    assert [s.slide_layout.name for s in prs.slides] == ["Titre", "Titre et contenu"]


@pytest.mark.parametrize(
    ("toml", "line", "words"),
    [
        ('[logo]\nfile = "assets/absent.png"\n', 2, "logo 'assets/absent.png' not found"),
        ('[logo]\nfile = "../outside.png"\n', 2, "outside the theme folder"),
        ('[logo]\nfile = "theme.toml"\n', 2, "not a readable image"),
        ('[logo]\nheight = 20\n', 1, "[logo] needs a file"),
        ('[logo]\nfile = "x.png"\nposition = "middle"\n', 3, "must be one of top-right"),
    ],
)
def test_a_bad_logo_is_an_error_with_its_line(tmp_path, monkeypatch, capsys, toml, line, words):
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    folder = tmp_path / "themes" / "client"
    folder.mkdir(parents=True)
    (tmp_path / "themes" / "outside.png").write_bytes((SME / "assets" / "logo.png").read_bytes())
    (folder / "theme.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_theme("client", tmp_path)
    (d,) = caught.value.diagnostics
    assert (d.path, d.line) == (folder / "theme.toml", line) and words in d.message
    (tmp_path / "x.md").write_text("---\ntitle: T\n---\n\n## A\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "x.md", "--theme", "client"]) == 1
    err = capsys.readouterr().err
    assert f"themes/client/theme.toml:{line}: " in err and "Traceback" not in err
    assert not (tmp_path / "build" / "client").exists()


# --- real clients ------------------------------------------------------------------------


@pytest.mark.realclient
def test_a_client_template_deck_opens_in_libreoffice(built, tmp_path):
    from realclients import assert_deck_renders_cleanly, require_tool

    require_tool("soffice")
    require_tool("pdftotext")
    deck = built / "atelier-durand" / "formation-medias-sociaux-pme.pptx"
    pages = assert_deck_renders_cleanly(deck, tmp_path)
    assert len(pages) == len(Presentation(str(deck)).slides)


@pytest.mark.realclient
def test_a_template_saved_by_libreoffice_impress_works(tmp_path):
    """The client's template re-saved by LibreOffice Impress (as many clients' templates
    are): deckgen finds its layouts, builds on them, and LibreOffice opens the deck."""
    from realclients import assert_deck_renders_cleanly, require_tool, resave_with_libreoffice

    require_tool("pdftotext")
    folder = tmp_path / "themes" / "lo"
    resave_with_libreoffice(SME / "template.pptx", folder)
    saved = Presentation(str(folder / "template.pptx"))
    names = [layout.name for m in saved.slide_masters for layout in m.slide_layouts]
    assert len(names) >= 4
    # Map deckgen's kinds to the layout names LibreOffice wrote (it renames some).
    title, content = names[0], names[1]
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (folder / "theme.toml").write_text(
        'name = "lo"\n[layouts]\n'
        + "".join(
            f'{kind} = "{title if kind == "title" else content}"\n'
            for kind in ("title", "section", "content", "two-content", "quote", "chart")
        ),
        encoding="utf-8",
    )
    theme, _ = load_theme("lo", tmp_path)
    (tmp_path / "x.md").write_text(
        "---\ntitle: Modèle LibreOffice\n---\n\n# Partie\n\n## Une diapositive\n\n- un\n- deux\n",
        encoding="utf-8",
    )
    result = build([tmp_path / "x.md"], ["lo"], tmp_path / "out", ["deck"], tmp_path)
    assert not result.errors, result.errors
    deck = tmp_path / "out" / "lo" / "x.pptx"
    prs = Presentation(str(deck))
    assert [m.name for m in prs.slide_masters] == [m.name for m in saved.slide_masters]
    assert prs.slides[0].slide_layout.name == title
    assert_deck_renders_cleanly(deck, tmp_path / "pdf")


def _caps_template(tmp_path: Path) -> Path:
    """The default template with its titles in capitals, as many corporate templates have."""
    prs = Presentation(str(ROOT / "themes" / "default" / "template.pptx"))
    style = prs.slide_master.element.find(
        ".//{http://schemas.openxmlformats.org/presentationml/2006/main}titleStyle"
    )
    style.find(f".//{A}defRPr").set("cap", "all")
    folder = tmp_path / "themes" / "capitales"
    folder.mkdir(parents=True)
    prs.save(str(folder / "template.pptx"))
    # Same fonts as the default theme (the template's own scheme says Calibri).
    (folder / "theme.toml").write_text(
        'name = "capitales"\n[fonts]\nheading = "Arial"\nbody = "Arial"\n', encoding="utf-8"
    )
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "x.md").write_text(
        "---\ntitle: T\n---\n\n## Comment les dirigeants de PME B2B perçoivent vraiment les "
        "médias sociaux aujourd’hui en France et ailleurs en\n\nTexte.\n",
        encoding="utf-8",
    )
    return folder


def test_titles_in_capitals_are_measured_in_capitals(tmp_path):
    _caps_template(tmp_path)
    sizes = {}
    for theme in ("default", "capitales"):
        result = build([tmp_path / "x.md"], [theme], tmp_path / "out", ["deck"], tmp_path)
        assert not result.errors
        prs = Presentation(str(tmp_path / "out" / theme / "x.pptx"))
        title = prs.slides[1].shapes.title
        sizes[theme] = title.text_frame.paragraphs[0].runs[0].font.size.pt
    assert sizes["capitales"] < sizes["default"]


@pytest.mark.realclient
def test_titles_in_capitals_do_not_overflow_in_libreoffice(tmp_path):
    from realclients import assert_deck_renders_cleanly, require_tool

    require_tool("soffice")
    require_tool("pdftotext")
    _caps_template(tmp_path)
    result = build([tmp_path / "x.md"], ["capitales"], tmp_path / "out", ["deck"], tmp_path)
    assert not result.errors
    assert_deck_renders_cleanly(tmp_path / "out" / "capitales" / "x.pptx", tmp_path / "pdf")


def test_text_keeps_clear_of_a_logo_on_a_layout_it_shares(tmp_path):
    """The title slide on the content layout, with no logo of its own (title = false):
    the layout still carries the other slides' logo, so the title keeps clear of it."""
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    folder = tmp_path / "themes" / "partage"
    shutil.copytree(SME, folder)
    toml = (folder / "theme.toml").read_text(encoding="utf-8")
    toml = toml.replace('name = "atelier-durand"', 'name = "partage"')
    toml = toml.replace('title = "Titre"', 'title = "Titre et contenu"')
    toml = toml.replace("height = 30", "height = 60\ntitle = false")
    (folder / "theme.toml").write_text(toml, encoding="utf-8")
    long_title = "Médias sociaux et PME : ce que les dirigeants en pensent vraiment " * 2
    (tmp_path / "x.md").write_text(
        f"---\ntitle: \"{long_title.strip()}\"\n---\n\n## A\n\nTexte.\n", encoding="utf-8"
    )
    result = build([tmp_path / "x.md"], ["partage"], tmp_path / "out", ["deck"], tmp_path)
    assert not result.errors, result.errors
    prs = Presentation(str(tmp_path / "out" / "partage" / "x.pptx"))
    first = prs.slides[0]
    (logo,) = [s for s in first.slide_layout.shapes if s.name == "Logo"]
    title = first.shapes.title
    assert (
        title.left + title.width <= logo.left
        or title.top >= logo.top + logo.height
        or logo.left + logo.width <= title.left
    ), "the title overlaps the logo of its layout"
