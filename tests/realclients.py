"""Helpers for checking generated decks with real clients.

A deck is rendered by LibreOffice (``soffice --convert-to pdf``) and the PDF is
inspected with poppler's ``pdftotext -bbox-layout``.  The checks answer:

* does the PDF have one page per (visible) slide?  -> :func:`slide_count`
* does any word stick out of the page?             -> :func:`words_outside_page`
* does any word stick out of every shape box?       -> :func:`words_outside_shapes`
* did any word vanish (e.g. pushed entirely off the page, where poppler
  drops it)?                                        -> :func:`words_missing`

Missing tools make tests skip, unless ``DECKGEN_REQUIRE_CLIENTS=1`` is set (CI),
in which case they fail.

Slide and page numbers in results are 1-based.  Coordinates are PDF points with
the origin at the top-left corner of the page (pdftotext's convention).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

EMU_PER_PT = 12700

REQUIRE_ENV = "DECKGEN_REQUIRE_CLIENTS"

# executable -> (alternative executable names, Debian package providing it)
_TOOLS: dict[str, tuple[tuple[str, ...], str]] = {
    "soffice": (("soffice", "libreoffice"), "libreoffice-impress"),
    "libreoffice": (("libreoffice", "soffice"), "libreoffice-impress"),
    "pdftotext": (("pdftotext",), "poppler-utils"),
    "pdftoppm": (("pdftoppm",), "poppler-utils"),
    "mutool": (("mutool",), "mupdf-tools"),
    "pdffonts": (("pdffonts",), "poppler-utils"),
    "fc-list": (("fc-list",), "fontconfig"),
    "chromium": (("chromium", "chromium-browser"), "chromium"),
}

_XHTML_NS = "{http://www.w3.org/1999/xhtml}"
_A_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_P_NS = "{http://schemas.openxmlformats.org/presentationml/2006/main}"

# Characters that are not allowed in XML 1.0 documents (pdftotext copies text
# from the PDF verbatim, so a stray control character would break parsing).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --------------------------------------------------------------------------
# Tools
# --------------------------------------------------------------------------


def clients_required() -> bool:
    """True when missing clients must fail the test run (CI)."""
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def require_tool(name: str) -> str:
    """Return the path of executable ``name``, or skip/fail the current test.

    ``soffice`` and ``libreoffice`` are interchangeable.  When the tool is
    missing the test is skipped, or fails if ``DECKGEN_REQUIRE_CLIENTS=1``.
    """
    candidates, package = _TOOLS.get(name, ((name,), name))
    for candidate in candidates:
        path = shutil.which(candidate)
        if path:
            return path
    alternatives = " or ".join(candidates)
    if clients_required():
        pytest.fail(
            f"{alternatives} not found on PATH but {REQUIRE_ENV}=1 requires it: "
            f"install the Debian package {package} (apt-get install {package})",
            pytrace=False,
        )
    pytest.skip(
        f"{name} not installed (Debian package {package}); "
        f"set {REQUIRE_ENV}=1 to make this a failure"
    )
    raise AssertionError("unreachable")  # pragma: no cover - skip() raises


# --------------------------------------------------------------------------
# Conversion
# --------------------------------------------------------------------------


def pptx_to_pdf(pptx: Path, outdir: Path, timeout: float = 180) -> Path:
    """Convert ``pptx`` to PDF with LibreOffice (deckgen's own driver, a fresh profile per
    run) and return the PDF's path; a failure fails the test with LibreOffice's words."""
    from deckgen import clients

    require_tool("soffice")
    try:
        return clients.pptx_to_pdf(Path(pptx), Path(outdir), timeout)
    except clients.ClientError as exc:
        raise AssertionError(f"LibreOffice could not convert {pptx}: {exc}") from None


def convert_all(paths: Sequence[Path], outdir: Path, timeout: float = 1800) -> dict[Path, Path]:
    """Many decks converted to PDF by one LibreOffice process a few dozen decks (its
    start-up costs seconds a run; one that hangs does not lose them all), through deckgen's
    own driver: deck -> its PDF. The decks need distinct file names."""
    from deckgen import clients

    require_tool("soffice")
    found: dict[Path, Path] = {}
    batch = 40
    for start in range(0, len(paths), batch):
        chunk = [Path(p) for p in paths[start : start + batch]]
        try:
            found.update(clients.pptxs_to_pdf(chunk, outdir, timeout))
        except clients.ClientError as exc:
            raise AssertionError(
                f"LibreOffice could not convert {len(chunk)} decks: {exc}"
            ) from None
    return found


def resave_with_libreoffice(pptx: Path, outdir: Path, timeout: float = 180) -> Path:
    """``pptx`` opened and saved again by LibreOffice Impress as PowerPoint 2007+ XML, as
    many clients' templates are made; returns the saved file in ``outdir`` (same name)."""
    soffice = require_tool("soffice")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="deckgen-test-lo-") as work:
        source = Path(work, "source", Path(pptx).name)
        source.parent.mkdir()
        shutil.copy(pptx, source)
        home = Path(work, "home")
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={(home / 'profile').as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pptx:Impress MS PowerPoint 2007 XML",
                "--outdir",
                str(outdir),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
            env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
        )
    saved = outdir / Path(pptx).name
    assert saved.is_file(), f"LibreOffice wrote no {saved}"
    return saved


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# --------------------------------------------------------------------------
# PDF inspection
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    words: list[Word] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def pdf_pages(pdf: Path, timeout: float = 60) -> list[Page]:
    """Pages of ``pdf`` with their size and word boxes (``pdftotext -bbox-layout``).

    Note: poppler drops characters lying entirely outside the page, so a word
    pushed completely off the page is absent here (see :func:`words_missing`),
    and a word straddling the edge is cut short.
    """
    pdftotext = require_tool("pdftotext")
    proc = subprocess.run(
        [pdftotext, "-bbox-layout", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(
            f"pdftotext failed on {pdf} (exit code {proc.returncode}):\n"
            f"{proc.stderr.decode(errors='replace')}"
        )
    return parse_bbox_xhtml(proc.stdout.decode("utf-8", errors="replace"))


def parse_bbox_xhtml(xhtml: str) -> list[Page]:
    """Parse the XHTML written by ``pdftotext -bbox`` / ``-bbox-layout``."""
    root = ET.fromstring(_XML_INVALID.sub("", xhtml))
    pages = []
    for page_el in root.iter(f"{_XHTML_NS}page"):
        words = [
            Word(
                text=el.text or "",
                x_min=float(el.get("xMin")),
                y_min=float(el.get("yMin")),
                x_max=float(el.get("xMax")),
                y_max=float(el.get("yMax")),
            )
            for el in page_el.iter(f"{_XHTML_NS}word")
        ]
        pages.append(
            Page(
                width=float(page_el.get("width")), height=float(page_el.get("height")), words=words
            )
        )
    return pages


def words_outside_page(pages: Sequence[Page], tolerance: float = 0.5) -> list[tuple[int, Word]]:
    """Words whose box is not inside their page (1-based page numbers)."""
    out = []
    for page_no, page in enumerate(pages, start=1):
        for word in page.words:
            if not _inside(word, (0.0, 0.0, page.width, page.height), tolerance):
                out.append((page_no, word))
    return out


# --------------------------------------------------------------------------
# Deck inspection
# --------------------------------------------------------------------------

Box = tuple[float, float, float, float]  # x_min, y_min, x_max, y_max


def _visible_slides(prs) -> list:
    # LibreOffice does not export hidden slides (show="0") to PDF by default.
    return [s for s in prs.slides if s._element.get("show", "1") not in ("0", "false")]


def slide_count(pptx_path: Path, include_hidden: bool = False) -> int:
    """Number of slides LibreOffice exports as PDF pages (hidden ones excluded)."""
    prs = Presentation(str(pptx_path))
    if include_hidden:
        return len(prs.slides)
    return len(_visible_slides(prs))


def shape_boxes(slide, include_inherited: bool = True) -> list[tuple[str, Box]]:
    """``(shape name, box in points)`` of every shape drawn on ``slide``.

    Group children are mapped through their group's transform, rotated shapes
    contribute their axis-aligned bounding box and placeholders fall back to
    the layout/master position.  With ``include_inherited``, non-placeholder
    shapes of the layout and master (logos, decorative text) are included
    too, unless hidden with ``showMasterSp="0"``.
    """
    boxes = list(_boxes(slide.shapes))
    if include_inherited:
        layout = slide.slide_layout
        if _shows_master_shapes(slide):
            boxes += _boxes(s for s in layout.shapes if not s.is_placeholder)
            if _shows_master_shapes(layout):
                boxes += _boxes(s for s in layout.slide_master.shapes if not s.is_placeholder)
    return boxes


def _shows_master_shapes(slide_or_layout) -> bool:
    return slide_or_layout._element.get("showMasterSp", "1") not in ("0", "false")


def _boxes(shapes: Iterable) -> Iterator[tuple[str, Box]]:
    for shape in shapes:
        box = _own_box(shape)
        if box is None:
            continue
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            mapping = _group_mapping(shape, box)
            for name, child in _boxes(shape.shapes):
                yield name, mapping(child)
        else:
            yield shape.name, box


def _xfrm(shape):
    el = shape._element
    if el.tag == f"{_P_NS}graphicFrame":
        return el.find(f"{_P_NS}xfrm")
    for props in ("spPr", "grpSpPr"):
        sp_pr = el.find(f"{_P_NS}{props}")
        if sp_pr is not None:
            return sp_pr.find(f"{_A_NS}xfrm")
    return None


def _own_box(shape) -> Box | None:
    """Axis-aligned box (points) of ``shape`` in its parent's coordinates."""
    try:
        left, top, width, height = shape.left, shape.top, shape.width, shape.height
    except (AttributeError, NotImplementedError):
        return None
    if None in (left, top, width, height):
        return None
    box = (
        left / EMU_PER_PT,
        top / EMU_PER_PT,
        (left + width) / EMU_PER_PT,
        (top + height) / EMU_PER_PT,
    )
    xfrm = _xfrm(shape)
    rotation = float(xfrm.get("rot", 0)) / 60000 if xfrm is not None else 0.0
    return _rotated_bounds(box, rotation) if rotation % 360 else box


def _rotated_bounds(box: Box, degrees: float, center: tuple[float, float] | None = None) -> Box:
    x0, y0, x1, y1 = box
    cx, cy = center if center is not None else ((x0 + x1) / 2, (y0 + y1) / 2)
    cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    xs, ys = [], []
    for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)):
        dx, dy = x - cx, y - cy
        xs.append(cx + dx * cos - dy * sin)
        ys.append(cy + dx * sin + dy * cos)
    return min(xs), min(ys), max(xs), max(ys)


