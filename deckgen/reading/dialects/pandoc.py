"""pandoc and Quarto slides (beamer, reveal.js, pptx): headings make slides, as in deckgen.

Stages: the ``% title`` block (title, author, date); ``. . .`` pauses dropped (a deck has no
pauses; the text stays); line blocks (``| line``) kept line by line; the slide level found
as pandoc finds it (the highest heading level followed by content) when the file does not
give one. The tree reader understands the fenced divs (``::: notes``, ``:::: columns`` /
``::: column``, ``::: incremental``, ``::: footer``) and the common stages the attributes,
spans, math, raw LaTeX, shortcodes and footnotes.
"""

from __future__ import annotations

import re

from ..body import Body
from . import Context, Dialect

PAUSE = re.compile(r"^\s*\.\s\.\s\.\s*$")
LINE_BLOCK = re.compile(r"^\| (.*)$")
HEADING = re.compile(r"^(#{1,6})\s+\S")


def title_block(body: Body, ctx: Context) -> None:
    """``% title``, ``% author(s)``, ``% date`` on the first lines (pandoc_title_block)."""
    keys = ("title", "author", "date")
    k = 0
    while k < min(3, len(body.lines)) and body.lines[k].startswith("%"):
        value = body.lines[k][1:].strip()
        if value:
            key = keys[k]
            if key == "author":
                value = ", ".join(part.strip() for part in value.split(";") if part.strip())
            ctx.meta_updates.setdefault(key, value)
            ctx.meta_updates.setdefault("_lines", {})[key] = body.origin[k]
        body.lines[k] = ""
        k += 1


def pauses(body: Body, ctx: Context) -> None:
    code = body.in_code()
    for k, line in enumerate(body.lines):
        if not code[k] and PAUSE.match(line):
            body.lines[k] = ""


def line_blocks(body: Body, ctx: Context) -> None:
    """A run of ``| text`` lines that is not a table: one line each (hard breaks)."""
    code = body.in_code()
    k = 0
    while k < len(body.lines):
        j = k
        while j < len(body.lines) and not code[j] and LINE_BLOCK.match(body.lines[j]):
            j += 1
        run = body.lines[k:j]
        if run and not any(line.rstrip().endswith("|") for line in run):
            for i in range(k, j):
                text = LINE_BLOCK.match(body.lines[i]).group(1)  # type: ignore[union-attr]
                body.lines[i] = text + ("  " if i + 1 < j else "")
        k = max(j, k + 1)


def slide_level(body: Body, ctx: Context) -> None:
    """pandoc's rule: the highest heading level followed at once by content (not by
    another heading), unless the file says slide_level / slide-level."""
    if "slide_level" in ctx.front or "slide-level" in ctx.front:
        value = ctx.front.get("slide-level")
        if isinstance(value, int) and "slide_level" not in ctx.front and 1 <= value <= 3:
            ctx.slide_level = value
        return
    code = body.in_code()
    levels = []
    for k, line in enumerate(body.lines):
        m = HEADING.match(line) if not code[k] else None
        if not m:
            continue
        j = k + 1
        while j < len(body.lines) and not body.lines[j].strip():
            j += 1
        if j < len(body.lines) and not HEADING.match(body.lines[j]):
            levels.append(len(m.group(1)))
    if levels and min(levels) <= 3:
        ctx.slide_level = min(levels)


DIALECT = Dialect(
    "pandoc",
    "pandoc/Quarto",
    stages=(title_block, pauses, line_blocks, slide_level),
    understood=frozenset({"slide-level", "institute", "dialect", "incremental"}),
    keys={
        "format": "Quarto's output formats: deckgen writes its own",
        "slide-level": "the heading level that starts a slide",
        "institute": "shown after the author",
        "execute": "Quarto's code execution: deckgen shows code, never runs it",
        "editor": "the editor's settings",
        "jupyter": "Quarto's kernel: deckgen never runs code",
        "engine": "Quarto's engine: deckgen never runs code",
        "knitr": "knitr's options: deckgen never runs code",
        "output": "R Markdown's output formats: deckgen writes its own",
        "classoption": "LaTeX class options",
        "header-includes": "raw LaTeX or HTML for the header",
        "bibliography": "citations are kept as written",
        "aspectratio": "the theme's template sets the slide size",
        "incremental": "a deck has no pauses",
        "toc": "no table of contents slide",
        "dialect": "the dialect to read the file as",
    },
)
