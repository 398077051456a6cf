"""Python-Markdown's element tree -> the model's slides and blocks.

`TreeReader` walks the tree once. Slides start at headings of the slide level (above it,
sections) and at thematic breaks; in the separator dialects (Marp, remark, Slidev) at each
slide mark, the slide's first heading being its title. ``::: notes`` go to the slide's
notes, ``:::: columns`` become `Columns`, a background picture (Marp's ``![bg]``, a slide
property) the slide's `Background`, and every other element a block (paragraphs, lists,
tables, quotes, code, charts, pictures, raw HTML). Inline text is read by
`inline.InlineReader`, charts by `charts.read_chart`, pictures by `pictures.PictureLoader`.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Collector, did_you_mean
from ..model import (
    Align,
    Background,
    Block,
    Code,
    Column,
    Columns,
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
    Run,
    Slide,
    Table,
    plain_text,
)
from . import mdext
from .body import Body, SlideProps
from .charts import read_chart
from .dialects import Context, Dialect
from .inline import ENTITY, HEADINGS, STASH, InlineReader
from .pictures import PictureLoader

# Lists and quotes inside each other: PowerPoint has 9 outline levels, and deeper nesting
# leaves no width for text (and overflows the email templates' recursion).
MAX_NESTING = 9
NESTING_TAGS = ("ul", "ol", "blockquote", "div", "dl")
# One paragraph, heading, list item, table cell or code line: about ten slides of text at
# the minimum size. Longer is a pasted dump, and splitting it costs time in its square.
MAX_TEXT_CHARS = 10_000
NUMBER_CELL = re.compile(
    r"^[−+-]?[\d\u00a0\u202f ]*\d([.,'\u00a0\u202f ]\d+)*\s?(%|‰|€|\$|£|[kKMG]|Md)?$"
)
ITEM_CHILD_BLOCKS = ("p", "ul", "ol", "blockquote", "pre", "fence", "table", "div", "dl", *HEADINGS)
# Fenced divs whose content is shown as it is (pandoc, Quarto, reveal.js): nothing to warn.
PLAIN_DIVS = {
    "incremental", "nonincremental", "fragment", "r-stack", "r-fit-text", "r-hstack",
    "r-vstack", "center", "smaller", "small", "footer", "aside", "block", "alertblock",
    "exampleblock", "alert", "example", "cell", "cell-output", "cell-output-display",
    "cell-output-stdout", "panel-tabset", "panel-tabset-nav", "content-visible", "absolute",
    "quarto-figure", "figure", "callout", "theorem", "lemma", "proof", "remark", "definition",
    "note", "tip", "warning", "important", "caution", "left", "right", "column",
}
SECTION_LAYOUTS = {"cover", "intro", "section", "end", "title", "lead", "title-slide"}
SLIDEV_LAYOUTS = {
    "cover", "intro", "section", "end", "default", "center", "fact", "statement", "quote",
    "two-cols", "two-cols-header", "image", "image-left", "image-right", "iframe",
    "iframe-left", "iframe-right", "full", "none",
}
KNOWN_SLIDE_PROPS = {
    "class", "name", "layout", "background", "background-image", "image", "exclude", "count",
    "template", "title", "hideInToc", "transition", "extra_text", "backgroundSize",
    "background-size", "background-position", "clicks", "routeAlias", "zoom",
    "dragPos", "preload", "disabled", "hide", "src_imported",
}
FOOTNOTE = re.compile("\ue000([^\ue001]*)\ue001")
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
MARP_SIZE = re.compile(r"^(w|width|h|height):(\S+)$")
MARP_FILTERS = re.compile(
    r"^(blur|brightness|contrast|drop-shadow|grayscale|hue-rotate|invert|opacity|saturate|sepia)(:\S*)?$"
)
SHARE = re.compile(r"^(left|right):(\d+(?:\.\d+)?)%$")
URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


@dataclass
class _SlideDraft:
    kind: str
    title: Inline | None
    line: int
    continued: bool = False
    blocks: list[Block] = field(default_factory=list)
    notes: list[Block] = field(default_factory=list)
    title_level: int = 0
    layout: str = ""
    layout_line: int = 0
    background: Background | None = None
    props: SlideProps | None = None
    footnotes: list[int] = field(default_factory=list)  # numbers already in the notes

    def freeze(self) -> Slide:
        return Slide(
            self.kind,  # type: ignore[arg-type]
            self.title,
            tuple(self.blocks),
            tuple(self.notes),
            self.line,
            self.continued,
            self.layout,
            self.layout_line,
            self.background,
        )


class TreeReader:
    """Walks Python-Markdown's element tree once and builds the slides of one file."""

    pending_footnotes: list[int]

    def __init__(
        self,
        path: Path,
        body: Body,
        meta: Meta,
        report: Collector,
        dialect: Dialect,
        ctx: Context,
        pictures: PictureLoader,
    ):
        self.path = path
        self.body = body
        self.meta = meta
        self.report = report
        self.dialect = dialect
        self.ctx = ctx
        self.pictures = pictures
        self.separators = dialect.separators
        self.text_line = 0  # the line of the block being read, for errors in its text
        self.slides: list[_SlideDraft] = []
        self.pending_footnotes = []  # numbers cited by the block being read
        self.quote_depth = 0  # notes inside a quote are an error (ambiguous), elsewhere fine

    def build(self) -> Document:
        tree, md, ext = mdext.parse(self.body.lines)
        self.md = md
        self.inlines = InlineReader(md)
        self.fences = ext.fences
        for line, message in ext.problems:
            self.report.error(message, self.body.file_line(line - 1))
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
        drafts = [d for d in self.slides if self.keep(d)]
        if self.separators:
            for draft in drafts:
                self.settle_kind(draft)
        return Document(
            self.path,
            self.meta,
            tuple(s.freeze() for s in drafts),
            dict(self.pictures.assets),
        )

    def line(self, el: etree.Element, default: int = 0) -> int:
        value = el.get("data-line")
        return self.body.file_line(int(value) - 1) if value else default

    # slides

    def current(self, line: int) -> _SlideDraft:
        if not self.slides:
            self.slides.append(_SlideDraft("content", None, line))
        return self.slides[-1]

    def top_level(self, el: etree.Element) -> None:
        line = self.line(el)
        self.text_line = line
        tag = el.tag
        if tag == "slide":
            self.start_slide(self.body.slides[int(el.get("index", "0"))], line)
            return
        if tag in HEADINGS:
            level = int(tag[1])
            # A heading right under a paragraph line shares its block: find its own line.
            line = self.find_line("#" * level + " ", line, at_start=True)
            if self.separators:
                draft = self.current(line)
                if draft.title is None and not draft.blocks:
                    draft.title, draft.title_level = self.inline(el), level
                    draft.line = draft.line or line
                    self.heading_attributes(el, draft, line)
                    self.flush_footnotes(draft)
                    return
            elif level < self.meta.slide_level:
                self.slides.append(_SlideDraft("section", self.inline(el), line))
                self.heading_attributes(el, self.slides[-1], line)
                self.flush_footnotes(self.slides[-1])
                return
            elif level == self.meta.slide_level:
                self.slides.append(_SlideDraft("content", self.inline(el), line))
                self.heading_attributes(el, self.slides[-1], line)
                self.flush_footnotes(self.slides[-1])
                return
        if tag == "hr":
            self.slides.append(_SlideDraft("content", None, line, continued=True))
            return
        if tag == "div" and el.get("class") == "notes":
            draft = self.current(line)
            draft.notes.extend(self.blocks(el, line))
            self.flush_footnotes(draft)
            return
        draft = self.current(line)
        draft.blocks.extend(self.block(el, line))
        self.flush_footnotes(draft)

    def start_slide(self, props: SlideProps, line: int) -> None:
        draft = _SlideDraft("content", None, line, props=props)
        values = props.values
        layout = str(values.get("layout", "") or "")
        if layout and self.dialect.name == "slidev":
            if layout.lower() in SECTION_LAYOUTS:
                draft.kind = "section"
            elif layout not in SLIDEV_LAYOUTS:
                draft.layout, draft.layout_line = layout, props.lines.get("layout", line)
        klass = str(values.get("class", "") or "").lower()
        if any(word in SECTION_LAYOUTS for word in re.split(r"[\s,]+", klass)):
            draft.kind = "section"
        picture = values.get("background") or values.get("image") or ""
        if not picture and values.get("background-image"):
            m = URL.search(str(values["background-image"]))
            picture = m.group(1) if m else ""
        if picture:
            where = (
                props.lines.get("background")
                or props.lines.get("image")
                or props.lines.get("background-image")
                or line
            )
            side = "full"
            if layout in ("image-right", "iframe-right"):
                side = "right"
            elif layout in ("image-left", "iframe-left"):
                side = "left"
            image = self.picture(str(picture), "", where)
            if image is not None:
                draft.background = Background(image, side, 0.5)  # type: ignore[arg-type]
        unused = [k for k in values if k not in KNOWN_SLIDE_PROPS and k not in self.dialect.keys]
        if unused and self.dialect.name != "slidev":
            shown = ", ".join(f"{k}: {values[k]}" if values[k] else k for k in unused)
            self.report.warn(
                f"slide properties deckgen does not use: {shown}", props.lines.get(unused[0], line)
            )
        if values.get("extra_text"):
            text = str(values["extra_text"]).strip()
            draft.blocks.append(Paragraph((Run(text),), props.lines.get("extra_text", line)))
        self.slides.append(draft)

    def keep(self, draft: _SlideDraft) -> bool:
        props = draft.props
        if props is not None and str(props.values.get("exclude", "")).lower() == "true":
            self.report.warn(
                "this slide says exclude: true: it is left out of the deck and the newsletter",
                props.lines.get("exclude", draft.line),
            )
            return False
        if props is not None and str(props.values.get("layout", "")).lower() == "true":
            self.report.warn(
                "layout: true makes this slide remark's template for the next ones; deckgen "
                "shows it once, as a slide of its own",
                props.lines.get("layout", draft.line),
            )
        # The first slide of a separator deck may hold nothing (front matter only).
        return not (
            self.separators
            and draft.title is None
            and not draft.blocks
            and not draft.notes
            and draft.background is None
        )

    def settle_kind(self, draft: _SlideDraft) -> None:
        """A separated slide with only a first-level title (and a line or two under it) is
        a section divider, as in deckgen's own syntax."""
        if draft.kind == "section" or draft.title is None:
            return
        if draft.title_level != 1 or draft.background is not None:
            return
        if all(isinstance(b, Paragraph) for b in draft.blocks) and len(draft.blocks) <= 2:
            words = sum(len(plain_text(b.runs).split()) for b in draft.blocks)  # type: ignore[union-attr]
            if words <= 25:
                draft.kind = "section"

    def heading_attributes(self, el: etree.Element, draft: _SlideDraft, line: int) -> None:
        """pandoc's attributes on a slide's heading: {layout="Two Content"}, a background."""
        for key, value in self.ctx.heading_attrs.get(line, {}).items():
            el.set(key, value)
        layout = el.get("layout")
        if layout:
            draft.layout, draft.layout_line = layout, line
        picture = el.get("background-image") or el.get("data-background-image")
        if picture:
            image = self.picture(picture, "", line)
            if image is not None:
                draft.background = Background(image)

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
        if tag == "dl":
            return [self.definitions(el, line)]
        if tag == "table":
            return [self.table(el, line)]
        if tag == "blockquote":
            self.quote_depth += 1
            try:
                return [Quote(tuple(self.blocks(el, line)), line)]
            finally:
                self.quote_depth -= 1
        if tag == "fence":
            return [self.fence(self.fences[int(el.get("index", "0"))])]
        if tag == "pre":
            code = el.find("code")
            text = (code.text if code is not None else el.text) or ""
            return [Code(html.unescape(text.rstrip("\n")), "", line)]
        if tag == "div":
            return self.div(el, line)
        if tag == "slide":
            return []  # a slide mark inside a block: read at the top level only
        if tag == "hr":
            return []  # a thematic break inside a block (quote, div) carries no meaning here
        return self.paragraph(el, line)

    def div(self, el: etree.Element, line: int) -> list[Block]:
        name = el.get("class", "")
        if name == "columns":
            return [self.columns(el, line)]
        inner = tuple(self.blocks(el, line))
        if name in ("deck", "newsletter"):
            return [Only(name, inner, line)]  # type: ignore[arg-type]
        if name == "notes" and not self.quote_depth:
            # Notes inside a column or another block (a Slidev comment in a slot): still
            # the slide's notes.
            self.current(line).notes.extend(inner)
            return []
        if name == "notes":
            self.report.error(
                "'::: notes' must be at the top level of a slide, not inside another block",
                line,
            )
        elif name in ("hidden", "content-hidden"):
            pass  # shown nowhere by its tool either; kept here, as text
        elif name and name not in PLAIN_DIVS and not name.startswith("callout"):
            self.report.warn(
                f"'::: {name}' is not a block deckgen knows"
                f"{did_you_mean(name, ('notes', 'deck', 'newsletter', 'columns', 'column'))}: "
                "its content is shown as ordinary text",
                line,
            )
        return list(inner)

    def columns(self, el: etree.Element, line: int) -> Columns:
        columns: list[Column] = []
        loose: list[Block] = []
        for child in el:
            child_line = self.line(child, line)
            if child.tag == "div" and child.get("class") == "column":
                if loose:
                    columns.append(Column(tuple(loose)))
                    loose = []
                blocks = tuple(self.blocks(child, child_line))
                columns.append(Column(blocks, _share(child.get("data-a-width", ""))))
            else:
                loose.extend(self.block(child, child_line))
        if loose:
            columns.append(Column(tuple(loose)))
        return Columns(tuple(columns), line)

    def paragraph(self, el: etree.Element, line: int) -> list[Block]:
        # A paragraph made only of a raw HTML block placeholder is raw HTML.
        text = (el.text or "").strip()
        whole = STASH.fullmatch(text) if len(el) == 0 else None
        if whole:
            raw = self.md.htmlStash.rawHtmlBlocks[int(whole.group(1))]
            if isinstance(raw, str) and not ENTITY.match(raw.strip()):
                pre = re.fullmatch(r"\s*<pre\b[^>]*>(?:<code\b[^>]*>)?(.*?)(?:</code>)?</pre>\s*", raw, re.S | re.I)
                if pre:  # <pre> written in HTML: code, shown as the reader would see it
                    text = html.unescape(re.sub(r"<[^>]+>", "", pre.group(1)))
                    return [Code(text.strip("\n"), "", line)]
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
                if child.tag in HEADINGS:  # "* ## Big item": the item's text, in bold
                    runs = self.inline(child)
                    bold = tuple(Run(r.text, True, r.italic, r.code, r.strike, r.href) for r in runs)
                    blocks.append(Paragraph(bold, line))
                elif child.tag in ITEM_CHILD_BLOCKS:
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

    def definitions(self, el: etree.Element, line: int) -> ListBlock:
        """A definition list: each term a bold item, its definitions nested under it."""
        items: list[ListItem] = []
        for child in el:
            if child.tag == "dt":
                term = tuple(Run(r.text, True, r.italic, r.code, r.strike, r.href) for r in self.inline(child))
                items.append(ListItem((Paragraph(term, line),)))
            elif child.tag == "dd":
                inner = self.inline(child, stop_at_blocks=True)
                blocks: list[Block] = [Paragraph(inner, line)] if plain_text(inner).strip() else []
                for sub in child:
                    if sub.tag in ITEM_CHILD_BLOCKS:
                        blocks.extend(self.block(sub, line))
                nested = ListBlock(tuple(ListItem((b,)) for b in blocks), False, 1, line)
                if items:
                    items[-1] = ListItem((*items[-1].blocks, nested))
                else:
                    items.append(ListItem((nested,)))
        return ListBlock(tuple(items), False, 1, line)

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
        lines = self.body.lines
        for k in range(self.body.index_of(line), len(lines)):
            text = lines[k].strip()
            if not text:
                break
            cells = table_cells(text)
            if len(cells) > columns and not set("".join(cells)) <= set("-: "):
                self.report.warn(
                    f"this table row has {len(cells)} cells but the header has {columns}: "
                    f"the last {len(cells) - columns} would be dropped; add header cells or "
                    "merge them",
                    self.body.file_line(k),
                )

    def fence(self, fence: mdext.Fence) -> Block:
        line = self.body.file_line(fence.line - 1)
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
        # pandoc/Quarto: ```{.python}, ```{r setup, include=FALSE}
        language = re.split(r"[\s,}]", fence.info.strip().lstrip("{").lstrip("."), maxsplit=1)[0]
        return Code(fence.text, language if info.startswith("{") else info, line)

    # pictures

    def image(self, el: etree.Element, line: int) -> Image | None:
        """A picture of the text; a background picture (Marp's ``![bg]``) goes to the
        current slide instead (None)."""
        src = el.get("src", "")
        alt = (el.get("alt", "") or "").strip()
        line = self.find_line("](" + src, line) if src else line
        width, height = el.get("width", "") or "", el.get("height", "") or ""
        background: tuple[str, float] | None = None
        if self.dialect.image_keywords:
            alt, width, height, background = _marp_keywords(alt, width, height)
        image = self.picture(src, alt, line, el.get("title", "") or "", width, height)
        if image is None or background is None:
            return image
        draft = self.current(line)
        side, share = background
        if draft.background is not None:  # Marp stacks several: the first is shown
            self.report.warn(
                f"this slide has a background picture already; '{src}' is shown as a picture "
                "on the slide",
                line,
            )
            return image
        draft.background = Background(image, side, share)  # type: ignore[arg-type]
        return None

    def picture(
        self,
        src: str,
        alt: str,
        line: int,
        title: str = "",
        width: str = "",
        height: str = "",
    ) -> Image | None:
        asset, problem = self.pictures.load(src, line)
        if asset is None and not problem:
            return None
        return Image(asset.key if asset else "", alt, title, line, width, height, problem)

    def find_line(self, needle: str, start: int, at_start: bool = False) -> int:
        """Refine a block's line to the line holding `needle`, searching forward from it
        (a few lines: the block's own)."""
        lines = self.body.lines
        first = self.body.index_of(start)
        for k in range(first, min(len(lines), first + 200)):
            line = lines[k]
            if line.lstrip().startswith(needle) if at_start else needle in line:
                return self.body.file_line(k)
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
        if any("\ue000" in r.text for r in merged):
            merged = tuple(Run(FOOTNOTE.sub(self.footnote, r.text), r.bold, r.italic, r.code, r.strike, r.href) for r in merged)
        return merged

    def footnote(self, m: re.Match[str]) -> str:
        """A footnote reference: its number as a superscript; its text waits for the notes
        of the slide it is on."""
        note = self.ctx.footnotes.get(m.group(1))
        if note is None:
            return ""
        self.pending_footnotes.append(note.number)
        return str(note.number).translate(SUPERSCRIPT)

    def flush_footnotes(self, draft: _SlideDraft) -> None:
        if not self.pending_footnotes:
            return
        by_number = {n.number: n for n in self.ctx.footnotes.values()}
        for number in self.pending_footnotes:
            if number in draft.footnotes:
                continue
            draft.footnotes.append(number)
            note = by_number[number]
            mark = str(number).translate(SUPERSCRIPT)
            draft.notes.append(Paragraph((Run(f"{mark} {note.text}"),), note.line))
        self.pending_footnotes = []