def _group_mapping(group, group_box: Box):
    """Function mapping a child box (child coordinates) to the group's parent."""
    xfrm = _xfrm(group)
    if xfrm is None:
        return lambda b: b
    off, ext = xfrm.find(f"{_A_NS}off"), xfrm.find(f"{_A_NS}ext")
    ch_off, ch_ext = xfrm.find(f"{_A_NS}chOff"), xfrm.find(f"{_A_NS}chExt")
    if off is None or ext is None:
        return lambda b: b
    gx, gy = int(off.get("x")) / EMU_PER_PT, int(off.get("y")) / EMU_PER_PT
    gw, gh = int(ext.get("cx")) / EMU_PER_PT, int(ext.get("cy")) / EMU_PER_PT
    if ch_off is None or ch_ext is None:
        cx, cy, cw, ch = gx, gy, gw, gh
    else:
        cx, cy = int(ch_off.get("x")) / EMU_PER_PT, int(ch_off.get("y")) / EMU_PER_PT
        cw, ch = int(ch_ext.get("cx")) / EMU_PER_PT, int(ch_ext.get("cy")) / EMU_PER_PT
    sx = gw / cw if cw else 1.0
    sy = gh / ch if ch else 1.0
    flip_h = xfrm.get("flipH") in ("1", "true")
    flip_v = xfrm.get("flipV") in ("1", "true")
    rotation = float(xfrm.get("rot", 0)) / 60000
    center = (gx + gw / 2, gy + gh / 2)

    def mapping(b: Box) -> Box:
        x0, x1 = gx + (b[0] - cx) * sx, gx + (b[2] - cx) * sx
        y0, y1 = gy + (b[1] - cy) * sy, gy + (b[3] - cy) * sy
        if flip_h:
            x0, x1 = 2 * center[0] - x1, 2 * center[0] - x0
        if flip_v:
            y0, y1 = 2 * center[1] - y1, 2 * center[1] - y0
        mapped = (x0, y0, x1, y1)
        return _rotated_bounds(mapped, rotation, center) if rotation % 360 else mapped

    return mapping


