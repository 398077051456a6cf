"""Benchmark: real decks that others wrote (pandoc/Quarto, Marp, remark, Slidev, plain Markdown),
built by deckgen and by pandoc in the same run, measured the same way.

For each deck it prints: the exit code, the slides, the share of the source's prose words that
reach the deck (slides, speaker notes, picture descriptions), the pieces of dialect markup
shown on slides (outside code), the sub-bullets kept nested, and the speaker notes found;
then the totals. The same figures for pandoc (``pandoc -t pptx``, from pypandoc-binary, run
from the deck's folder) sit beside deckgen's.

Corpora:

* the registry corpus (always): the ``kind = "deck"`` entries of
  ``tests/fixtures/real/SOURCES.toml``, downloaded from PyPI, npm and Debian by
  ``python tests/realcorpus.py fetch`` (what CI builds; ``tests/test_real_decks.py`` runs this
  script's measurements there and asserts issue 13's targets);
* ``--corpus DIR``: a local corpus too, DIR/index.json (a list of ``{"slug", "deck",
  "dialect"}``) or sub-folders whose SOURCE.md names the deck file (the decks fetched from
  public repositories, which may not be committed).

Usage::

    python bench/real_decks.py [--corpus DIR] [--no-pandoc] [--only SLUG ...] [--json OUT]

The measures are computed from the source text and the .pptx files only, never through
deckgen's reader (that would grade deckgen with its own ruler):

* prose words: the source outside front matter, code blocks, ``<style>``/``<script>``,
  HTML tags, link and picture targets, math, LaTeX commands, dialect markup (separators,
  slide properties, directives, ``:::`` lines, attributes), and comments unless the dialect
  makes them speaker notes (Marp, Slidev); a word is a run of letters and digits (a single
  character in Chinese and Japanese), casefolded;
  a word reaches the deck when the deck's text (slides, notes, picture descriptions) has it
  (counted as a multiset: a word written five times must be there five times);
* markup: occurrences of the patterns in `MARKUP` in slide text not set in a monospace
  font (code, inline code too, shows markup on purpose);
* sub-bullets: list items indented under another item in the source; nested when the deck
  paragraph holding its first words is indented further than the list's first level
  (``lvl`` >= 1, or a larger ``marL`` than the shape's outermost bullets);
* notes: the slides with speaker notes in the deck, against the notes the source holds.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

MARKUP = [
    ("{attr}", r"\{[#.][^}]*\}|\{[\w-]+=[^}]*\}"),
    ("???", r"\?\?\?"),
    ("slide property", r"^(class|layout|name|background-image|background-size|template|transition|image|level|hideInToc|theme|marp|paginate|src|count|exclude):\s"),
    (". . .", r"(^|\s)\. \. \.(\s|$)"),
    ("-- step", r"^--$"),
    (":::", r":::"),
    ("::slot::", r"::\s*[\w-]+\s*::"),
    ("<!-- -->", r"<!--|-->"),
    ("HTML tag", r"</?(div|span|br|img|p|v-clicks?|v-click|style|center|small|sup|sub|iframe|section|kbd|a|font|b|i|u|mark|table|tr|td)\b[^>]*>"),
    ("Vue component", r"<[A-Z][A-Za-z]+[\s/>]"),
    ("![bg]", r"!\[[^\]]*bg"),
    ("image keyword", r"\b(w|h|width|height):\d+"),
    ("\\latex", r"\\[a-zA-Z]{3,}"),
    ("$$", r"\$\$"),
    ("&entity;", r"&lt;|&gt;|&amp;|&nbsp;|&quot;"),
    ("{{< >}}", r"\{\{<"),
    ("---", r"^-{3,}$"),
    (".class[", r"\.[\w-]+\["),
    ("[^fn]", r"\[\^[^\]]+\]"),
]
MARKUP_RE = [(name, re.compile(pattern, re.M)) for name, pattern in MARKUP]
# A word: letters and digits; in Chinese and Japanese, which do not space their words, each
# character (a deck joins runs that the source separated with ** or `).
WORD = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]|[^\W_\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]+", re.U)
MONO = re.compile(r'typeface="(Courier|Consolas|Menlo|Monaco|Lucida Console|Liberation Mono|DejaVu Sans Mono)')
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
COMMENT_DIALECTS = ("marp", "slidev")
DIRECTIVE = re.compile(r"^\s*_?[A-Za-z][\w-]*\s*:.*$|^\s*fit\s*$")


@dataclass
class Deck:
    slug: str
    path: Path
    dialect: str
    origin: str  # registry | local


@dataclass
class Figures:
    exit: int = 0
    slides: int = 0
    words: int = 0  # prose words of the source
    kept: int = 0  # of them, reaching the deck
    markup: int = 0
    markup_kinds: dict[str, int] = field(default_factory=dict)
    nested: int = 0  # sub-bullets of the source
    nested_kept: int = 0
    notes_source: int = 0
    notes_deck: int = 0
    seconds: float = 0.0

    @property
    def word_share(self) -> float:
        return self.kept / self.words if self.words else 1.0


# --- the source -------------------------------------------------------------------------


def source_lines(text: str) -> tuple[list[str], list[bool]]:
    """The lines after the front matter, and whether each is inside a fenced code block."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[0].strip() == "---":
        for k in range(1, len(lines)):
            if lines[k].strip() in ("---", "..."):
                lines = lines[k + 1 :]
                break
    code, fence = [], None
    for line in lines:
        m = FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)
            code.append(True)
        elif fence is not None:
            code.append(True)
            if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
                fence = None
        else:
            code.append(False)
    return lines, code


