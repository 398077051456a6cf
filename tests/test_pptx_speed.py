"""make_linear: same bytes as stock python-pptx, per-instance only, and no per-slide walks."""

from __future__ import annotations

import gc
import io
import re
import sys
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.opc.package import OpcPackage, Part, XmlPart, _Relationships
from pptx.opc.packuri import PackURI
from pptx.oxml.presentation import CT_SlideIdList
from pptx.package import Package, _ImageParts
from pptx.parts.presentation import PresentationPart
from pptx.slide import Slides
from pptx.util import Inches, Pt

from deckgen.render.pptx_speed import _PartCaches, make_linear

# ---------------------------------------------------------------------------- helpers


def _png(path: Path, rgb: tuple[int, int, int]) -> Path:
    Image.new("RGB", (8, 6), rgb).save(path, "PNG")
    return path


@pytest.fixture
def pictures(tmp_path: Path) -> dict[str, Path]:
    return {
        "same": _png(tmp_path / "same.png", (200, 30, 30)),
        **{f"p{i}": _png(tmp_path / f"p{i}.png", (i, 100, 255 - i)) for i in range(60)},
    }


def _add_slides(prs, pictures: dict[str, Path], start: int, count: int) -> None:
    """Add `count` varied slides; slide `i` always gets the same content."""
    layouts = prs.slide_layouts
    for i in range(start, start + count):
        slide = prs.slides.add_slide(layouts[i % len(layouts)])
        if slide.shapes.title is not None:
            slide.shapes.title.text = f"Slide {i}"
        box = slide.shapes.add_textbox(Inches(1), Inches(5), Inches(4), Inches(1))
        run = box.text_frame.paragraphs[0].add_run()
        run.text = f"body {i}"
        run.font.size = Pt(14)
        if i % 6 == 3:
            run.hyperlink.address = f"https://example.com/{i}"
        slide.notes_slide.notes_text_frame.text = f"notes {i}"
        if i % 5 in (0, 1):
            data = CategoryChartData()
            data.categories = ["a", "b", "c"]
            data.add_series("s", (i, i + 1, i + 2))
            kind = XL_CHART_TYPE.COLUMN_CLUSTERED if i % 5 == 0 else XL_CHART_TYPE.PIE
            slide.shapes.add_chart(kind, Inches(1), Inches(1), Inches(4), Inches(3), data)
        if i % 3 == 0:
            slide.shapes.add_picture(str(pictures["same"]), Inches(6), Inches(1))
        if i % 4 == 1:
            slide.shapes.add_picture(str(pictures[f"p{i % 60}"]), Inches(6), Inches(3))
        if i % 4 == 2:
            table = slide.shapes.add_table(2, 3, Inches(1), Inches(4), Inches(6), Inches(1)).table
            for r in range(2):
                for c in range(3):
                    table.cell(r, c).text = f"{i}.{r}.{c}"


def _remove_slides(prs, keep: Callable[[int], bool]) -> None:
    """Delete slides the way python-pptx users do: drop the rel, remove the sldId."""
    sldIdLst = prs.slides._sldIdLst
    for n, sldId in enumerate(list(sldIdLst)):
        if not keep(n):
            prs.part.drop_rel(sldId.rId)
            sldIdLst.remove(sldId)


_XLSX_TIMESTAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _members(prs) -> list[tuple[str, bytes]]:
    buf = io.BytesIO()
    prs.save(buf)
    with zipfile.ZipFile(buf) as zf:
        return [(name, _normalized(name, zf.read(name))) for name in zf.namelist()]


def _normalized(name: str, blob: bytes) -> bytes:
    """Chart workbooks are written by XlsxWriter, which stamps docProps/core.xml with the
    current second; two builds straddling a second boundary differ only there.  Compare
    such a workbook by its members, with just those two timestamps blanked."""
    if not name.endswith(".xlsx"):
        return blob
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        parts = [(n, zf.read(n)) for n in zf.namelist()]
    return repr(
        [(n, _XLSX_TIMESTAMP.sub(rb"\1\2", b) if n == "docProps/core.xml" else b) for n, b in parts]
    ).encode()


