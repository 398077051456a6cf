"""Benchmark: a watch rebuild after a one-line change in a 300-slide file (issue 6: under 1 s).

In a temporary project, generates the deck of `deck_build.py` (300 '##' slides: notes on
every slide, bullets, a table every 10 slides, a section every 20), builds it once with a
`deckgen.watch.Watcher`, then, `--runs` times, changes one line (a paragraph near the middle
of the file) and times:

* ``Watcher.rebuild([file])``: parse the file again, render the deck and the newsletter, write
  the .pptx, .html, .txt and .eml (themes, measurers and email templates kept warm);
* the same with ``--format deck`` only;
* without --watch: ``python -m deckgen build FILE`` in a new process each time (start-up,
  imports, themes, font files), and a cold ``deckgen.build.build([file])`` in process;
* save to new output on disk through the real loop (watchfiles, in a thread): from the write
  of the Markdown file to the .txt holding the new line.

Prints medians (and min/max), PASS/FAIL against the target. Usage::

    python bench/watch.py [--slides 300] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from deck_build import deck_markdown  # noqa: E402
from report import record  # noqa: E402

from deckgen.build import build  # noqa: E402
from deckgen.watch import Watcher, changes  # noqa: E402

TARGET_S = 1.0
PYPROJECT = """[tool.deckgen]
unsubscribe_url = "https://lettre.example.com/desabonnement"
"""


def edit(md: Path, text: str, k: int) -> str:
    """Change one line near the middle of the file; returns the new words."""
    marker = f"ligne modifiée {k}"
    lines = text.split("\n")
    middle = next(i for i in range(len(lines) // 2, len(lines)) if lines[i].startswith("Un "))
    lines[middle] = f"Un paragraphe court : {marker}."
    md.write_text("\n".join(lines), encoding="utf-8")
    return marker


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def summary(times: list[float]) -> str:
    return (
        f"median {statistics.median(times):.3f} s  "
        f"(min {min(times):.3f}, max {max(times):.3f}, {len(times)} runs)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slides", type=int, default=300)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.2f} before"
    )
    with tempfile.TemporaryDirectory(prefix="deckgen-bench-watch-") as work:
        project = Path(work)
        (project / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
        (project / "content").mkdir()
        md = project / "content" / f"bench-{args.slides}.md"
        text, _, _ = deck_markdown(args.slides)
        md.write_text(text, encoding="utf-8")
        out = project / "build"
        txt = out / "default" / f"{md.stem}.txt"

        watcher = Watcher([], [], out, ("deck", "newsletter"), project, parallel=False)
        first = watcher.initial_build()
        assert first.ok, first.errors
        print(
            f"{args.slides} slides: initial build {first.seconds:.2f} s ({len(first.written)} files)"
        )

        def rebuild_all(k: int) -> float:
            marker = edit(md, text, k)
            result = watcher.rebuild([md])
            assert result is not None and result.ok, result and result.errors
            assert marker in txt.read_text(encoding="utf-8")
            return result.seconds

        warm = [rebuild_all(k) for k in range(args.runs)]

        deck_only = Watcher([], [], out, ("deck",), project, parallel=False)
        deck_only.initial_build()

        def rebuild_deck(k: int) -> float:
            edit(md, text, 100 + k)
            result = deck_only.rebuild([md])
            assert result is not None and result.ok
            return result.seconds

        deck = [rebuild_deck(k) for k in range(args.runs)]
        cold = [timed(lambda: build([md], out_dir=out, root=project)) for _ in range(3)]
        command = [sys.executable, "-m", "deckgen", "build", str(md), "-q"]
        env = dict(os.environ, PYTHONPATH=str(ROOT))  # this checkout, not an installed deckgen
        process = [
            timed(
                lambda: subprocess.run(
                    command, cwd=project, env=env, check=True, capture_output=True
                )
            )
            for _ in range(3)
        ]

        # Save -> output on disk, through watchfiles.
        stop = threading.Event()
        batches: list[set[Path]] = []

        def loop() -> None:
            for batch in changes(watcher, stop):
                batches.append(batch)
                watcher.rebuild(batch)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        time.sleep(1.0)  # let watchfiles set its watches up
        latency = []
        for k in range(args.runs):
            old = txt.stat().st_ino  # outputs are replaced whole (a new inode), not rewritten
            saved = time.perf_counter()
            marker = edit(md, text, 200 + k)
            # Look with stat only: reading the file in a loop would hold the GIL the
            # watcher thread needs.
            while txt.stat().st_ino == old:
                if time.perf_counter() - saved > 30:
                    raise SystemExit("the watch loop did not rebuild within 30 s")
                time.sleep(0.01)
            latency.append(time.perf_counter() - saved)
            assert marker in txt.read_text(encoding="utf-8")
            time.sleep(0.3)
        stop.set()
        thread.join(5)

    print(f"watch rebuild, deck + newsletter      {summary(warm)}")
    print(f"watch rebuild, --format deck          {summary(deck)}")
    print(f"deckgen build FILE, new process       {summary(process)}")
    print(f"cold build() of the same file         {summary(cold)}")
    print(f"save -> new output on disk (watchfiles) {summary(latency)}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    median = statistics.median(warm)
    verdict = "PASS" if median < TARGET_S else "FAIL"
    record(
        f"watch rebuild, one line changed in {args.slides} slides (deck + newsletter)",
        median,
        "s",
        peer="deckgen build FILE (new process)",
        peer_value=statistics.median(process),
        target=f"< {TARGET_S:g} s",
        ok=median < TARGET_S,
        runs=args.runs,
    )
    record(
        "watch: save -> new outputs on disk (watchfiles)",
        statistics.median(latency),
        "s",
        runs=args.runs,
    )
    print(
        f"{verdict}: one-line change in {args.slides} slides rebuilt in {median:.2f} s (target < {TARGET_S:g} s)"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
