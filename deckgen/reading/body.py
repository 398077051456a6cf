"""The body of a content file as the stages of reading rewrite it, each line remembering
the file line it came from.

Dialect stages (`dialects/`) rewrite lines before Python-Markdown reads them: a Marp comment
becomes a ``::: notes`` block, a remark ``???`` opens one, a slide separator becomes a
placeholder line. They insert and remove lines, so every line keeps its origin: messages
and the model's ``line`` fields always name the line of the file as the author wrote it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# CommonMark's HTML blocks of type 1: their lines are HTML, never a fence (a ``` shown in
# <pre><code> is text).
RAW_HTML_OPEN = re.compile(r"^ {0,3}<(pre|script|style|textarea)(\s|>|$)", re.I)
SLIDE_MARK = "\ue002deckgen-slide:{}\ue003"  # a slide break (its properties by index)
SLIDE_MARK_RE = re.compile("^\ue002deckgen-slide:(\\d+)\ue003$")


@dataclass
class SlideProps:
    """What a slide separator says about the slide it starts (remark's ``class:`` lines,
    Slidev's front matter, Marp's ``_class`` directives...)."""

    line: int  # the file line of the separator (or of the first property)
    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # key -> file line


class Body:
    """Lines (without ``\\n``) with their file lines; stages edit them through `replace`."""

    def __init__(self, lines: list[str], first_line: int):
        self.lines = list(lines)
        self.origin = [first_line + k for k in range(len(lines))]
        self.slides: list[SlideProps] = []  # the slide marks' properties, by index

    def file_line(self, index: int) -> int:
        """The file line of body line `index` (0-based); past the end, the last line."""
        if not self.origin:
            return 1
        return self.origin[min(max(index, 0), len(self.origin) - 1)]

    def index_of(self, file_line: int) -> int:
        """The first body line (0-based) that comes from `file_line` or after it."""
        return bisect.bisect_left(self.origin, file_line)

    def replace(self, start: int, stop: int, new: list[str], origin: list[int] | None = None):
        """Lines start..stop-1 become `new`; each new line gets `origin` (default: the
        file line of `start`, or of the replaced line at the same position)."""
        if origin is None:
            old = self.origin[start:stop] or [self.file_line(start)]
            origin = [old[min(k, len(old) - 1)] for k in range(len(new))]
        self.lines[start:stop] = new
        self.origin[start:stop] = origin

    def mark_slide(self, props: SlideProps) -> str:
        self.slides.append(props)
        return SLIDE_MARK.format(len(self.slides) - 1)

    def in_code(self) -> list[bool]:
        """For each line, whether it is inside a fenced code block (the fences included)."""
        flags = []
        fence: str | None = None
        raw: str | None = None  # the closing tag of an HTML block of type 1 we are in
        for line in self.lines:
            if raw is not None:
                flags.append(False)
                if raw in line.lower():
                    raw = None
                continue
            if fence is None and (m := RAW_HTML_OPEN.match(line)):
                closing = f"</{m.group(1).lower()}>"
                if closing not in line.lower()[m.end() :]:
                    raw = closing
                flags.append(False)
                continue
            if fence is None:
                m = FENCE.match(line)
                if m:
                    fence = m.group(1)
                flags.append(bool(m))
            else:
                flags.append(True)
                if re.match(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$", line):
                    fence = None
        return flags

    def rebuild(self) -> Rebuilder:
        return Rebuilder(self)


class Rebuilder:
    """A new version of a body's lines, written line by line with their origins:
    ``with body.rebuild() as out: out.add(text, line)``; on exit the body holds it."""

    def __init__(self, body: Body):
        self.body = body
        self.lines: list[str] = []
        self.origin: list[int] = []

    def add(self, text: str, file_line: int) -> None:
        self.lines.append(text)
        self.origin.append(file_line)

    def keep(self, index: int) -> None:
        self.add(self.body.lines[index], self.body.origin[index])

    def __enter__(self) -> Rebuilder:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.body.lines, self.body.origin = self.lines, self.origin
