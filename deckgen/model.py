"""The document model: what a source file says, independent of any output.

Plain, immutable data. It imports neither python-pptx nor Jinja2 and holds no rendered HTML;
every renderer (deck, newsletter HTML, plain text) reads only these objects. The reader builds
them from Python-Markdown's element tree; transforms (typography) return new documents.

Shape of a document::

    Document(meta, slides=(Slide(kind="section"|"content", title, blocks, notes), ...), assets)

Blocks are Paragraph, Heading, ListBlock, Table, Image, Quote, Code, Chart, RawHtml and Only
(content for one output). Inline text is a tuple of `Run` (a hard line break is a run "\\n").
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, TypeAlias

Output = Literal["deck", "newsletter"]
Align = Literal["left", "center", "right"]
ChartKind = Literal["bar", "column", "line", "pie"]
CHART_KINDS: tuple[str, ...] = ("bar", "column", "line", "pie")


@dataclass(frozen=True, slots=True)
class Run:
    """A stretch of text with one formatting. `href` makes it a link."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    strike: bool = False
    href: str | None = None


Inline: TypeAlias = tuple[Run, ...]


def plain_text(runs: Inline) -> str:
    """The text of some runs without formatting."""
    return "".join(r.text for r in runs)


@dataclass(frozen=True, slots=True)
class Paragraph:
    runs: Inline
    line: int = 0


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading below the slide level: a subheading inside a slide."""

    level: int
    runs: Inline
    line: int = 0


@dataclass(frozen=True, slots=True)
class ListItem:
    blocks: tuple[Block, ...]  # Paragraph first, then nested ListBlocks or more paragraphs


@dataclass(frozen=True, slots=True)
class ListBlock:
    items: tuple[ListItem, ...]
    ordered: bool = False
    start: int = 1
    line: int = 0


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[Inline, ...]
    rows: tuple[tuple[Inline, ...], ...]
    align: tuple[Align, ...]  # one per column; numeric columns are right-aligned by the reader
    line: int = 0


@dataclass(frozen=True, slots=True)
class Image:
    asset: str  # key into Document.assets
    alt: str
    title: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Quote:
    blocks: tuple[Block, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class Code:
    text: str
    language: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    kind: ChartKind
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class RawHtml:
    """HTML the author wrote in the Markdown: sanitized for email, reduced to text in the deck."""

    html: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Only:
    """Blocks for one output only (``::: deck`` or ``::: newsletter``)."""

    output: Output
    blocks: tuple[Block, ...]
    line: int = 0


Block: TypeAlias = (
    Paragraph | Heading | ListBlock | Table | Image | Quote | Code | Chart | RawHtml | Only
)


@dataclass(frozen=True, slots=True)
class Slide:
    """A section divider (``#``) or a content slide (``##``, or ``---`` for an untitled one).

    For the newsletter a section is a top heading and a content slide a subheading.
    """

    kind: Literal["section", "content"]
    title: Inline | None
    blocks: tuple[Block, ...] = ()
    notes: tuple[Block, ...] = ()
    line: int = 0
    continued: bool = False  # made by a thematic break: continues the previous slide


@dataclass(frozen=True, slots=True)
class Meta:
    """Front matter, validated."""

    title: str = ""
    subtitle: str = ""
    author: str = ""
    date: _dt.date | str | None = None
    lang: str = "fr-FR"
    theme: str = "default"
    slide_level: int = 2
    subject: str = ""
    preheader: str = ""
    lines: Mapping[str, int] = field(default_factory=dict)  # key -> line in the file


@dataclass(frozen=True, slots=True)
class Asset:
    """A file the document embeds (an image), read and checked once by the reader."""

    key: str
    source: Path  # resolved path inside the project
    data: bytes = field(repr=False)
    mime: str = ""
    width: int = 0  # pixels
    height: int = 0


@dataclass(frozen=True, slots=True)
class Document:
    path: Path
    meta: Meta
    slides: tuple[Slide, ...]
    assets: Mapping[str, Asset] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        return self.path.stem


def for_output(blocks: tuple[Block, ...], output: Output) -> Iterator[Block]:
    """The blocks one output shows: `Only` blocks of that output are opened, others dropped."""
    for block in blocks:
        if isinstance(block, Only):
            if block.output == output:
                yield from for_output(block.blocks, output)
        else:
            yield block


def walk(blocks: Iterable[Block], output: Output) -> Iterator[Block]:
    """Every block one output shows, nested ones included (list items, quotes), in order."""
    for block in for_output(tuple(blocks), output):
        yield block
        if isinstance(block, ListBlock):
            for item in block.items:
                yield from walk(item.blocks, output)
        elif isinstance(block, Quote):
            yield from walk(block.blocks, output)


def map_inlines(doc: Document, fn: Callable[[Inline], Inline]) -> Document:
    """A new document where every piece of inline text has gone through `fn`.

    Used by transforms such as French typography so that every output sees the same text.
    Code blocks, chart data and raw HTML are left as written. Objects `fn` leaves unchanged
    (it returns the same tuple) are kept, not copied: most text needs no change.
    """

    def inline(runs: Inline) -> Inline:
        return fn(runs)

    def block(b: Block) -> Block:
        if isinstance(b, Paragraph | Heading):
            runs = inline(b.runs)
            return b if runs is b.runs else replace(b, runs=runs)
        if isinstance(b, ListBlock):
            items = tuple(_same_or(i, ListItem(blocks(i.blocks)), "blocks") for i in b.items)
            return (
                b
                if all(x is y for x, y in zip(items, b.items, strict=True))
                else replace(b, items=items)
            )
        if isinstance(b, Table):
            header = tuple(inline(c) for c in b.header)
            rows = tuple(tuple(inline(c) for c in row) for row in b.rows)
            return replace(b, header=header, rows=rows)
        if isinstance(b, Quote | Only):
            inner = blocks(b.blocks)
            return b if inner is b.blocks else replace(b, blocks=inner)
        return b

    def blocks(bs: tuple[Block, ...]) -> tuple[Block, ...]:
        new = tuple(block(b) for b in bs)
        return bs if all(x is y for x, y in zip(new, bs, strict=True)) else new

    def slide(s: Slide) -> Slide:
        title = inline(s.title) if s.title is not None else None
        body, notes = blocks(s.blocks), blocks(s.notes)
        if title is s.title and body is s.blocks and notes is s.notes:
            return s
        return replace(s, title=title, blocks=body, notes=notes)

    return replace(doc, slides=tuple(slide(s) for s in doc.slides))


def _same_or(old: ListItem, new: ListItem, field_name: str) -> ListItem:
    return old if getattr(new, field_name) is getattr(old, field_name) else new