def prose_words(text: str, dialect: str) -> list[str]:
    lines, code = source_lines(text)
    kept: list[str] = []
    separated = dialect in ("remark", "slidev")  # slides may open with key: value lines
    after_separator = True
    for line, is_code in zip(lines, code, strict=True):
        if is_code:
            continue
        stripped = line.strip()
        if dialect in ("marp", "remark", "slidev") and re.fullmatch(r"-{2,3}", stripped):
            after_separator = True
            continue
        if separated and after_separator and re.match(r"^[A-Za-z][\w-]*:\s?", stripped) and not stripped.startswith("http"):
            continue  # remark's slide properties, Slidev's per-slide front matter
        if stripped:
            after_separator = False
        kept.append(line)
    body = "\n".join(kept)
    body = re.sub(r"<(style|script)\b.*?</\1\s*>", " ", body, flags=re.S | re.I)

    def comment(m: re.Match[str]) -> str:
        inner = m.group(1)
        if dialect not in COMMENT_DIALECTS:
            return " "
        if all(DIRECTIVE.match(part) for part in inner.strip().split("\n") if part.strip()):
            return " "  # Marp directives, <!-- fit -->
        return " " + inner + " "

    body = re.sub(r"<!--(.*?)-->", comment, body, flags=re.S)
    body = re.sub(r"<[^<>]+>", " ", body)  # HTML tags, over several lines too (their text stays)
    body = html.unescape(body)  # &#96; is a character, not the word 96
    body = re.sub(r"(?:\.[A-Za-z][\w-]*)+\[", " ", body)  # remark's .class[ ... ]
    body = re.sub(r"\$\$.*?\$\$", " ", body, flags=re.S)  # display math
    body = re.sub(r"(?<![\\$\w])\$(?=\S)[^$\n]*?\S\$(?!\d)", " ", body)  # inline math
    body = re.sub(r"!\[([^\]]*)\]\([^)]*\)", lambda m: " " + _marp_alt(m.group(1)) + " ", body)
    body = re.sub(r"\[([^\]]*)\]\([^)]*\)", r" \1 ", body)
    body = re.sub(r"\[([^\]]*)\]\[[^\]]*\]", r" \1 ", body)  # [text][reference]
    body = re.sub(r"^(\s*)(\d{1,9}[.)]|[-*+])\s", r"\1 ", body, flags=re.M)  # list markers
    body = re.sub(r"^\s*\[[^\]]+\]:\s*\S+.*$", " ", body, flags=re.M)  # link definitions
    body = re.sub(r"`[^`\n]*`", " ", body)  # inline code: shown, but not prose
    body = re.sub(r"\{[^{}\n]*\}", " ", body)  # attributes
    body = re.sub(r"\\[A-Za-z]+\*?", " ", body)  # LaTeX commands (braced text stays)
    body = re.sub(r"^\s*:{3,}.*$", " ", body, flags=re.M)
    body = re.sub(r"^\s*::[\w-]+::\s*$", " ", body, flags=re.M)
    body = re.sub(r"^\s*(\?\?\?|\. \. \.)\s*$", " ", body, flags=re.M)
    body = re.sub(r"https?://\S+", " ", body)
    return [w.casefold() for w in WORD.findall(body)]


