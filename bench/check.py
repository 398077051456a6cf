"""`deckgen check --theme all` on the samples, against the full build it stands in for.

    python bench/check.py [--runs 5]

Times whole processes (wall clock, median of runs) in a temporary copy of the project:
`deckgen check --theme all --strict` (2 files x 3 themes: decks planned, newsletters
rendered and checked against caniemail, themes and typography) and `deckgen build --theme
all` (the same pairs, drawn and written). Target (issue 6): the check under 2 s.
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="deckgen-check-") as tmp:
        project = Path(tmp)
        for name in ("content", "themes"):
            shutil.copytree(ROOT / name, project / name)
        shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
        deckgen = [sys.executable, "-m", "deckgen"]
        check = [
            timed_process([*deckgen, "check", "--theme", "all", "--strict"], project)
            for _ in range(args.runs)
        ]
        build = [
            timed_process([*deckgen, "build", "-q", "--theme", "all"], project)
            for _ in range(args.runs)
        ]
    c, b = statistics.median(check), statistics.median(build)
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"samples x every theme (2 files x 3 themes), median of {args.runs} processes")
    print(f"  deckgen check --theme all --strict: {c:.3f} s")
    print(f"  deckgen build --theme all:          {b:.3f} s  (check/build = {c / b:.2f})")
    print(f"{'PASS' if c < 2 else 'FAIL'}  check under 2 s")
    record(
        "check --theme all on the samples",
        c,
        "s",
        target="< 2 s",
        ok=c < 2,
        runs=args.runs,
    )
    return 0 if c < 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
