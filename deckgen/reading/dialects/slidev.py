"""Slidev: ``---`` separates slides, each may open with its own front matter (``layout:``,
``class:``, ``background:``, ``image:``); the file's front matter is also its first slide's.
A comment at a slide's end is its speaker notes; ``<v-click>`` and Vue components wrap text.

Stages: slides split with their front matter; comments made ``::: notes``; the slots of a
two-column layout (``::right::``, ``::left::``, ``::default::``) made columns. The common
stages drop the component and ``<v-click>`` tags and keep their text.
"""

from __future__ import annotations

import re

from ..body import SLIDE_MARK_RE, Body, SlideProps
from . import Context, Dialect
from .notes import comments_to_notes
from .slides import split_slides, yaml_properties

SLOT = re.compile(r"^::(\w+)::\s*$")
HEADING = re.compile(r"^#{1,6}\s")
SLIDE_KEYS = ("layout", "class", "background", "image", "title", "hideInToc", "transition")


def split(body: Body, ctx: Context) -> None:
    first = SlideProps(1)
    for key in ("layout", "class", "background", "image"):
        value = ctx.front.get(key)
        if isinstance(value, str):
            first.values[key] = value
            first.lines[key] = ctx.front_lines.get(key, 1)
    split_slides(body, ctx, yaml_properties, first=first)


def comments(body: Body, ctx: Context) -> None:
    comments_to_notes(body, ctx)


def slots(body: Body, ctx: Context) -> None:
    """``::right::`` and friends: the slide's content before the first slot (after its
    title) is the left column, each slot's content the next column."""
    code = body.in_code()
    starts = [k for k, line in enumerate(body.lines) if SLIDE_MARK_RE.match(line)] + [len(body.lines)]
    with body.rebuild() as out:
        cursor = 0
        for a, b in zip(starts, starts[1:], strict=False):
            for i in range(cursor, a):
                out.keep(i)
            cursor = b
            slot_lines = [k for k in range(a, b) if not code[k] and SLOT.match(body.lines[k])]
            if not slot_lines:
                for i in range(a, b):
                    out.keep(i)
                continue
            # Open the columns after the title heading (the first line of content).
            k = a + 1
            while k < b and not body.lines[k].strip():
                k += 1
            open_at = k + 1 if k < b and HEADING.match(body.lines[k]) else k
            if slot_lines[0] < open_at:
                open_at = slot_lines[0]
            for i in range(a, b):
                line = body.lines[i]
                origin = body.origin[i]
                if i == open_at and not SLOT.match(line):
                    out.add("", origin)
                    out.add(":::: columns", origin)
                    out.add("::: column", origin)
                    out.add("", origin)
                if i in slot_lines:
                    if i == open_at:
                        out.add("", origin)
                        out.add(":::: columns", origin)
                    else:
                        out.add("", origin)
                        out.add(":::", origin)
                    out.add("::: column", origin)
                    out.add("", origin)
                    continue
                out.keep(i)
            end = body.origin[b - 1]
            out.add("", end)
            out.add(":::", end)
            out.add("::::", end)
            out.add("", end)
        for i in range(cursor, len(body.lines)):
            out.keep(i)


DIALECT = Dialect(
    "slidev",
    "Slidev",
    stages=(split, comments, slots),
    separators=True,
    comments_are_notes=True,
    understood=frozenset({"layout", "background", "image", "dialect"}),
    keys={
        **{
            k: "Slidev's setting: deckgen's theme and template decide"
            for k in (
                "mdc", "drawings", "transition", "highlighter", "lineNumbers", "colorSchema",
                "routerMode", "aspectRatio", "canvasWidth", "fonts", "hideInToc",
                "exportFilename", "overviewSnapshots", "themeConfig", "addons", "seoMeta",
                "favicon", "download", "selectable", "record", "contextMenu", "wakeLock",
                "css", "monaco", "twoslash", "remoteAssets", "htmlAttrs", "defaults",
            )
        },
        "info": "shown nowhere (Slidev's about text)",
        "layout": "the first slide's layout",
        "class": "the theme styles the slides",
        "background": "the first slide's background picture",
        "image": "the first slide's picture",
        "dialect": "the dialect to read the file as",
    },
)
