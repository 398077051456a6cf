"""The newsletter's text/plain part, written from the document model.

Every newsletter email carries a plain-text alternative for terminal mail clients, screen
readers and spam filters. It is derived from the same model as the HTML part (the newsletter
view: notes never, ``::: deck`` blocks never, ``::: newsletter`` blocks opened), not by
stripping tags from the HTML: tags carry structure (list nesting, table columns, link
targets, chart values) that a stripped HTML string has lost, and the model still has it.

Conventions, chosen for an 78-column terminal:

* the title underlined with ``=``, then subtitle and "author · date"; a section is a heading
  underlined with ``=``, a titled slide one underlined with ``-``, a heading inside a slide one
  underlined with ``~`` (underlines as long as the text's display width);
* paragraphs wrapped with `textwrap` at ASCII spaces only: U+00A0 and U+202F (French spacing)
  are never break points and stay in the text as they are (except where they glue nothing:
  next to a breakable space or at a line's edge); spaces collapse as in HTML; a hard line
  break starts a line;
* bold and italic are plain text, inline code as-is, struck text between ``~~``; a link is
  its text then `` <URL>``, unless the text already is the URL (or the mailto: address);
* lists with ``-`` or right-aligned ``1.`` markers (from `ListBlock.start`), nested lists and
  wrapped lines aligned under the item's text;
* a table as aligned columns when it fits, else one "Header : value" record per row;
* a chart as one line per value with its unit and a bar of block characters;
* quotes prefixed ``> ``, code indented by four spaces and never wrapped;
* exactly one blank line between blocks, no trailing spaces, one final newline.

Pure: reads only the model, never a file.
"""

from __future__ import annotations

import itertools
import math
import re
import textwrap
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser

from ..model import (
    Block,
    Chart,
    Code,
    Document,
    Heading,
    Image,
    Inline,
    ListBlock,
    Paragraph,
    Quote,
    RawHtml,
    Run,
    Slide,
    Table,
    for_output,
)
from ..typography import NBSP, NNBSP, format_date, is_french
from .html_text import html_text

MIN_WIDTH = 20  # below this, nested blocks stop indenting further (and `width` is refused)
BAR_MAX = 30  # characters of the longest chart bar
BAR_MIN = 10  # below this much room, a chart has no bars at all
BAR_EIGHTHS = " ▏▎▍▌▋▊▉"  # partial blocks, 1/8 to 7/8 of a character
BAR_FULL = "█"
# A run of spaces holding a breakable one is one space: a no-break space next to a breakable
# space glues nothing (and would otherwise be left dangling at a line end).
_RUN_OF_SPACES = re.compile(r"\s*[ \t\r\x0b\x0c]\s*")
SAFE_SCHEMES = ("http:", "https:", "mailto:", "tel:", "ftp:")


def render_text(doc: Document, *, width: int = 78) -> str:
    """The newsletter's text/plain part: what the HTML says, readable in a terminal mail client."""
    if width < MIN_WIDTH:
        raise ValueError(f"width must be at least {MIN_WIDTH} columns, not {width}")
    ctx = _Context(french=is_french(doc.meta.lang))
    parts: list[list[str]] = [_masthead(doc, width)]
    for slide in doc.slides:
        parts.extend(_slide(slide, width, ctx))
    lines = _join(parts)
    return "\n".join(line.rstrip() for line in lines) + "\n"


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: wide (CJK, emoji) characters count two,
    combining marks and format characters none, every other character (NBSP and NNBSP too) one."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def format_number(value: float, french: bool, unit: str = "") -> str:
    """38.0 -> "38", 3.5 -> "3,5" in French; thousands grouped; the unit after a no-break
    space (a narrow one before % in French, none before % in other languages)."""
    if not math.isfinite(value):
        text = str(value)
    elif float(value).is_integer():
        text = f"{int(value):,}"
    else:
        text = f"{value:,}"  # shortest repr: 3.25 stays 3.25
    if french:
        text = text.translate({ord(","): NNBSP, ord("."): ","})
    if not unit:
        return text
    if unit == "%":
        return text + (NNBSP + "%" if french else "%")
    return f"{text}{NBSP}{unit}"


