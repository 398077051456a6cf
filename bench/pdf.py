"""Benchmark: PDF and handout conversion, one LibreOffice per build against one per file.

A 100-slide deck (bench/deck_build.py's generator: notes on every slide, bullets, tables,
sections) is built once as .pptx in each of the sample themes; then, wall clock, median of
``--runs`` runs, each run with fresh LibreOffice profiles:

* deckgen: ``clients.PdfExport`` (what ``deckgen build --format pdf --format handout`` uses):
  one LibreOffice start converts every deck into its PDF and its handout;
* peer: one ``soffice --headless --convert-to`` process per output file, a fresh profile
  each (as FIELD-NOTES describe it, and as deckgen's preview converts a deck): the PDF with
  ``pdf``, the handout with the notes-pages filter;

first for the one 100-slide deck (2 files), then for the deck in every sample theme (one
process per file: 2 x themes). Also the whole ``python -m deckgen build --format pdf
--format handout`` of that deck (render + convert + write) as a process. Each PDF is checked:
pages = slides (pdfinfo), every font embedded (pdffonts).

Usage::

    python bench/pdf.py [--slides 100] [--runs 3]

Needs LibreOffice and poppler-utils. Exit status 0 when every check and target passes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deck_build import write_deck  # noqa: E402
from report import record, timed_process  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

THEMES = ("default", "agence-boreal", "atelier-durand")
NOTES_FILTER = (
    'pdf:impress_pdf_Export:{"ExportNotesPages":{"type":"boolean","value":"true"},'
    '"ExportOnlyNotesPages":{"type":"boolean","value":"true"}}'
)
TARGET_RATIO = 1.5  # the peer takes at least 1.5x as long for the decks of every theme


def pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(
        next(line.split()[1] for line in out.stdout.splitlines() if line.startswith("Pages:"))
    )


def all_fonts_embedded(pdf: Path) -> bool:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    rows = out.stdout.splitlines()[2:]
    return bool(rows) and all(row.split()[-5] == "yes" for row in rows)


def deckgen_convert(decks: list[Path], out: Path) -> list[tuple[Path, Path]]:
    from deckgen import clients

    made = []
    with clients.PdfExport() as export:
        for deck in decks:
            slides = out / f"{deck.parent.name}-{deck.stem}.pdf"
            handout = out / f"{deck.parent.name}-{deck.stem}.handout.pdf"
            export.add(clients.PdfJob(deck, slides, handout))
            made.append((slides, handout))
        problems = export.finish(clients.pdf_timeout(200 * len(decks)))
    if any(problems):
        raise SystemExit(f"deckgen's conversion failed: {problems}")
    return made


def peer_convert(decks: list[Path], out: Path) -> list[tuple[Path, Path]]:
    """One soffice process per output file, each with its own fresh profile."""
    soffice = shutil.which("soffice")
    assert soffice
    made = []
    for deck in decks:
        pair = []
        for kind, conversion in (("slides", "pdf"), ("notes", NOTES_FILTER)):
            folder = out / f"{deck.parent.name}-{kind}"
            with tempfile.TemporaryDirectory(prefix="bench-lo-") as home:
                subprocess.run(
                    [
                        soffice,
                        f"-env:UserInstallation={Path(home, 'p').as_uri()}",
                        "--headless",
                        "--norestore",
                        "--convert-to",
                        conversion,
                        "--outdir",
                        str(folder),
                        str(deck),
                    ],
                    env=dict(os.environ, HOME=home),
                    capture_output=True,
                    check=True,
                    timeout=600,
                )
            pair.append(folder / f"{deck.stem}.pdf")
        made.append((pair[0], pair[1]))
    return made


def timed(fn, runs: int) -> tuple[float, list]:
    times, made = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
            start = time.perf_counter()
            made = fn(Path(tmp))
            times.append(time.perf_counter() - start)
            checked = [
                (pages(a), pages(b), all_fonts_embedded(a) and all_fonts_embedded(b))
                for a, b in made
            ]
        made = checked
    return statistics.median(times), made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slides", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    for tool in ("soffice", "pdfinfo", "pdffonts"):
        if shutil.which(tool) is None:
            print(f"{tool} not found: install libreoffice-impress and poppler-utils")
            return 1
    from deckgen.build import build

    failures = []
    with tempfile.TemporaryDirectory(prefix="bench-pdf-decks-") as tmp:
        folder = Path(tmp)
        spec = write_deck(folder, args.slides)
        result = build([spec.path], list(THEMES), folder / "out", ("deck",), ROOT)
        assert not result.errors, result.errors
        decks = sorted(w.path for w in result.written)
        one = [d for d in decks if d.parent.name == "default"]
        expected = spec.expected

        print(
            f"{spec.expected} slides a deck, {len(THEMES)} themes, median of {args.runs} run(s), "
            f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f} at the start"
        )
        rows = []
        for label, chosen in (("1 deck", one), (f"{len(decks)} decks", decks)):
            ours, ours_checked = timed(lambda out, c=chosen: deckgen_convert(c, out), args.runs)
            peer, peer_checked = timed(lambda out, c=chosen: peer_convert(c, out), args.runs)
            for who, checked in (("deckgen", ours_checked), ("peer", peer_checked)):
                for slides_pages, handout_pages, embedded in checked:
                    if (slides_pages, handout_pages) != (expected, expected) or not embedded:
                        failures.append(
                            f"{who} {label}: {slides_pages}/{handout_pages} pages for "
                            f"{expected} slides, fonts embedded: {embedded}"
                        )
            rows.append((label, ours, peer, 2 * len(chosen)))
            ok = peer / ours >= TARGET_RATIO if len(chosen) > 1 else None
            record(
                f"PDF + handout, {label} of {expected} slides",
                ours,
                "s",
                peer=f"soffice per file ({2 * len(chosen)} starts)",
                peer_value=peer,
                target=f">= {TARGET_RATIO}x the peer" if ok is not None else "",
                ok=ok,
                runs=args.runs,
            )
            if ok is False:
                failures.append(f"{label}: only {peer / ours:.2f}x the peer")
        whole = statistics.median(
            timed_process(
                [
                    sys.executable,
                    "-m",
                    "deckgen",
                    "build",
                    str(spec.path),
                    "--format",
                    "pdf",
                    "--format",
                    "handout",
                    "-q",
                    "--out",
                    str(folder / f"whole-{k}"),
                ],
                ROOT,
            )
            for k in range(args.runs)
        )
        record(
            f"deckgen build --format pdf --format handout, {expected} slides",
            whole,
            "s",
            runs=args.runs,
        )

    print()
    print("| conversion | deckgen: 1 LibreOffice | peer: 1 soffice per file | files | ratio |")
    print("|---|--:|--:|--:|--:|")
    for label, ours, peer, files in rows:
        print(f"| {label} | {ours:.2f} s | {peer:.2f} s | {files} | {peer / ours:.2f}x |")
    print(
        f"\nwhole process, deckgen build --format pdf --format handout ({expected} slides): {whole:.2f} s"
    )
    print("every PDF: pages = slides, fonts embedded" if not failures else "\n".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
