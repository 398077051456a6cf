"""Python-Markdown's element tree -> the model's slides and blocks.

`TreeReader` walks the tree once: headings at the slide level start slides (above it,
sections), thematic breaks start untitled slides, ``::: notes`` go to the slide's notes, and
every other element becomes a block (paragraphs, lists, tables, quotes, code, charts,
pictures, raw HTML). Inline text is read by `inline.InlineReader`, charts by
`charts.read_chart`, pictures by `pictures.PictureLoader`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Collector
from ..model import (
    Align,
    Block,
    Code,
    Document,
    Heading,
    Image,
    Inline,
    ListBlock,
    ListItem,
    Meta,
    Only,
    Paragraph,
    Quote,
    RawHtml,
    Slide,
    Table,
)
from . import mdext
from .charts import read_chart
from .inline import ENTITY, HEADINGS, STASH, InlineReader
from .pictures import PictureLoader

# Lists and quotes inside each other: PowerPoint has 9 outline levels, and deeper nesting
# leaves no width for text (and overflows the email templates' recursion).
MAX_NESTING = 9
NESTING_TAGS = ("ul", "ol", "blockquote", "div")
# One paragraph, heading, list item, table cell or code line: about ten slides of text at
# the minimum size. Longer is a pasted dump, and splitting it costs time in its square.
MAX_TEXT_CHARS = 10_000
NUMBER_CELL = re.compile(
    r"^[−+-]?[\d\u00a0\u202f ]*\d([.,'\u00a0\u202f ]\d+)*\s?(%|‰|€|\$|£|[kKMG]|Md)?$"
)
ITEM_CHILD_BLOCKS = ("p", "ul", "ol", "blockquote", "pre", "fence", "table", "div", *HEADINGS)


@dataclass
class _SlideDraft:
    kind: str
    title: Inline | None
    line: int
    continued: bool = False
    blocks: list[Block] = field(default_factory=list)
    notes: list[Block] = field(default_factory=list)

    def freeze(self) -> Slide:
        return Slide(
            self.kind,  # type: ignore[arg-type]
            self.title,
            tuple(self.blocks),
            tuple(self.notes),
            self.line,
            self.continued,
        )


class TreeReader:
    """Walks Python-Markdown's element tree once and builds the slides of one file."""

    def __init__(
        self,
        path: Path,
        root: Path,
        body: list[str],
        offset: int,
        meta: Meta,
        report: Collector,
    ):
        self.path = path
        self.body = body
        self.offset = offset  # lines before the body (front matter)
        self.meta = meta
        self.report = report
        self.pictures = PictureLoader(path, root, report)
        self.text_line = 0  # the line of the block being read, for errors in its text
        self.slides: list[_SlideDraft] = []

    def build(self) -> Document:
        tree, md, ext = mdext.parse(self.body)
        self.md = md
        self.inlines = InlineReader(md)
        self.fences = ext.fences
        for line, message in ext.problems:
            self.report.error(message, line + self.offset)
        for el in tree:
            depth = _nesting(el)
            if depth > MAX_NESTING:
                self.report.error(
                    f"lists and quotes nested {depth} levels deep; deckgen shows at most "
                    f"{MAX_NESTING} levels (PowerPoint's outline levels): flatten this block",
                    self.line(el),
                )
                continue
            self.top_level(el)
        return Document(
            self.path,
            self.meta,
            tuple(s.freeze() for s in self.slides),
            dict(self.pictures.assets),
        )

    def line(self, el: etree.Element, default: int = 0) -> int:
        value = el.get("data-line")
        return int(value) + self.offset if value else default

    # slides

    def current(self, line: int) -> _SlideDraft:
        if not self.slides:
            self.slides.append(_SlideDraft("content", None, line))
        return self.slides[-1]

    def top_level(self, el: etree.Element) -> None:
        line = self.line(el)
        self.text_line = line
        tag = el.tag
        if tag in HEADINGS:
            level = int(tag[1])
            # A heading right under a paragraph line shares its block: find its own line.
            line = self.find_line("#" * level + " ", line, at_start=True)
            if level < self.meta.slide_level:
                self.slides.append(_SlideDraft("section", self.inline(el), line))
                return
            if level == self.meta.slide_level:
                self.slides.append(_SlideDraft("content", self.inline(el), line))
                return
        if tag == "hr":
            self.slides.append(_SlideDraft("content", None, line, continued=True))
            return
        if tag == "div" and el.get("class") == "notes":
            self.current(line).notes.extend(self.blocks(el, line))
            return
        self.current(line).blocks.extend(self.block(el, line))

    # blocks

    def blocks(self, parent: etree.Element, line: int) -> list[Block]:
        out: list[Block] = []
        for child in parent:
            out.extend(self.block(child, self.line(child, line)))
        return out

    def block(self, el: etree.Element, line: int) -> list[Block]:
        self.text_line = line
        tag = el.tag
        if tag == "p":
            return self.paragraph(el, line)
        if tag in HEADINGS:
            return [Heading(int(tag[1]), self.inline(el), line)]
        if tag in ("ul", "ol"):
            return [self.list_block(el, line)]
        if tag == "table":
            return [self.table(el, line)]
        if tag == "blockquote":
            return [Quote(tuple(self.blocks(el, line)), line)]
        if tag == "fence":
            return [self.fence(self.fences[int(el.get("index", "0"))])]
        if tag == "pre":
            code = el.find("code")
            text = (code.text if code is not None else el.text) or ""
            return [Code(text.rstrip("\n"), "", line)]
        if tag == "div":
            name = el.get("class", "")
            inner = tuple(self.blocks(el, line))
            if name in ("deck", "newsletter"):
                return [Only(name, inner, line)]  # type: ignore[arg-type]
            if name == "notes":
                self.report.error(
                    "'::: notes' must be at the top level of a slide, not inside another block",
                    line,
                )
            return list(inner)
        if tag == "hr":
            return []  # a thematic break inside a block (quote, div) carries no meaning here
        return self.paragraph(el, line)

    def paragraph(self, el: etree.Element, line: int) -> list[Block]:
        # A paragraph made only of a raw HTML block placeholder is raw HTML.
        text = (el.text or "").strip()
        whole = STASH.fullmatch(text) if len(el) == 0 else None
        if whole:
            raw = self.md.htmlStash.rawHtmlBlocks[int(whole.group(1))]
            if isinstance(raw, str) and not ENTITY.match(raw.strip()):
                return [RawHtml(raw.strip(), line)]
        images = list(el.iter("img"))
        runs = self.inline(el)
        out: list[Block] = []
        if "".join(r.text for r in runs).strip():
            out.append(Paragraph(runs, line))
        for img in images:
            image = self.image(img, line)
            if image is not None:
                out.append(image)
        return out

    def list_block(self, el: etree.Element, line: int) -> ListBlock:
        items: list[ListItem] = []
        for li in el.findall("li"):
            blocks: list[Block] = []
            # Tight items hold text directly; loose ones hold <p> children.
            leading = self.inline(li, stop_at_blocks=True)
            if "".join(r.text for r in leading).strip():
                blocks.append(Paragraph(leading, line))
            for child in li:
                if child.tag in ITEM_CHILD_BLOCKS:
                    blocks.extend(self.block(child, line))
                elif child.tag == "img":
                    image = self.image(child, line)
                    if image is not None:
                        blocks.append(image)
            items.append(ListItem(tuple(blocks)))
        start = 1
        if el.tag == "ol":
            try:
                start = int(el.get("start", "1"))
            except ValueError:
                start = 1
        return ListBlock(tuple(items), el.tag == "ol", start, line)

    def table(self, el: etree.Element, line: int) -> Table:
        head = el.find("thead")
        body = el.find("tbody")
        header_cells = head.find("tr") if head is not None else None
        header = tuple(self.inline(c) for c in header_cells) if header_cells is not None else ()
        aligns = [_cell_align(c) for c in header_cells] if header_cells is not None else []
        rows = tuple(
            tuple(self.inline(c) for c in tr)
            for tr in (body.findall("tr") if body is not None else [])
        )
        self.check_table_rows(line, len(header))
        columns = max([len(header)] + [len(r) for r in rows]) if (header or rows) else 0
        aligns += [None] * (columns - len(aligns))
        final: list[Align] = []
        for k, explicit in enumerate(aligns):
            if explicit:
                final.append(explicit)
                continue
            cells = ["".join(r.text for r in row[k]).strip() for row in rows if k < len(row)]
            cells = [c for c in cells if c and c not in ("-", "–", "—")]
            numeric = bool(cells) and all(NUMBER_CELL.match(c) for c in cells)
            final.append("right" if numeric else "left")
        return Table(header, rows, tuple(final), line)

    def check_table_rows(self, line: int, columns: int) -> None:
        """Python-Markdown drops the cells of a row beyond the header's silently: say so,
        at the row's line (the source rows are read again: the tree no longer has them)."""
        if not columns:
            return
        first = max(0, line - self.offset - 1)
        for k in range(first, len(self.body)):
            text = self.body[k].strip()
            if not text:
                break
            cells = table_cells(text)
            if len(cells) > columns and not set("".join(cells)) <= set("-: "):
                self.report.warn(
                    f"this table row has {len(cells)} cells but the header has {columns}: "
                    f"the last {len(cells) - columns} would be dropped; add header cells or "
                    "merge them",
                    k + 1 + self.offset,
                )

    def fence(self, fence: mdext.Fence) -> Block:
        line = fence.line + self.offset
        longest = max((len(part) for part in fence.text.split("\n")), default=0)
        if longest > MAX_TEXT_CHARS:
            self.report.error(
                f"a code line of {longest:,} characters; at most {MAX_TEXT_CHARS:,}: "
                "wrap it or show an excerpt",
                line,
            )
            return Code("", "", line)
        info = fence.info.split()[0] if fence.info.split() else ""
        if info.lower() == "chart":
            chart = read_chart(fence.text, line, self.report)
            if chart is not None:
                return chart
            return Code(fence.text, "yaml", line)
        return Code(fence.text, info, line)

    # pictures

    def image(self, el: etree.Element, line: int) -> Image | None:
        src = el.get("src", "")
        alt = el.get("alt", "") or ""
        line = self.find_line("](" + src, line)
        asset = self.pictures.load(src, line)
        if asset is None:
            return None
        return Image(asset.key, alt.strip(), el.get("title", "") or "", line)

    def find_line(self, needle: str, start: int, at_start: bool = False) -> int:
        """Refine a block's line to the line holding `needle`, searching forward from it
        (a few lines: the block's own)."""
        first = max(0, start - self.offset - 1)
        for k in range(first, min(len(self.body), first + 200)):
            line = self.body[k]
            if line.lstrip().startswith(needle) if at_start else needle in line:
                return k + 1 + self.offset
            if at_start and not line.strip():
                break  # past the block
        return start

    # inline

    def inline(self, el: etree.Element, stop_at_blocks: bool = False) -> Inline:
        merged = self.inlines.runs(el, stop_at_blocks)
        length = sum(len(r.text) for r in merged)
        if length > MAX_TEXT_CHARS:
            self.report.error(
                f"a paragraph of {length:,} characters; at most {MAX_TEXT_CHARS:,} fit on a "
                "few slides: split it into paragraphs",
                self.text_line,
            )
            return ()
        return merged


def _nesting(el: etree.Element) -> int:
    """How many lists, quotes and divs are inside each other at the deepest, from `el`."""
    deepest = 0
    stack = [(el, 0)]
    while stack:
        node, depth = stack.pop()
        depth += node.tag in NESTING_TAGS
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in node)
    return deepest


def table_cells(row: str) -> list[str]:
    """The cells of a Markdown table row as Python-Markdown splits them: on '|' outside
    code spans and not escaped, the outer pipes optional."""
    cells, current, in_code, k = [], [], False, 0
    while k < len(row):
        char = row[k]
        if char == "\\" and k + 1 < len(row):
            current.append(row[k : k + 2])
            k += 2
            continue
        if char == "`":
            in_code = not in_code
        if char == "|" and not in_code:
            cells.append("".join(current))
            current = []
        else:
            current.append(char)
        k += 1
    cells.append("".join(current))
    if row.startswith("|"):
        cells = cells[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        cells = cells[:-1]
    return cells


def _cell_align(cell: etree.Element) -> Align | None:
    style = (cell.get("style") or "") + " " + (cell.get("align") or "")
    for value in ("left", "center", "right"):
        if value in style:
            return value  # type: ignore[return-value]
    return None
