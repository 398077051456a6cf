"""Reading a client's template: layouts and their boxes, the mapping of slide kinds, the
colours behind text, and ``deckgen theme new --template`` (themes/template.py, boxes.py,
mapping.py, backdrop.py, new.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from deckgen.cli import main
from deckgen.errors import InputError
from deckgen.themes import load_theme
from deckgen.themes.boxes import layout_boxes
from deckgen.themes.contrast import readable, worst_ratio
from deckgen.themes.template import analyse, open_template

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "templates"))
import make_templates  # noqa: E402


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, Path]:
    built = make_templates.build_all(tmp_path_factory.mktemp("templates"))
    return {p.stem: p for p in built}


def info_of(path: Path):
    return analyse(open_template(path.read_bytes()))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_content_goes_in_the_largest_body_not_the_kicker_with_the_lowest_idx(templates):
    info = info_of(templates["kicker"])
    layout = info.find("Content with kicker")
    boxes = layout_boxes(layout, info.width, info.height, 16).boxes
    main_ph = layout.placeholders[boxes.body_placeholder(0)]
    kicker = next(p for p in layout.placeholders if p.idx == 1)
    assert (main_ph.idx, main_ph.type) == (13, "obj")
    assert kicker.rect.h < main_ph.rect.h / 5 and kicker.n not in boxes.body_placeholders
    two = info.find("Two columns with kicker")
    two_boxes = layout_boxes(two, info.width, info.height, 16).boxes
    left, right = two_boxes.bodies
    assert left.x < right.x and [two.placeholders[n].idx for n in two_boxes.body_placeholders] == [
        13,
        14,
    ]


def test_boxes_too_small_or_off_the_slide_are_replaced_by_deckgen_s_own(templates):
    google = info_of(templates["google-slides"])
    report = layout_boxes(google.find("TITLE_AND_BODY"), google.width, google.height, 16)
    assert report.boxes.title_placeholder is None and report.boxes.body_placeholder(0) is None
    assert report.boxes.bodies[0].h > 2 * 914400  # the free area below deckgen's title box
    assert "too small for one line at 16 pt" in " ".join(report.notes_for(["content"]))
    lo = info_of(templates["libreoffice-4x3"])
    below = layout_boxes(lo.find("Master 2/Title, Content"), lo.width, lo.height, 16)
    assert below.boxes.body_placeholder(0) is None
    assert "is off the slide" in " ".join(below.notes_for(["content"]))
    body = below.boxes.bodies[0]
    assert body.y + body.h <= lo.height


def test_layout_types_map_slide_kinds_in_any_language(templates, project):
    for stem, expected in (
        (
            "polski",
            {
                "title": "Slajd tytułowy",
                "content": "Tytuł i zawartość",
                "section": "Nagłówek sekcji",
            },
        ),
        (
            "portugues",
            {
                "title": "Slide de Título",
                "two-content": "Duas Partes de Conteúdo",
                "quote": "Somente Título",
            },
        ),
    ):
        folder = project / "themes" / stem
        folder.mkdir(parents=True)
        (folder / f"template{templates[stem].suffix}").write_bytes(templates[stem].read_bytes())
        (folder / "theme.toml").write_text(f'name = "{stem}"\n', encoding="utf-8")
        theme, _ = load_theme(stem, project)
        assert {k: theme.layouts[k] for k in expected} == expected


def test_a_name_in_two_masters_is_a_warning_listing_them_and_keys_tell_them_apart(
    templates, project
):
    folder = project / "themes" / "lo"
    folder.mkdir(parents=True)
    (folder / "template.pptx").write_bytes(templates["libreoffice-4x3"].read_bytes())
    (folder / "theme.toml").write_text(
        'name = "lo"\n[layouts]\ncontent = "Title, Content"\nquote = "Master 2/Title Only"\n',
        encoding="utf-8",
    )
    theme, warnings = load_theme("lo", project)
    (warning,) = [w for w in warnings if w.rule == "theme-layout" and w.line == 3]
    assert "'Master 1/Title, Content', 'Master 2/Title, Content'" in warning.message
    assert theme.layouts["content"] == "Master 1/Title, Content"
    assert theme.layouts["quote"] == "Master 2/Title Only"
    (folder / "theme.toml").write_text(
        'name = "lo"\n[layouts]\ncontent = "Contenu"\n', encoding="utf-8"
    )
    with pytest.raises(InputError) as caught:
        load_theme("lo", project)
    (d,) = caught.value.diagnostics
    assert (
        d.line == 3
        and "no layout 'Contenu' for content" in d.message
        and "'Master 2/Blank Slide'" in d.message
    )


def test_the_background_behind_a_box_is_read_from_the_master(templates):
    info = info_of(templates["dark-logo"])
    layout = info.find("Title and Content")
    title = layout.title
    behind = layout.backdrop.colors(title.rect)
    assert worst_ratio("000000", behind) < 2  # dark: black text would not read
    assert title.color == "FFD965"  # tx1 is light 1 through the colour map
    assert worst_ratio(title.color, behind) >= 4.5
    logo = [o for o in layout.obstacles if o.kind == "picture"]
    band = [o for o in layout.obstacles if o.kind == "fill"]
    assert logo and logo[0].on == "master" and logo[0].rect.x > info.width // 2
    assert band and "48A0F8" in layout.backdrop.colors(band[0].rect)  # quantised to 8s


def test_readable_keeps_a_colour_that_reads_and_shades_one_that_does_not():
    assert readable(["1F3A5F"], ("FFFFFF",)) == "1F3A5F"
    shade = readable(["E4572E"], ("FFFFFF",))
    assert shade != "E4572E" and worst_ratio(shade, ("FFFFFF",)) >= 4.5
    assert readable(["777777"], ("000000", "FFFFFF")) is None  # on black and white at once


def test_theme_new_from_a_template_maps_it_and_says_what_to_look_at(templates, project, capsys):
    assert main(["theme", "new", "marque", "--template", str(templates["kicker"])]) == 0
    out = capsys.readouterr().out
    folder = project / "themes" / "marque"
    assert (folder / "template.pptx").read_bytes() == templates["kicker"].read_bytes()
    text = (folder / "theme.toml").read_text(encoding="utf-8")
    assert (
        'content = "Content with kicker"' in text and "title only" not in text.split("content =")[0]
    )
    assert "the title slide:" in text and "no metric-compatible twin" in out  # Century Gothic
    theme, _ = load_theme("marque", project)
    assert theme.layouts["content"] == "Content with kicker"
    # The cover has no title placeholder: the title slide goes elsewhere, and it is said.
    assert theme.layouts["title"] != "Cover"
    assert "content" in out and "look at:" in out
    assert main(["theme", "new", "marque", "--template", str(templates["kicker"])]) == 2


def test_theme_new_says_when_the_palette_is_office_s_default(templates, project, capsys):
    assert main(["theme", "new", "p2016", "--template", str(templates["powerpoint-2016"])]) == 0
    text = (project / "themes" / "p2016" / "theme.toml").read_text(encoding="utf-8")
    assert "Office's default" in text
    assert "Office's default" in capsys.readouterr().out


def test_theme_new_refuses_a_file_that_is_not_a_template(project, capsys):
    (project / "notes.txt").write_text("x", encoding="utf-8")
    assert main(["theme", "new", "x", "--template", "notes.txt"]) == 2
    (project / "fake.pptx").write_bytes(b"PK\x03\x04 not a zip")
    assert main(["theme", "new", "x", "--template", "fake.pptx"]) == 1
    assert "fake.pptx: not a PowerPoint presentation" in capsys.readouterr().err
    assert not (project / "themes" / "x").exists()


def test_font_advice_names_the_font_measured_with_and_its_margin():
    from deckgen.themes.fonts import fallback_font_face, missing_font_advice

    verdana = missing_font_advice("Verdana", fallback_font_face("Verdana"))
    assert "no metric-compatible twin" in verdana and "DejaVu Sans" in verdana
    assert "% wider than Arial" in verdana and "install" not in verdana.split(";")[0]
    cambria = missing_font_advice("Cambria", fallback_font_face("Cambria"))
    assert "twin Caladea" in cambria and "fonts-crosextra-caladea" in cambria


def test_the_boxes_of_any_layout_by_name_or_master_key(templates, project):
    from deckgen.themes.boxes import theme_boxes

    folder = project / "themes" / "lo"
    folder.mkdir(parents=True)
    (folder / "template.pptx").write_bytes(templates["libreoffice-4x3"].read_bytes())
    (folder / "theme.toml").write_text('name = "lo"\n', encoding="utf-8")
    theme, _ = load_theme("lo", project)
    first = theme_boxes(theme, "Title, 2 Content")  # the first master's
    assert len(first.bodies) == 2 and None not in first.body_placeholders
    second = theme_boxes(theme, "Master 2/Title, 2 Content")  # boxes below the slide
    assert second.body_placeholder(0) is None and second.bodies[0].y < theme.template_info.height
    with pytest.raises(KeyError):
        theme_boxes(theme, "Contenu")


def test_a_template_deckgen_cannot_draw_on_is_an_error_for_build_and_check_alike(
    templates, project, monkeypatch, capsys
):
    """What fails while drawing (here, placeholder XML that does not parse, as a16 prefixes
    copied without their namespace did) is found when the theme loads, by both commands."""
    from deckgen.render import pptx_xml

    folder = project / "themes" / "p2016"
    folder.mkdir(parents=True)
    (folder / "template.pptx").write_bytes(templates["powerpoint-2016"].read_bytes())
    (folder / "theme.toml").write_text('name = "p2016"\n', encoding="utf-8")
    (project / "x.md").write_text("---\ntitle: T\n---\n\n## A\n\nTexte.\n", encoding="utf-8")
    real = pptx_xml.nv_template
    monkeypatch.setattr(
        pptx_xml, "nv_template", lambda sp: real(sp).replace("<p:cNvPr", "<p:cNvPr a16:x='1'")
    )
    assert main(["build", "x.md", "--theme", "p2016", "--format", "deck"]) == 1
    err = capsys.readouterr().err
    assert "themes/p2016/template.pptx: deckgen cannot draw slides on this template" in err
    assert main(["check", "x.md", "--theme", "p2016"]) == 1
    out = capsys.readouterr().out
    assert "deckgen cannot draw slides on this template" in out and "(input)" in out


def test_check_says_which_template_colours_it_replaced_and_with_what(templates, project):
    """The Office 2007 greys of python-pptx's template (text colour 1 at a 75 % tint:
    3.3:1 on white) are drawn in a shade that reads; check says so, as an info."""
    from deckgen.check import run_check

    folder = project / "themes" / "pl"
    folder.mkdir(parents=True)
    (folder / "template.pptx").write_bytes(templates["polski"].read_bytes())
    (folder / "theme.toml").write_text('name = "pl"\n', encoding="utf-8")
    (project / "x.md").write_text("---\ntitle: T\n---\n\n## A\n\nTexte.\n", encoding="utf-8")
    fixed = [
        f
        for f in run_check([project / "x.md"], ["pl"], project).findings
        if f.rule == "theme-contrast-fixed"
    ]
    assert fixed and all(f.severity == "info" and f.path == folder / "template.pptx" for f in fixed)
    subtitle = next(f for f in fixed if "'Slajd tytułowy': the template's subtitles" in f.message)
    drawn = subtitle.message.split("deckgen draws them in #")[1][:6]
    assert worst_ratio(drawn, ("FFFFFF",)) >= 4.5


def _light_dark2_template(out: Path) -> Path:
    """A dark Google Slides theme's colours: its 'dark 2' is a light grey (#D9D9D9, the
    titles of its dark slides), which would be the newsletter's titles on white."""
    pkg = make_templates.Package()
    pkg.theme_colors({"dk2": "D9D9D9", "accent1": "0145AC"}, ("Arial", "Arial"))
    return pkg.save(out / "light-dark2.pptx")


