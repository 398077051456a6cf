"""Benchmark: caniemail's CSS scanner (hand-written) against the same scanner on tinycss2.

Issue 15 asked whether the CSS part of ``deckgen/mail/caniemail.py`` should move to
tinycss2 (the CSS parser WeasyPrint is built on) if it is as fast and as exact. This script
holds that port (`TinyScanner`: tinycss2's parse_stylesheet / parse_blocks_contents /
parse_declaration_list give the rules, at-rules, declarations, nesting and comments with
their lines; caniemail's own tables map them to features, as the hand-written scanner does)
and measures, in one run:

* speed: ``scan_html`` (HTML parsing and CSS) and the CSS alone (``scan_css`` on every
  style sheet and style attribute) over the newsletters of the samples in every theme,
  median of ``--runs`` runs of ``--repeat`` passes;
* exactness: the (feature, line) pairs each finds on those newsletters and on the test
  emails of tests/test_caniemail.py, and the "where" texts that differ (tinycss2 writes
  strings back with double quotes and keeps comments inside values).

Usage::

    pip install '.[bench]'          # tinycss2
    python bench/css_scan.py [--runs 5] [--repeat 20]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import record  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import tinycss2  # noqa: E402

from deckgen.mail import caniemail as ce  # noqa: E402
from deckgen.mail.caniemail import (  # noqa: E402
    _AT_RULES,
    _GROUPING_AT_RULES,
    _MEDIA_FEATURES,
    _VENDOR_PREFIX,
    Usage,
    _declaration_text,
    _short,
    declaration_features,
    selector_features,
)


def _contents(tokens):
    return tinycss2.parse_blocks_contents(tokens, skip_comments=False, skip_whitespace=True)


class TinyScanner:
    """caniemail's scan_css, the structure from tinycss2 instead of hand-written code."""

    def __init__(self, first_line: int, inline_tag: str | None):
        self.first = first_line
        self.inline_tag = inline_tag
        self.out: list[Usage] = []

    def add(self, feature: str, where: str, line: int) -> None:
        self.out.append(Usage(feature, where, self.first + line - 1))

    def comment(self, node) -> None:
        text = _short("/*" + node.value + "*/", 40)
        tag = self.inline_tag
        self.add("css-comments", f'<{tag} style="{text}">' if tag else text, node.source_line)

    def declarations(self, nodes, context: str | None) -> None:
        for node in nodes:
            if node.type == "comment":
                self.comment(node)
            elif node.type == "declaration":
                value = tinycss2.serialize(node.value).strip()
                text = _declaration_text(node.name, value, node.important)
                if self.inline_tag:
                    where = f'<{self.inline_tag} style="{text}">'
                else:
                    where = f"{context} {{ {text} }}" if context else text
                for slug in declaration_features(node.name, value, node.important):
                    self.add(slug, where, node.source_line)
            elif node.type == "qualified-rule":  # CSS nesting
                selector = tinycss2.serialize(node.prelude).strip()
                self.add("css-nesting", _short(selector), node.source_line)
                self.selector(selector, node.source_line)
                self.declarations(_contents(node.content), _short(selector, 40))
            elif node.type == "at-rule":
                prelude = tinycss2.serialize(node.prelude)
                self.add("css-nesting", _short(f"@{node.at_keyword}{prelude}"), node.source_line)
                self.at_rule(node, nested=True)

    def selector(self, selector: str, line: int) -> None:
        for slug in selector_features(selector):
            self.add(slug, _short(selector), line)

    def at_rule(self, node, nested: bool = False) -> None:
        base = _VENDOR_PREFIX.sub("", node.lower_at_keyword)
        prelude = tinycss2.serialize(node.prelude)
        where = _short(f"@{node.at_keyword} {prelude.strip()}".strip())
        if base in _AT_RULES:
            self.add(_AT_RULES[base], where, node.source_line)
        if base == "media":
            for pattern, slug in _MEDIA_FEATURES:
                if pattern.search(prelude.lower()):
                    self.add(slug, where, node.source_line)
        if node.content is None:
            return
        if base in _GROUPING_AT_RULES and nested:
            self.declarations(_contents(node.content), where)
        elif base in _GROUPING_AT_RULES:
            self.rules(
                tinycss2.parse_rule_list(node.content, skip_comments=False, skip_whitespace=True)
            )
        elif base == "keyframes":
            for rule in tinycss2.parse_rule_list(node.content, skip_whitespace=True):
                if rule.type == "qualified-rule":
                    self.declarations(_contents(rule.content), f"@{node.at_keyword}")
        else:
            self.declarations(_contents(node.content), f"@{node.at_keyword}")

    def rules(self, nodes) -> None:
        for node in nodes:
            if node.type == "comment":
                self.comment(node)
            elif node.type == "qualified-rule":
                selector = tinycss2.serialize(node.prelude).strip()
                self.selector(selector, node.source_line)
                self.declarations(_contents(node.content), _short(selector, 40))
            elif node.type == "at-rule":
                self.at_rule(node)