# --- document structure --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Context:
    french: bool

    @property
    def colon(self) -> str:
        """A label's colon: "Radio : 38" in French (no-break space before), "Radio: 38" else."""
        return NBSP + ": " if self.french else ": "


def _masthead(doc: Document, width: int) -> list[str]:
    meta = doc.meta
    lines: list[str] = []
    if meta.title.strip():
        lines += _underlined(meta.title, "=", width)
    if meta.subtitle.strip():
        lines += _wrap(_one_line(meta.subtitle), width)
    byline = " · ".join(
        part for part in (meta.author.strip(), format_date(meta.date, meta.lang)) if part
    )
    if byline:
        lines += _wrap(_one_line(byline), width)
    return lines


def _slide(slide: Slide, width: int, ctx: _Context) -> list[list[str]]:
    """A slide as blocks of lines: its heading (if titled), then its newsletter blocks.
    Speaker notes are never read."""
    parts: list[list[str]] = []
    if slide.title is not None and _inline(slide.title).strip():
        underline = "=" if slide.kind == "section" else "-"
        parts.append(_underlined(_one_line(_inline(slide.title)), underline, width))
    parts.extend(_block(b, width, ctx) for b in for_output(slide.newsletter_blocks(), "newsletter"))
    return parts


def _join(parts: Iterable[list[str]]) -> list[str]:
    """Blocks of lines with exactly one blank line between them (empty blocks dropped)."""
    lines: list[str] = []
    for part in parts:
        if not part:
            continue
        if lines:
            lines.append("")
        lines.extend(part)
    return lines


def _blocks(blocks: Iterable[Block], width: int, ctx: _Context) -> list[str]:
    return _join(_block(b, width, ctx) for b in for_output(tuple(blocks), "newsletter"))


def _block(block: Block, width: int, ctx: _Context) -> list[str]:
    """One block as lines at most `width` columns (code and unbreakable words excepted)."""
    width = max(width, MIN_WIDTH)
    if isinstance(block, Paragraph):
        return _paragraph(_inline(block.runs), width)
    if isinstance(block, Heading):
        return _underlined(_one_line(_inline(block.runs)), "~", width)
    if isinstance(block, ListBlock):
        return _list(block, width, ctx)
    if isinstance(block, Table):
        return _table(block, width, ctx)
    if isinstance(block, Chart):
        return _chart(block, width, ctx)
    if isinstance(block, Quote):
        inner = _blocks(block.blocks, width - 2, ctx)
        return ["> " + line if line else ">" for line in inner]
    if isinstance(block, Code):
        return _code(block)
    if isinstance(block, Image):
        label = "Image" + (ctx.colon + block.alt.strip() if block.alt.strip() else "")
        return _paragraph(f"[{_one_line(label)}]", width)
    if isinstance(block, RawHtml):
        return _raw_html(block.html, width)
    return []  # an `Only` for the deck: for_output already dropped the others


# --- inline text ---------------------------------------------------------------------------


def _inline(runs: Inline) -> str:
    """Runs as plain text: formatting dropped (struck text kept between ~~), each link's
    URL after its text in angle brackets. Hard line breaks stay "\\n"."""
    out = []
    for href, group in itertools.groupby(runs, key=lambda r: r.href):
        text = "".join(_run_text(r) for r in group)
        out.append(_with_url(text, href) if href else text)
    return "".join(out)


def _run_text(run: Run) -> str:
    return f"~~{run.text}~~" if run.strike and run.text.strip() else run.text


def _with_url(text: str, href: str) -> str:
    url = _shown_url(href)
    if not url:
        return text
    shown = _one_line(text)
    if not shown:
        return f"<{url}>"
    if shown == url or (
        url.lower().startswith("mailto:") and url[len("mailto:") :].casefold() == shown.casefold()
    ):
        return text
    return f"{text} <{url}>"


