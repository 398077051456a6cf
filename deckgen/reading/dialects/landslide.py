"""landslide and darkslide: ``---`` separates slides, a slide's first heading is its title, a
``# Presenter Notes`` heading starts its speaker notes, ``.notes: text`` is a notes line,
``.fx: class`` and ``.qr:`` are presentation macros (dropped).
"""

from __future__ import annotations

import re

from ..body import SLIDE_MARK_RE, Body
from . import Context, Dialect
from .slides import no_properties, split_slides

NOTES_HEADING = re.compile(r"^#{1,6}\s*Presenter Notes\s*$", re.I)
NOTES_LINE = re.compile(r"^\.notes:\s?(.*)$")
MACRO = re.compile(r"^\.(fx|qr|code|coden|gist):")


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
            if NOTES_HEADING.match(line) and not open_notes:
                out.add("::: notes", origin)
                open_notes = True
                continue
            m = NOTES_LINE.match(line)
            if m:
                for text in ("", "::: notes", m.group(1), ":::", ""):
                    out.add(text, origin)
                continue
            if MACRO.match(line):
                out.add("", origin)
                continue
            out.keep(k)
        if open_notes:
            out.add(":::", body.origin[-1] if body.origin else 1)


DIALECT = Dialect(
    "landslide",
    "landslide",
    stages=(split, notes),
    separators=True,
)
