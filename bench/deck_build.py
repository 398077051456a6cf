"""Benchmark: how long `deckgen build` takes on big decks, against pandoc on the same Markdown.

Generates decks of N slides (notes on every slide, 3-5 bullets, a 5-row table every 10
slides, a section heading every 20 slides) in a temporary folder, then times, as whole
processes (wall clock, median of several runs):

* ``python -m deckgen build FILE.md --out DIR -q`` at each size;
* ``pandoc FILE.md -o FILE.pptx`` (pandoc from pypandoc-binary) at the sizes up to 1,000;
* ``python -c "import deckgen.build"`` (interpreter start-up + imports) and ``python -c pass``;
* a cold ``python -m deckgen build -q --out TMP`` of the repository's samples (content/*.md);

and deckgen's in-process build (``deckgen.build.build``), which leaves out start-up, so the
report separates start-up cost from the work. Every deck written is checked: its slide
count (python-pptx) must equal the count the generator expects.

Usage, from anywhere::

    python bench/deck_build.py [--slides 100 1000 3000] [--runs N] [--no-pandoc]
                               [--profile SLIDES]

Needs the bench extra for pandoc: ``pip install pypandoc-binary`` (or ``--no-pandoc``).
Exit status: 0 when every check and target passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import compileall
import cProfile
import gc
import io
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import record  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent  # the repository root (holds pyproject.toml)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECTION_EVERY = 20
TABLE_EVERY = 10
TABLE_ROWS = 5

# Targets from the issue (this 2-core machine).
TARGET_1000_S = 2.0  # deckgen build of 1,000 slides, whole process
TARGET_RATIO = 3.0  # pandoc time / deckgen time at 1,000 slides
TARGET_COLD_S = 0.5  # cold build of both samples, whole process
TARGET_LINEAR = 1.5  # ms/slide at 3,000 over ms/slide at 1,000

WORDS = (
    "stratégie",
    "contenu",
    "réseau",
    "audience",
    "message",
    "public",
    "marque",
    "client",
    "objectif",
    "mesure",
    "calendrier",
    "budget",
    "vidéo",
    "article",
    "échange",
    "relation",
)


# ---------------------------------------------------------------------------------------
# Generating the decks


@dataclass
class Deck:
    """One generated Markdown file and the slide count deckgen should produce for it."""

    slides: int  # '##' slides
    path: Path
    sections: int
    tables: int

    @property
    def expected(self) -> int:
        """Title slide + one slide per section heading + one per '##' slide."""
        return 1 + self.sections + self.slides


def _words(seed: int, count: int) -> str:
    return " ".join(WORDS[(seed * 7 + k * 3) % len(WORDS)] for k in range(count))


def deck_markdown(slides: int) -> tuple[str, int, int]:
    """The Markdown of a deck of `slides` slides, with its section and table counts."""
    out = ["---", 'title: "Banc d’essai"', "lang: fr-FR", "---", ""]
    sections = tables = 0
    for n in range(1, slides + 1):
        if (n - 1) % SECTION_EVERY == 0:
            sections += 1
            out += [f"# Section {sections}", ""]
        out += [f"## Slide {n}", ""]
        if n % TABLE_EVERY == 0:
            tables += 1
            out += [f"Tableau {tables} : {_words(n, 5)}.", ""]
            out += ["- point un", "- point deux", "- point trois", ""]
            out += ["| Col A | Col B | Valeur |", "|---|---|--:|"]
            out += [
                f"| {_words(n + r, 1)} | {_words(n + r + 1, 2)} | {(n * 7 + r * 13) % 997} |"
                for r in range(TABLE_ROWS)
            ]
            out.append("")
        else:
            out += [f"Un paragraphe court sur {_words(n, 6)}.", ""]
            bullets = 3 + n % 3  # 3 to 5
            for b in range(1, bullets + 1):
                out.append(f"- point {b} : {_words(n + b, 4)}")
                if b == 2 and n % 2 == 0:
                    out.append(f"    - sous-point : {_words(n + b + 1, 3)}")
            out.append("")
        out += [
            "::: notes",
            f"Notes du présentateur pour la diapositive {n} : {_words(n, 12)}.",
            ":::",
            "",
        ]
    return "\n".join(out), sections, tables


def write_deck(folder: Path, slides: int) -> Deck:
    text, sections, tables = deck_markdown(slides)
    path = folder / f"bench-{slides}.md"
    path.write_text(text, encoding="utf-8")
    return Deck(slides, path, sections, tables)


# ---------------------------------------------------------------------------------------
# Timing


def median_time(fn: Callable[[], object], runs: int, clean: bool = False) -> float:
    """Median wall-clock time of `runs` calls; `clean`: collect garbage first (untimed), so an
    in-process build never pays for the cyclic garbage of the previous one."""
    times = []
    for _ in range(runs):
        if clean:
            gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class CommandFailed(RuntimeError):
    pass


def run_cmd(cmd: Sequence[str | Path], cwd: Path = ROOT) -> None:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        shown = " ".join(str(c) for c in cmd)
        raise CommandFailed(
            f"`{shown}` exited {proc.returncode}:\n{(proc.stderr or proc.stdout).strip()}"
        )


def time_cmd(cmd: Sequence[str | Path], runs: int, cwd: Path = ROOT) -> float:
    return median_time(lambda: run_cmd(cmd, cwd), runs)


def deckgen_cmd(md: Path, out_dir: Path) -> list[str | Path]:
    return [
        sys.executable,
        "-m",
        "deckgen",
        "build",
        md,
        "--out",
        out_dir,
        "-q",
        "--format",
        "deck",
    ]


def build_in_process(md: Path, out_dir: Path) -> None:
    from deckgen.build import build

    result = build([md], out_dir=out_dir, root=ROOT, formats=("deck",))
    if result.errors or not result.written:
        problems = "\n".join(str(e) for e in result.errors) or "nothing written"
        raise CommandFailed(f"in-process build of {md.name} failed:\n{problems}")


def pptx_slide_count(path: Path) -> int:
    from pptx import Presentation

    return len(Presentation(str(path)).slides)


# ---------------------------------------------------------------------------------------
# The report


@dataclass
class Row:
    deck: Deck
    runs: int
    process_s: float | None = None
    inproc_s: float | None = None
    pandoc_s: float | None = None
    slide_count: int | None = None
    problems: list[str] = field(default_factory=list)

    def ms_per_slide(self, seconds: float | None) -> float | None:
        return None if seconds is None else seconds * 1000 / self.deck.slides


def fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


def load_text() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "?"
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


def machine_lines(pandoc: str | None) -> list[str]:
    import pptx

    from deckgen import __version__ as deckgen_version

    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    pandoc_version = "not measured"
    if pandoc:
        proc = subprocess.run([pandoc, "--version"], capture_output=True, text=True)
        pandoc_version = (proc.stdout.splitlines() or ["?"])[0]
    commit = "?"
    if shutil.which("git"):
        proc = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
        )
        commit = proc.stdout.strip() or "?"
    return [
        f"platform:    {platform.platform()}",
        f"cpu:         {cpu} ({os.cpu_count()} logical CPUs)",
        f"python:      {platform.python_implementation()} {platform.python_version()}",
        f"pandoc:      {pandoc_version}",
        f"python-pptx: {pptx.__version__}",
        f"deckgen:     {deckgen_version} (git {commit})",
        f"bytecode:    {bytecode_text()}",
    ]


def bytecode_text() -> str:
    """Whether each deckgen process reads deckgen's modules compiled, or compiles them."""
    import importlib.util

    cached = Path(importlib.util.cache_from_source(str(ROOT / "deckgen" / "build.py"))).is_file()
    if cached:
        return "deckgen's .pyc files exist"
    if sys.dont_write_bytecode:
        return (
            "no .pyc for deckgen and PYTHONDONTWRITEBYTECODE is set: every process "
            "compiles deckgen's modules"
        )
    return "no .pyc for deckgen yet (the first process writes them)"


