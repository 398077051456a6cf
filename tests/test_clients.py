"""PDF and handouts through LibreOffice (deckgen/clients.py: PdfExport; build --format
pdf|handout): one page per slide, the notes as text on the handout pages, fonts embedded,
one LibreOffice start per build, and the errors a user sees."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from pptx import Presentation
from pptx.oxml.ns import qn

from deckgen import clients
from deckgen.cli import build_formats, main

SAMPLES = sorted((ROOT / "content").glob("*.md"))


def pdf_fonts(pdf: Path) -> list[tuple[str, bool]]:
    """(font name, embedded) for every font of a PDF, from poppler's pdffonts."""
    from realclients import require_tool

    pdffonts = require_tool("pdffonts")
    out = subprocess.run([pdffonts, str(pdf)], capture_output=True, text=True, check=True)
    rows = out.stdout.splitlines()[2:]  # two header lines
    fonts = []
    for row in rows:
        fields = row.split()
        # name type [type...] encoding emb sub uni object ID: emb is 5th from the end
        fonts.append((fields[0], fields[-5] == "yes"))
    return fonts


def notes_text(slide) -> str:
    return slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""


def notes_top(deck) -> float:
    """Where the notes box of the deck's notes pages starts, as a fraction of the page."""
    from pptx.enum.shapes import PP_PLACEHOLDER

    master = deck.notes_master
    body = next(p for p in master.placeholders if p.placeholder_format.type == PP_PLACEHOLDER.BODY)
    height = int(deck.part._element.find(qn("p:notesSz")).get("cy"))
    return body.top / height


def notes_paragraphs(slide) -> list:
    return slide.notes_slide.notes_text_frame.paragraphs if slide.has_notes_slide else []