def _inside(word: Word, box: Box, tolerance: float) -> bool:
    x0, y0, x1, y1 = box
    return (
        word.x_min >= x0 - tolerance
        and word.y_min >= y0 - tolerance
        and word.x_max <= x1 + tolerance
        and word.y_max <= y1 + tolerance
    )


def _check_page_count(pages: Sequence[Page], slides: Sequence, pptx_path: Path) -> None:
    if len(pages) != len(slides):
        raise AssertionError(
            f"{Path(pptx_path).name}: PDF has {len(pages)} pages but the deck has "
            f"{len(slides)} visible slides"
        )


def words_outside_shapes(
    pdf_pages: Sequence[Page], pptx_path: Path, tolerance_pt: float = 2.0
) -> list[tuple[int, Word]]:
    """Words of the PDF that are not inside any shape box of their slide.

    Shape boxes come from the deck (python-pptx) and are scaled to the PDF
    page size.  ``tolerance_pt`` is in PDF points.  Slide numbers are 1-based
    and count visible slides only (the ones LibreOffice exports).
    """
    prs = Presentation(str(pptx_path))
    slides = _visible_slides(prs)
    _check_page_count(pdf_pages, slides, pptx_path)
    slide_w = prs.slide_width / EMU_PER_PT
    slide_h = prs.slide_height / EMU_PER_PT
    out = []
    for slide_no, (slide, page) in enumerate(zip(slides, pdf_pages, strict=True), start=1):
        sx, sy = page.width / slide_w, page.height / slide_h
        boxes = [(b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy) for _, b in shape_boxes(slide)]
        for word in page.words:
            if not any(_inside(word, box, tolerance_pt) for box in boxes):
                out.append((slide_no, word))
    return out