def _marp_alt(alt: str) -> str:
    words = [
        w
        for w in alt.split()
        if not re.match(r"^(bg|left|right|contain|cover|fit|auto|vertical|(w|h|width|height|left|right):\S+|\d+%|blur|sepia|grayscale|brightness:\S+|opacity:\S+)$", w)
    ]
    return " ".join(words)


def list_items(text: str) -> list[tuple[str, bool]]:
    """Every list item shown on slides, in order: (its first words, whether it is indented
    under another item, CommonMark's rule: any indentation past the parent's marker).
    Items in speaker notes (comments, ``::: notes``, after ``???``) are left out: notes
    pages have no bullet levels, in either tool."""
    lines, code = source_lines(text)
    out = []
    stack: list[int] = []  # the indentation of each open item, outermost first
    item = re.compile(r"^(\s*)([-*+]|\d{1,3}[.)])\s+(.*)$")
    in_comment = in_notes = False
    for line, is_code in zip(lines, code, strict=True):
        if is_code or not line.strip():
            continue
        if in_comment or "<!--" in line:
            in_comment = "-->" not in line.split("<!--")[-1] if "<!--" in line else "-->" not in line
            continue
        if re.match(r"^:{3,}\s*(\{\s*\.notes[^}]*\}|notes)\s*$", line) or line.strip() == "???":
            in_notes = True
            continue
        if in_notes:
            if re.match(r"^:{3,}\s*$", line) or re.match(r"^---?\s*$", line):
                in_notes = False
            continue
        m = item.match(line.expandtabs(4))
        if not m or re.fullmatch(r"\s*([-*_])(\s*\1){2,}\s*", line):
            if not line.startswith((" ", "\t")):
                stack = []  # text at the margin: the list has ended
            continue
        indent = len(m.group(1))
        while stack and indent < stack[-1]:
            stack.pop()
        if not stack or indent > stack[-1]:
            stack.append(indent)
        content = re.sub(r"<[^>]+>|\[([^\]]*)\]\([^)]*\)|\$[^$]*\$", r" \1 ", m.group(3))
        words = WORD.findall(content)
        if words:
            out.append((" ".join(w.casefold() for w in words[:6]), len(stack) > 1))
    return out


def sub_bullets(text: str) -> list[str]:
    return [words for words, sub in list_items(text) if sub]


def source_notes(text: str, dialect: str) -> int:
    lines, code = source_lines(text)
    prose = "\n".join(line for line, c in zip(lines, code, strict=True) if not c)
    count = len(re.findall(r"^:{3,}\s*(\{\s*\.notes[^}]*\}|notes)\s*$", prose, re.M))
    count += len(re.findall(r"^\?\?\?\s*$", prose, re.M))
    count += len(re.findall(r"<div[^>]*class=[\"']notes[\"']", prose))
    count += len(re.findall(r"^Notes?:", prose, re.M))
    count += len(re.findall(r"<Notes>", prose))
    count += len(re.findall(r"^#+\s*Presenter Notes", prose, re.M))
    if dialect in COMMENT_DIALECTS:
        for inner in re.findall(r"<!--(.*?)-->", prose, re.S):
            parts = [p for p in inner.strip().split("\n") if p.strip()]
            if parts and not all(DIRECTIVE.match(p) for p in parts):
                count += 1
    return count