def test_the_newsletter_takes_a_colour_that_reads_where_the_template_s_does_not(
    tmp_path, project, capsys
):
    from deckgen.check import run_check
    from deckgen.render.email import environment, render_email
    from deckgen.themes.contrast import contrast_ratio

    template = _light_dark2_template(tmp_path)
    assert main(["theme", "new", "sombre", "--template", str(template)]) == 0
    out = capsys.readouterr().out
    assert "1.4:1" not in out  # not a warning to act on: deckgen chose a colour that reads
    theme, warnings = load_theme("sombre", project)
    assert not [w for w in warnings if w.rule == "theme-contrast"], warnings
    assert theme.colors.primary == "D9D9D9" and theme.email_colors == {"primary": "0145AC"}
    (project / "x.md").write_text("---\ntitle: T\n---\n\n## Un titre\n\nTexte.\n", "utf-8")
    fixed = [
        f
        for f in run_check([project / "x.md"], ["sombre"], project).findings
        if f.rule == "theme-contrast-fixed" and "newsletter" in f.message
    ]
    assert len(fixed) == 1 and fixed[0].severity == "info" and "#0145AC" in fixed[0].message
    from deckgen.build import BuildResult, load_document

    doc = load_document(project / "x.md", project, BuildResult())
    html = render_email(doc, theme, environment(theme), lambda asset: f"cid:{asset.key}")
    assert "#D9D9D9" not in html.upper() and "#0145AC" in html.upper()
    assert contrast_ratio("0145AC", theme.colors.background) >= 4.5
    # A colour the client states is the client's: kept, and a warning says it does not read.
    toml = project / "themes" / "sombre" / "theme.toml"
    toml.write_text(
        toml.read_text("utf-8").replace('# primary = "#D9D9D9"', 'primary = "#D9D9D9"'), "utf-8"
    )
    theme, warnings = load_theme("sombre", project)
    assert theme.email_colors == {}
    assert [w for w in warnings if w.rule == "theme-contrast" and "1.4:1" in w.message]