def slide_words(slide) -> list[str]:
    """Words typed in the slide's text frames and table cells (fields excluded)."""
    words: list[str] = []
    for shape in _iter_shapes(slide.shapes):
        frames = []
        if shape.has_text_frame:
            frames.append(shape.text_frame)
        if getattr(shape, "has_table", False) and shape.has_table:
            frames += [cell.text_frame for row in shape.table.rows for cell in row.cells]
        for frame in frames:
            for paragraph in frame.paragraphs:
                # only runs: field text (slide number, date) is recomputed by the client
                text = "".join(run.text for run in paragraph.runs)
                words += text.split()
    return words


def _iter_shapes(shapes) -> Iterator:
    for shape in shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _iter_shapes(shape.shapes)
        else:
            yield shape


def _comparable(word: str) -> str:
    """A word as compared with the PDF's: casefolded, compatibility-normalized (math letters
    such as 𝐁 come out of the PDF as B), without the joiners and variation selectors of emoji
    (drawn, never extracted) nor combining marks left after composition (an arrow over a
    letter). A soft hyphen stays: the PDF keeps it where a word was hyphenated."""
    import unicodedata

    text = unicodedata.normalize("NFKC", word.casefold())
    return "".join(ch for ch in text if ch not in INVISIBLE and unicodedata.category(ch) != "Mn")


SEP = "\x01"  # between the PDF's words
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufe0e\ufe0f")


