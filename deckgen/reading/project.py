"""Where a content file's project starts: the root that pictures must stay inside."""

from __future__ import annotations

from pathlib import Path


def find_project_root(path: Path) -> Path:
    """The nearest folder above `path` holding a pyproject.toml, else the file's folder."""
    start = path.resolve().parent
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return start