def _assert_same(a, b) -> None:
    ma, mb = _members(a), _members(b)
    assert [n for n, _ in ma] == [n for n, _ in mb]
    for (name, blob_a), (_, blob_b) in zip(ma, mb, strict=True):
        assert blob_a == blob_b, name


# ---------------------------------------------------------------------------- identity


def test_output_identical_to_stock(pictures: dict[str, Path]) -> None:
    stock, fast = Presentation(), Presentation()
    make_linear(fast)
    for prs in (stock, fast):
        _add_slides(prs, pictures, 0, 60)
    members = _members(fast)
    names = [n for n, _ in members]
    assert len(names) == len(set(names))
    assert {"ppt/slides/slide60.xml", "ppt/notesSlides/notesSlide60.xml"} <= set(names)
    assert {"ppt/charts/chart24.xml", "ppt/embeddings/Microsoft_Excel_Sheet24.xlsx"} <= set(names)
    assert "ppt/media/image16.png" in names  # "same" + 15 distinct pictures
    _assert_same(stock, fast)


@pytest.fixture
def template(tmp_path: Path, pictures: dict[str, Path]) -> Path:
    prs = Presentation()
    _add_slides(prs, pictures, 100, 6)  # charts, notes, pictures shared with the deck
    path = tmp_path / "template.pptx"
    prs.save(path)
    return path


@pytest.mark.parametrize(
    "keep, rename",
    [
        (lambda n: False, False),  # drop every example slide
        (lambda n: n < 2, False),  # keep the first two
        (lambda n: n % 2 == 0, True),  # holes in the middle: rename, as stock requires
    ],
    ids=["drop-all", "keep-first-two", "drop-middle-renamed"],
)
def test_template_with_removed_slides_identical_to_stock(
    template: Path, pictures: dict[str, Path], keep: Callable[[int], bool], rename: bool
) -> None:
    decks = []
    for patched in (False, True):
        prs = Presentation(str(template))
        _remove_slides(prs, keep)
        if rename:
            prs.part.rename_slide_parts([s.rId for s in prs.slides._sldIdLst])
        if patched:
            make_linear(prs)
        _add_slides(prs, pictures, 0, 40)
        decks.append(prs)
    _assert_same(*decks)


def test_slides_dropped_after_make_linear_identical_to_stock(pictures: dict[str, Path]) -> None:
    """Drops through drop_rel re-seed the caches, so freed names are reused like stock."""
    decks = []
    for patched in (False, True):
        prs = Presentation()
        if patched:
            make_linear(prs)
        _add_slides(prs, pictures, 0, 20)
        _remove_slides(prs, keep=lambda n: n < 17)  # frees charts, a picture, notes
        _add_slides(prs, pictures, 40, 10)
        _remove_slides(prs, keep=lambda n: n != 26)  # the last one, which we added
        _add_slides(prs, pictures, 50, 5)
        _remove_slides(prs, keep=lambda n: n not in (3, 8))  # holes: rename, as stock needs
        prs.part.rename_slide_parts([s.rId for s in prs.slides._sldIdLst])
        _add_slides(prs, pictures, 60, 5)
        decks.append(prs)
    _assert_same(*decks)


def test_make_linear_twice_is_harmless(pictures: dict[str, Path]) -> None:
    stock, fast = Presentation(), Presentation()
    make_linear(fast)
    for prs in (stock, fast):
        _add_slides(prs, pictures, 0, 10)
    make_linear(fast)
    for prs in (stock, fast):
        _add_slides(prs, pictures, 10, 10)
    _assert_same(stock, fast)


# ---------------------------------------------------------------------------- isolation

_CLASSES = (
    OpcPackage,
    Package,
    _ImageParts,
    Part,
    XmlPart,
    _Relationships,
    PresentationPart,
    Slides,
    CT_SlideIdList,
)


