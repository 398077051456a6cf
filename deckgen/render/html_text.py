"""The visible text of HTML the author wrote in the Markdown, for outputs that are not HTML
(the deck, speaker notes, the plain-text email part): never any markup."""

from __future__ import annotations

import html.parser


class _TextOnly(html.parser.HTMLParser):
    BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
    SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.lines.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCK:
            self.lines.append("")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.lines[-1] += data


def html_text(markup: str) -> list[str]:
    """The visible text of author-written HTML, one entry per block (never any markup)."""
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    return [" ".join(line.split()) for line in parser.lines if line.strip()]