def test_theme_new_says_a_layout_s_trap_once(project, capsys):
    """theme new's own note on a layout and the theme's loading warning on it were both
    printed ('deckgen places its own boxes' twice)."""
    with_trap = make_templates.tight_title(project)
    assert main(["theme", "new", "serre", "--template", str(with_trap)]) == 0
    out = capsys.readouterr().out
    look = out.split("look at:")[1].split("next:")[0]
    lines = [line for line in look.splitlines() if "places its own boxes" in line]
    assert len(lines) == 1, look


def test_sizes_grow_with_a_slide_larger_than_powerpoint_s(tmp_path, project, capsys):
    """A Keynote export is 26.67 x 15 in: deckgen's 24 pt body looked like 12 pt there."""
    pkg = make_templates.Package()
    pkg.size(24384000, 13716000)
    big = pkg.save(tmp_path / "keynote-size.pptx")
    assert main(["theme", "new", "grand", "--template", str(big)]) == 0
    toml = project / "themes" / "grand" / "theme.toml"
    text = toml.read_text("utf-8")
    assert "x2 for this 26.67 in wide slide" in text and "# body = 48" in text
    theme, _ = load_theme("grand", project)
    default, _ = load_theme("default", project)
    assert theme.sizes.body == 2 * default.sizes.body
    assert theme.sizes.min_body == 2 * default.sizes.min_body
    # A size the client writes is points, used as it is.
    toml.write_text(text.replace("# body = 48", "body = 40"), "utf-8")
    theme, _ = load_theme("grand", project)
    assert theme.sizes.body == 40 and theme.sizes.title == 2 * default.sizes.title
    # PowerPoint's own sizes, and smaller slides, keep deckgen's sizes.
    assert main(["theme", "new", "normal", "--template", str(make_templates.polish(tmp_path))]) == 0
    assert load_theme("normal", project)[0].sizes == default.sizes
