"""Python-Markdown extension: deckgen's syntax on top of standard Markdown.

Four stages, each a Python-Markdown processor with one job:

- `FencePreprocessor` lifts fenced blocks (```` ``` ```` / ``~~~``, info string ``chart`` or a
  language) out of the text before raw HTML is stashed, keeping their exact source line, and
  leaves a placeholder that `FenceBlockProcessor` turns into a ``<fence>`` element. (The stock
  ``fenced_code`` extension stores rendered HTML strings, which a deck cannot use.) A fence
  indented under a list item stays in the item.
- `DivProcessor` parses pandoc-style fenced divs (``::: notes``, ``::: deck``,
  ``::: {.column width="40%"}`` ... ``:::``) into ``<div class="name">`` elements, their
  attributes as ``data-a-KEY``. Which names mean something is the tree reader's business.
- `SlideMarkProcessor` turns the slide marks of the separator dialects (`body.SLIDE_MARK`)
  into ``<slide index="N">`` elements.
- `LineTracker` notes the source line of every top-level block on its element
  (``data-line``), so errors and warnings can say ``path:line``.

Python-Markdown's own ``attr_list`` (pandoc's ``{#id .class key=value}`` on headings and
pictures) and ``def_list`` (definition lists) are on.

Problems are collected in `DeckgenMarkdown.problems` as (line, message) pairs.
"""

from __future__ import annotations

import bisect
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass

from markdown import Extension, Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.preprocessors import Preprocessor