def verdict(ok: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "SKIP"}[ok]


def profile_build(md: Path, out_dir: Path, top: int = 15) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    build_in_process(md, out_dir)
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return stream.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--slides",
        type=int,
        nargs="+",
        default=[100, 1000, 3000],
        help="deck sizes to time (default: 100 1000 3000)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=None,
        help="runs per measurement, median reported (default: 3 up to 1,000 slides, 1 above)",
    )
    parser.add_argument("--no-pandoc", action="store_true", help="skip the pandoc comparison")
    parser.add_argument(
        "--profile",
        type=int,
        metavar="SLIDES",
        default=None,
        help="also profile one in-process build of a SLIDES-slide deck "
        "(cProfile, top 15 by cumulative time, then by own time)",
    )
    args = parser.parse_args(argv)
    if args.runs is not None and args.runs < 1 or min(args.slides) < 1:
        parser.error("--runs and --slides take positive numbers")
    sizes = sorted(set(args.slides))
    # pip compiles an installed deckgen's bytecode; measure that, not recompiling each run
    # (PYTHONDONTWRITEBYTECODE may be set, as on these machines).
    compileall.compile_dir(str(ROOT / "deckgen"), quiet=1)

    def runs_for(slides: int) -> int:
        return args.runs if args.runs is not None else (3 if slides <= 1000 else 1)

    pandoc: str | None = None
    if not args.no_pandoc:
        try:
            import pypandoc
        except ImportError:
            print(
                "pandoc comparison needs the bench extra: pip install pypandoc-binary "
                "(or run with --no-pandoc)",
                file=sys.stderr,
            )
            return 2
        pandoc = pypandoc.get_pandoc_path()

    load_before = load_text()
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="deckgen-bench-") as tmp_name:
        tmp = Path(tmp_name)
        rows = [Row(write_deck(tmp, n), runs_for(n)) for n in sizes]

        # Start-up: the interpreter alone, then the interpreter + deckgen's imports.
        startup_runs = max(runs_for(min(sizes)), 5)
        bare_s = time_cmd([sys.executable, "-c", "pass"], startup_runs)
        import_s = time_cmd([sys.executable, "-c", "import deckgen.build"], startup_runs)

        # Cold build of the samples: a fresh process, as a user runs it.
        samples = sorted((ROOT / "content").glob("*.md"))
        cold_s: float | None = None
        try:
            cold_out = tmp / "out-samples"
            cold_s = time_cmd(
                [
                    sys.executable,
                    "-m",
                    "deckgen",
                    "build",
                    "-q",
                    "--out",
                    cold_out,
                    "--format",
                    "deck",
                ],
                max(runs_for(min(sizes)), 3),
            )
            written = sorted(cold_out.glob("*/*.pptx"))
            if len(written) != len(samples):
                failures.append(
                    f"samples: {len(written)} deck(s) written for {len(samples)} content file(s)"
                )
        except CommandFailed as exc:
            failures.append(f"samples: {exc}")

        # Warm the in-process path once (lazy imports, font files) on a small deck, untimed.
        (tmp / "warm").mkdir()
        warm = write_deck(tmp / "warm", 5)
        try:
            build_in_process(warm.path, tmp / "out-warm")
        except CommandFailed as exc:
            failures.append(f"warm-up: {exc}")

        for row in rows:
            n = row.deck.slides
            out_proc = tmp / f"out-process-{n}"
            out_inproc = tmp / f"out-inproc-{n}"
            try:
                row.process_s = time_cmd(deckgen_cmd(row.deck.path, out_proc), row.runs)
                row.inproc_s = median_time(
                    lambda r=row, o=out_inproc: build_in_process(r.deck.path, o),
                    row.runs,
                    clean=True,
                )
            except CommandFailed as exc:
                row.problems.append(str(exc))
            for out in (out_proc, out_inproc):
                deck = out / "default" / f"{row.deck.path.stem}.pptx"
                if not deck.is_file():
                    if not row.problems:
                        row.problems.append(f"{deck} was not written")
                    continue
                count = pptx_slide_count(deck)
                row.slide_count = count
                if count < n:
                    row.problems.append(
                        f"{deck.name}: {count} slides, fewer than the {n} '##' slides in the source"
                    )
                elif count != row.deck.expected:
                    row.problems.append(
                        f"{deck.name}: {count} slides, expected "
                        f"{row.deck.expected} (1 title + {row.deck.sections} "
                        f"sections + {n} slides)"
                    )
            if pandoc and n <= 1000:
                pptx_out = tmp / f"pandoc-{n}.pptx"
                try:
                    row.pandoc_s = time_cmd([pandoc, row.deck.path, "-o", pptx_out], row.runs)
                except CommandFailed as exc:
                    row.problems.append(f"pandoc: {exc}")
                if not pptx_out.is_file() or pptx_out.stat().st_size == 0:
                    row.problems.append(f"pandoc wrote no {pptx_out.name}")
            failures += [f"{n} slides: {p}" for p in row.problems]

        profile_text = None
        if args.profile:
            (tmp / "profile").mkdir()
            prof = write_deck(tmp / "profile", args.profile)
            try:
                profile_text = profile_build(prof.path, tmp / "out-profile")
            except CommandFailed as exc:
                failures.append(f"profile: {exc}")

    # ---- print
    print("deckgen build benchmark")
    print()
    for line in machine_lines(pandoc):
        print(line)
    print(
        f"load avg:    {load_before} before, {load_text()} after "
        f"(above ~0.5 other work shares the CPUs: figures are inflated)"
    )
    print()
    header = (
        f"{'slides':>6}  {'out':>5}  {'runs':>4}  {'deckgen s':>9}  {'in-proc s':>9}  "
        f"{'pandoc s':>8}  {'pandoc/deckgen':>14}  {'ms/slide':>8}  {'in-proc ms/slide':>16}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        ratio = row.pandoc_s / row.process_s if row.pandoc_s is not None and row.process_s else None
        print(
            f"{row.deck.slides:>6}  {fmt(row.slide_count, 'd'):>5}  {row.runs:>4}  "
            f"{fmt(row.process_s, '.3f'):>9}  {fmt(row.inproc_s, '.3f'):>9}  "
            f"{fmt(row.pandoc_s, '.3f'):>8}  {fmt(ratio, '.2f', 'x'):>14}  "
            f"{fmt(row.ms_per_slide(row.process_s), '.3f'):>8}  "
            f"{fmt(row.ms_per_slide(row.inproc_s), '.3f'):>16}"
        )
    print(
        "(slides: '##' slides in the source; out: slides in deckgen's .pptx, with the title "
        "and section slides;"
    )
    print(
        " deckgen s: whole `python -m deckgen build` process; in-proc s: deckgen.build.build() "
        "in this process)"
    )
    print()
    print(
        f'start-up: `python -c pass` {bare_s:.3f} s; `python -c "import deckgen.build"` '
        f"{import_s:.3f} s (imports {import_s - bare_s:.3f} s)"
    )
    print(f"cold build of the {len(samples)} samples (content/*.md): {fmt(cold_s, '.3f', ' s')}")

    by_size = {row.deck.slides: row for row in rows}
    lin_ok: bool | None = None
    big = by_size.get(3000)
    if big is not None and big.inproc_s is not None:
        parts = []
        for ref_n in (100, 1000):
            ref = by_size.get(ref_n)
            if ref is None or ref.inproc_s is None or ref.process_s is None:
                continue
            k_in = big.ms_per_slide(big.inproc_s) / ref.ms_per_slide(ref.inproc_s)
            k_proc = big.ms_per_slide(big.process_s) / ref.ms_per_slide(ref.process_s)
            parts.append(f"3,000 vs {ref_n:,}: {k_in:.2f}x in-process, {k_proc:.2f}x process")
            if ref_n == 1000:
                lin_ok = k_in <= TARGET_LINEAR
        print("linearity (ms/slide ratio, 1.00 = linear): " + ("; ".join(parts) or "-"))
    print()

    at_1000 = by_size.get(1000)
    t1000 = at_1000.process_s if at_1000 else None
    ratio_1000 = (
        at_1000.pandoc_s / at_1000.process_s
        if at_1000 and at_1000.pandoc_s and at_1000.process_s
        else None
    )
    targets = [
        (
            f"1,000 slides in under {TARGET_1000_S:g} s (process)",
            None if t1000 is None else t1000 < TARGET_1000_S,
            fmt(t1000, ".3f", " s"),
        ),
        (
            f"at least {TARGET_RATIO:g}x faster than pandoc at 1,000 slides",
            None if ratio_1000 is None else ratio_1000 >= TARGET_RATIO,
            fmt(ratio_1000, ".2f", "x"),
        ),
        (
            f"cold build of the samples in under {TARGET_COLD_S:g} s",
            None if cold_s is None else cold_s < TARGET_COLD_S,
            fmt(cold_s, ".3f", " s"),
        ),
        (f"linear: ms/slide at 3,000 within {TARGET_LINEAR:g}x of 1,000 (in-process)", lin_ok, ""),
    ]
    for row in rows:
        record(
            f"build {row.deck.slides:,} slides (process)",
            row.process_s or 0.0,
            "s",
            peer="pandoc" if row.pandoc_s else "",
            peer_value=row.pandoc_s,
            target="< 2 s, >= 3x pandoc" if row.deck.slides == 1000 else "",
            ok=(t1000 < TARGET_1000_S and (ratio_1000 or 0) >= TARGET_RATIO)
            if row.deck.slides == 1000 and t1000 is not None
            else None,
            runs=row.runs,
        )
    if cold_s is not None:
        record(
            f"cold build of the {len(samples)} samples",
            cold_s,
            "s",
            target=f"< {TARGET_COLD_S:g} s",
            ok=cold_s < TARGET_COLD_S,
        )
    if big is not None and lin_ok is not None and by_size.get(1000):
        ref = by_size[1000]
        record(
            "ms/slide at 3,000 vs 1,000 (in-process)",
            big.ms_per_slide(big.inproc_s) / ref.ms_per_slide(ref.inproc_s),
            "x",
            target=f"<= {TARGET_LINEAR:g}x",
            ok=lin_ok,
        )
    for label, ok, value in targets:
        print(f"{verdict(ok)}  {label}" + (f": {value}" if value else ""))
        if ok is False:
            failures.append(f"target missed: {label}")
    if failures:
        print()
        print("PROBLEMS:")
        for problem in failures:
            print(f"  {problem}")
    if profile_text:
        print()
        print(
            f"cProfile of one in-process build of {args.profile} slides "
            "(top 15 by cumulative time, then by own time):"
        )
        print(profile_text.rstrip())
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
