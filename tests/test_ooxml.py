"""Every deck deckgen writes passes Microsoft's Open XML SDK validator (Microsoft 365 rules)
and deckgen's own package checks (what the validator does not check: shape ids, relationship
targets, content types): the samples in every theme, the stress and hostile fixtures, a deck
per construct and layout (``tests/fixtures/decks/``), a new project from ``deckgen init``,
and a deck on a template saved by LibreOffice.

Each test builds its decks, then checks them all in one validator run (``ooxml.assert_valid``:
the .NET start-up costs seconds). To cover more decks, add a Markdown file to
``tests/fixtures/decks/`` (built in every theme), or call ``assert_valid`` on the decks
another test builds.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT
from ooxml import assert_valid, package_problems, validate
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.oxml.ns import qn
from pptx.util import Inches

from deckgen.build import build
from deckgen.cli import main
from deckgen.render import pptx_xml
from deckgen.themes import load_theme

CONSTRUCTS = FIXTURES / "decks"


def _decks(result) -> list[Path]:
    assert not result.errors, [str(e) for e in result.errors]
    return [w.path for w in result.written if w.path.suffix == ".pptx"]


@pytest.mark.realclient
def test_deckgen_build_theme_all_writes_valid_decks(tmp_path, monkeypatch, capsys):
    """`deckgen build --theme all` on the samples, as a user runs it."""
    monkeypatch.chdir(ROOT)
    out = tmp_path / "build"
    assert main(["build", "--theme", "all", "--format", "deck", "--out", str(out)]) == 0
    decks = sorted(out.rglob("*.pptx"))
    themes = {p.parent.name for p in decks}
    assert {"default", "agence-boreal", "atelier-durand"} <= themes
    assert len(decks) == len(themes) * len(list((ROOT / "content").glob("*.md")))
    assert_valid(decks)


@pytest.mark.realclient
def test_stress_good_and_hostile_fixtures_are_valid_in_every_theme(tmp_path):
    files = [FIXTURES / name for name in ("stress.md", "good.md", "hostile.md")]
    assert_valid(_decks(build(files, ["all"], tmp_path, ("deck",), ROOT)))


def _construct_files() -> list[Path]:
    return sorted(p for p in CONSTRUCTS.glob("*.md") if p.name != "README.md")


@pytest.mark.realclient
def test_a_deck_per_construct_and_layout_is_valid_in_every_theme(tmp_path):
    decks = _decks(build(_construct_files(), ["all"], tmp_path, ("deck",), ROOT))
    # The fixtures do reach every layout a theme maps, and the charts and pictures.
    default = [d for d in decks if d.parent.name == "default"]
    theme, _ = load_theme("default", ROOT)
    used = {s.slide_layout.name for d in default for s in Presentation(str(d)).slides}
    assert used >= set(theme.layouts.values())  # and the layouts slides name (pandoc.md)
    shapes = [s for d in default for slide in Presentation(str(d)).slides for s in slide.shapes]
    assert {c.chart.chart_type for c in shapes if c.has_chart} >= {
        XL_CHART_TYPE.BAR_CLUSTERED,
        XL_CHART_TYPE.COLUMN_CLUSTERED,
        XL_CHART_TYPE.LINE_MARKERS,
        XL_CHART_TYPE.PIE,
    }
    assert sum(1 for s in shapes if s.shape_type == 13) >= 4  # pictures
    assert_valid(decks)


@pytest.mark.realclient
def test_a_new_project_from_deckgen_init_is_valid(tmp_path, monkeypatch):
    project = tmp_path / "projet"
    assert main(["init", str(project)]) == 0
    monkeypatch.chdir(project)
    assert main(["build", "--format", "deck", "-q"]) == 0
    assert_valid(sorted((project / "build").rglob("*.pptx")))


@pytest.mark.realclient
def test_a_deck_on_a_template_saved_by_libreoffice_is_valid(tmp_path):
    from realclients import resave_with_libreoffice

    folder = tmp_path / "themes" / "lo"
    resave_with_libreoffice(ROOT / "themes" / "atelier-durand" / "template.pptx", folder)
    saved = Presentation(str(folder / "template.pptx"))
    names = [layout.name for m in saved.slide_masters for layout in m.slide_layouts]
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (folder / "theme.toml").write_text(
        'name = "lo"\n[layouts]\n'
        f'title = "{names[0]}"\nsection = "{names[0]}"\n'
        + "".join(
            f'{kind} = "{names[1]}"\n' for kind in ("content", "two-content", "quote", "chart")
        ),
        encoding="utf-8",
    )
    shutil.copytree(CONSTRUCTS, tmp_path / "content")
    files = sorted(p for p in (tmp_path / "content").glob("*.md") if p.name != "README.md")
    assert_valid(_decks(build(files, ["lo"], tmp_path / "out", ("deck",), tmp_path)))


# --- the checks themselves can fail -------------------------------------------------------


def _chart_deck(path: Path, fix: bool) -> Path:
    """A plain python-pptx deck with one column chart (axis ids fixed or not)."""
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    data = CategoryChartData()
    data.categories = ["A", "B"]
    data.add_series("S", (1, 2))
    chart = slide.shapes.add_chart(
        XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(1), Inches(6), Inches(4), data
    ).chart
    if fix:
        pptx_xml.fix_chart_axis_ids(chart)
    prs.save(str(path))
    return path


@pytest.mark.realclient
def test_the_validator_finds_python_pptx_chart_axis_ids_and_the_fix_removes_them(tmp_path):
    plain = _chart_deck(tmp_path / "plain.pptx", fix=False)
    fixed = _chart_deck(tmp_path / "fixed.pptx", fix=True)
    results = validate([plain, fixed])
    assert {(p.id, p.part) for p in results[plain.resolve()]} == {
        ("Sch_AttributeValueDataTypeDetailed", "/ppt/charts/chart1.xml")
    }
    assert len(results[plain.resolve()]) == 6  # axId x2 in the plot, axId + crossAx x2 axes
    assert results[fixed.resolve()] == []


def test_fixed_axis_ids_are_unsigned_and_keep_their_pairs(tmp_path):
    with zipfile.ZipFile(_chart_deck(tmp_path / "fixed.pptx", fix=True)) as z:
        from lxml import etree

        root = etree.fromstring(z.read("ppt/charts/chart1.xml"))
    plot_ids = [n.get("val") for n in root.find(f".//{qn('c:barChart')}").iter(qn("c:axId"))]
    cat, val = root.find(f".//{qn('c:catAx')}"), root.find(f".//{qn('c:valAx')}")
    assert all(0 < int(v) < 2**31 for v in plot_ids) and len(set(plot_ids)) == 2
    assert plot_ids == [cat.find(qn("c:axId")).get("val"), val.find(qn("c:axId")).get("val")]
    assert cat.find(qn("c:crossAx")).get("val") == val.find(qn("c:axId")).get("val")
    assert val.find(qn("c:crossAx")).get("val") == cat.find(qn("c:axId")).get("val")


def _rewrite(source: Path, target: Path, change) -> Path:
    """A copy of a package with `change(name, data) -> data | None` applied (None drops)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.infolist():
            data = change(item.filename, src.read(item.filename))
            if data is not None:
                dst.writestr(item, data)
    return target


