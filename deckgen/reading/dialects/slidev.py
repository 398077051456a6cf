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

SLOT = re.compile(r"^::\s*([\w-]+)\s*::\s*$")
COLUMN_SLOTS = ("left", "right", "default")
HEADING = re.compile(r"^#{1,6}\s")
SLIDE_KEYS = ("layout", "class", "background", "image", "title", "hideInToc", "transition")


SRC = re.compile(r"^src:\s*['\"]?([^'\"#]+?)['\"]?\s*$")


def imports(body: Body, ctx: Context) -> None:
    """``src: ./pages/intro.md`` in a slide's front matter: that file's slides, in place
    (read once; inside the file's folder; a file that cannot be read is a warning). Their
    lines count as the ``src:`` line's in messages."""
    base = ctx.path.resolve().parent
    code = body.in_code()
    with body.rebuild() as out:
        k = 0
        while k < len(body.lines):
            line = body.lines[k]
            m = SRC.match(line) if not code[k] and k > 0 and body.lines[k - 1].strip() == "---" else None
            if not m:
                out.keep(k)
                k += 1
                continue
            origin = body.origin[k]
            target = (base / m.group(1)).resolve()
            others = []
            j = k + 1
            while j < len(body.lines) and body.lines[j].strip() != "---":
                others.append(body.lines[j])
                j += 1
            if not target.is_relative_to(base) or not target.is_file():
                ctx.warn(f"src: '{m.group(1)}' is not a file beside this one: its slides are left out", origin)
                out.keep(k)
                k += 1
                continue
            try:
                imported = target.read_text(encoding="utf-8-sig").replace("\r\n", "\n").split("\n")
            except (OSError, UnicodeDecodeError) as exc:
                ctx.warn(f"src: '{m.group(1)}' cannot be read ({exc}): its slides are left out", origin)
                out.keep(k)
                k += 1
                continue
            # The import's own keys (layout...) stay on its slide; then the file's slides.
            for extra in [line for line in others if line.strip()] or ["src_imported: true"]:
                out.add(extra, origin)
            out.add("---", origin)
            out.add("", origin)
            for text in imported:
                out.add(text, origin)
            k = j + 1


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
            slots = [k for k in range(a, b) if not code[k] and SLOT.match(body.lines[k])]
            names = {SLOT.match(body.lines[k]).group(1).lower() for k in slots}  # type: ignore[union-attr]
            if not slots or not names & {"left", "right"}:
                # Named regions of a layout (:: title ::, :: content ::): their content is
                # shown in order; the marker lines go.
                for i in range(a, b):
                    out.add("", body.origin[i]) if i in slots else out.keep(i)
                continue
            slot_lines = slots
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
    stages=(imports, split, comments, slots),
    public_folder="public",
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