def squeeze(text: str) -> str:
    """Text without any white space: PDF line breaks fall anywhere."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The samples as `deckgen build --format deck --format pdf --format handout`, with a
    log of every LibreOffice start (a wrapper in front of the real soffice)."""
    from realclients import require_tool

    soffice = require_tool("soffice")
    require_tool("pdftotext")
    work = tmp_path_factory.mktemp("pdf")
    wrapper = work / "bin" / "soffice"
    wrapper.parent.mkdir()
    log = work / "starts.log"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{soffice}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    out = work / "out"
    env = dict(os.environ, PATH=f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "deckgen",
            "build",
            "--theme",
            "default",
            "--theme",
            "atelier-durand",
            "--format",
            "deck",
            "--format",
            "pdf",
            "--format",
            "handout",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out, log, proc.stdout


@pytest.mark.realclient
def test_one_libreoffice_start_for_every_deck_of_the_build(built):
    out, log, stdout = built
    starts = log.read_text().splitlines()
    assert len(starts) == 1, starts
    assert len(list(out.rglob("*.pptx"))) == 2 * len(SAMPLES)  # 2 themes
    assert len(list(out.rglob("*.handout.pdf"))) == 2 * len(SAMPLES)
    assert len([p for p in out.rglob("*.pdf") if ".handout" not in p.name]) == 2 * len(SAMPLES)
    assert "pages, each slide with its notes)" in stdout


@pytest.mark.realclient
@pytest.mark.parametrize("theme", ["default", "atelier-durand"])
def test_the_pdf_has_one_page_per_slide_with_its_text_and_fonts_embedded(built, theme):
    from realclients import pdf_pages

    out, _, _ = built
    for sample in SAMPLES:
        deck = Presentation(str(out / theme / f"{sample.stem}.pptx"))
        pdf = out / theme / f"{sample.stem}.pdf"
        pages = pdf_pages(pdf)
        assert len(pages) == len(deck.slides)
        for slide, page in zip(deck.slides, pages, strict=True):
            title = slide.shapes.title.text_frame.text if slide.shapes.title else ""
            assert squeeze(title) in squeeze(page.text)  # searchable text, not a picture
        fonts = pdf_fonts(pdf)
        assert fonts and all(embedded for _, embedded in fonts), fonts


@pytest.mark.realclient
@pytest.mark.parametrize("theme", ["default", "atelier-durand"])
def test_the_handout_has_each_slide_with_its_notes_beneath_as_text(built, theme):
    from realclients import pdf_pages

    out, _, _ = built
    for sample in SAMPLES:
        deck = Presentation(str(out / theme / f"{sample.stem}.pptx"))
        handout = out / theme / f"{sample.stem}.handout.pdf"
        pages = pdf_pages(handout)
        assert len(pages) == len(deck.slides)
        with_notes = 0
        for slide, page in zip(deck.slides, pages, strict=True):
            notes = notes_text(slide)
            title = slide.shapes.title.text_frame.text if slide.shapes.title else ""
            # The slide above the notes box of the notes page, its notes in that box, as text.
            top = notes_top(deck) * page.height
            upper = squeeze(" ".join(w.text for w in page.words if w.y_max <= top))
            lower = squeeze(" ".join(w.text for w in page.words if w.y_min >= top))
            assert squeeze(title) in upper
            assert squeeze(notes) in lower, (slide.slide_id, notes[:60])
            with_notes += bool(notes)
        assert with_notes >= 5
        fonts = pdf_fonts(handout)
        assert fonts and all(embedded for _, embedded in fonts), fonts
        # The notes in the theme's body font and at 12 pt, stated on each run (LibreOffice
        # ignores the notes master's style; its own page number stays in its default serif).
        body = {"default": "Arial", "atelier-durand": "Calibri"}[theme]
        for slide in deck.slides:
            for run in (r for p in notes_paragraphs(slide) for r in p.runs):
                assert (run.font.name, run.font.size.pt) == (body, 12)


@pytest.mark.realclient
def test_only_the_pdf_asked_for_is_written(tmp_path, monkeypatch, capsys):
    from realclients import require_tool

    require_tool("soffice")
    monkeypatch.chdir(ROOT)
    sample = ROOT / "content" / "medias-vs-reseaux.md"
    assert main(["build", str(sample), "--format", "pdf", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in (tmp_path / "default").iterdir()) == ["medias-vs-reseaux.pdf"]
    assert "wrote" in capsys.readouterr().out
    assert not list(tmp_path.rglob(".deckgen-*"))  # nothing left behind


def test_a_missing_libreoffice_is_one_line_saying_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code = main(["build", "--format", "handout", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip().splitlines() == [
        "soffice not found: install LibreOffice Impress (Debian: apt-get install "
        "libreoffice-impress)"
    ]
    assert not (tmp_path / "out").exists()  # nothing built before knowing


@pytest.mark.realclient
def test_a_deck_libreoffice_cannot_read_is_that_decks_problem(tmp_path):
    from realclients import require_tool

    require_tool("soffice")
    good = tmp_path / "good.pptx"
    Presentation().save(str(good))
    bad = tmp_path / "bad.pptx"
    bad.write_bytes(b"PK\x03\x04 not a zip")
    with clients.PdfExport() as export:
        export.add(clients.PdfJob(bad, slides=tmp_path / "bad.pdf"))
        export.add(clients.PdfJob(good, slides=tmp_path / "good.pdf"))
        problems = export.finish(clients.pdf_timeout(2))
    assert problems[0] is not None and problems[1] is None
    assert (tmp_path / "good.pdf").stat().st_size > 0


@pytest.mark.realclient
def test_pdf_export_with_nothing_to_convert_stops_libreoffice(tmp_path):
    from realclients import require_tool

    require_tool("soffice")
    export = clients.PdfExport()
    assert export.finish(10) == []
    assert export._proc.poll() is not None  # noqa: SLF001 - the process is gone


@pytest.mark.parametrize(
    ("given", "formats"),
    [
        ([], ("deck", "newsletter")),
        (["all"], ("deck", "newsletter")),
        (["pdf"], ("pdf",)),
        (["handout", "pdf", "handout"], ("pdf", "handout")),
        (["all", "handout"], ("deck", "newsletter", "handout")),
        (["newsletter", "deck"], ("deck", "newsletter")),
    ],
)
def test_format_options_combine(given, formats):
    assert build_formats(given) == formats


def test_watch_does_not_make_pdfs(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert main(["build", "--watch", "--format", "pdf"]) == 2
    assert "--watch rebuilds decks and newsletters, not PDFs" in capsys.readouterr().err


class _FailingExport:
    """A stand-in for clients.PdfExport that converts nothing: the deck whose name is in
    `fail` gets LibreOffice's kind of problem, the others a small PDF."""

    fail = "medias-vs-reseaux.pptx"

    def __init__(self):
        self.jobs: list[clients.PdfJob] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def add(self, job: clients.PdfJob) -> None:
        assert job.deck.is_file()  # complete when handed over
        self.jobs.append(job)

    def finish(self, timeout: float) -> list[str | None]:
        problems: list[str | None] = []
        for job in self.jobs:
            if job.deck.name == self.fail:
                problems.append("General Error. General input/output error.")
                continue
            for target in (job.slides, job.handout):
                if target is not None:
                    target.write_bytes(b"%PDF-1.7 stand-in")
            problems.append(None)
        return problems


def test_a_failed_pdf_writes_nothing_for_its_file_and_keeps_its_previous_outputs(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(clients, "PdfExport", _FailingExport)
    out = tmp_path / "out"
    before = {
        "medias-vs-reseaux.pptx": b"the previous deck",
        "medias-vs-reseaux.html": b"the previous page",
        "medias-vs-reseaux.pdf": b"the previous PDF",
    }
    (out / "default").mkdir(parents=True)
    for name, data in before.items():
        (out / "default" / name).write_bytes(data)
    code = main(["build", "--format", "all", "--format", "pdf", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert "could not make the PDF of medias-vs-reseaux.pptx" in err
    assert "nothing was written for it" in err
    # The failed file: every previous output exactly as it was, no new one beside them.
    for name, data in before.items():
        assert (out / "default" / name).read_bytes() == data
    assert not (out / "default" / "medias-vs-reseaux.txt").exists()
    # The other file: all its outputs, its PDF included.
    names = {p.name for p in (out / "default").iterdir()}
    for suffix in (".pptx", ".html", ".txt", ".eml", ".pdf"):
        assert f"formation-medias-sociaux-pme{suffix}" in names