# --- the deck ---------------------------------------------------------------------------


@dataclass
class DeckText:
    slides: list[list[tuple[str, bool, int, int]]]  # per slide: (text, mono, lvl, marL)
    prose: list[list[str]]  # per slide: each paragraph's text outside monospace runs
    shapes: list[list[list[tuple[str, int, int, bool]]]]  # per slide, per shape: paragraphs
    notes: list[str]
    descriptions: list[str]


def read_pptx(path: Path) -> DeckText:
    with zipfile.ZipFile(path) as z:
        names = sorted(
            (n for n in z.namelist() if re.match(r"ppt/slides/slide\d+\.xml$", n)),
            key=lambda n: int(re.search(r"(\d+)\.xml$", n).group(1)),
        )
        slides, shapes, notes, descriptions, prose = [], [], [], [], []
        for name in names:
            xml = z.read(name).decode("utf-8")
            paras = []
            plain = []
            per_shape = []
            for body in re.findall(r"<p:txBody>(.*?)</p:txBody>|<a:txBody>(.*?)</a:txBody>", xml, re.S):
                body = body[0] or body[1]
                shape_paras = []
                for p in re.findall(r"<a:p>(.*?)</a:p>|<a:p (?:[^>]*)>(.*?)</a:p>", body, re.S):
                    p = p[0] or p[1]
                    p = re.sub(r"<a:br\b[^>]*?(/>|>.*?</a:br>)", "<a:r><a:t> </a:t></a:r>", p, flags=re.S)  # a line break
                    runs = re.findall(r"<a:r>(.*?)</a:r>", p, re.S)
                    text = html.unescape("".join(re.findall(r"<a:t>(.*?)</a:t>", p, re.S)))
                    text = text.replace("&lt;", "<")  # a:t holds XML-escaped text once
                    mono = bool(runs) and all(MONO.search(r) for r in runs)
                    outside = "".join(
                        "".join(re.findall(r"<a:t>(.*?)</a:t>", r, re.S)) for r in runs if not MONO.search(r)
                    )
                    if outside:
                        plain.append(html.unescape(outside))
                    ppr = re.search(r"<a:pPr([^>]*)", p)
                    attrs = ppr.group(1) if ppr else ""
                    lvl = int(re.search(r'lvl="(\d+)"', attrs).group(1)) if 'lvl="' in attrs else 0
                    marl = int(re.search(r'marL="(-?\d+)"', attrs).group(1)) if 'marL="' in attrs else -1
                    bullet = "<a:buNone/>" not in p
                    if text:
                        paras.append((text, mono, lvl, marl))
                        shape_paras.append((text, lvl, marl, bullet))
                per_shape.append(shape_paras)
            descriptions += [html.unescape(d) for d in re.findall(r'<p:cNvPr [^>]*descr="([^"]*)"', xml)]
            slides.append(paras)
            shapes.append(per_shape)
            prose.append(plain)
        for name in z.namelist():
            if re.match(r"ppt/notesSlides/notesSlide\d+\.xml$", name):
                xml = z.read(name).decode("utf-8")
                xml = re.sub(r"<a:br\b[^>]*?(/>|>.*?</a:br>)", "<a:t> </a:t>", xml, flags=re.S)
                text = " ".join(html.unescape(t) for t in re.findall(r"<a:t>(.*?)</a:t>", xml, re.S))
                if text.strip() and not re.fullmatch(r"\s*\d+\s*", text):
                    notes.append(text)
    return DeckText(slides, prose, shapes, notes, descriptions)


