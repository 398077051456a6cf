"""deckgen.output: outputs are written atomically (old file or new file, never half a file)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from deckgen.output import TMP_PREFIX, output_path, write_atomic, write_bytes_atomic


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(TMP_PREFIX))


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


def test_output_path(tmp_path: Path) -> None:
    assert output_path(tmp_path, "client-a", "formation", ".pptx") == (
        tmp_path / "client-a" / "formation.pptx"
    )


def test_writes_new_file_and_creates_folders(tmp_path: Path) -> None:
    target = tmp_path / "build" / "default" / "x.pptx"
    write_atomic(target, lambda f: f.write(b"new deck"))
    assert target.read_bytes() == b"new deck"
    assert leftovers(target.parent) == []


def test_replaces_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "x.pptx"
    target.write_bytes(b"old")
    write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.pptx"]


@pytest.mark.parametrize("error", [RuntimeError("render failed"), KeyboardInterrupt()])
def test_failing_writer_leaves_old_file_and_no_temp(tmp_path: Path, error: BaseException) -> None:
    target = tmp_path / "x.pptx"
    target.write_bytes(b"old complete deck")
    seen: list[Path] = []

    def writer(handle) -> None:
        handle.write(b"half a de")
        handle.flush()
        seen.extend(p for p in tmp_path.iterdir() if p.name.startswith(TMP_PREFIX))
        raise error

    with pytest.raises(type(error)):
        write_atomic(target, writer)
    assert target.read_bytes() == b"old complete deck"
    assert leftovers(tmp_path) == []
    # The partial content went to a temporary file in the same folder, never to the target.
    assert len(seen) == 1 and seen[0].parent == tmp_path
    assert seen[0].name.startswith(f"{TMP_PREFIX}x.pptx.") and seen[0].name.endswith(".tmp")


def test_failing_writer_without_previous_file_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "x.pptx"

    def writer(handle) -> None:
        handle.write(b"partial")
        raise ValueError("boom")

    with pytest.raises(ValueError):
        write_atomic(target, writer)
    assert list(tmp_path.iterdir()) == []


def test_stale_temp_from_killed_build_is_cleaned(tmp_path: Path) -> None:
    target = tmp_path / "x.pptx"
    stale = tmp_path / f"{TMP_PREFIX}x.pptx.k1ll3d.tmp"
    stale.write_bytes(b"half a deck from a SIGKILLed build")
    other = tmp_path / f"{TMP_PREFIX}y.pptx.k1ll3d.tmp"  # another target's: not ours to remove
    other.write_bytes(b"y")
    unrelated = tmp_path / "notes.tmp"
    unrelated.write_bytes(b"keep")
    write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert not stale.exists()
    assert other.exists() and unrelated.exists()


def test_stale_temp_cleaned_for_names_with_glob_characters(tmp_path: Path) -> None:
    target = tmp_path / "deck[v2].pptx"
    stale = tmp_path / f"{TMP_PREFIX}deck[v2].pptx.k1ll3d.tmp"
    stale.write_bytes(b"stale")
    write_bytes_atomic(target, b"new")
    assert not stale.exists()


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_mode_follows_umask(tmp_path: Path, umask: None, mask: int) -> None:
    os.umask(mask)
    target = tmp_path / "x.pptx"
    write_bytes_atomic(target, b"data")
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask


def test_mode_follows_umask_when_replacing(tmp_path: Path, umask: None) -> None:
    target = tmp_path / "x.pptx"
    target.write_bytes(b"old")
    target.chmod(0o600)
    os.umask(0o022)
    write_bytes_atomic(target, b"new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_umask_unchanged_after_write(tmp_path: Path, umask: None) -> None:
    os.umask(0o027)
    write_bytes_atomic(tmp_path / "x.pptx", b"data")
    assert os.umask(0o027) == 0o027


def test_folder_listed_once_and_a_running_builds_temp_file_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder is listed for stale files once per process (once per file made a 100,000
    message dry run quadratic); a temporary file that appears later is a build running now."""
    stale = tmp_path / f"{TMP_PREFIX}b.eml.k1ll3d.tmp"
    stale.write_bytes(b"stale")
    listings = []
    original = Path.glob

    def counting_glob(self, pattern):
        listings.append(self)
        return original(self, pattern)

    monkeypatch.setattr(Path, "glob", counting_glob)
    write_bytes_atomic(tmp_path / "a.eml", b"a")
    running = tmp_path / f"{TMP_PREFIX}c.eml.r0nn1ng.tmp"  # another process, writing now
    running.write_bytes(b"in flight")
    for name in ("b.eml", "c.eml", "d.eml"):
        write_bytes_atomic(tmp_path / name, b"x")
    assert listings == [tmp_path]
    assert not stale.exists()
    assert running.exists()