def test_unpatched_presentation_unaffected(pictures: dict[str, Path]) -> None:
    before = {cls: dict(vars(cls)) for cls in _CLASSES}
    stock, fast_a, fast_b = Presentation(), Presentation(), Presentation()
    make_linear(fast_a)
    make_linear(fast_b)
    assert {cls: dict(vars(cls)) for cls in _CLASSES} == before

    # -- interleaved builds share no state --
    for i in range(0, 24, 4):
        for prs in (fast_a, stock, fast_b):
            _add_slides(prs, pictures, i, 4)
    _assert_same(stock, fast_a)
    _assert_same(stock, fast_b)

    # -- and the stock one still takes the stock (walking) path --
    pkg = stock.part.package
    assert not {"next_partname", "next_image_partname", "get_or_add_image_part"} & set(vars(pkg))
    assert not {"get_or_add", "pop"} & set(vars(stock.part.rels))
    with mock.patch.object(OpcPackage, "iter_parts", autospec=True, wraps=OpcPackage.iter_parts):
        stock.slides.add_slide(stock.slide_layouts[0]).notes_slide  # noqa: B018
        assert OpcPackage.iter_parts.call_count == 1


# ---------------------------------------------------------------------------- scaling


def _work_counts(n: int, patched: bool, picture_dir: Path) -> Counter[str]:
    """Count the package-wide scans made while adding `n` slides, each with notes, a chart
    and a new picture."""
    prs = Presentation()
    if patched:
        make_linear(prs)
    prs_rels = prs.part.rels
    counts: Counter[str] = Counter()

    def counting(name: str, fn: Callable, only: object = None) -> Callable:
        def wrapper(self, *args):
            if only is None or self is only:
                counts[name] += 1
            return fn(self, *args)

        return wrapper

    pics = [_png(picture_dir / f"s{i}.png", (i % 256, i // 256, 9)) for i in range(n)]
    by_reltype = _Relationships._rels_by_reltype.fget
    next_id = CT_SlideIdList._next_id.fget
    with (
        mock.patch.object(OpcPackage, "iter_parts", counting("iter_parts", OpcPackage.iter_parts)),
        mock.patch.object(OpcPackage, "iter_rels", counting("iter_rels", OpcPackage.iter_rels)),
        mock.patch.object(
            _Relationships,
            "_rels_by_reltype",
            property(counting("prs_rels_by_reltype", by_reltype, only=prs_rels)),
        ),
        mock.patch.object(CT_SlideIdList, "_next_id", property(counting("_next_id", next_id))),
    ):
        for i in range(n):
            slide = prs.slides.add_slide(prs.slide_layouts[1])
            slide.shapes.title.text = f"t{i}"
            slide.notes_slide.notes_text_frame.text = f"n{i}"
            data = CategoryChartData()
            data.categories = ["a", "b"]
            data.add_series("s", (1, i))
            slide.shapes.add_chart(XL_CHART_TYPE.PIE, 0, 0, Inches(2), Inches(2), data)
            slide.shapes.add_picture(str(pics[i]), 0, 0)
    return counts


def test_package_scans_do_not_grow_with_slide_count(tmp_path: Path) -> None:
    small, large = _work_counts(50, True, tmp_path), _work_counts(200, True, tmp_path)
    assert small == large
    assert small["_next_id"] == 0
    assert small["iter_parts"] <= 6  # one seeding walk per partname family

    # -- control: the same counters do grow for stock python-pptx --
    stock_small, stock_large = _work_counts(10, False, tmp_path), _work_counts(20, False, tmp_path)
    for name in ("iter_parts", "iter_rels", "prs_rels_by_reltype", "_next_id"):
        assert stock_large[name] > stock_small[name], name


# ---------------------------------------------------------------------------- name search

_TEMPLATES = ["/ppt/notesSlides/notesSlide%d.xml", "/ppt/charts/chart%d.xml"]


@settings(max_examples=200, deadline=None, database=None)
@given(
    existing=st.lists(
        st.tuples(
            st.sampled_from(["/ppt/media/image%d.png", "/ppt/media/image%d.jpeg", *_TEMPLATES]),
            st.integers(1, 12),
        ),
        max_size=20,
    ),
    requests=st.lists(st.sampled_from(["png", "jpeg", *_TEMPLATES]), max_size=25),
)
def test_name_search_matches_stock(existing: list[tuple[str, int]], requests: list[str]) -> None:
    """Gaps, duplicate image numbers across extensions: same answers as the stock search."""
    names = {tmpl % n for tmpl, n in existing}
    fake = SimpleNamespace(
        iter_parts=lambda: iter([SimpleNamespace(partname=PackURI(n)) for n in sorted(names)])
    )
    caches = _PartCaches(fake)
    for request in requests:
        if request.startswith("/"):
            expected = OpcPackage.next_partname(fake, request)
            got = caches.next_partname(request)
        else:
            expected = Package.next_image_partname(fake, request)
            got = caches.next_image_partname(request)
        assert got == expected
        names.add(got)


def test_fast_save_writes_the_same_package_as_python_pptx(tmp_path):
    """pptx_speed.save writes .rels files from text: same members, same bytes as stock."""
    import zipfile as _zip

    from PIL import Image as _Image

    from deckgen import typography
    from deckgen.reading import read_document
    from deckgen.render import pptx_speed
    from deckgen.render.deck import render_deck
    from deckgen.themes import load_theme

    (tmp_path / "pyproject.toml").write_text("")
    _Image.new("RGB", (40, 20), "navy").save(tmp_path / "p.png")
    source = tmp_path / "doc.md"
    source.write_text(
        '---\ntitle: T\n---\n\n## Liens\n\n[a & b](https://x.fr/?a=1&b="2") et '
        "[mail](mailto:a@example.com)\n\n![image](p.png)\n\n::: notes\nNotes.\n:::\n\n"
        "## Graphique\n\n```chart\ntype: pie\ndata:\n  A: 1\n  B: 2\n```\n",
        encoding="utf-8",
    )
    doc, _ = read_document(source, tmp_path)
    prs = render_deck(typography.apply(doc), load_theme("default")[0])
    stock, fast = io.BytesIO(), io.BytesIO()
    prs.save(stock)
    pptx_speed.save(prs, fast)
    a, b = _zip.ZipFile(stock), _zip.ZipFile(fast)
    assert a.namelist() == b.namelist()
    for name in a.namelist():
        assert a.read(name) == b.read(name), name


@pytest.mark.parametrize("where", ["write", "close"])
def test_ctrl_c_inside_a_member_stays_ctrl_c(where: str) -> None:
    """CI once saw Ctrl-C land inside a zip member's close(): the `with ZipFile` exit then
    raised "open writing handle", an internal error instead of exit 130, and __del__
    printed a traceback. The interrupt must come out as itself, with nothing printed."""
    from deckgen.render import pptx_speed

    prs = Presentation()
    for _ in range(3):
        prs.slides.add_slide(prs.slide_layouts[1])
    original = getattr(zipfile._ZipWriteFile, where)
    calls = Counter[str]()

    def interrupted(self, *args):  # type: ignore[no-untyped-def]
        calls[where] += 1
        if calls[where] == 5:
            raise KeyboardInterrupt
        return original(self, *args)

    unraisable: list[object] = []
    with (
        mock.patch.object(zipfile._ZipWriteFile, where, interrupted),
        mock.patch.object(sys, "unraisablehook", unraisable.append),
    ):
        with pytest.raises(KeyboardInterrupt):
            pptx_speed.save(prs, io.BytesIO())
        gc.collect()  # ZipFile.__del__ and the member's own __del__ run here
    assert calls[where] >= 5
    assert not unraisable, [u.exc_value for u in unraisable]  # type: ignore[attr-defined]
