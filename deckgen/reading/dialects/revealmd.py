"""reveal-md (reveal.js's Markdown): ``---`` separates slides (``----`` vertical ones), a
``Note:`` line starts the slide's speaker notes, ``<!-- .slide: ... -->`` and
``<!-- .element: ... -->`` comments are reveal.js attributes (dropped).
"""

from __future__ import annotations

import re

from ..body import SLIDE_MARK_RE, Body
from . import Context, Dialect
from .slides import no_properties, split_slides

NOTE = re.compile(r"^Notes?:\s?(.*)$")
ATTRIBUTES = re.compile(r"<!--\s*\.(slide|element):.*?-->")
VERTICAL = re.compile(r"^-{4,}\s*$")


def attributes(body: Body, ctx: Context) -> None:
    code = body.in_code()
    for k, line in enumerate(body.lines):
        if not code[k]:
            line = ATTRIBUTES.sub("", line)
            body.lines[k] = "---" if VERTICAL.match(line) else line


def split(body: Body, ctx: Context) -> None:
    split_slides(body, ctx, no_properties, strict_rulers=True)


def notes(body: Body, ctx: Context) -> None:
    code = body.in_code()
    open_notes = False
    with body.rebuild() as out:
        for k, line in enumerate(body.lines):
            origin = body.origin[k]
            if code[k]:
                out.keep(k)
                continue
            if SLIDE_MARK_RE.match(line) and open_notes:
                out.add(":::", origin)
                out.add("", origin)
                open_notes = False
            m = NOTE.match(line)
            if m and not open_notes:
                out.add("", origin)
                out.add("::: notes", origin)
                out.add(m.group(1), origin)
                open_notes = True
                continue
            out.keep(k)
        if open_notes:
            out.add(":::", body.origin[-1] if body.origin else 1)


DIALECT = Dialect(
    "reveal-md",
    "reveal-md",
    stages=(attributes, split, notes),
    separators=True,
)