FENCE_OPEN = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*?)[ \t]*$")
DIV_OPEN = re.compile(
    r"^:{3,}[ \t]*(?:\{(?P<braced>[^{}]*)\}|(?P<name>[\w.-]+)(?:[ \t]+\{(?P<extra>[^{}]*)\})?)[ \t]*:*[ \t]*$"
)
DIV_ATTR = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))|([.#]?[\w-]+)""")
RAW_HTML_OPEN = re.compile(r"^ {0,3}<(pre|script|style|textarea)(\s|>|$)", re.I)
SLIDE_RE = re.compile("^\ue002deckgen-slide:(\\d+)\ue003$")
DIV_CLOSE = re.compile(r"^:{3,}[ \t]*$")
PLACEHOLDER = "\x02deckgen-fence:{}\x03"
PLACEHOLDER_RE = re.compile(r"^\x02deckgen-fence:(\d+)\x03$")
STASH_RE = re.compile(r"^\x02wzxhzdk:(\d+)\x03$")  # Python-Markdown's raw HTML placeholder


@dataclass(frozen=True, slots=True)
class Fence:
    info: str  # the info string: "chart", "python", "" ...
    text: str
    line: int  # line of the opening fence in the Markdown body (1-based)


class FencePreprocessor(Preprocessor):
    def __init__(self, md: Markdown, ext: DeckgenMarkdown):
        super().__init__(md)
        self.ext = ext

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        raw: str | None = None  # in an HTML block of type 1 (<pre>...): no fence there
        while i < len(lines):
            if raw is not None or (m := RAW_HTML_OPEN.match(lines[i])):
                if raw is None:
                    closing = f"</{m.group(1).lower()}>"
                    raw = None if closing in lines[i].lower()[m.end() :] else closing
                elif raw in lines[i].lower():
                    raw = None
                out.append(lines[i])
                i += 1
                continue
            m = FENCE_OPEN.match(lines[i])
            if not m or (m.group("fence")[0] == "`" and "`" in m.group("info")):
                out.append(lines[i])
                i += 1
                continue
            fence = m.group("fence")
            indent = m.group("indent")
            close = re.compile(rf"^ *{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
            j = i + 1
            while j < len(lines) and not close.match(lines[j]):
                j += 1
            if j >= len(lines):
                self.ext.problem(
                    i + 1,
                    f"unclosed code block: the fence {fence} opened here has no closing "
                    f"{fence} line; add one after the block",
                )
                j = len(lines) - 1
            # CommonMark: the content loses as much indentation as the opening fence had.
            content = [_dedent(line, len(indent)) for line in lines[i + 1 : j]]
            self.ext.fences.append(Fence(m.group("info").strip(), "\n".join(content), i + 1))
            self.ext.tracker.mask(i, j)  # code is never where a later block starts
            # Keep the line count where possible and isolate the placeholder as its own block
            # (indented as the fence was: a fence in a list item stays in the item).
            span = j - i + 1
            replacement = ["", indent + PLACEHOLDER.format(len(self.ext.fences) - 1), ""]
            if out and not out[-1].strip():
                # Already after a blank line: two in a row would end a list the fence is in.
                replacement = [indent + PLACEHOLDER.format(len(self.ext.fences) - 1), "", ""]
            out.extend(replacement + [""] * max(0, span - len(replacement)))
            i = j + 1
        return out


def _dedent(line: str, width: int) -> str:
    spaces = len(line) - len(line.lstrip(" "))
    return line[min(spaces, width) :]


class FenceBlockProcessor(BlockProcessor):
    def test(self, parent: etree.Element, block: str) -> bool:
        # Indented by 4 or more: inside a list item, which Python-Markdown dedents first.
        return not block.startswith("    ") and PLACEHOLDER_RE.match(block.strip()) is not None

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        m = PLACEHOLDER_RE.match(blocks.pop(0).strip())
        assert m is not None
        etree.SubElement(parent, "fence", {"index": m.group(1)})


class DivProcessor(BlockProcessor):
    """``::: name`` ... ``:::`` (pandoc's fenced divs), nestable."""

    def __init__(self, parser, ext: DeckgenMarkdown):
        super().__init__(parser)
        self.ext = ext

    def test(self, parent: etree.Element, block: str) -> bool:
        return any(DIV_OPEN.match(line) for line in block.split("\n"))

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        block = blocks.pop(0)
        lines = block.split("\n")
        start = next(k for k, line in enumerate(lines) if DIV_OPEN.match(line))
        if start:
            # Text before the opening line belongs to the enclosing flow.
            self.parser.parseBlocks(parent, ["\n".join(lines[:start])])
        tracker = self.ext.tracker
        if parent is self.parser.root:
            # The tracker has just found this block's first line; the opening line is
            # `start` lines further (blank lines were dropped from the front: count them).
            line_no = tracker.current + start
        else:  # nested (a div in a list item...): the nearest block's line
            line_no = tracker.current
        m = DIV_OPEN.match(lines[start])
        assert m is not None
        name, attrs = div_name(m)
        # Collect lines up to the matching close, across blank-line separated blocks.
        rest = lines[start + 1 :]
        body: list[str] = []
        depth = 1
        while True:
            while rest:
                line = rest.pop(0)
                if DIV_OPEN.match(line):
                    depth += 1
                elif DIV_CLOSE.match(line):
                    depth -= 1
                    if depth == 0:
                        break
                body.append(line)
            if depth == 0 or not blocks:
                break
            body.append("")  # the blank line that separated the blocks
            rest = blocks.pop(0).split("\n")
        if depth:
            self.ext.problem(
                line_no,
                f"unclosed block: '::: {name}' opened here has no closing ':::' line; "
                "add ':::' alone on a line where the block ends",
            )
        if rest:
            blocks.insert(0, "\n".join(rest))
        # What the div held is not where the next block starts: search after its close.
        self.ext.tracker.skip_to(line_no + len(body) + 1)
        div = etree.SubElement(parent, "div", {"class": name, "data-line": str(line_no)})
        for key, value in attrs.items():
            div.set("data-a-" + key, value)
        self.parser.parseChunk(div, "\n".join(body))


def div_name(m: re.Match[str]) -> tuple[str, dict[str, str]]:
    """A div's name (its first class, or its word: ``::: notes``) and its other
    attributes (``width="40%"``; more classes as ``classes``)."""
    attrs: dict[str, str] = {}
    classes: list[str] = []
    name = m.group("name") or ""
    for a in DIV_ATTR.finditer((m.group("braced") or "") + " " + (m.group("extra") or "")):
        if a.group(1):
            attrs[a.group(1).lower()] = a.group(2) or a.group(3) or a.group(4) or ""
        elif a.group(5).startswith("."):
            classes.append(a.group(5)[1:])
        elif a.group(5).startswith("#"):
            attrs["id"] = a.group(5)[1:]
        else:
            classes.append(a.group(5))
    if not name:
        name = classes.pop(0) if classes else ""
    if classes:
        attrs["classes"] = " ".join(classes)
    return name.lower(), attrs


class SlideMarkProcessor(BlockProcessor):
    """A slide mark alone in its block -> ``<slide index="N">``."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return SLIDE_RE.match(block.strip()) is not None

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        m = SLIDE_RE.match(blocks.pop(0).strip())
        assert m is not None
        etree.SubElement(parent, "slide", {"index": m.group(1)})


class LineTracker(BlockProcessor):
    """Records the source line of each top-level block; never consumes anything.

    Python-Markdown does not track lines, so the line of a block is found by looking for
    its first line in the source, moving forward only. Elements the parser attaches to the
    root while a block is processed get that block's line.
    """

    def __init__(self, parser, source_lines: list[str], ext: DeckgenMarkdown):
        super().__init__(parser)
        self.ext = ext
        # Line text -> the indexes where it stands, so a search is a bisect, not a scan (a
        # block whose first line is not found would otherwise scan to the end each time).
        self.where: dict[str, list[int]] = {}
        for k, line in enumerate(source_lines):
            self.where.setdefault(line.expandtabs(4).rstrip(), []).append(k)
        self.masked: set[int] = set()
        self.cursor = 0
        self.current = 1
        self.tagged = 0
        self.last_block = ""
        self.last_first = ""

    def line_of(self, text: str, default: int) -> int:
        """Line (1-based) of the next source line equal to `text`, from the cursor on."""
        places = self.where.get(text.expandtabs(4).rstrip(), ())
        for k in places[bisect.bisect_left(places, self.cursor) :]:
            if k not in self.masked:
                return k + 1
        return default

    def test(self, parent: etree.Element, block: str) -> bool:
        return parent is self.parser.root

    def mask(self, first: int, last: int) -> None:
        """Lines `first`..`last` (0-based) are code: never matched."""
        self.masked.update(range(first, last + 1))

    def skip_to(self, line: int) -> None:
        """Search from `line` (1-based) on."""
        self.cursor = max(self.cursor, line)

    def run(self, parent: etree.Element, blocks: list[str]) -> bool:
        self.tag(parent)
        block = blocks[0]
        first = next((line for line in block.split("\n") if line.strip()), "")
        # A processor that consumed only blank lines of a block puts the rest back: the
        # same place, not the next line with the same text.
        if first == self.last_first and self.last_block.endswith(block):
            self.last_block = block
            return False
        self.last_block, self.last_first = block, first
        fence = PLACEHOLDER_RE.match(first.strip())
        if fence:
            start = self.ext.fences[int(fence.group(1))].line
            self.current = start
            self.cursor = max(self.cursor, start)
            return False
        stash = STASH_RE.match(first.strip())
        if stash:  # a raw HTML block: look for its first line
            raw = self.parser.md.htmlStash.rawHtmlBlocks[int(stash.group(1))]
            first = raw.split("\n")[0] if isinstance(raw, str) else ""
        if first:
            found = self.line_of(first, default=0)
            if found:
                self.current = found
                self.cursor = found  # the index of the next line: search on from there
        return False  # let the real processors handle the block

    def tag(self, root: etree.Element) -> None:
        for k in range(self.tagged, len(root)):
            root[k].attrib.setdefault("data-line", str(self.current))
        self.tagged = len(root)


class DeckgenMarkdown(Extension):
    """Registers deckgen's processors on a fresh `Markdown` instance (one per file)."""

    def __init__(self, source_lines: list[str]):
        super().__init__()
        self.source_lines = source_lines
        self.fences: list[Fence] = []
        self.problems: list[tuple[int, str]] = []
        self.tracker: LineTracker

    def problem(self, line: int, message: str) -> None:
        self.problems.append((line, message))

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's API name
        # After normalize_whitespace (30), before raw HTML is stashed (html_block, 20).
        md.preprocessors.register(FencePreprocessor(md, self), "deckgen_fence", 29)
        self.tracker = LineTracker(md.parser, self.source_lines, self)
        md.parser.blockprocessors.register(self.tracker, "deckgen_lines", 1000)
        md.parser.blockprocessors.register(FenceBlockProcessor(md.parser), "deckgen_fence", 110)
        md.parser.blockprocessors.register(DivProcessor(md.parser, self), "deckgen_div", 105)
        md.parser.blockprocessors.register(SlideMarkProcessor(md.parser), "deckgen_slide", 108)


def parse(source_lines: list[str]) -> tuple[etree.Element, Markdown, DeckgenMarkdown]:
    """Parse Markdown lines into Python-Markdown's element tree (inline patterns applied).

    Returns the root, the `Markdown` instance (for its HTML stash) and the extension (for
    fences and problems). This is `Markdown.convert()` without the final serialisation to
    HTML: deckgen builds its model from the tree, never from HTML strings.
    """
    ext = DeckgenMarkdown(source_lines)
    md = Markdown(extensions=["tables", "sane_lists", "attr_list", "def_list", ext])
    # CommonMark: a backslash escapes any ASCII punctuation (\~ and \< show ~ and <).
    md.ESCAPED_CHARS = list(dict.fromkeys([*md.ESCAPED_CHARS, *"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"]))
    lines = list(source_lines)
    for prep in md.preprocessors:
        lines = prep.run(lines)
    root = md.parser.parseDocument(lines).getroot()
    ext.tracker.tag(root)
    prettify = md.treeprocessors["prettify"] if "prettify" in md.treeprocessors else None
    for treeprocessor in md.treeprocessors:
        if treeprocessor is prettify:
            continue  # whitespace for pretty HTML output is of no use to the model
        new_root = treeprocessor.run(root)
        if new_root is not None:
            root = new_root
    return root, md, ext
