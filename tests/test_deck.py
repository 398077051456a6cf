"""The deck renderer, end to end: samples and a stress fixture built, reopened and checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT
from decks import overflows, summarize
from PIL import Image as PILImage
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.oxml.ns import qn

from deckgen.build import build
from deckgen.themes import load_theme

SAMPLES = sorted((ROOT / "content").glob("*.md"))
STRESS = FIXTURES / "stress.md"


@pytest.fixture(scope="module")
def decks(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("build")
    result = build([*SAMPLES, STRESS], out_dir=out, root=ROOT, formats=("deck",))
    assert not result.errors, [str(e) for e in result.errors]
    return {w.path.stem: w.path for w in result.written}


@pytest.fixture(scope="module")
def theme():
    return load_theme("default", ROOT)[0]


def test_every_sample_and_the_stress_fixture_build(decks):
    assert set(decks) == {p.stem for p in [*SAMPLES, STRESS]}
    for path in decks.values():
        assert path.parent.name == "default" and path.suffix == ".pptx"


@pytest.mark.parametrize("stem", [p.stem for p in [*SAMPLES, STRESS]])
def test_deck_matches_its_golden_summary(decks, golden, stem):
    golden(f"{stem}.deck.json", summarize(decks[stem]))


@pytest.mark.parametrize("stem", [p.stem for p in [*SAMPLES, STRESS]])
def test_no_text_overflows_its_box(decks, theme, stem):
    assert overflows(decks[stem], theme) == []


def test_training_deck_has_native_chart_table_sections_and_16_9(decks):
    prs = Presentation(str(decks["formation-medias-sociaux-pme"]))
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)
    assert len(prs.slides) >= 15
    charts = [s.chart for slide in prs.slides for s in slide.shapes if s.has_chart]
    tables = [s.table for slide in prs.slides for s in slide.shapes if s.has_table]
    assert any(c.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED for c in charts)
    years = {
        c.plots[0].categories[k]: v
        for c in charts
        for k, v in enumerate(c.plots[0].series[0].values)
    }
    assert years == {"Radio": 38, "Télévision": 13, "Internet": 4, "Twitter": 3}
    assert charts[0].plots[0].has_data_labels
    audiences = next(t for t in tables if "Facebook" in t.cell(1, 0).text)
    assert audiences.cell(1, 1).text == "500"
    assert audiences.cell(1, 1).text_frame.paragraphs[0].alignment == 3  # right: numbers
    layouts = [s.slide_layout.name for s in prs.slides]
    assert layouts[0] == "Title Slide" and "Section Header" in layouts


def test_chart_uses_the_theme_colours(decks, theme):
    prs = Presentation(str(decks["formation-medias-sociaux-pme"]))
    chart = next(s.chart for slide in prs.slides for s in slide.shapes if s.has_chart)
    assert str(chart.plots[0].series[0].format.fill.fore_color.rgb) == theme.colors.series[0]


def test_every_run_is_tagged_with_the_document_language(decks):
    for path in decks.values():
        prs = Presentation(str(path))
        for slide in prs.slides:
            parts = [slide._element]
            if slide.has_notes_slide:
                parts.append(slide.notes_slide._element)
            for element in parts:
                for rpr in element.iter(qn("a:rPr"), qn("a:endParaRPr")):
                    assert rpr.get("lang") == "fr-FR", (path.name, slide.slide_id)


def test_notes_go_to_the_notes_page_on_every_content_slide(decks):
    prs = Presentation(str(decks["formation-medias-sociaux-pme"]))
    for slide in prs.slides:
        if slide.slide_layout.name in ("Title Slide", "Section Header"):
            continue
        assert slide.has_notes_slide and slide.notes_slide.notes_text_frame.text.strip()
        notes = slide.notes_slide.notes_text_frame.text
        on_slide = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
        assert notes.split("\n")[0][:40] not in on_slide


def test_french_typography_and_links_reach_the_deck(decks):
    prs = Presentation(str(decks["formation-medias-sociaux-pme"]))
    text = "\n".join(
        s.text_frame.text for slide in prs.slides for s in slide.shapes if s.has_text_frame
    )
    assert "«\u00a0" in text and "\u00a0»" in text
    assert re.search("\\w\u00a0:", text)
    assert not re.search(r"\w [;:!?»]", text), "an ordinary space before French punctuation"
    links = [
        r.hyperlink.address
        for slide in prs.slides
        for s in slide.shapes
        if s.has_text_frame
        for p in s.text_frame.paragraphs
        for r in p.runs
        if r.hyperlink.address
    ]
    assert "mailto:formation@example.com" in links


def test_deck_only_and_newsletter_only_blocks(decks):
    prs = Presentation(str(decks["formation-medias-sociaux-pme"]))
    text = " ".join(
        s.text_frame.text for slide in prs.slides for s in slide.shapes if s.has_text_frame
    )
    source = (ROOT / "content" / "formation-medias-sociaux-pme.md").read_text(encoding="utf-8")
    newsletter_only = source.split("::: newsletter", 1)[1].split(":::", 1)[0].strip()
    deck_only = source.split("::: deck", 1)[1].split(":::", 1)[0].strip()
    first_words = lambda s: " ".join(s.split()[1:4])  # noqa: E731 - skip markup at the start
    assert first_words(deck_only) in text
    assert first_words(newsletter_only) not in text


def test_stress_deck_splits_with_suite_titles_and_repeated_headers(decks):
    summary = summarize(decks["stress"])
    titles = [s["title"] for s in summary["slides"]]
    assert "Un très long paragraphe (suite)" in titles
    table_slides = [s for s in summary["slides"] if s.get("tables")]
    assert len(table_slides) >= 2
    for slide in table_slides:
        assert slide["tables"][0][0] == ["Ligne", "Nom", "Valeur"]
    rows = [row[0] for s in table_slides for row in s["tables"][0][1:]]
    assert rows == [f"Ligne {i}" for i in range(1, 41)], "every row once, in order"
    bullets = [s for s in summary["slides"] if (s["title"] or "").startswith("Quatorze")]
    text = "\n".join(t for s in bullets for t in s["texts"])
    assert all(f"Point {i}\u00a0:" in text for i in range(1, 15))


def test_stress_text_is_shrunk_no_smaller_than_the_theme_minimum(decks, theme):
    from pptx.enum.shapes import PP_PLACEHOLDER

    prs = Presentation(str(decks["stress"]))
    footers = (PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER)
    sizes = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.is_placeholder and shape.placeholder_format.type in footers:
                continue
            frames = (
                [shape.text_frame]
                if shape.has_text_frame
                else (
                    [c.text_frame for row in shape.table.rows for c in row.cells]
                    if shape.has_table
                    else []
                )
            )
            sizes += [r.font.size.pt for tf in frames for p in tf.paragraphs for r in p.runs]
    assert sizes and min(sizes) >= theme.sizes.min_body  # titles, body, tables, code, quotes
    assert min(sizes) < theme.sizes.body  # and the stress fixture did need shrinking


def _project(tmp_path: Path, body: str) -> Path:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    content = tmp_path / "content"
    content.mkdir()
    (content / "images").mkdir()
    PILImage.new("RGB", (400, 200), (30, 60, 90)).save(content / "images" / "wide.png")
    path = content / "doc.md"
    path.write_text(body, encoding="utf-8")
    return path


def test_images_keep_their_aspect_ratio_and_alt_text(tmp_path):
    path = _project(
        tmp_path,
        "---\ntitle: Images\n---\n\n## Un schéma\n\n"
        "![Deux cercles qui se recoupent](images/wide.png)\n",
    )
    result = build([path], out_dir=tmp_path / "out", root=tmp_path, formats=("deck",))
    assert not result.errors
    prs = Presentation(str(result.written[0].path))
    pictures = [s for slide in prs.slides for s in slide.shapes if s.shape_type == 13]
    assert len(pictures) == 1
    picture = pictures[0]
    assert picture._element.nvPicPr.cNvPr.get("descr") == "Deux cercles qui se recoupent"
    assert abs(picture.width / picture.height - 2.0) < 0.01
    assert picture.left >= 0 and picture.top + picture.height <= prs.slide_height


def test_numbered_lists_honour_their_start_and_nested_lists_indent(tmp_path):
    path = _project(
        tmp_path,
        "---\ntitle: Listes\n---\n\n## Étapes\n\n3. trois\n4. quatre\n\n"
        "- un\n    - deux\n        - trois\n",
    )
    result = build([path], out_dir=tmp_path / "out", root=tmp_path, formats=("deck",))
    prs = Presentation(str(result.written[0].path))
    body = [s for s in prs.slides[1].shapes if s.is_placeholder and s.placeholder_format.idx == 1][
        0
    ]
    numbers = [p._p.pPr.find(qn("a:buAutoNum")) for p in body.text_frame.paragraphs[:2]]
    assert [n.get("startAt") for n in numbers] == ["3", "3"]
    margins = [int(p._p.pPr.get("marL")) for p in body.text_frame.paragraphs[2:]]
    assert margins[0] < margins[1] < margins[2]


def test_a_chart_in_each_kind_is_native(tmp_path):
    charts = "".join(
        f"## {kind}\n\n```chart\ntype: {kind}\ntitle: Ventes\nunit: k€\n"
        "categories: [T1, T2, T3]\nseries:\n  "
        + ("A: [1, 2, 3]\n" if kind == "pie" else "A: [1, 2, 3]\n  B: [2.5, 1, 4]\n")
        + "```\n\n"
        for kind in ("bar", "column", "line", "pie")
    )
    path = _project(tmp_path, "---\ntitle: Graphiques\n---\n\n" + charts)
    result = build([path], out_dir=tmp_path / "out", root=tmp_path, formats=("deck",))
    assert not result.errors, [str(e) for e in result.errors]
    prs = Presentation(str(result.written[0].path))
    found = [s.chart for slide in prs.slides for s in slide.shapes if s.has_chart]
    assert [c.chart_type for c in found] == [
        XL_CHART_TYPE.BAR_CLUSTERED,
        XL_CHART_TYPE.COLUMN_CLUSTERED,
        XL_CHART_TYPE.LINE_MARKERS,
        XL_CHART_TYPE.PIE,
    ]
    labels = found[1].plots[0].data_labels
    assert labels.number_format == '#,##0.0" k€"' and not labels.number_format_is_linked


@pytest.mark.realclient
def test_libreoffice_opens_every_deck_and_nothing_spills(decks, tmp_path):
    from realclients import assert_deck_renders_cleanly, require_tool

    require_tool("soffice")
    require_tool("pdftotext")
    for path in decks.values():
        assert_deck_renders_cleanly(path, tmp_path)


# Elements deckgen writes itself (pptx_xml.py), in the order the OOXML schema requires:
# PowerPoint refuses files whose children are out of order, LibreOffice does not mind.
PPR_ORDER = [
    "lnSpc",
    "spcBef",
    "spcAft",
    "buClrTx",
    "buClr",
    "buSzTx",
    "buSzPct",
    "buSzPts",
    "buFontTx",
    "buFont",
    "buNone",
    "buAutoNum",
    "buChar",
    "buBlip",
    "tabLst",
    "defRPr",
    "extLst",
]
RPR_ORDER = [
    "ln",
    "noFill",
    "solidFill",
    "gradFill",
    "blipFill",
    "pattFill",
    "grpFill",
    "effectLst",
    "effectDag",
    "highlight",
    "uLnTx",
    "uLn",
    "uFillTx",
    "uFill",
    "latin",
    "ea",
    "cs",
    "sym",
    "hlinkClick",
    "hlinkMouseOver",
    "rtl",
    "extLst",
]


def _local(tag: str) -> str:
    return tag.split("}")[1]


def _in_order(element, order: list[str]) -> bool:
    positions = [order.index(_local(c.tag)) for c in element if _local(c.tag) in order]
    return positions == sorted(positions)


def test_xml_written_by_deckgen_follows_the_schema_order(decks):
    import zipfile

    from lxml import etree

    for path in decks.values():
        with zipfile.ZipFile(path) as package:
            for name in package.namelist():
                if not name.endswith(".xml") or not name.startswith(
                    ("ppt/slides/", "ppt/notes", "ppt/charts/")
                ):
                    continue
                root = etree.fromstring(package.read(name))
                for ppr in root.iter(qn("a:pPr")):
                    assert _in_order(ppr, PPR_ORDER), (path.name, name)
                for rpr in root.iter(qn("a:rPr"), qn("a:endParaRPr"), qn("a:defRPr")):
                    assert _in_order(rpr, RPR_ORDER), (path.name, name)
                for holder in root.iter(qn("a:r"), qn("a:fld")):
                    assert _local(holder[0].tag) == "rPr", (path.name, name)
                for p in root.iter(qn("a:p")):
                    ends = [k for k, c in enumerate(p) if _local(c.tag) == "endParaRPr"]
                    assert ends in ([], [len(p) - 1]), (path.name, name)
                lang = root.find(qn("c:lang"))
                if lang is not None:
                    assert _local(root[0].tag) == "date1904" and root[1] is lang


# ---------------------------------------------------------------------------- as the author asks

AUTHORED = FIXTURES / "authored" / "talk.qmd"  # deckgen's own, modelled on real Quarto decks


@pytest.fixture(scope="module")
def authored(tmp_path_factory):
    out = tmp_path_factory.mktemp("authored")
    result = build([AUTHORED], out_dir=out, root=ROOT, formats=("deck",))
    assert not result.errors, [str(e) for e in result.errors]
    return out / "default" / "talk.pptx", result


def _slide(prs, title: str):
    return next(s for s in prs.slides if s.shapes.title is not None and s.shapes.title.text == title)


def test_two_columns_are_side_by_side_in_a_two_content_slide(authored, theme):
    path, _ = authored
    prs = Presentation(str(path))
    slide = _slide(prs, "Two columns")
    assert slide.slide_layout.name == "Two Content"
    left, right = [s for s in slide.placeholders if s.placeholder_format.idx in (1, 2)]
    assert left.left + left.width <= right.left and abs(left.top - right.top) < 12700
    assert "working directory" in left.text_frame.text and "remote" in right.text_frame.text
    assert "git add" in left.text_frame.text  # the sub-list stays in its column
    assert slide.has_notes_slide and "four zones" in slide.notes_slide.notes_text_frame.text
    assert overflows(path, theme) == []


def test_column_widths_are_honoured(authored):
    prs = Presentation(str(authored[0]))
    slide = _slide(prs, "Uneven columns")
    picture = next(s for s in slide.shapes if s.shape_type == 13)
    caption = next(s for s in slide.shapes if s.has_text_frame and "Source" in s.text_frame.text)
    assert picture.left + picture.width <= caption.left
    assert caption.width < prs.slide_width * 0.35 < picture.width


def test_a_background_picture_fills_the_slide_behind_a_veil_and_the_text(authored):
    prs = Presentation(str(authored[0]))
    slide = _slide(prs, "A full picture")
    tree = list(slide.shapes)
    assert tree[0].shape_type == 13 and tree[0].name == "Background Picture"
    assert (tree[0].left, tree[0].top, tree[0].width, tree[0].height) == (
        0, 0, prs.slide_width, prs.slide_height
    )
    assert tree[1].name == "Background Veil"
    assert any("Words over the picture" in s.text_frame.text for s in tree if s.has_text_frame)


def test_a_slide_on_a_named_layout_and_a_misspelt_one(authored):
    path, result = authored
    prs = Presentation(str(path))
    assert _slide(prs, "A named layout").slide_layout.name == "Title Only"
    assert _slide(prs, "A layout the template lacks").slide_layout.name == "Title and Content"
    (warning,) = [w for w in result.warnings if "Tow Content" in w.message]
    assert warning.line == 52 and 'did you mean "Two Content"' in warning.message


def test_a_picture_sized_by_the_author_keeps_that_size(authored):
    prs = Presentation(str(authored[0]))
    slide = _slide(prs, "Sized pictures")
    picture = next(s for s in slide.shapes if s.shape_type == 13)
    body = slide.slide_layout.placeholders[1]
    assert picture.width == pytest.approx(body.width * 0.5, rel=0.02)


def test_authored_slides_follow_the_schema(authored):
    from ooxml import assert_valid

    assert_valid([authored[0]])


@pytest.mark.realclient
def test_libreoffice_renders_the_authored_slides_cleanly(authored, tmp_path):
    from realclients import assert_deck_renders_cleanly, require_tool

    require_tool("soffice")
    require_tool("pdftotext")
    assert_deck_renders_cleanly(authored[0], tmp_path)