def words_missing(pdf_pages: Sequence[Page], pptx_path: Path) -> list[tuple[int, str]]:
    """Words of the deck that do not show up on their PDF page.

    Catches text pushed entirely off the page, which poppler silently drops
    (so :func:`words_outside_page` cannot see it), and words cut at the page
    edge.  Matching is case-insensitive and ignores whitespace, so words that
    the renderer breaks across lines or splits (rotated text) still match.
    """
    prs = Presentation(str(pptx_path))
    slides = _visible_slides(prs)
    _check_page_count(pdf_pages, slides, pptx_path)
    out = []
    for slide_no, (slide, page) in enumerate(zip(slides, pdf_pages, strict=True), start=1):
        # Longest first, so short words do not eat parts of longer ones; each word whole
        # if it was rendered whole (else 'folder"' could take the quote of '"This'), or
        # across the renderer's word breaks (a word broken over two lines).
        rendered = SEP.join(_comparable(w.text) for w in page.words)
        for word in sorted((_comparable(w) for w in slide_words(slide)), key=len, reverse=True):
            if not word:
                continue
            whole = re.search(f"(?:^|{SEP}){re.escape(word)}(?={SEP}|$)", rendered)
            if whole:
                start = whole.end() - len(word)
                span = (start, whole.end())
            else:
                broken = re.search(f"{SEP}?".join(map(re.escape, word)), rendered)
                if broken is None:
                    out.append((slide_no, word))
                    continue
                span = broken.span()
            # consume it, so repeated words must be rendered repeatedly
            rendered = rendered[: span[0]] + "\0" * (span[1] - span[0]) + rendered[span[1] :]
    return out


# --------------------------------------------------------------------------
# All-in-one
# --------------------------------------------------------------------------


def assert_deck_renders_cleanly(
    pptx_path: Path, outdir: Path, tolerance_pt: float = 2.0
) -> list[Page]:
    """Convert with LibreOffice and assert: one page per slide, no word off the
    page, outside every shape, or missing.  Returns the PDF pages."""
    pdf = pptx_to_pdf(pptx_path, outdir)
    pages = pdf_pages(pdf)
    expected = slide_count(pptx_path)
    assert len(pages) == expected, f"PDF has {len(pages)} pages, deck has {expected} slides"
    problems = [
        f"page {n}: {w.text!r} off the page at {_fmt(w)}" for n, w in words_outside_page(pages)
    ]
    problems += [
        f"slide {n}: {w.text!r} outside every shape at {_fmt(w)}"
        for n, w in words_outside_shapes(pages, pptx_path, tolerance_pt)
    ]
    problems += [f"slide {n}: {w!r} not rendered" for n, w in words_missing(pages, pptx_path)]
    assert not problems, f"{Path(pptx_path).name} does not render cleanly:\n" + "\n".join(problems)
    return pages


def _fmt(w: Word) -> str:
    return f"({w.x_min:.1f}, {w.y_min:.1f})-({w.x_max:.1f}, {w.y_max:.1f}) pt"


# --- Chromium ------------------------------------------------------------------------------

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
from deckgen.clients import CHROMIUM_FLAGS as _CHROMIUM_FLAGS  # noqa: E402


