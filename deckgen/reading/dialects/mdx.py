"""mdx-deck (``.mdx``): ``---`` separates slides, ``<Notes>...</Notes>`` holds the speaker
notes, ``import``/``export`` lines are JavaScript (dropped); other components' tags go with
the common stages (their text stays).
"""

from __future__ import annotations

import re

from ..body import Body
from . import Context, Dialect
from .slides import no_properties, split_slides

NOTES_OPEN = re.compile(r"^\s*<Notes>\s*(.*)$")
NOTES_CLOSE = re.compile(r"^(.*?)</Notes>\s*$")
JS = re.compile(r"^(import|export)\s")


def javascript(body: Body, ctx: Context) -> None:
    code = body.in_code()
    for k, line in enumerate(body.lines):
        if not code[k] and JS.match(line):
            body.lines[k] = ""


def split(body: Body, ctx: Context) -> None:
    split_slides(body, ctx, no_properties, strict_rulers=True)


def notes(body: Body, ctx: Context) -> None:
    code = body.in_code()
    with body.rebuild() as out:
        for k, line in enumerate(body.lines):
            origin = body.origin[k]
            m = NOTES_OPEN.match(line) if not code[k] else None
            c = NOTES_CLOSE.match(line) if not code[k] else None
            if m:
                out.add("", origin)
                out.add("::: notes", origin)
                rest = m.group(1).replace("</Notes>", "")
                out.add(rest, origin)
                if "</Notes>" in line:
                    out.add(":::", origin)
                continue
            if c:
                out.add(c.group(1), origin)
                out.add(":::", origin)
                out.add("", origin)
                continue
            out.keep(k)


DIALECT = Dialect("mdx", "mdx-deck", stages=(javascript, split, notes), separators=True)