def _shown_url(href: str) -> str:
    """The URL as written in text (spaces escaped so it stays one word), or '' when the
    HTML part would drop it too (javascript:, data: and other unsafe schemes)."""
    url = href.strip()
    compact = "".join(url.split()).lower()
    scheme = compact.split("/")[0]
    if ":" in scheme and not compact.startswith(SAFE_SCHEMES):
        return ""
    return re.sub(r"\s", lambda m: f"%{ord(m.group()):02X}", url)


def _one_line(text: str) -> str:
    """Text on one line: line breaks and runs of spaces become single spaces."""
    return _RUN_OF_SPACES.sub(" ", text.replace("\n", " ")).strip()


# --- wrapping ------------------------------------------------------------------------------


def _paragraph(text: str, width: int) -> list[str]:
    """Wrapped text; each hard line break starts a new line."""
    lines: list[str] = []
    for piece in text.split("\n"):
        lines += _wrap(_RUN_OF_SPACES.sub(" ", piece).strip(), width)
    return lines


def _wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """`textwrap` at ASCII spaces only, never inside a word nor at a hyphen.

    textwrap splits only on ASCII whitespace, so U+00A0 and U+202F are never break points.
    Its ``drop_whitespace`` strips any Unicode space from a line's edges, which could only
    remove a chunk made of no-break spaces alone: `_RUN_OF_SPACES` has merged those into
    the breakable space next to them before text gets here."""
    wrapper = textwrap.TextWrapper(
        width=width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return wrapper.wrap(text)


def _underlined(text: str, char: str, width: int) -> list[str]:
    lines = _wrap(_one_line(text), width)
    return [*lines, char * max(display_width(line) for line in lines)] if lines else []


def _pad(text: str, width: int, align: str = "left") -> str:
    gap = max(width - display_width(text), 0)
    if align == "right":
        return " " * gap + text
    if align == "center":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


# --- lists ---------------------------------------------------------------------------------


def _list(block: ListBlock, width: int, ctx: _Context) -> list[str]:
    """Items with "- " or "N. " markers (numbers right-aligned), wrapped lines and nested
    blocks aligned under the item's text. Items with several blocks make a loose list."""
    count = len(block.items)
    if block.ordered:
        last = block.start + count - 1
        digits = max(len(str(block.start)), len(str(last)))
        markers = [f"{block.start + k:>{digits}}. " for k in range(count)]
    else:
        markers = ["- "] * count
    items = [
        _item(item.blocks, marker, width, ctx)
        for item, marker in zip(block.items, markers, strict=True)
    ]
    loose = any("" in lines for lines in items)
    out: list[str] = []
    for lines in items:
        if out and loose:
            out.append("")
        out += lines
    return out


def _item(blocks: tuple[Block, ...], marker: str, width: int, ctx: _Context) -> list[str]:
    indent = " " * len(marker)
    inner = max(width - len(marker), MIN_WIDTH)
    lines: list[str] = []
    for block in for_output(blocks, "newsletter"):
        rendered = _block(block, inner, ctx)
        if not rendered:
            continue
        if lines and not isinstance(block, ListBlock):
            lines.append("")  # a nested list follows its paragraph directly
        lines += rendered
    if not lines:
        return [marker.rstrip()]
    return [(marker if k == 0 else indent) + line if line else "" for k, line in enumerate(lines)]


# --- tables --------------------------------------------------------------------------------


def _table(table: Table, width: int, ctx: _Context) -> list[str]:
    """Aligned columns (header, a rule, rows) when they fit in `width`; otherwise one record
    per row, "Header : value" lines, records separated by a blank line."""
    header = [_one_line(_inline(cell)) for cell in table.header]
    rows = [[_one_line(_inline(cell)) for cell in row] for row in table.rows]
    columns = max([len(header), *(len(row) for row in rows)], default=0)
    if not columns:
        return []
    header += [""] * (columns - len(header))
    rows = [row + [""] * (columns - len(row)) for row in rows]
    align = (list(table.align) + ["left"] * columns)[:columns]
    widths = [max(display_width(r[c]) for r in [header, *rows]) for c in range(columns)]
    if sum(widths) + 2 * (columns - 1) <= width:
        has_header = any(header)
        lines = []
        if has_header:
            lines.append(_cells(header, widths, align))
            lines.append("  ".join("-" * w for w in widths))
        lines += [_cells(row, widths, align) for row in rows]
        return lines
    records = []
    for row in rows:
        record: list[str] = []
        for label, value in zip(header, row, strict=True):
            if not value:
                continue
            text = f"{label}{ctx.colon}{value}" if label else value
            record += _wrap(text, width, "", "  ")
        records.append(record)
    return _join(records)


def _cells(cells: list[str], widths: list[int], align: list[str]) -> str:
    return "  ".join(_pad(c, w, a) for c, w, a in zip(cells, widths, align, strict=True)).rstrip()


# --- charts --------------------------------------------------------------------------------


def _chart(chart: Chart, width: int, ctx: _Context) -> list[str]:
    """The title, then one line per value: "  Radio : 38 ans  ████…", bars proportional to the
    largest value (30 characters at most) when they fit; with several series, each category
    heads its series' lines."""
    many = len(chart.series) > 1
    indent = " " * (4 if many else 2)
    groups: list[tuple[str, list[tuple[str, float, str]]]] = []  # category, [(label, value, shown)]
    for k, category in enumerate(chart.categories):
        points = [
            (_one_line(s.name if many else category), v, format_number(v, ctx.french, chart.unit))
            for s in chart.series
            for v in s.values[k : k + 1]
        ]
        groups.append((_one_line(category), points))
    points = [point for _, group in groups for point in group]
    label_w = max((display_width(label) for label, _, _ in points), default=0)
    value_w = max((display_width(shown) for _, _, shown in points), default=0)
    prefix_w = len(indent) + label_w + display_width(ctx.colon) + value_w
    aligned = prefix_w <= width
    bar_room = min(BAR_MAX, width - prefix_w - 2)
    peak = max((abs(v) for _, v, _ in points if math.isfinite(v)), default=0.0)
    bars = aligned and bar_room >= BAR_MIN and peak > 0
    lines = _wrap(_one_line(chart.title), width) if chart.title.strip() else []
    for category, group in groups:
        if many:
            lines += _wrap(category, width, "  ", "    ")
        for label, value, shown in group:
            if not aligned:  # labels too long to line up: wrapped "label : value" lines
                lines += _wrap(f"{label}{ctx.colon}{shown}", width, indent, indent + "  ")
                continue
            line = indent + _pad(label, label_w) + ctx.colon + _pad(shown, value_w, "right")
            if bars:
                line += "  " + _bar(value, peak, bar_room)
            lines.append(line.rstrip())
    return lines


def _bar(value: float, peak: float, room: int) -> str:
    """A bar of `room` characters for `peak`, in eighths of a character; a non-zero value
    gets at least an eighth so that it never looks like zero."""
    if not math.isfinite(value):
        return ""
    eighths = round(abs(value) / peak * room * 8)
    if value and not eighths:
        eighths = 1
    full, part = divmod(eighths, 8)
    return BAR_FULL * full + (BAR_EIGHTHS[part] if part else "")


# --- code and raw HTML ---------------------------------------------------------------------


def _code(block: Code) -> list[str]:
    lines = block.text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return ["    " + line.rstrip() if line.strip() else "" for line in lines]


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _raw_html(markup: str, width: int) -> list[str]:
    """The visible text of author-written HTML (`html_text`), one wrapped line group per
    block, then the URL of each link whose address the text does not already show."""
    lines: list[str] = []
    texts = html_text(markup)
    for text in texts:
        lines += _paragraph(text, width)
    parser = _Hrefs()
    parser.feed(markup)
    parser.close()
    shown = " ".join(texts)
    for href in dict.fromkeys(parser.hrefs):
        url = _shown_url(href)
        address = url[len("mailto:") :] if url.lower().startswith("mailto:") else url
        if url and not url.startswith("#") and address not in shown:
            lines += _wrap(f"<{url}>", width)
    return lines