@pytest.fixture(scope="module")
def good_deck(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("good")
    decks = _decks(build([CONSTRUCTS / "pictures.md"], ["default"], out, ("deck",), ROOT))
    return decks[0]


def test_package_checks_pass_on_a_deckgen_deck(good_deck):
    assert package_problems(good_deck) == []


def test_package_checks_find_a_shape_id_used_twice(good_deck, tmp_path):
    def change(name, data):
        if name == "ppt/slides/slide2.xml":
            ids = re.findall(rb'<p:cNvPr id="(\d+)"', data)
            return data.replace(b'<p:cNvPr id="%s"' % ids[-1], b'<p:cNvPr id="%s"' % ids[-2])
        return data

    broken = _rewrite(good_deck, tmp_path / "ids.pptx", change)
    problems = package_problems(broken)
    assert len(problems) == 1 and problems[0].startswith("/ppt/slides/slide2.xml: shape id")


def test_package_checks_find_a_missing_part_and_a_missing_content_type(good_deck, tmp_path):
    with zipfile.ZipFile(good_deck) as z:
        media = sorted(n for n in z.namelist() if n.startswith("ppt/media/"))
    dropped, untyped = media[0], next(m for m in media if m[-4:] != media[0][-4:])
    extension = untyped.rpartition(".")[2].encode()

    def change(name, data):
        if name == dropped:
            return None
        if name == "[Content_Types].xml":
            return data.replace(b'<Default Extension="%s"' % extension, b'<Default Extension="x"')
        return data

    problems = package_problems(_rewrite(good_deck, tmp_path / "parts.pptx", change))
    assert any(f"points at ../media/{dropped.rsplit('/', 1)[1]}" in p for p in problems)
    assert f"/{untyped}: no content type (no Override, no Default for its extension)" in problems


def test_package_checks_find_a_part_with_the_wrong_content_type(good_deck, tmp_path):
    def change(name, data):
        if name == "[Content_Types].xml":
            return data.replace(
                b'PartName="/ppt/slides/slide1.xml" ContentType="application/vnd.openxmlformats-'
                b'officedocument.presentationml.slide+xml"',
                b'PartName="/ppt/slides/slide1.xml" ContentType="application/xml"',
            )
        return data

    problems = package_problems(_rewrite(good_deck, tmp_path / "types.pptx", change))
    assert problems == [
        "/ppt/slides/slide1.xml: content type 'application/xml', expected "
        "'application/vnd.openxmlformats-officedocument.presentationml.slide+xml'"
    ]


def test_assert_valid_needs_decks():
    with pytest.raises(AssertionError, match="no deck"):
        assert_valid([])


def test_ids_used_twice_in_a_template_are_renumbered_in_the_deck(tmp_path):
    """As LibreOffice saves templates: two placeholders of a layout with one id."""
    prs = Presentation(str(ROOT / "themes" / "default" / "template.pptx"))
    layout = prs.slide_layouts.get_by_name("Title and Content")
    nodes = list(layout._element.iter(qn("p:cNvPr")))
    nodes[-1].set("id", nodes[-2].get("id"))
    folder = tmp_path / "themes" / "twice"
    folder.mkdir(parents=True)
    prs.save(str(folder / "template.pptx"))
    assert package_problems(folder / "template.pptx") != []
    (folder / "theme.toml").write_text('name = "twice"\n', encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    shutil.copy(CONSTRUCTS / "lists.md", tmp_path / "lists.md")
    decks = _decks(build([tmp_path / "lists.md"], ["twice"], tmp_path / "out", ("deck",), tmp_path))
    assert package_problems(decks[0]) == []
