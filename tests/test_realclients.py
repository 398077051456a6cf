"""Tests of the real-client helpers: decks built with python-pptx are rendered by
LibreOffice and the helpers must find exactly the words that overflow."""

from __future__ import annotations

import copy
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE, MSO_SHAPE_TYPE, PP_PLACEHOLDER
from pptx.enum.text import MSO_AUTO_SIZE
from pptx.util import Inches
from realclients import (
    REQUIRE_ENV,
    Page,
    Word,
    parse_bbox_xhtml,
    pdf_pages,
    pptx_to_pdf,
    require_tool,
    shape_boxes,
    slide_count,
    words_missing,
    words_outside_page,
    words_outside_shapes,
)

_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"

LAYOUT_TITLE, LAYOUT_TITLE_CONTENT, LAYOUT_BLANK = 0, 1, 6


# --------------------------------------------------------------------------
# Deck builders
# --------------------------------------------------------------------------


def _new_deck() -> Presentation:
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    return prs


def _add_slide_number(slide) -> None:
    """Give ``slide`` a slide-number placeholder whose position is inherited
    from the layout (empty spPr), like PowerPoint does."""
    for ph in slide.slide_layout.placeholders:
        if ph.placeholder_format.type == PP_PLACEHOLDER.SLIDE_NUMBER:
            sp = copy.deepcopy(ph._element)
            sp_pr = sp.find(f"{_P}spPr")
            for child in list(sp_pr):
                sp_pr.remove(child)
            slide.shapes._spTree.append(sp)
            return
    raise AssertionError("layout has no slide-number placeholder")


def build_fitting_deck(path: Path) -> Path:
    prs = _new_deck()

    s1 = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE])
    s1.shapes.title.text = "Quarterly Review"
    s1.placeholders[1].text = "Prepared by deckgen"

    s2 = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_CONTENT])
    s2.shapes.title.text = "Agenda"
    body = s2.placeholders[1].text_frame
    body.text = "Results so far"
    body.add_paragraph().text = "Next steps"
    _add_slide_number(s2)

    s3 = prs.slides.add_slide(prs.slide_layouts[LAYOUT_BLANK])
    box = s3.shapes.add_textbox(Inches(0.5), Inches(0.5), Inches(5), Inches(1.5))
    box.text_frame.word_wrap = True
    box.text_frame.auto_size = MSO_AUTO_SIZE.NONE
    box.text_frame.text = "Short wrapped text that fits"
    table = s3.shapes.add_table(2, 2, Inches(0.5), Inches(2.5), Inches(5), Inches(1)).table
    for r in range(2):
        for c in range(2):
            table.cell(r, c).text = f"cell{r}{c}"
    data = CategoryChartData()
    data.categories = ["Alpha", "Beta"]
    data.add_series("Sales", (3, 5))
    s3.shapes.add_chart(
        XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(7), Inches(0.5), Inches(5.5), Inches(3.5), data
    )
    # A group whose child coordinate space is scaled by 2 (chExt = 2 * ext),
    # so the children's raw python-pptx boxes are NOT their slide positions.
    group = s3.shapes.add_group_shape()
    rect = group.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, Inches(6), Inches(2))
    rect.text_frame.text = "grouped"
    xfrm = group._element.grpSpPr.get_or_add_xfrm()
    xfrm.off.x, xfrm.off.y = Inches(1), Inches(5)
    xfrm.ext.cx, xfrm.ext.cy = Inches(3), Inches(1)
    xfrm.get_or_add_chOff().x, xfrm.get_or_add_chOff().y = 0, 0
    xfrm.get_or_add_chExt().cx, xfrm.get_or_add_chExt().cy = Inches(6), Inches(2)

    prs.save(path)
    return path


def build_overflowing_deck(path: Path) -> Path:
    prs = _new_deck()
    s1 = prs.slides.add_slide(prs.slide_layouts[LAYOUT_BLANK])

    # 1 inch tall, wrapping, no autofit: room for two 18 pt lines, given 13.
    down = s1.shapes.add_textbox(Inches(1), Inches(1), Inches(3), Inches(1))
    tf = down.text_frame
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    tf.text = "keepA keepB"
    for i in range(12):
        tf.add_paragraph().text = f"spill{i:02d}"

    # Near the right edge, no wrapping, no autofit: the line runs off the slide.
    right = s1.shapes.add_textbox(Inches(9.25), Inches(5), Inches(2.2), Inches(0.6))
    right.text_frame.word_wrap = False
    right.text_frame.auto_size = MSO_AUTO_SIZE.NONE
    right.text_frame.text = "edgeA " + " ".join(f"runaway{i:02d}" for i in range(10))

    calm = s1.shapes.add_textbox(Inches(5), Inches(1), Inches(4), Inches(1))
    calm.text_frame.word_wrap = True
    calm.text_frame.auto_size = MSO_AUTO_SIZE.NONE
    calm.text_frame.text = "calm words"

    s2 = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_CONTENT])
    s2.shapes.title.text = "Clean slide"
    s2.placeholders[1].text = "nothing overflows"

    prs.save(path)
    return path


