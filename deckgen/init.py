"""``deckgen init DIR``: a new project that builds and passes ``deckgen check --strict`` at
once, for a consultant who installed deckgen from a package.

It writes ``pyproject.toml`` (a commented ``[tool.deckgen]`` table), ``content/exemple.md``
(every construct deckgen reads), ``content/images/schema.png`` (drawn here, so the example
has a real picture), a client theme ``themes/mon-client/`` extending the default theme,
``content/abonnes.csv`` (an example subscriber list, reserved example domains only) and a
``.gitignore`` for ``build/``. The scaffold's text files ship in ``deckgen/scaffold/``.
"""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path

from .errors import UsageError
from .output import write_bytes_atomic
from .themes import new_theme_text

CLIENT = "mon-client"


def scaffold_files(folder: Path) -> dict[Path, bytes]:
    """What `init` writes, by path."""
    source = resources.files("deckgen") / "scaffold"

    def read(name: str) -> bytes:
        return (source / name).read_bytes()

    theme = new_theme_text(CLIENT, "default", None).replace(
        '# primary = "#1F3A5F"', 'primary = "#0B5D4B"      # this client\'s colour', 1
    )
    return {
        folder / "pyproject.toml": read("pyproject.toml.in"),
        folder / ".gitignore": read("gitignore"),
        folder / "content" / "exemple.md": read("exemple.md"),
        folder / "content" / "abonnes.csv": read("abonnes.csv"),
        folder / "content" / "images" / "schema.png": _schema(),
        folder / "themes" / CLIENT / "theme.toml": theme.encode("utf-8"),
    }


def init(folder: Path) -> list[Path]:
    """Write a new project into `folder` (created, or existing and empty)."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(
            f"deckgen init: {folder} is not an empty folder; give a new folder name "
            "(deckgen never overwrites your files)"
        )
    files = scaffold_files(folder)
    for path, data in files.items():
        write_bytes_atomic(path, data)
    return list(files)


def _schema() -> bytes:
    """A 1600x900 diagram (four steps in a cycle), sharp on any slide."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1600, 900), "#FFFFFF")
    draw = ImageDraw.Draw(image)
    colours = ("#1F3A5F", "#E4572E", "#2A9D8F", "#E9C46A")
    centres = ((500, 250), (1100, 250), (1100, 650), (500, 650))
    for k, (x, y) in enumerate(centres):
        nx, ny = centres[(k + 1) % 4]
        draw.line((x, y, nx, ny), fill="#6B7785", width=12)
    for colour, (x, y) in zip(colours, centres, strict=True):
        draw.ellipse((x - 150, y - 150, x + 150, y + 150), fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