def _chromium(args: list[str], profile: Path, timeout: float = 90) -> str:
    exe = require_tool("chromium")
    proc = subprocess.run(
        [exe, *_CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return proc.stdout


def render_in_chromium(html: str, width: int, workdir: Path) -> dict:
    """Load an email in headless Chromium in a frame `width` px wide (headless windows are
    at least 500 px wide, so phones are emulated by the frame) and measure it: scroll
    width, viewport width, images without alt text."""
    import html as html_lib
    import json

    harness = workdir / f"harness-{width}.html"
    harness.write_text(
        "<!DOCTYPE html><html><body style='margin:0'>"
        f"<iframe id='f' width='{width}' height='3000' style='border:0' "
        f"srcdoc=\"{html_lib.escape(html, quote=True)}\"></iframe><pre id='out'></pre>"
        "<script>document.getElementById('f').addEventListener('load', function () {"
        " var d = this.contentDocument;"
        " var imgs = Array.prototype.slice.call(d.images);"
        " document.getElementById('out').textContent = JSON.stringify({"
        "  scrollWidth: d.documentElement.scrollWidth,"
        "  viewport: d.documentElement.clientWidth,"
        "  images: imgs.length,"
        "  withoutAlt: imgs.filter(function (i) { return !(i.getAttribute('alt') || '').trim(); }).length"
        " });});</script></body></html>",
        encoding="utf-8",
    )
    dom = _chromium(
        [
            "--virtual-time-budget=5000",
            f"--window-size={max(width, 500)},3000",
            "--dump-dom",
            harness.as_uri(),
        ],
        workdir / f"profile-{width}",
    )
    match = re.search(r"<pre id=\"out\">(.*?)</pre>", dom, flags=re.S)
    assert match and match.group(1), f"Chromium produced no measurement:\n{dom[:2000]}"
    return json.loads(html_lib.unescape(match.group(1)))


def screenshot(html: str, width: int, out: Path, workdir: Path) -> Path:
    """A screenshot of an email `width` px wide (kept as a test artifact)."""
    import html as html_lib

    out.parent.mkdir(parents=True, exist_ok=True)
    page = workdir / f"shot-{width}.html"
    page.write_text(
        "<!DOCTYPE html><html><body style='margin:0;background:#888'>"
        f"<iframe width='{width}' height='2400' style='border:0;background:#fff' "
        f'srcdoc="{html_lib.escape(html, quote=True)}"></iframe></body></html>',
        encoding="utf-8",
    )
    _chromium(
        [
            f"--screenshot={out}",
            f"--window-size={max(width, 500)},2400",
            "--virtual-time-budget=3000",
            page.as_uri(),
        ],
        workdir / f"shot-{width}",
    )
    assert out.is_file(), f"Chromium wrote no screenshot {out}"
    return out


# --------------------------------------------------------------------------
# Contrast of the words as drawn
# --------------------------------------------------------------------------

CONTRAST_DPI = 150  # about 2 px per stroke of 11 pt text: glyph cores reach their colour


def pdf_page_images(pdf: Path, outdir: Path, dpi: int = CONTRAST_DPI) -> list[Path]:
    """Every page of ``pdf`` as PNG, in page order, drawn by MuPDF's ``mutool draw``.

    Not poppler's pdftoppm: on the soft-masked picture LibreOffice exports for some
    templates' masters it takes 8 s a page at 150 dpi (MuPDF: 0.5 s); both draw the PDF's
    own colours, which is what the contrast of words is measured on."""
    mutool = require_tool("mutool")
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob("page-*.png"):
        old.unlink()
    proc = subprocess.run(
        [mutool, "draw", "-q", "-r", str(dpi), "-o", str(outdir / "page-%d.png"), str(pdf)],
        capture_output=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"mutool draw failed on {pdf}: {proc.stderr.decode(errors='replace')}")
    return sorted(outdir.glob("page-*.png"), key=lambda p: int(p.stem.split("-")[-1]))


def _luminance(rgb: tuple[int, int, int]) -> float:
    channels = [c / 255 for c in rgb]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


# Relative luminance by channel value (WCAG 2), for the per-pixel loop.
_LIN = [
    0.2126 * ((c / 255) / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4)
    for c in range(256)
]
_LIN_G = [v / 0.2126 * 0.7152 for v in _LIN]
_LIN_B = [v / 0.2126 * 0.0722 for v in _LIN]


def _core_color(box, lb: float) -> tuple[int, int, int]:
    """The mean colour of the 2 % of `box`'s pixels of highest WCAG contrast with a
    background of relative luminance `lb` (computed by Pillow, pixel by pixel in C)."""
    from PIL import ImageMath, ImageStat

    r, g, b = box.split()
    lum = ImageMath.lambda_eval(
        lambda a: a["r"] + a["g"] + a["b"],
        r=r.point(_LIN, "F"),
        g=g.point(_LIN_G, "F"),
        b=b.point(_LIN_B, "F"),
    )
    ratio = ImageMath.lambda_eval(
        lambda a: (a["max"](a["x"], lb) + 0.05) / (a["min"](a["x"], lb) + 0.05) * 12, x=lum
    ).convert("L")  # 1..21 -> 12..252
    histogram = ratio.histogram()
    wanted = max(1, round(0.02 * sum(histogram)))
    seen, threshold = 0, 255
    for value in range(255, -1, -1):
        seen += histogram[value]
        if seen >= wanted:
            threshold = value
            break
    core = ratio.point(lambda v, t=threshold: 255 if v >= t else 0)
    return tuple(int(round(v)) for v in ImageStat.Stat(box, core).mean[:3])  # type: ignore[return-value]


def _ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@dataclass(frozen=True)
class WordContrast:
    page: int  # 1-based
    word: Word
    ratio: float
    text_color: tuple[int, int, int]
    background: tuple[int, int, int]

    def __str__(self) -> str:
        fg = "".join(f"{c:02X}" for c in self.text_color)
        bg = "".join(f"{c:02X}" for c in self.background)
        return f"page {self.page}: {self.word.text!r} {self.ratio:.1f}:1 (#{fg} on #{bg}) at {_fmt(self.word)}"


def word_contrasts(
    pages: Sequence[Page], images: Sequence[Path], only: Sequence[set[str]] | None = None
) -> list[WordContrast]:
    """The contrast each word is drawn at on the rendered page: its background is the
    median colour of a thin ring of pixels around its box (what is behind it: the slide's
    background, a band, a picture, a table cell), its colour the mean of the 2 % of its
    box's pixels of highest contrast with that background (glyph cores: anti-aliased
    edges never reach the true colour, cores do at 150 dpi). Words without a letter or a digit
    (a lone "·" or ":") are too thin to measure. `only` limits each page to the words
    (case-folded) of that set: the deck's own text, not the template's."""
    from PIL import Image, ImageStat

    found: list[WordContrast] = []
    for k, (page, image_path) in enumerate(zip(pages, images, strict=True)):
        wanted = only[k] if only is not None else None
        with Image.open(image_path) as im:
            rgb = im.convert("RGB")
        sx, sy = rgb.width / page.width, rgb.height / page.height
        for word in page.words:
            key = _word_key(word.text)
            if not any(ch.isalnum() for ch in key):
                continue
            if wanted is not None and key not in wanted:
                continue
            boxes = getattr(wanted, "boxes", None)
            if boxes is not None:
                fx = ((word.x_min + word.x_max) / 2) / page.width
                fy = ((word.y_min + word.y_max) / 2) / page.height
                if not any(b[0] <= fx <= b[2] and b[1] <= fy <= b[3] for b in boxes):
                    continue  # in no shape of the slide's own: the template's text
            x0, y0 = max(0, int(word.x_min * sx)), max(0, int(word.y_min * sy))
            x1 = min(rgb.width, int(word.x_max * sx) + 1)
            y1 = min(rgb.height, int(word.y_max * sy) + 1)
            if x1 - x0 < 2 or y1 - y0 < 2:
                continue
            # The ring: 3 px around the box.
            ox0, oy0 = max(0, x0 - 3), max(0, y0 - 3)
            ox1, oy1 = min(rgb.width, x1 + 3), min(rgb.height, y1 + 3)
            outer = rgb.crop((ox0, oy0, ox1, oy1))
            ring = Image.new("L", outer.size, 255)
            ring.paste(0, (x0 - ox0, y0 - oy0, x1 - ox0, y1 - oy0))
            if ring.getbbox() is None:
                continue
            background = tuple(int(v) for v in ImageStat.Stat(outer, ring).median)
            # The 2 % of the box's pixels of highest contrast with the background: cores.
            box = rgb.crop((x0, y0, x1, y1))
            text_color = _core_color(box, _luminance(background))  # type: ignore[arg-type]
            found.append(
                WordContrast(k + 1, word, _ratio(text_color, background), text_color, background)  # type: ignore[arg-type]
            )
    return found


def _word_key(text: str) -> str:
    return text.casefold().strip(".,;:!?«»()[]\"'’“”\u00a0\u202f…")


class SlideWords(set):
    """The words typed in a slide's own shapes (case-folded, punctuation stripped) and
    those shapes' boxes (points, as a fraction of the slide): a word of the template's own
    decorations that happens to be one of them lies outside every box."""

    boxes: list[Box]


def deck_word_sets(pptx_path: Path) -> list[SlideWords]:
    """Per visible slide, its own words and boxes (see `SlideWords`)."""
    prs = Presentation(str(pptx_path))
    width, height = prs.slide_width / EMU_PER_PT, prs.slide_height / EMU_PER_PT
    out = []
    for slide in _visible_slides(prs):
        words = SlideWords(_word_key(w) for w in slide_words(slide))
        words.boxes = [
            (b[0] / width, b[1] / height, b[2] / width, b[3] / height)
            for _, b in shape_boxes(slide, include_inherited=False)
        ]
        out.append(words)
    return out
