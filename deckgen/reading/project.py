"""Where a content file's project starts: the root that its pictures must stay inside.

`find_project_root` is the project deckgen runs in (themes, settings, build/): the nearest
folder holding a pyproject.toml. `content_root` is found from each content file, wherever
it is: the nearest folder holding a pyproject.toml with ``[tool.deckgen]``, a
``_quarto.yml`` (a Quarto project) or a ``.git`` (a repository), else the file's own folder,
so that ``deckgen build ~/Downloads/talk.md`` from anywhere builds with the pictures beside
the file, and ``../images/`` inside that root works.
"""

from __future__ import annotations

from pathlib import Path


def find_project_root(path: Path) -> Path:
    """The nearest folder above `path` holding a pyproject.toml, else the file's folder."""
    start = path.resolve().parent
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return start


def content_root(path: Path) -> Path:
    """The root a content file's pictures must stay inside (see the module's doc)."""
    start = path.resolve().parent
    for folder in (start, *start.parents):
        if _deckgen_project(folder / "pyproject.toml"):
            return folder
        if (folder / "_quarto.yml").is_file() or (folder / ".git").exists():
            return folder
    return start


def _deckgen_project(pyproject: Path) -> bool:
    if not pyproject.is_file():
        return False
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(line.strip().startswith("[tool.deckgen") for line in text.splitlines())