# --------------------------------------------------------------------------
# Fixtures: each deck is converted exactly once, both concurrently (which
# also proves that concurrent conversions do not share a profile).
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, tuple[Path, list[Page]]]:
    require_tool("soffice")
    require_tool("pdftotext")
    root = tmp_path_factory.mktemp("realclients")
    decks = {
        "fitting": build_fitting_deck(root / "fitting.pptx"),
        "overflowing": build_overflowing_deck(root / "overflowing.pptx"),
    }
    with ThreadPoolExecutor(max_workers=len(decks)) as pool:
        futures = {
            name: pool.submit(pptx_to_pdf, deck, root / f"pdf-{name}")
            for name, deck in decks.items()
        }
        pdfs = {name: future.result() for name, future in futures.items()}
    return {name: (decks[name], pdf_pages(pdfs[name])) for name in decks}


@pytest.fixture(scope="module")
def fitting(converted):
    return converted["fitting"]


@pytest.fixture(scope="module")
def overflowing(converted):
    return converted["overflowing"]


def _texts(found) -> set[str]:
    return {word.text for _, word in found}


def _all_text(pages: list[Page]) -> str:
    return " ".join(page.text for page in pages)


# --------------------------------------------------------------------------
# (1) a deck that fits
# --------------------------------------------------------------------------


@pytest.mark.realclient
def test_fitting_deck_has_one_page_per_slide(fitting):
    deck, pages = fitting
    assert slide_count(deck) == 3
    assert len(pages) == 3
    for page in pages:  # 13.333 x 7.5 in
        assert page.width == pytest.approx(13.333 * 72, abs=0.5)
        assert page.height == pytest.approx(7.5 * 72, abs=0.5)


@pytest.mark.realclient
def test_fitting_deck_text_is_rendered(fitting):
    # guards against vacuous passes (e.g. no words extracted at all)
    _, pages = fitting
    assert "Quarterly Review" in pages[0].text
    assert "Results so far" in pages[1].text
    assert "2" in pages[1].text.split()  # the slide-number field
    for word in ("Short", "cell00", "cell11", "Alpha", "Sales", "grouped"):
        assert word in pages[2].text.split()


@pytest.mark.realclient
def test_fitting_deck_has_no_overflow(fitting):
    deck, pages = fitting
    assert words_outside_page(pages) == []
    assert words_outside_shapes(pages, deck) == []
    assert words_missing(pages, deck) == []


@pytest.mark.realclient
def test_placeholder_text_lies_in_its_inherited_box(fitting):
    """The slide's placeholders have no own position; python-pptx's inherited
    boxes must match where LibreOffice draws their text."""
    deck, pages = fitting
    prs = Presentation(str(deck))
    slide, page = prs.slides[1], pages[1]
    scale = page.width / (prs.slide_width / 12700)
    boxes = dict(shape_boxes(slide))

    def box_of(word_text: str):
        (word,) = [w for w in page.words if w.text == word_text]
        return word

    def inside(word: Word, name: str) -> bool:
        x0, y0, x1, y1 = (v * scale for v in boxes[name])
        return (
            x0 - 2 <= word.x_min
            and word.x_max <= x1 + 2
            and y0 - 2 <= word.y_min
            and word.y_max <= y1 + 2
        )

    title = slide.shapes.title.name
    body = slide.placeholders[1].name
    (number,) = [
        s.name
        for s in slide.placeholders
        if s.placeholder_format.type == PP_PLACEHOLDER.SLIDE_NUMBER
    ]
    assert inside(box_of("Agenda"), title)
    assert inside(box_of("Results"), body)
    assert inside(box_of("2"), number)
    assert not inside(box_of("2"), body)


def test_group_children_are_mapped_to_slide_coordinates(tmp_path):
    deck = build_fitting_deck(tmp_path / "deck.pptx")
    slide = Presentation(str(deck)).slides[2]
    (group,) = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.GROUP]
    (rect,) = group.shapes
    assert (rect.left, rect.top, rect.width, rect.height) == (0, 0, Inches(6), Inches(2))
    boxes = dict(shape_boxes(slide))
    # child box (0, 0, 6 in, 2 in) in a child space scaled 2:1 at (1 in, 5 in)
    assert boxes[rect.name] == pytest.approx((72, 360, 72 + 216, 360 + 72))


def test_rotated_shape_contributes_its_bounding_box(tmp_path):
    prs = _new_deck()
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_BLANK])
    box = slide.shapes.add_textbox(Inches(2), Inches(2), Inches(2), Inches(1))
    box.rotation = 90
    prs.save(tmp_path / "rot.pptx")
    ((_, b),) = shape_boxes(Presentation(str(tmp_path / "rot.pptx")).slides[0])
    # 144 x 72 pt box centred at (216, 180) turned upright: 72 x 144 pt
    assert b == pytest.approx((180, 108, 252, 252))


# --------------------------------------------------------------------------
# (2) a deck that overflows
# --------------------------------------------------------------------------