def _share(value: str) -> float:
    """A column width as a share of the slide: "40%" -> 0.4; anything else: even."""
    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$", value or "")
    return min(1.0, float(m.group(1)) / 100) if m else 0.0


def _marp_keywords(alt: str, width: str, height: str):
    """Marp's keywords in a picture's alt text: (alt, width, height, background) with
    background (side, share) for ``bg`` pictures, else None."""
    words = alt.split()
    if not any(w == "bg" or MARP_SIZE.match(w) or MARP_FILTERS.match(w) for w in words):
        return alt, width, height, None
    rest: list[str] = []
    bg = False
    side, share = "full", 0.5
    for word in words:
        size = MARP_SIZE.match(word)
        split = SHARE.match(word)
        if word == "bg":
            bg = True
        elif size:
            value = size.group(2)
            if size.group(1) in ("w", "width"):
                width = value
            else:
                height = value
        elif split:
            side, share = split.group(1), float(split.group(2)) / 100
        elif word in ("left", "right") and bg:
            side = word
        elif word in ("contain", "cover", "fit", "auto", "vertical") and bg:
            pass
        elif MARP_FILTERS.match(word) or re.match(r"^\d+(\.\d+)?%$", word) and bg:
            pass
        else:
            rest.append(word)
    return " ".join(rest), width, height, ((side, share) if bg else None)


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
