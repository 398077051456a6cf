"""remark (remark.js): ``---`` separates slides, ``--`` adds a step to the same slide, a
slide's properties are ``key: value`` lines at its top (``class:``, ``name:``, ``layout:``,
``background-image:``), ``???`` starts its speaker notes, ``.class[text]`` styles text.

Stages: slides split with their properties; ``--`` steps dropped (the text stays);
``???`` notes made ``::: notes`` blocks; ``.class[...]`` wrappers removed, their text kept.
"""

from __future__ import annotations

import re

from ..body import SLIDE_MARK_RE, Body
from . import Context, Dialect
from .slides import remark_properties, split_slides

STEP = re.compile(r"^--\s*$")
NOTES = re.compile(r"^\?\?\?\s*$")
BLOCK_MACRO_OPEN = re.compile(r"^\s*(\.[\w-]+)+\[\s*$")
BLOCK_MACRO_CLOSE = re.compile(r"^\s*\]\s*$")
INLINE_MACRO = re.compile(r"(?<![\]/])(?:\.[A-Za-z][\w-]*)+\[([^\[\]]*)\]")


def split(body: Body, ctx: Context) -> None:
    split_slides(body, ctx, remark_properties)


def steps_and_notes(body: Body, ctx: Context) -> None:
    code = body.in_code()
    in_notes = False
    with body.rebuild() as out:
        for k, line in enumerate(body.lines):
            origin = body.origin[k]
            if code[k]:
                out.keep(k)
                continue
            if SLIDE_MARK_RE.match(line):
                if in_notes:
                    out.add(":::", origin)
                    out.add("", origin)
                    in_notes = False
                out.keep(k)
                continue
            if STEP.match(line):
                out.add("", origin)  # an incremental step: a deck shows the whole slide
                continue
            if NOTES.match(line) and not in_notes:
                out.add("", origin)
                out.add("::: notes", origin)
                in_notes = True
                continue
            out.keep(k)
        if in_notes:
            out.add(":::", body.origin[-1] if body.origin else 1)


def macros(body: Body, ctx: Context) -> None:
    code = body.in_code()
    depth = 0
    for k, line in enumerate(body.lines):
        if code[k]:
            continue
        if BLOCK_MACRO_OPEN.match(line):
            body.lines[k] = ""
            depth += 1
            continue
        if depth and BLOCK_MACRO_CLOSE.match(line):
            body.lines[k] = ""
            depth -= 1
            continue
        previous = None
        while previous != line:  # nested .a[.b[text]]
            previous = line
            line = INLINE_MACRO.sub(r"\1", line)
        line = re.sub(r"^(\s*)(?:\.[A-Za-z][\w-]*)+\[(.*)$", r"\1\2", line)  # opened here, closed later
        body.lines[k] = line


DIALECT = Dialect(
    "remark",
    "remark",
    stages=(split, steps_and_notes, macros),
    separators=True,
    keys={"dialect": "the dialect to read the file as"},
)
