"""Interrupting a build (Ctrl-C, SIGKILL) never leaves a partial output in place of the
previous one.

A 1,500-slide deck is built once (the previous output); the content then grows to 1,600
slides and `python -m deckgen build` runs in a child process that is interrupted at
several moments: while rendering, as soon as its temporary file appears, and in the
middle of writing it. Afterwards the deck is either byte-identical to the previous one
or a complete new one (it opens, 1,601 slides), never a mix; Ctrl-C exits 130 with its
message and removes its temporary file; a killed build's temporary file sits beside the
deck (hidden, never in its place) and the next build removes it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pptx import Presentation

REPO = Path(__file__).resolve().parent.parent
OLD_SLIDES, NEW_SLIDES = 1_500, 1_600
TEMP_PREFIX = ".deckgen-big.pptx."  # deckgen.output.TMP_PREFIX + the target's name
INTERRUPTED = "deckgen: interrupted; outputs already written are complete, none is partial"


def content(slides: int) -> str:
    parts = ["---\ntitle: Une longue formation\n---\n"]
    for k in range(slides):
        parts.append(
            f"## Diapositive {k}\n\nUn paragraphe pour la diapositive {k}, avec **du gras**."
            f"\n\n- premier point\n- second point\n\n::: notes\nNotes {k}.\n:::\n"
        )
    return "\n".join(parts)


def deckgen(project: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "deckgen", "build", "--format", "deck", *args],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def temp_files(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.startswith(".deckgen-"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose build/default/big.pptx is the previous, 1,500-slide deck."""
    project = tmp_path_factory.mktemp("interrupt")
    (project / "pyproject.toml").write_text("", encoding="utf-8")
    (project / "content").mkdir()
    (project / "content" / "big.md").write_text(content(OLD_SLIDES), encoding="utf-8")
    proc = deckgen(project, "-q")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return project


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "projet"
    shutil.copytree(built, copy)
    (copy / "content" / "big.md").write_text(content(NEW_SLIDES), encoding="utf-8")
    return copy


def interrupt(project: Path, sig: signal.Signals, moment: str) -> subprocess.CompletedProcess:
    """Start a build and send `sig` at `moment`: "rendering" (0.6 s in: past Python's
    start-up and deckgen's imports, long before anything is written), "temp" (as soon as
    the temporary file exists), "writing" (once bytes are in it, mid-write)."""
    folder = project / "build" / "default"
    proc = deckgen(project)
    if moment == "rendering":
        time.sleep(0.6)
        assert not temp_files(folder), "the machine is too fast for this moment"
    else:
        deadline = time.monotonic() + 60
        while not temp_files(folder):
            assert proc.poll() is None, "the build ended before writing started"
            assert time.monotonic() < deadline
            time.sleep(0.001)
        if moment == "writing":
            # Mid-write: once bytes have reached the temporary file (a fixed delay was
            # flaky on a loaded machine, where the first bytes came later).
            while not _bytes_written(folder):
                assert proc.poll() is None, "the build ended before bytes were written"
                assert time.monotonic() < deadline
                time.sleep(0.001)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _bytes_written(folder: Path) -> bool:
    for name in temp_files(folder):
        try:
            if (folder / name).stat().st_size > 0:
                return True
        except FileNotFoundError:  # renamed into place meanwhile
            pass
    return False


def assert_previous_or_complete(target: Path, previous: bytes) -> str:
    data = target.read_bytes()
    if data == previous:
        return "previous"
    slides = len(Presentation(str(target)).slides)  # a partial zip would not open
    assert slides == NEW_SLIDES + 1, f"{slides} slides: neither the previous deck nor the new"
    return "new"


MOMENTS = ("rendering", "temp", "writing")


@pytest.mark.parametrize("moment", MOMENTS)
def test_sigkill_leaves_the_previous_deck_and_the_next_build_cleans_up(
    project: Path, moment: str
) -> None:
    target = project / "build" / "default" / "big.pptx"
    previous = target.read_bytes()
    result = interrupt(project, signal.SIGKILL, moment)
    assert result.returncode == -signal.SIGKILL
    # Writing takes 0.7-1 s here and the rename comes last: at every moment the deck in
    # place is still the previous one.
    assert assert_previous_or_complete(target, previous) == "previous"
    # What a kill leaves is a hidden temporary file beside the deck, never in its place.
    leftovers = temp_files(target.parent)
    assert all(n.startswith(TEMP_PREFIX) and n.endswith(".tmp") for n in leftovers)
    if moment != "rendering":
        assert leftovers, "SIGKILL skips cleanup: the temporary file should still be there"
    if moment == "writing":  # killed in the middle of the write, not before it
        assert (target.parent / leftovers[0]).stat().st_size > 0
    # The next build replaces the deck and removes the stale temporary file.
    proc = deckgen(project, "-q")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert temp_files(target.parent) == []
    assert len(Presentation(str(target)).slides) == NEW_SLIDES + 1


@pytest.mark.parametrize("moment", MOMENTS)
def test_ctrl_c_exits_130_with_its_message_and_leaves_nothing_partial(
    project: Path, moment: str
) -> None:
    target = project / "build" / "default" / "big.pptx"
    previous = target.read_bytes()
    result = interrupt(project, signal.SIGINT, moment)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 130, result.stderr
    assert result.stderr.strip().splitlines()[-1] == INTERRUPTED
    assert assert_previous_or_complete(target, previous) == "previous"
    assert temp_files(target.parent) == [], "Ctrl-C must remove its temporary file"
