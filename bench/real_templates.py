"""Benchmark: real clients' templates, set up by ``deckgen theme new --template`` alone, the
two samples built on each by deckgen and by pandoc (``--reference-doc``) in the same run,
measured the same way on LibreOffice's rendering.

For each template and tool it prints: the slides of both samples (and the default theme's
count for deckgen), the words drawn off the page, the words of the deck drawn at less than
4.5:1 against what is behind them, the template prompts ("Click to add text") left on a
slide, whether slide 1 shows the document's title, and for deckgen the build's warnings. Then the totals.

Corpora:

* the registry corpus (always): the ``kind = "template"`` entries of
  ``tests/fixtures/real/SOURCES.toml`` (``python tests/realcorpus.py fetch``), what CI tests
  in ``tests/test_templates.py``;
* ``--corpus DIR``: a local folder of templates too, one sub-folder per template holding one
  ``.pptx``/``.potx`` (the templates fetched from public repositories, which may not be
  committed).

Usage::

    python bench/real_templates.py [--corpus DIR] [--no-pandoc] [--only NAME ...]
                                   [--sheets DIR] [--json OUT]

``--sheets DIR`` also runs ``deckgen preview`` on each template's project and copies its
contact sheet to ``DIR/<template>.png``, to look at.

The measures use LibreOffice's PDF (``pdftotext -bbox`` word boxes, MuPDF's page images) and
the .pptx files, through ``tests/realclients.py``, the helpers the tests use.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from clienttemplates import SAMPLES  # noqa: E402


@dataclass
class Figures:
    slides: int = 0
    off_page: int = 0
    low_contrast: int = 0
    prompts: int = 0
    title: bool = True
    warnings: int = 0
    failed: str = ""
    examples: list[str] = field(default_factory=list)


@dataclass
class Template:
    name: str
    path: Path


def registry_templates() -> list[Template]:
    import realcorpus

    out = []
    for entry in realcorpus.load_sources():
        if entry.kind != "template" or not (entry.folder / realcorpus.DONE).is_file():
            continue
        files = [f for f in entry.files() if f.suffix in (".pptx", ".potx")]
        for f in files:
            name = entry.name if len(files) == 1 else f"{entry.name}/{f.stem}"
            out.append(Template(name, f))
    return out


def local_templates(folder: Path) -> list[Template]:
    out = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and p.name != "registry"):
        files = sorted(f for f in sub.iterdir() if f.suffix in (".pptx", ".potx"))
        if files:
            out.append(Template(sub.name, files[0]))
    return out


def set_up_deckgen(template: Template, where: Path) -> tuple[Path, dict[str, Path], Figures]:
    """theme new --template, then both samples built, as tests/test_templates.py does:
    (project, stem -> deck, figures)."""
    from clienttemplates import set_up

    setup = set_up(template.name, template.path, where)
    figures = Figures(warnings=len(setup.warnings), failed="; ".join(setup.errors)[:200])
    return setup.project, setup.decks, figures


def build_pandoc(template: Template, where: Path) -> tuple[dict[str, Path], Figures]:
    import pypandoc

    from deckgen.themes.template import as_pptx

    folder = where / (re.sub(r"[^\w.-]", "_", template.name) + "-pandoc")
    folder.mkdir(parents=True)
    reference = folder / "reference.pptx"
    reference.write_bytes(as_pptx(template.path.read_bytes()))
    figures, decks = Figures(), {}
    for sample in SAMPLES:
        target = folder / f"{sample.stem}.pptx"
        proc = subprocess.run(
            [pypandoc.get_pandoc_path(), sample.name, "-t", "pptx", "--reference-doc",
             str(reference), "-o", str(target)],
            cwd=sample.parent, capture_output=True, text=True, timeout=120, check=False,
        )
        if proc.returncode != 0 or not target.is_file():
            figures.failed = (proc.stderr.strip().splitlines() or ["failed"])[-1][:200]
            continue
        decks[sample.stem] = target
    return decks, figures


def measure(decks: dict[str, Path], pdfs: dict[Path, Path], copies: dict[Path, Path],
            work: Path, figures: Figures) -> None:
    from pptx import Presentation

    if not decks:
        figures.title = False
    from clienttemplates import prompts_shown
    from realclients import (
        deck_word_sets,
        pdf_page_images,
        pdf_pages,
        word_contrasts,
        words_outside_page,
    )

    for stem, deck in decks.items():
        prs = Presentation(str(deck))
        figures.slides += len(prs.slides)
        pdf = pdfs.get(copies[deck])
        if pdf is None or not pdf.is_file():
            figures.failed = figures.failed or f"LibreOffice did not convert {stem}"
            continue
        pages = pdf_pages(pdf)
        images = pdf_page_images(pdf, work / "png" / copies[deck].stem)
        off = words_outside_page(pages)
        figures.off_page += len(off)
        figures.examples += [f"{stem} p{n}: {w.text!r} off the page" for n, w in off[:2]]
        low = [c for c in word_contrasts(pages, images, deck_word_sets(deck)) if c.ratio < 4.5]
        figures.low_contrast += len(low)
        figures.examples += [f"{stem} {c}" for c in low[:2]]
        for number, prompt in prompts_shown(prs.slides, pages):
            figures.prompts += 1
            figures.examples.append(f"{stem} slide {number}: prompt {prompt[:40]!r}")
        first = " ".join(s.text_frame.text for s in prs.slides[0].shapes if s.has_text_frame)
        title = prs.core_properties.title or ""
        if not title:  # pandoc writes no core title from deckgen's front matter: the source's
            title = _front_matter_title(stem)
        if title and " ".join(title.split()) not in " ".join(first.split()):
            figures.title = False


def _front_matter_title(stem: str) -> str:
    text = (ROOT / "content" / f"{stem}.md").read_text(encoding="utf-8")
    found = re.search(r"^title:\s*\"?(.+?)\"?\s*$", text, re.M)
    return found.group(1) if found else ""


def default_slides(where: Path) -> dict[str, int]:
    from pptx import Presentation

    from deckgen.build import build

    result = build(SAMPLES, ["default"], where / "default", ("deck",), ROOT)
    return {w.path.stem: len(Presentation(str(w.path)).slides) for w in result.written}


def contact_sheet(project: Path, name: str, sheets: Path) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "deckgen", "preview", "--theme", "client"],
        cwd=project, capture_output=True, text=True, timeout=600, check=False,
    )
    sheet = project / "build" / "client" / "preview" / "contact-sheet.png"
    if proc.returncode != 0 or not sheet.is_file():
        return (proc.stderr.strip().splitlines() or ["no sheet"])[-1]
    sheets.mkdir(parents=True, exist_ok=True)
    shutil.copy(sheet, sheets / (re.sub(r"[^\w.-]", "_", name) + ".png"))
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="a local folder of templates too")
    parser.add_argument("--no-pandoc", action="store_true", help="deckgen only")
    parser.add_argument("--only", nargs="*", default=[], help="these templates only")
    parser.add_argument("--sheets", type=Path, help="write a contact sheet per template here")
    parser.add_argument("--json", type=Path, help="write the figures as JSON")
    args = parser.parse_args(argv)

    from realclients import convert_all

    templates = registry_templates() + (local_templates(args.corpus) if args.corpus else [])
    if args.only:
        templates = [t for t in templates if t.name in args.only or t.name.split("/")[0] in args.only]
    if not templates:
        print("no templates: run python tests/realcorpus.py fetch, or give --corpus DIR")
        return 1
    tools = ("deckgen",) + (() if args.no_pandoc else ("pandoc",))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="deckgen-templates-") as tmp:
        work = Path(tmp)
        reference = default_slides(work)
        results: dict[str, dict[str, Figures]] = {}
        decks: dict[tuple[str, str], dict[str, Path]] = {}
        projects: dict[str, Path] = {}
        for t in templates:
            project, built, figures = set_up_deckgen(t, work / "deckgen")
            projects[t.name] = project
            results[t.name] = {"deckgen": figures}
            decks[(t.name, "deckgen")] = built
            if "pandoc" in tools:
                built, figures = build_pandoc(t, work / "pandoc")
                results[t.name]["pandoc"] = figures
                decks[(t.name, "pandoc")] = built
        copies: dict[Path, Path] = {}
        (work / "all").mkdir()
        for (name, tool), built in decks.items():
            for stem, deck in built.items():
                safe = re.sub(r"[^\w.-]", "_", name)
                copy = work / "all" / f"{safe}__{tool}__{stem}.pptx"
                shutil.copy(deck, copy)
                copies[deck] = copy
        pdfs = convert_all(list(copies.values()), work / "pdf")
        for (name, tool), built in decks.items():
            try:
                measure(built, pdfs, copies, work, results[name][tool])
            except Exception as exc:  # a deck the helpers cannot read: say so, go on
                results[name][tool].failed = f"cannot measure: {type(exc).__name__}: {exc}"[:200]
        sheets_failed = {}
        if args.sheets:
            for t in templates:
                problem = contact_sheet(projects[t.name], t.name, args.sheets)
                if problem:
                    sheets_failed[t.name] = problem
    elapsed = time.perf_counter() - started

    default_total = sum(reference.values())
    head = f"{'template':<44} {'slides':>6} {'warn':>4} {'off':>4} {'<4.5':>5} {'prompt':>6} {'title':>5}"
    if "pandoc" in tools:
        head += f" || {'pandoc':>6} {'off':>4} {'<4.5':>5} {'prompt':>6} {'title':>5}"
    print(f"Default theme: {default_total} slides ({', '.join(f'{k} {v}' for k, v in reference.items())})")
    print(head)
    print("-" * len(head))
    for name, by_tool in results.items():
        d = by_tool["deckgen"]
        line = (f"{name[:44]:<44} {d.slides:>6} {d.warnings:>4} {d.off_page:>4} {d.low_contrast:>5}"
                f" {d.prompts:>6} {'yes' if d.title else 'NO':>5}")
        if d.failed:
            line += f"  [deckgen: {d.failed}]"
        if "pandoc" in by_tool:
            p = by_tool["pandoc"]
            line += (f" || {p.slides:>6} {p.off_page:>4} {p.low_contrast:>5} {p.prompts:>6}"
                     f" {'yes' if p.title else 'NO':>5}")
            if p.failed:
                line += f"  [pandoc: {p.failed}]"
        print(line)
    print()
    for tool in tools:
        rows = [r[tool] for r in results.values() if tool in r]
        clean = sum(1 for f in rows if not f.failed and not f.off_page and not f.low_contrast
                    and not f.prompts and f.title)
        over = sum(1 for f in rows if f.slides > default_total * 4 / 3)
        print(
            f"{tool}: {clean}/{len(rows)} templates clean; slides {sum(f.slides for f in rows)}; "
            f"words off the page {sum(f.off_page for f in rows)}; words under 4.5:1 "
            f"{sum(f.low_contrast for f in rows)}; prompts left {sum(f.prompts for f in rows)}; "
            f"title on slide 1 {sum(f.title for f in rows)}/{len(rows)}; failed "
            f"{sum(1 for f in rows if f.failed)}; over 4/3 of the default's slides {over}"
        )
    for name, problem in sheets_failed.items():
        print(f"contact sheet of {name}: {problem}")
    print(f"({len(templates)} templates in {elapsed:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(
            {n: {t: asdict(f) for t, f in r.items()} for n, r in results.items()}, indent=1,
            ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
