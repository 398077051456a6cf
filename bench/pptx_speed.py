"""Time building N slides with stock python-pptx vs. after deckgen's make_linear.

    python bench/pptx_speed.py [N ...] [--all]

Each slide gets a title, four bullets and a notes slide; the time includes saving to
memory.  Median of 3 runs for N <= 1000, one run above; stock is skipped above 1000
slides (minutes, quadratic) unless --all is given.  Times are CPU seconds of this
(single-threaded) process, so a busy machine skews them less than wall-clock time.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from pptx import Presentation  # noqa: E402

from deckgen.render.pptx_speed import make_linear  # noqa: E402


def build(n: int, patched: bool) -> float:
    """CPU seconds to build and save an `n`-slide deck."""
    start = time.process_time()
    prs = Presentation()
    if patched:
        make_linear(prs)
    layout = prs.slide_layouts[1]  # title and content
    for i in range(n):
        slide = prs.slides.add_slide(layout)
        slide.shapes.title.text = f"Slide {i + 1}"
        slide.placeholders[1].text_frame.text = "\n".join(f"Point {k}" for k in range(1, 5))
        slide.notes_slide.notes_text_frame.text = f"Speaker notes for slide {i + 1}"
    prs.save(io.BytesIO())
    return time.process_time() - start


def timed(n: int, patched: bool) -> float:
    return statistics.median(build(n, patched) for _ in range(3 if n <= 1000 else 1))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 3000], metavar="N")
    parser.add_argument("--all", action="store_true", help="also time stock above 1000 slides")
    args = parser.parse_args(argv)

    print(f"{'slides':>7} {'stock s':>9} {'linear s':>9} {'ratio':>7}  (CPU seconds)")
    for n in args.sizes:
        fast = timed(n, patched=True)
        if n <= 1000 or args.all:
            stock = timed(n, patched=False)
            print(f"{n:>7} {stock:>9.2f} {fast:>9.2f} {stock / fast:>6.1f}x", flush=True)
        else:
            print(f"{n:>7} {'-':>9} {fast:>9.2f} {'-':>7}", flush=True)


if __name__ == "__main__":
    main()
