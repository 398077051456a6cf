"""One `deckgen build --theme all` against the separate builds it replaces.

    python bench/multi_theme.py [--runs 3]

A temporary copy of the repository's project (both sample files, the three sample themes:
default, agence-boreal and atelier-durand with its own template and logo). Times, wall clock and median of runs: one `deckgen build --theme all` process
(each file parsed once, one worker per core) against 6 separate `deckgen build FILE --theme
NAME` processes, for decks and newsletters. Target (issue 4): at least 2x faster.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import record, timed_process  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    compileall.compile_dir(str(ROOT / "deckgen"), quiet=1)  # as pip does when installing
    with tempfile.TemporaryDirectory(prefix="deckgen-themes-") as tmp:
        project = Path(tmp)
        (project / "pyproject.toml").write_text(
            (ROOT / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8"
        )
        shutil.copytree(ROOT / "content", project / "content")
        shutil.copytree(ROOT / "themes", project / "themes")
        files = sorted((project / "content").glob("*.md"))
        themes = sorted(p.parent.name for p in (project / "themes").glob("*/theme.toml"))
        python = [sys.executable, "-m", "deckgen", "build", "-q"]
        together, separate = [], []
        for _ in range(args.runs):
            shutil.rmtree(project / "build", ignore_errors=True)
            together.append(timed_process([*python, "--theme", "all"], project))
            shutil.rmtree(project / "build", ignore_errors=True)
            separate.append(
                sum(
                    timed_process([*python, str(f), "--theme", t], project)
                    for f in files
                    for t in themes
                )
            )
        outputs = len(list((project / "build").rglob("*.*")))
    one, six = statistics.median(together), statistics.median(separate)
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(
        f"{len(files)} files x {len(themes)} themes = {len(files) * len(themes)} builds "
        f"(deck + newsletter: {outputs} files), median of {args.runs}"
    )
    print(f"  deckgen build --theme all (one process): {one:.3f} s")
    print(f"  {len(files) * len(themes)} separate deckgen build runs:       {six:.3f} s")
    ratio = six / one
    print(f"{'PASS' if ratio >= 2 else 'FAIL'}  at least 2x faster: {ratio:.1f}x")
    record(
        f"build --theme all ({len(files)} files x {len(themes)} themes)",
        one,
        "s",
        peer=f"{len(files) * len(themes)} separate deckgen builds",
        peer_value=six,
        target=">= 2x faster",
        ok=ratio >= 2,
        runs=args.runs,
    )
    return 0 if ratio >= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
