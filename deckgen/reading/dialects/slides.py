"""Slides separated by ``---`` lines (Marp, remark, Slidev): each separator becomes a slide
mark, a placeholder line the element tree keeps, carrying the slide's properties (remark's
``class:`` lines, Slidev's front matter block). The first slide gets a mark too, with the
properties the file's front matter gives it (Slidev's headmatter).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import yaml

from ..body import Body, SlideProps
from . import Context

SEPARATOR = re.compile(r"^---\s*$")
PROPERTY = re.compile(r"^([A-Za-z][\w-]*)\s*:\s?(.*)$")
HEADING = re.compile(r"^(#{1,6})\s")

# Reads the properties right after a separator: (props, index of the first line after).
PropsReader = Callable[[Body, int, int, Context], tuple[SlideProps, int]]


def no_properties(body: Body, k: int, line: int, ctx: Context) -> tuple[SlideProps, int]:
    return SlideProps(line), k


def remark_properties(body: Body, k: int, line: int, ctx: Context) -> tuple[SlideProps, int]:
    """``key: value`` lines at the very start of a slide (blank lines before them allowed),
    up to the first other line."""
    props = SlideProps(line)
    start = k
    while k < len(body.lines) and not body.lines[k].strip():
        k += 1
    if k >= len(body.lines) or not PROPERTY.match(body.lines[k]):
        return props, start
    while k < len(body.lines):
        m = PROPERTY.match(body.lines[k])
        if not m:
            break
        props.values[m.group(1)] = m.group(2).strip()
        props.lines[m.group(1)] = body.origin[k]
        k += 1
    return props, k


def yaml_properties(body: Body, k: int, line: int, ctx: Context) -> tuple[SlideProps, int]:
    """Slidev: a YAML block right after a separator, closed by another ``---``: its first
    line is a ``key: value``, and every line is YAML (keys, indented or ``- `` lines,
    comments, blank lines)."""
    props = SlideProps(line)
    first = k
    while first < len(body.lines) and not body.lines[first].strip():
        first += 1
    if first >= len(body.lines) or not PROPERTY.match(body.lines[first]):
        return props, k
    j = first
    while j < len(body.lines) and not SEPARATOR.match(body.lines[j]):
        text = body.lines[j]
        yamlish = (
            not text.strip()
            or PROPERTY.match(text)
            or text.startswith((" ", "\t", "- "))
            or text.lstrip().startswith("#")
        )
        if not yamlish:
            return props, k
        j += 1
    if j >= len(body.lines):
        return props, k
    try:
        data = yaml.safe_load("\n".join(body.lines[first:j]))
    except yaml.YAMLError:
        ctx.warn("this slide's front matter is not valid YAML: its properties are ignored", body.origin[first])
        return props, j + 1
    if isinstance(data, dict):
        for key, value in data.items():
            props.values[str(key)] = value if isinstance(value, str) else _plain(value)
        for i in range(first, j):
            m = PROPERTY.match(body.lines[i])
            if m:
                props.lines[m.group(1)] = body.origin[i]
    return props, j + 1


def _plain(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


def _paragraph_text(line: str) -> bool:
    """Whether a ``---`` under this line underlines it (a setext heading), as CommonMark
    reads it: only under a line of paragraph text, not under a heading, a list item, a
    quote, a table row, HTML or a comment."""
    stripped = line.strip()
    if not stripped:
        return False
    return not re.match(r"^(#{1,6}\s|#{1,6}$|[-*+]\s|\d+[.)]\s|>|\||<|```|~~~|:::|\ue002)", stripped)


def split_slides(
    body: Body,
    ctx: Context,
    read_props: PropsReader,
    first: SlideProps | None = None,
    heading_divider: int = 0,
    strict_rulers: bool = False,
) -> None:
    """Separators (and, with `heading_divider`, headings of that level or above) become
    slide marks. `strict_rulers`: as Markdown reads it (Marp), ``---`` under a line of text
    underlines a heading and separates nothing."""
    code = body.in_code()
    first_line = body.origin[0] if body.origin else 1
    with body.rebuild() as out:
        start_props, k = read_props(body, 0, first_line, ctx)
        props = first or SlideProps(first_line)
        props.values = {**props.values, **start_props.values}
        props.lines = {**props.lines, **start_props.lines}
        out.add(body.mark_slide(props), first_line)
        out.add("", first_line)
        for i in range(0, k):
            out.add("", body.origin[i])
        seen_content = False
        previous = ""
        while k < len(body.lines):
            line = body.lines[k]
            origin = body.origin[k]
            if code[k]:
                out.keep(k)
                seen_content = True
                previous = line
                k += 1
                continue
            is_separator = SEPARATOR.match(line) and not (strict_rulers and _paragraph_text(previous))
            heading = HEADING.match(line)
            divided = (
                heading_divider
                and heading
                and len(heading.group(1)) <= heading_divider
                and seen_content
            )
            if is_separator or divided:
                after = k + 1 if is_separator else k
                props, after = read_props(body, after, origin, ctx)
                out.add("", origin)
                out.add(body.mark_slide(props), origin)
                out.add("", origin)
                for i in range(k + 1 if is_separator else k, after):
                    if i < k + 1 and not is_separator:
                        continue
                    out.add("", body.origin[i])
                k = after
                seen_content = False
                previous = ""
                continue
            if line.strip():
                seen_content = True
            out.keep(k)
            previous = line
            k += 1
