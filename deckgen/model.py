"""The document model: what a source file says, independent of any output.

Plain, immutable data. It imports neither python-pptx nor Jinja2 and holds no rendered HTML;
every renderer (deck, newsletter HTML, plain text) reads only these objects. The reader builds
them from Python-Markdown's element tree; transforms (typography) return new documents.

Shape of a document::

    Document(meta, slides=(Slide(kind="section"|"content", title, blocks, notes), ...), assets)

Blocks are Paragraph, Heading, ListBlock, Table, Image, Quote, Code, Chart, RawHtml, Only
(content for one output) and Columns (blocks side by side on a slide; one after the other
in the newsletter). A slide may name its template layout and have a background picture. Inline text is a tuple of `Run` (a hard line break is a run "\\n").
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
    # The size the author asked for: "50%" (of the slide's content width), "300px", "4in",
    # "" for the natural size (fitted to the room).
    width: str = ""
    height: str = ""
    # Why no picture could be shown ("not found", "outside the project"...): the renderers
    # show a visible placeholder with the alt text instead. "" for a real picture.
    missing: str = ""


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


@dataclass(frozen=True, slots=True)
class Column:
    blocks: tuple[Block, ...]
    width: float = 0.0  # the share of the width the author asked for (0..1), 0.0 for even


@dataclass(frozen=True, slots=True)
class Columns:
    """``:::: columns`` / ``::: column`` (pandoc), Slidev's two-column slots: side by side on
    a slide, one after the other in the newsletter."""

    columns: tuple[Column, ...]
    line: int = 0


Block: TypeAlias = (
    Paragraph
    | Heading
    | ListBlock
    | Table
    | Image
    | Quote
    | Code
    | Chart
    | RawHtml
    | Only
    | Columns
)


@dataclass(frozen=True, slots=True)
class Background:
    """A picture behind a slide: the whole slide (``side`` "full"), or one side of it
    (Marp's ``![bg right:40%]``, Slidev's ``image-right``) with the content beside it."""

    image: Image
    side: Literal["full", "left", "right"] = "full"
    share: float = 0.5  # of the slide's width, for a side picture


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
    layout: str = ""  # the template layout the author named ("Two Content"), "" for the kind's
    layout_line: int = 0
    background: Background | None = None

    def newsletter_blocks(self) -> tuple[Block, ...]:
        """What the newsletter shows of this slide: its background picture first, as a
        picture (an email has no slide to put it behind), then its blocks."""
        if self.background is None:
            return self.blocks
        return (self.background.image, *self.blocks)


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
    footer: str = ""  # the slides' footer text the file gives (Marp's footer:)
    dialect: str = "markdown"  # the dialect the file was read as (reading.dialects)
    lang_source: str = "default"  # where lang came from: front matter, settings, guessed, default


@dataclass(frozen=True, slots=True)
class Asset:
    """A file the document embeds (an image), read and checked once by the reader."""

    key: str
    source: Path  # resolved path inside the project
    data: bytes = field(repr=False)
    mime: str = ""
    width: int = 0  # pixels
    height: int = 0
    # An SVG picture's own markup: the deck shows it as a native SVG picture, `data` (a PNG
    # rendering) being PowerPoint's fallback and the email's picture.
    svg: bytes | None = field(default=None, repr=False)


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
    """The blocks one output shows: `Only` blocks of that output are opened, others dropped;
    the newsletter shows columns one after the other (the deck keeps `Columns`)."""
    for block in blocks:
        if isinstance(block, Only):
            if block.output == output:
                yield from for_output(block.blocks, output)
        elif isinstance(block, Columns) and output == "newsletter":
            for column in block.columns:
                yield from for_output(column.blocks, output)
        elif isinstance(block, Image) and block.missing and output == "newsletter":
            yield missing_picture(block)
        else:
            yield block


def missing_picture(image: Image) -> Paragraph:
    """What a picture that could not be read shows instead: its description and why."""
    return Paragraph((Run(f"[{image.alt or image.title or '…'} — {image.missing}]", italic=True),), image.line)


def walk(blocks: Iterable[Block], output: Output) -> Iterator[Block]:
    """Every block one output shows, nested ones included (list items, quotes), in order."""
    for block in for_output(tuple(blocks), output):
        yield block
        if isinstance(block, ListBlock):
            for item in block.items:
                yield from walk(item.blocks, output)
        elif isinstance(block, Quote):
            yield from walk(block.blocks, output)
        elif isinstance(block, Columns):
            for column in block.columns:
                yield from walk(column.blocks, output)


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
        if isinstance(b, Columns):
            cols = tuple(
                c if (inner := blocks(c.blocks)) is c.blocks else replace(c, blocks=inner)
                for c in b.columns
            )
            same = all(x is y for x, y in zip(cols, b.columns, strict=True))
            return b if same else replace(b, columns=cols)
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
