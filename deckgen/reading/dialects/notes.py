"""HTML comments as speaker notes (Marp, Slidev): each comment becomes a ``::: notes``
block at its place, which the tree reader gives to the slide it stands in."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..body import SLIDE_MARK_RE, Body
from . import Context
from .common import COMMENT_OPEN, _outside_code_spans, comment_span

INLINE_COMMENT = re.compile(r"<!--(.*?)-->")

# Takes a comment's text (and the index of the slide it is in, its file line); returns
# True when it was a directive (consumed), False when it is a note.
DirectiveHandler = Callable[[str, int, int], bool]


def comments_to_notes(body: Body, ctx: Context, directive: DirectiveHandler | None = None) -> None:
    code = body.in_code()
    slide = 0
    with body.rebuild() as out:
        k = 0
        while k < len(body.lines):
            line = body.lines[k]
            mark = SLIDE_MARK_RE.match(line)
            if mark:
                slide = int(mark.group(1))
            if code[k]:
                out.keep(k)
                k += 1
                continue
            if COMMENT_OPEN.match(line):
                end, text = comment_span(body, k)
                tail = body.lines[end - 1].split("-->", 1)[1] if "-->" in body.lines[end - 1] else ""
                origin = body.origin[k]
                if directive is not None and directive(text, slide, origin):
                    for j in range(k, end):
                        out.add("", body.origin[j])
                elif text.strip():
                    out.add("", origin)
                    out.add("::: notes", origin)
                    first = True
                    for j, part in enumerate(text.split("\n")):
                        where = body.origin[min(k + j, end - 1)]
                        out.add(_escape_div(part.strip() if first else part), where)
                        first = False
                    out.add(":::", body.origin[end - 1])
                    out.add("", body.origin[end - 1])
                else:
                    for j in range(k, end):
                        out.add("", body.origin[j])
                if tail.strip():
                    out.add(tail, body.origin[end - 1])
                k = end
                continue
            if "<!--" in re.sub(r"`+[^`]*`+", "", line):  # a comment inside a line of text
                notes: list[str] = []

                def keep(
                    m: re.Match[str], notes: list[str] = notes, slide: int = slide, at: int = body.origin[k]
                ) -> str:
                    text = m.group(1)
                    if directive is not None and directive(text, slide, at):
                        return ""
                    if text.strip():
                        notes.append(text.strip())
                    return ""

                out.add(_outside_code_spans(line, lambda part: INLINE_COMMENT.sub(keep, part)), body.origin[k])
                if notes:
                    out.add("", body.origin[k])
                    out.add("::: notes", body.origin[k])
                    for note in notes:
                        out.add(_escape_div(note), body.origin[k])
                    out.add(":::", body.origin[k])
                    out.add("", body.origin[k])
                k += 1
                continue
            out.keep(k)
            k += 1


def _escape_div(line: str) -> str:
    """A note line that would close the notes block, or open a comment that would swallow
    its end, is kept as text."""
    line = line.replace("<!--", "&lt;!--").replace("-->", "--&gt;")
    return "\\" + line if re.match(r"^:{3,}", line) else line