def measure(source: str, dialect: str, pptx: Path | None, figures: Figures) -> None:
    words = prose_words(source, dialect)
    figures.words = len(words)
    items = list_items(source)
    figures.nested = sum(1 for _, sub in items if sub)
    figures.notes_source = source_notes(source, dialect)
    if pptx is None or not pptx.is_file():
        return
    deck = read_pptx(pptx)
    figures.slides = len(deck.slides)
    texts = [t for slide in deck.slides for t, *_ in slide] + deck.notes + deck.descriptions
    have = Counter(w.casefold() for t in texts for w in WORD.findall(t))
    want = Counter(words)
    figures.kept = sum(min(n, have[w]) for w, n in want.items())
    kinds: Counter[str] = Counter()
    for slide in deck.prose:
        for text in slide:
            for name, pattern in MARKUP_RE:
                kinds[name] += len(pattern.findall(text))
    figures.markup_kinds = {k: v for k, v in kinds.items() if v}
    figures.markup = sum(kinds.values())
    figures.notes_deck = len(deck.notes)
    figures.nested_kept = nested_kept(items, deck)


def nested_kept(items: list[tuple[str, bool]], deck: DeckText) -> int:
    """How many sub-bullets of the source are in the deck indented deeper than the deck's
    first list level (``lvl`` >= 1, or a larger ``marL`` than its outermost bullets). The
    source's items are matched in order with the deck's bulleted paragraphs (a text written
    twice, at two levels, is told apart by its place)."""
    bulleted = [
        (" ".join(w.casefold() for w in WORD.findall(text)), lvl, marl)
        for slide in deck.shapes
        for shape in slide
        for text, lvl, marl, bullet in shape
        if bullet
    ]
    margins = [marl for _, _, marl in bulleted if marl >= 0]
    outer = min(margins) if margins else 0
    cursor = 0
    found = 0
    for words, sub in items:
        prefix = words[: max(8, len(words) // 2)]
        hit = next(
            (k for k in range(cursor, len(bulleted)) if bulleted[k][0].startswith(prefix)), None
        )
        if hit is None:  # reworded (math, markup): the best overlap ahead, if any
            wanted = words.split()
            scored = [
                (sum(1 for w in wanted if w in set(bulleted[k][0].split())) / len(wanted), k)
                for k in range(cursor, min(len(bulleted), cursor + 40))
            ]
            share, k = max(scored, default=(0.0, None))
            hit = k if share >= 0.6 else None
        if hit is None:
            continue
        cursor = hit + 1
        if sub:
            _, lvl, marl = bulleted[hit]
            found += lvl >= 1 or marl > outer
    return found


# --- building ---------------------------------------------------------------------------


def deck_source(deck: Deck, work: Path) -> Path:
    """The Markdown file to build: the deck itself, or, for a remark deck inside an HTML
    page, its <textarea id="source"> written beside it (as a user would copy it out)."""
    if deck.path.suffix.lower() not in (".html", ".htm"):
        return deck.path
    page = deck.path.read_text(encoding="utf-8", errors="replace")
    m = re.search(r'<textarea[^>]*id=["\']source["\'][^>]*>(.*?)</textarea>', page, re.S)
    target = deck.path.with_suffix(".remark.md")
    if m and not target.exists():
        target.write_text(html.unescape(m.group(1)).strip("\n") + "\n", encoding="utf-8")
    return target


def build_deckgen(path: Path, out: Path) -> tuple[int, Path | None, float]:
    """deckgen build FILE from an unrelated folder (the file finds its own root), deck
    only, offline (no network here): exit code and the .pptx."""
    from deckgen.cli import main

    start = time.perf_counter()
    cwd = Path.cwd()
    sink = io.StringIO()
    try:
        os.chdir(out)
        with contextlib.redirect_stderr(sink), contextlib.redirect_stdout(sink):
            code = main(["build", "-q", "--offline", "--format", "deck", "--out", str(out), str(path)])
    finally:
        os.chdir(cwd)
    found = sorted(out.rglob("*.pptx"))
    return code, (found[0] if found else None), time.perf_counter() - start


def build_pandoc(path: Path, out: Path) -> tuple[int, Path | None, float]:
    import pypandoc

    target = out / "pandoc.pptx"
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            [pypandoc.get_pandoc_path(), path.name, "-t", "pptx", "-o", str(target)],
            cwd=path.parent,
            capture_output=True,
            timeout=300,
        )
        code = proc.returncode
    except subprocess.TimeoutExpired:
        code = 124
    return code, (target if target.is_file() and code == 0 else None), time.perf_counter() - start


def run_deck(deck: Deck, pandoc: bool) -> dict[str, Figures]:
    results = {}
    with tempfile.TemporaryDirectory(prefix="deckgen-real-") as tmp:
        work = Path(tmp)
        path = deck_source(deck, work)
        source = path.read_text(encoding="utf-8", errors="replace")
        tools = [("deckgen", build_deckgen)] + ([("pandoc", build_pandoc)] if pandoc else [])
        for tool, builder in tools:
            out = work / tool
            out.mkdir()
            code, pptx, seconds = builder(path, out)
            figures = Figures(exit=code, seconds=seconds)
            measure(source, deck.dialect, pptx if code == 0 else None, figures)
            results[tool] = figures
    return results


# --- corpora ----------------------------------------------------------------------------


def registry_decks() -> list[Deck]:
    import realcorpus

    decks = []
    for entry in realcorpus.load_sources():
        if entry.kind != "deck" or not (entry.folder / realcorpus.DONE).is_file():
            continue
        name = str(entry.options.get("deck", ""))
        dialect = str(entry.options.get("dialect", ""))
        decks.append(Deck(entry.name, entry.folder / name, dialect, "registry"))
    return decks


def registry_missing() -> list[str]:
    import realcorpus

    return [
        e.name
        for e in realcorpus.load_sources()
        if e.kind == "deck" and not (e.folder / realcorpus.DONE).is_file()
    ]


def local_decks(folder: Path) -> list[Deck]:
    index = folder / "index.json"
    decks = []
    if index.is_file():
        for item in json.loads(index.read_text(encoding="utf-8")):
            if item["slug"].startswith("registry/"):
                continue  # the registry corpus, measured as such
            decks.append(Deck(item["slug"], Path(item["deck"]), _family(item["dialect"]), "local"))
        return decks
    for source in sorted(folder.glob("*/SOURCE.md")):
        m = re.search(r"\| deck file \| `([^`]+)` \|", source.read_text(encoding="utf-8"))
        d = re.search(r"\| dialect \| ([^|]+) \|", source.read_text(encoding="utf-8"))
        if m:
            decks.append(Deck(source.parent.name, source.parent / m.group(1), _family(d.group(1) if d else ""), "local"))
    return decks


def _family(dialect: str) -> str:
    word = dialect.split()[0].lower() if dialect else ""
    return {"quarto": "pandoc"}.get(word, word)


# --- report -----------------------------------------------------------------------------


def totals(rows: list[tuple[Deck, dict[str, Figures]]], tool: str) -> dict[str, float]:
    figs = [r[tool] for _, r in rows if tool in r]
    if not figs:
        return {}
    with_notes = [f for f in figs if f.notes_source]
    return {
        "decks": len(figs),
        "built": sum(1 for f in figs if f.exit == 0),
        "slides": sum(f.slides for f in figs),
        "words_avg": sum(f.word_share for f in figs) / len(figs),
        "words_all": sum(f.kept for f in figs) / max(1, sum(f.words for f in figs)),
        "markup": sum(f.markup for f in figs),
        "nested": sum(f.nested for f in figs),
        "nested_kept": sum(f.nested_kept for f in figs),
        "nested_share": sum(f.nested_kept for f in figs) / max(1, sum(f.nested for f in figs)),
        "decks_with_notes": len(with_notes),
        "notes_found": sum(1 for f in with_notes if f.notes_deck),
        "seconds": sum(f.seconds for f in figs),
    }


def print_table(title: str, rows: list[tuple[Deck, dict[str, Figures]]], pandoc: bool) -> None:
    print(f"\n## {title}\n")
    head = f"{'deck':36} {'dialect':8} | {'exit':>4} {'slides':>6} {'words':>7} {'markup':>6} {'nested':>9} {'notes':>7}"
    if pandoc:
        head += f" || {'pandoc':>6} {'slides':>6} {'words':>7} {'markup':>6} {'nested':>9} {'notes':>7}"
    print(head)
    print("-" * len(head))
    for deck, result in rows:
        d = result["deckgen"]
        line = (
            f"{deck.slug[:36]:36} {deck.dialect[:8]:8} | {d.exit:>4} {d.slides:>6} {d.word_share:>6.1%} "
            f"{d.markup:>6} {d.nested_kept:>4}/{d.nested:<4} {d.notes_deck:>3}/{d.notes_source:<3}"
        )
        if pandoc and "pandoc" in result:
            p = result["pandoc"]
            line += (
                f" || {p.exit:>6} {p.slides:>6} {p.word_share:>6.1%} {p.markup:>6} "
                f"{p.nested_kept:>4}/{p.nested:<4} {p.notes_deck:>3}/{p.notes_source:<3}"
            )
        print(line)
    for tool in ("deckgen", "pandoc") if pandoc else ("deckgen",):
        t = totals(rows, tool)
        if not t:
            continue
        print(
            f"{tool} total: {t['built']}/{t['decks']} built, {t['slides']} slides, words "
            f"{t['words_avg']:.1%} on average ({t['words_all']:.1%} of all), markup {t['markup']}, "
            f"nested {t['nested_kept']}/{t['nested']} ({t['nested_share']:.1%}), notes found in "
            f"{t['notes_found']}/{t['decks_with_notes']} decks that have them, {t['seconds']:.1f} s"
        )
    kinds: Counter[str] = Counter()
    for _, result in rows:
        kinds.update(result["deckgen"].markup_kinds)
    if kinds:
        print("deckgen markup on slides: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, help="a local corpus folder too")
    parser.add_argument("--no-pandoc", action="store_true", help="deckgen only")
    parser.add_argument("--only", nargs="*", default=[], help="only these decks (slugs)")
    parser.add_argument("--json", type=Path, help="write every figure as JSON")
    args = parser.parse_args(argv)
    pandoc = not args.no_pandoc
    if pandoc:
        try:
            import pypandoc

            pypandoc.get_pandoc_path()
        except (ImportError, OSError):
            print("pandoc not found: pip install '.[bench]' (or --no-pandoc)", file=sys.stderr)
            return 2
    corpora = [("registry corpus (tests/fixtures/real/SOURCES.toml)", registry_decks())]
    missing = registry_missing()
    if missing:
        print(f"not fetched (python tests/realcorpus.py fetch): {', '.join(missing)}", file=sys.stderr)
    if args.corpus:
        corpora.append((f"local corpus ({args.corpus})", local_decks(args.corpus)))
    everything = {}
    for title, decks in corpora:
        rows = []
        for deck in decks:
            if args.only and deck.slug not in args.only:
                continue
            rows.append((deck, run_deck(deck, pandoc)))
        print_table(title, rows, pandoc)
        everything[title] = [
            {"slug": d.slug, "dialect": d.dialect, **{k: asdict(v) | {"word_share": v.word_share} for k, v in r.items()}}
            for d, r in rows
        ]
        everything[title + " totals"] = {tool: totals(rows, tool) for tool in ("deckgen", "pandoc")}
    if args.json:
        args.json.write_text(json.dumps(everything, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", line_buffering=True)
    raise SystemExit(main())