def tiny_scan_css(css: str, first_line: int = 1, *, inline_tag: str | None = None) -> list[Usage]:
    scanner = TinyScanner(first_line, inline_tag)
    if inline_tag:
        scanner.declarations(_contents(css), None)
    else:
        scanner.rules(tinycss2.parse_stylesheet(css, skip_comments=False, skip_whitespace=True))
    return scanner.out


HAND_SCAN_CSS = ce.scan_css


def scan_html_with(scan_css, html: str) -> list[Usage]:
    ce.scan_css = scan_css  # scan_html's HTML scanner calls the module's scan_css
    try:
        return ce.scan_html(html)
    finally:
        ce.scan_css = HAND_SCAN_CSS


def newsletters(folder: Path) -> list[str]:
    from deckgen.build import build

    result = build([], ["all"], folder, ("newsletter",), ROOT)
    assert not result.errors, result.errors
    return [w.path.read_text(encoding="utf-8") for w in result.written if w.path.suffix == ".html"]


def median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    import test_caniemail

    with tempfile.TemporaryDirectory(prefix="bench-css-") as tmp:
        pages = newsletters(Path(tmp))
    tests = [test_caniemail.MODERN, test_caniemail.CONSERVATIVE]
    sheets = [m.group(1) for h in pages for m in re.finditer(r"<style[^>]*>(.*?)</style>", h, re.S)]
    attributes = [m.group(1) for h in pages for m in re.finditer(r'style="([^"]*)"', h)]

    def html_pass(scan):
        return lambda: [scan_html_with(scan, h) for _ in range(args.repeat) for h in pages]

    def css_pass(scan):
        def run():
            for _ in range(args.repeat):
                for css in sheets:
                    scan(css)
                for css in attributes:
                    scan(css, inline_tag="td")

        return run

    hand_html = median(html_pass(HAND_SCAN_CSS), args.runs)
    tiny_html = median(html_pass(tiny_scan_css), args.runs)
    hand_css = median(css_pass(HAND_SCAN_CSS), args.runs)
    tiny_css = median(css_pass(tiny_scan_css), args.runs)

    pairs_differ = where_differ = 0
    for html in pages + tests:
        hand = scan_html_with(HAND_SCAN_CSS, html)
        tiny = scan_html_with(tiny_scan_css, html)
        if {(u.feature, u.line) for u in hand} != {(u.feature, u.line) for u in tiny}:
            pairs_differ += 1
        if {(u.feature, u.line, u.where) for u in hand} != {
            (u.feature, u.line, u.where) for u in tiny
        }:
            where_differ += 1

    documents = len(pages) * args.repeat
    print(
        f"{len(pages)} newsletters ({len(sheets)} style sheets, {len(attributes)} style "
        f"attributes), {args.repeat} passes, median of {args.runs} runs, tinycss2 "
        f"{tinycss2.__version__}\n"
    )
    print("| measure | hand-written | tinycss2 | tinycss2 / hand-written |")
    print("|---|--:|--:|--:|")
    print(
        f"| scan_html, {documents} newsletters | {hand_html * 1000:.0f} ms | "
        f"{tiny_html * 1000:.0f} ms | {tiny_html / hand_html:.2f} |"
    )
    print(
        f"| CSS alone, {documents} newsletters | {hand_css * 1000:.0f} ms | "
        f"{tiny_css * 1000:.0f} ms | {tiny_css / hand_css:.2f} |"
    )
    print(
        f"\nexactness on {len(pages) + len(tests)} documents: (feature, line) differ in "
        f"{pairs_differ}; where texts differ in {where_differ}"
    )
    record(
        "CSS scan of the newsletters (scan_html)",
        hand_html,
        "s",
        peer="the same scanner on tinycss2",
        peer_value=tiny_html,
        target="hand-written as fast or faster",
        ok=hand_html <= tiny_html * 1.05,
        runs=args.runs,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
