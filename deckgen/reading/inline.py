"""Inline text: an element's text and children -> runs (bold, italic, code, links, breaks).

Python-Markdown leaves placeholders for inline raw HTML and entities in the text (its "HTML
stash"); they are resolved here: entities become characters, ``<br>`` a line break, other
tags are dropped and their text kept.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from typing import Any

from markdown import Markdown

from ..model import Inline, Run

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Block children of a list item (read by the tree reader, not as the item's text).
LIST_ITEM_BLOCKS = ("p", "ul", "ol", "blockquote", "pre", "fence", "table", "div", "img")
STASH = re.compile("\x02wzxhzdk:(\\d+)\x03")
ENTITY = re.compile(r"^&(#\d+|#x[0-9a-fA-F]+|\w+);$")
MULTISPACE = re.compile(r" {2,}")


class InlineReader:
    """Reads the inline content of elements of one parsed file (`md` holds its stash)."""

    def __init__(self, md: Markdown):
        self.md = md

    def runs(self, el: etree.Element, stop_at_blocks: bool = False) -> Inline:
        out: list[Run] = []
        self._inline(el, Run(""), out, stop_at_blocks)
        return merge(out)

    def _inline(self, el: etree.Element, style: Run, out: list[Run], stop_at_blocks: bool) -> None:
        if el.text:
            self._text(el.text, style, out)
        for child in el:
            tag = child.tag
            if stop_at_blocks and (tag in LIST_ITEM_BLOCKS or tag in HEADINGS):
                # Block children of a list item are read by list_block; text after them
                # (a caption after an image) is still this item's text.
                if child.tail:
                    self._text(child.tail, style, out)
                continue
            if tag in ("strong", "b"):
                self._inline(child, with_(style, bold=True), out, False)
            elif tag in ("em", "i"):
                self._inline(child, with_(style, italic=True), out, False)
            elif tag in ("del", "s"):
                self._inline(child, with_(style, strike=True), out, False)
            elif tag == "code":
                # Python-Markdown escapes <, > and & in code spans: shown as typed.
                text = html.unescape(self.resolve(child.text or "", keep_html=True))
                out.append(with_(style, text=text, code=True))
            elif tag == "a":
                self._inline(child, with_(style, href=child.get("href", "")), out, False)
            elif tag == "br":
                out.append(with_(style, text="\n"))
            elif tag == "img":
                pass  # images become blocks (see the tree reader's paragraph)
            else:
                self._inline(child, style, out, False)
            if child.tail:
                self._text(child.tail, style, out)

    def _text(self, text: str, style: Run, out: list[Run]) -> None:
        # Soft line breaks are spaces; <br> in raw HTML (resolved after) stays a break.
        text = self.resolve(text.replace("\n", " "), keep_html=False)
        if text:
            out.append(with_(style, text=text))

    def stashed(self, index: int) -> str:
        raw = self.md.htmlStash.rawHtmlBlocks[index]
        return raw if isinstance(raw, str) else ""

    def resolve(self, text: str, keep_html: bool) -> str:
        """Replace Python-Markdown's stash placeholders: entities become characters, inline
        raw HTML tags are dropped (their text stays) unless `keep_html`."""

        def sub(m: re.Match[str]) -> str:
            raw = self.stashed(int(m.group(1)))
            if ENTITY.match(raw.strip()):
                return html.unescape(raw)
            if re.fullmatch(r"<br\s*/?>", raw.strip(), re.I):
                return "\n"
            return raw if keep_html else ""

        return STASH.sub(sub, text)


def with_(style: Run, **changes: Any) -> Run:
    """`style` with some fields changed (dataclasses.replace is 5x slower: it inspects)."""
    return Run(
        changes.get("text", style.text),
        changes.get("bold", style.bold),
        changes.get("italic", style.italic),
        changes.get("code", style.code),
        changes.get("strike", style.strike),
        changes.get("href", style.href),
    )


def merge(runs: list[Run]) -> Inline:
    """Adjacent runs with the same formatting become one; outer whitespace is trimmed."""
    merged: list[Run] = []
    for run in runs:
        if merged and _same_style(merged[-1], run):
            merged[-1] = with_(merged[-1], text=merged[-1].text + run.text)
        elif run.text:
            merged.append(run)
    # Markdown collapses spaces (an image taken out of a sentence leaves two).
    merged = [r if r.code else with_(r, text=MULTISPACE.sub(" ", r.text)) for r in merged]
    if merged:
        merged[0] = with_(merged[0], text=merged[0].text.lstrip(" "))
        merged[-1] = with_(merged[-1], text=merged[-1].text.rstrip(" "))
    return tuple(r for r in merged if r.text)


def _same_style(a: Run, b: Run) -> bool:
    return (a.bold, a.italic, a.code, a.strike, a.href) == (
        b.bold,
        b.italic,
        b.code,
        b.strike,
        b.href,
    )