@pytest.mark.realclient
def test_overflow_downward_is_reported(overflowing):
    deck, pages = overflowing
    found = words_outside_shapes(pages, deck)
    assert {slide for slide, _ in found} == {1}
    outside = _texts(found)
    # with ~22 pt lines in a 72 pt box at most 3 lines fit; the rest spill out
    assert {f"spill{i:02d}" for i in range(3, 12)} <= outside
    assert not {"keepA", "keepB", "calm", "words"} & outside
    # it stays on the page, though
    assert not {t for t in _texts(words_outside_page(pages)) if t.startswith("spill")}


@pytest.mark.realclient
def test_overflow_past_right_edge_is_reported(overflowing):
    deck, pages = overflowing
    # The box spans 666-824 pt, the page 0-960 pt; at 18 pt each "runawayNN"
    # is ~81 pt wide: runaway00 fits, runaway01 crosses the box's right edge,
    # runaway02 crosses the page's right edge, the rest lie beyond the page.
    outside_shapes = _texts(words_outside_shapes(pages, deck))
    assert "runaway01" in outside_shapes
    assert not {"edgeA", "runaway00"} & outside_shapes

    # the word straddling the page edge: poppler keeps only its on-page part
    off_page = words_outside_page(pages)
    assert off_page, "no word reported outside the page"
    assert all(page_no == 1 for page_no, _ in off_page)
    assert all(word.x_min < pages[0].width < word.x_max for _, word in off_page)
    assert all(word.text.startswith("runaway") for _, word in off_page)

    # words entirely beyond the edge are not in the PDF text at all
    missing = {word for _, word in words_missing(pages, deck)}
    assert {f"runaway{i:02d}" for i in range(3, 10)} <= missing
    assert (
        not {"edgeA", "runaway00", "runaway01", "keepA", "keepB", "calm", "words", "spill11"}
        & missing
    )
    assert "runaway09" not in _all_text(pages)


@pytest.mark.realclient
def test_clean_slide_of_overflowing_deck_is_not_reported(overflowing):
    deck, pages = overflowing
    assert slide_count(deck) == len(pages) == 2
    assert all(slide == 1 for slide, _ in words_outside_shapes(pages, deck))
    assert all(slide == 1 for slide, _ in words_missing(pages, deck))
    assert "nothing overflows" in pages[1].text


# --------------------------------------------------------------------------
# conversion failures, PDF parsing
# --------------------------------------------------------------------------


@pytest.mark.realclient
def test_pptx_to_pdf_reports_failure(tmp_path):
    require_tool("soffice")
    with pytest.raises(AssertionError, match="LibreOffice could not convert"):
        pptx_to_pdf(tmp_path / "does-not-exist.pptx", tmp_path / "out")


def test_parse_bbox_xhtml_handles_namespace():
    xhtml = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
 "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><title></title></head><body><doc>
  <page width="960.0" height="540.0"><flow><block xMin="1" yMin="2" xMax="3" yMax="4">
    <line xMin="1" yMin="2" xMax="3" yMax="4">
      <word xMin="10.5" yMin="20" xMax="30" yMax="40">A&amp;B\x0c</word>
      <word xMin="950" yMin="20" xMax="970" yMax="40">edge</word>
    </line></block></flow></page>
  <page width="960.0" height="540.0"></page>
</doc></body></html>"""
    pages = parse_bbox_xhtml(xhtml)
    assert [len(p.words) for p in pages] == [2, 0]
    assert pages[0].words[0] == Word("A&B", 10.5, 20.0, 30.0, 40.0)
    assert pages[0].width == 960.0
    assert [(n, w.text) for n, w in words_outside_page(pages)] == [(1, "edge")]


# --------------------------------------------------------------------------
# (3) require_tool: skip locally, fail in CI
# --------------------------------------------------------------------------


@pytest.fixture
def empty_path(tmp_path, monkeypatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    return bin_dir


def test_require_tool_skips_when_missing(empty_path, monkeypatch):
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception) as excinfo:
        require_tool("soffice")
    message = str(excinfo.value)
    assert "soffice not installed" in message
    assert "libreoffice-impress" in message
    assert f"{REQUIRE_ENV}=1" in message


@pytest.mark.parametrize("value", ["", "0"])
def test_require_tool_skips_unless_env_is_set(empty_path, monkeypatch, value):
    monkeypatch.setenv(REQUIRE_ENV, value)
    with pytest.raises(pytest.skip.Exception):
        require_tool("pdftotext")


def test_require_tool_fails_when_required(empty_path, monkeypatch):
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception) as excinfo:
        require_tool("soffice")
    assert "libreoffice-impress" in str(excinfo.value)
    with pytest.raises(pytest.fail.Exception) as excinfo:
        require_tool("pdftotext")
    assert "poppler-utils" in str(excinfo.value)


def test_require_tool_accepts_libreoffice_for_soffice(empty_path, monkeypatch):
    monkeypatch.setenv(REQUIRE_ENV, "1")
    fake = empty_path / "libreoffice"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    assert require_tool("soffice") == str(fake)
    assert require_tool("libreoffice") == str(fake)


def test_require_tool_finds_installed_tool(monkeypatch):
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    path = require_tool("pdftotext")  # skips where poppler-utils is absent
    assert os.access(path, os.X_OK)
