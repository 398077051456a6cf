"""Dialects of Markdown: the tools people wrote their decks for, each a named set of stages.

A content file is written for deckgen, or for pandoc/Quarto, Marp, remark or Slidev (and a
few more: landslide, reveal-md, mdx-deck). Each
dialect is a module here holding its `DIALECT`: the stages that rewrite that tool's
constructs into deckgen's Markdown before Python-Markdown reads it (Marp's comments become
``::: notes``, remark's ``???`` opens notes, Slidev's per-slide front matter becomes slide
properties...), the front matter keys it understands, and how its slides are separated
(headings, or ``---`` lines). The `common` stages run for every dialect after its own
(list indentation, HTML wrappers, pandoc's attributes and spans, math, footnotes...).

`detect` says which dialect a file is written in, and why: an explicit ``dialect:`` key,
then the markers each tool's files carry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import Collector
from ..body import Body

Stage = Callable[[Body, "Context"], None]


@dataclass
class Footnote:
    number: int
    text: str
    line: int


@dataclass
class Context:
    """What the stages of one file share: where to report, its raw front matter, and what
    they found for the tree reader (footnotes, a slide level)."""

    path: Path
    report: Collector
    front: Mapping[str, Any] = field(default_factory=dict)
    front_lines: Mapping[str, int] = field(default_factory=dict)
    meta_updates: dict[str, Any] = field(default_factory=dict)  # e.g. pandoc's % title block
    footnotes: dict[str, Footnote] = field(default_factory=dict)
    # pandoc's attributes of headings ({.step data-x=1 layout="Two Content"}), by file line:
    # taken off the heading's text by a common stage, read by the tree reader.
    heading_attrs: dict[int, dict[str, str]] = field(default_factory=dict)
    slide_level: int | None = None  # computed by a dialect when the file gives none
    dialect: str = "markdown"

    def warn(self, message: str, line: int, rule: str = "") -> None:
        self.report.warn(message, line, rule)


@dataclass(frozen=True)
class Dialect:
    name: str  # as written in `dialect:` and in messages
    label: str  # for people: "Marp", "pandoc/Quarto"
    stages: tuple[Stage, ...] = ()
    separators: bool = False  # '---' lines separate slides; a slide's first heading is its title
    # Front matter keys of this tool that deckgen understands or deliberately ignores
    # (key -> what deckgen does with it), beyond deckgen's own.
    keys: Mapping[str, str] = field(default_factory=dict)
    # Keys deckgen understands with nothing to say about them (marp: true, paginate).
    understood: frozenset[str] = frozenset({"dialect"})
    image_keywords: bool = False  # Marp's ![bg left:40% w:300](x.png)
    comments_are_notes: bool = False  # HTML comments are speaker notes (Marp, Slidev)
    # Where a picture path starting with "/" is looked for, beside the file (Slidev serves
    # its public/ folder at the site's root).
    public_folder: str = ""


def dialects() -> dict[str, Dialect]:
    from . import landslide, markdown, marp, mdx, pandoc, remark, revealmd, slidev

    return {
        d.name: d
        for d in (
            markdown.DIALECT,
            pandoc.DIALECT,
            marp.DIALECT,
            remark.DIALECT,
            slidev.DIALECT,
            landslide.DIALECT,
            revealmd.DIALECT,
            mdx.DIALECT,
        )
    }


QUARTO_KEYS = ("format", "execute", "jupyter", "knitr", "engine", "editor")
SLIDEV_KEYS = (
    "mdc",
    "drawings",
    "transition",
    "highlighter",
    "lineNumbers",
    "info",
    "colorSchema",
    "routerMode",
    "aspectRatio",
    "canvasWidth",
    "fonts",
    "hideInToc",
    "layout",
    "exportFilename",
    "overviewSnapshots",
    "themeConfig",
    "addons",
    "seoMeta",
)
PANDOC_KEYS = ("output", "institute", "classoption", "header-includes", "bibliography", "aspectratio")
REMARK_PROPERTY = re.compile(r"^(class|name|layout|template|background-image|count|exclude):")


def detect(front: Mapping[str, Any] | None, lines: list[str], path: Path) -> tuple[Dialect, str]:
    """The dialect of a file and why it was recognised (for the info line)."""
    known = dialects()
    front = front or {}
    explicit = front.get("dialect")
    if isinstance(explicit, str) and explicit.lower() in known:
        return known[explicit.lower()], "its front matter says dialect: " + explicit
    if front.get("marp") is True:
        return known["marp"], "marp: true"
    if path.suffix.lower() == ".qmd":
        return known["pandoc"], "a .qmd (Quarto) file"
    quarto = [k for k in QUARTO_KEYS if k in front]
    if quarto:
        return known["pandoc"], f"Quarto/pandoc front matter ({quarto[0]}:)"
    slidev = [k for k in SLIDEV_KEYS if k in front]
    body = "\n".join(lines)
    if slidev and ("theme" in front or len(slidev) > 1):
        return known["slidev"], f"Slidev front matter ({', '.join(slidev[:3])})"
    if re.search(r"<v-clicks?\b|^::(right|left|default)::\s*$", body, re.M):
        return known["slidev"], "Slidev's <v-click> or ::right:: slots"
    first = next((line for line in lines if line.strip()), "")
    if REMARK_PROPERTY.match(first) or re.search(r"^\?\?\?\s*$", body, re.M):
        return known["remark"], "remark's slide properties (class:) or ??? notes"
    if re.search(r"^---\s*\n(class|name|layout|template|background-image|count):", body, re.M) or (
        re.search(r"^(\.[\w-]+)+\[\s*$", body, re.M) and re.search(r"^---\s*$", body, re.M)
    ):
        return known["remark"], "remark's slide properties or .class[ ] blocks"
    if re.search(r"<!--\s*_?(class|paginate|header|footer|backgroundImage)\s*:", body):
        return known["marp"], "Marp's directive comments"
    if path.suffix.lower() == ".mdx" or re.search(r"^\s*<Notes>", body, re.M):
        return known["mdx"], "an .mdx file (mdx-deck)"
    if re.search(r"^#{1,6}\s*Presenter Notes\s*$|^\.(notes|fx):", body, re.M | re.I):
        return known["landslide"], "landslide's Presenter Notes or .notes:"
    if re.search(r"<!--\s*\.(slide|element):", body) or (
        re.search(r"^Notes?:", body, re.M) and re.search(r"^---\s*$", body, re.M)
    ):
        return known["reveal-md"], "reveal-md's Note: or <!-- .slide: -->"
    if lines and lines[0].startswith("% "):
        return known["pandoc"], "a pandoc title block (% title)"
    pandoc = [k for k in PANDOC_KEYS if k in front]
    if pandoc:
        return known["pandoc"], f"pandoc front matter ({pandoc[0]}:)"
    if re.search(r"^:{3,}\s*\{?\.?(columns|incremental|nonincremental)\b|^:{3,}\s*\{\.notes\}|^\. \. \.\s*$", body, re.M):
        return known["pandoc"], "pandoc's :::: columns, ::: {.notes} or . . ."
    return known["markdown"], ""


def run_stages(dialect: Dialect, body: Body, ctx: Context) -> None:
    """The dialect's own stages, then the common ones."""
    from . import common

    for stage in (*dialect.stages, *common.stages(dialect)):
        stage(body, ctx)
