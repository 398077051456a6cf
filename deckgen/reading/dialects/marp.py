"""Marp (``marp: true``): ``---`` separates slides, a slide's first heading is its title.

Stages: slides split on ``---`` (or on headings, with ``headingDivider``); comments become
speaker notes, except directives (``<!-- _class: lead -->``, ``paginate``, ``header``,
``footer``, ``backgroundImage``...), which are understood or dropped, and ``<!-- fit -->``
(deckgen fits every title). Pictures' Marp keywords (``![bg right:40%]``, ``![w:300]``) are
read by the tree reader (`Dialect.image_keywords`).
"""

from __future__ import annotations

import re

import yaml

from ..body import Body
from . import Context, Dialect
from .notes import comments_to_notes
from .slides import no_properties, split_slides

# Marp's directives (global and local; a local one may start with "_" for one slide only).
DIRECTIVES = {
    "theme", "style", "headingDivider", "size", "math", "title", "author", "description",
    "image", "keywords", "url", "lang", "marp", "paginate", "header", "footer", "class",
    "backgroundColor", "backgroundImage", "backgroundPosition", "backgroundRepeat",
    "backgroundSize", "color", "transition", "inlineSVG",
}
DIRECTIVE_LINE = re.compile(r"^\s*(_?)([A-Za-z][\w]*)\s*:(.*)$")
URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


def _divider(ctx: Context) -> int:
    value = ctx.front.get("headingDivider")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, list) and value and all(isinstance(v, int) for v in value):
        return max(value)
    return 0


def split(body: Body, ctx: Context) -> None:
    split_slides(body, ctx, no_properties, heading_divider=_divider(ctx), strict_rulers=True)


def comments(body: Body, ctx: Context) -> None:
    def directive(text: str, slide: int, line: int) -> bool:
        stripped = text.strip()
        if stripped == "fit":
            return True  # a fitting heading: deckgen fits every title
        # An unclosed comment before a directive: <!-- _class: a\n<!-- _header: "" -->
        lines = [part for part in stripped.replace("<!--", "\n").split("\n") if part.strip()]
        if not lines:
            return False
        found = [DIRECTIVE_LINE.match(part) for part in lines]
        if not all(m and m.group(2) in DIRECTIVES for m in found):
            return False
        try:
            data = yaml.safe_load("\n".join(part.strip() for part in lines))
        except yaml.YAMLError:
            data = None
        values = data if isinstance(data, dict) else {}
        props = body.slides[slide] if slide < len(body.slides) else None
        for key, value in values.items():
            name = str(key).lstrip("_")
            text_value = "" if value is None else str(value)
            if props is not None:
                if name == "class":
                    props.values["class"] = text_value
                elif name == "backgroundImage":
                    m = URL.search(text_value)
                    if m:
                        props.values["background"] = m.group(1)
                        props.lines["background"] = line
                elif name in ("header", "footer") and _shown(text_value):
                    # Text the audience reads on the slide: kept, as a last paragraph.
                    props.values.setdefault("extra_text", "")
                    props.values["extra_text"] += " " + _shown(text_value)
                    props.lines["extra_text"] = line
        return True

    comments_to_notes(body, ctx, directive)


def _shown(text: str) -> str:
    """A header or footer directive's text as the audience reads it (its HTML, pictures and
    emphasis marks dropped)."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)
    text = re.sub(r"<[^<>]+>", " ", text)
    text = re.sub(r"[*_]{1,3}([^*_]+)[*_]{1,3}", r"\1", text)
    return " ".join(text.split())


DIALECT = Dialect(
    "marp",
    "Marp",
    stages=(split, comments),
    separators=True,
    image_keywords=True,
    comments_are_notes=True,
    understood=frozenset({"marp", "paginate", "headingDivider", "header", "footer", "dialect", "html", "markdown.marp.enableHtml", "math"}),
    keys={
        "marp": "this file is a Marp deck",
        "paginate": "the theme numbers the slides",
        "headingDivider": "headings of that level start slides",
        "size": "the theme's template sets the slide size",
        "math": "formulas are shown as text",
        "style": "the theme styles the slides",
        "class": "the theme styles the slides",
        "backgroundColor": "the theme colours the slides",
        "color": "the theme colours the slides",
        "transition": "slides have no transitions",
        "header": "shown in each slide's footer",
        "footer": "shown in each slide's footer",
        "html": "HTML is read as HTML",
        "markdown.marp.enableHtml": "HTML is read as HTML",
        "description": "not shown",
        "keywords": "not shown",
        "url": "not shown",
        "image": "not shown",
        "inlineSVG": "pictures are native",
        "dialect": "the dialect to read the file as",
    },
)
