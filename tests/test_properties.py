"""Property tests: arbitrary Markdown made of the constructs deckgen supports, and documents
of the other tools' dialects (the last test: nothing the author wrote is silently lost).

Hypothesis writes documents from headings, paragraphs with bold, italic, code and links,
nested lists, tables, quotes, code fences, charts, ``::: notes``/``deck``/``newsletter``
blocks and thematic breaks, with odd characters in the text (control characters, right-
to-left scripts, emoji with joiners, no-break spaces, quotes, French punctuation). For each:

1. `deckgen.build.build` raises nothing: every problem is deckgen's own `InputError`
   (collected in the result; these documents are valid, so none is expected);
2. the deck it writes opens in python-pptx;
3. the newsletter's plain-text part and HTML part contain the text of every paragraph,
   heading, list item, table cell, quote and code line that the newsletter shows (not
   notes, not ``::: deck`` blocks), each inline run found as written.

The comparison normalizes both sides the same way, for what deckgen changes on purpose:
Unicode NFC; every whitespace character removed (typography turns spaces before ``: ; ! ?``
and inside « » into no-break ones, the text part wraps lines, HTML collapses spaces);
control and format characters removed (XML cannot hold most controls, so deckgen drops
them; format characters such as the emoji joiner U+200D are dropped from both sides too);
straight and typographic quotes (« » “ ” ’ ...) mapped to one quote each; in the text
part, the "> " that starts every line of a quote is dropped (a wrapped quote puts one
inside a run). Nothing else is normalized: a letter lost, reordered inside a run, or
escaped twice fails.

Shrinking is off: each example builds a deck and a newsletter, and shrinking a failure
took over five minutes; the failing document is printed whole instead.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import lxml.html
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pptx import Presentation

from deckgen.build import build

CONFIG = """[tool.deckgen]
sender_address = "lettre@example.com"
unsubscribe_mailto = "mailto:desabonnement@example.com"
"""

# Words never made of Markdown syntax: the generator decides the structure, not the text.
PLAIN = st.sampled_from(
    "médias sociaux réseau entreprise PME confiance visibilité B2B LinkedIn été "
    "Œuvre naïveté façade 2026 50 % 10:30".split()
)
ODD = st.sampled_from(
    [
        "مرحبا",  # Arabic, right to left
        "שלום",  # Hebrew
        "🙂",
        "👩\u200d💻",  # emoji with a zero-width joiner
        "prix\u00a0net",  # a no-break space inside
        "bip\x07",  # control characters
        "nul\x00",
        "esc\x1b",
        "l'été",  # an apostrophe typography turns into ’
        '"citation"',  # quotes typography turns into « » or “ ”
        "vraiment ?",
        "attention !",
        "note :",
        "a;b",
        "\u202eRTL-override",
        "x\u0301",  # a combining accent
    ]
)
WORD = st.one_of(PLAIN, PLAIN, ODD)
WORDS = st.lists(WORD, min_size=1, max_size=8).map(" ".join)
LABEL = st.sampled_from("médias sociaux réseau PME LinkedIn été Œuvre 2026".split())  # YAML keys
SAFE_WORDS = st.lists(PLAIN, min_size=1, max_size=4).map(" ".join)  # code, URLs, labels


@dataclass
class Expect:
    """What the newsletter must show: the inline runs' texts, in order."""

    runs: list[str] = field(default_factory=list)


@st.composite
def inline(draw, expect: Expect | None) -> str:
    """A line of text: runs joined by spaces, each plain, bold, italic, code or a link."""
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["plain", "plain", "bold", "italic", "code", "link"]))
        text = draw(SAFE_WORDS if kind in ("code", "link") else WORDS)
        if expect is not None:
            expect.runs.append(text)
        if kind == "bold":
            text = f"**{text}**"
        elif kind == "italic":
            text = f"*{text}*"
        elif kind == "code":
            text = f"`{text}`"
        elif kind == "link":
            text = f"[{text}](https://example.com/{draw(st.sampled_from(['a', 'b/c', 'd?e=1']))})"
        parts.append(text)
    # A line never starts with something Markdown would read as syntax (a number + ".").
    return "Texte " + " ".join(parts)


@st.composite
def nested_list(draw, expect: Expect | None, depth: int = 1) -> list[str]:
    lines = []
    ordered = draw(st.booleans())
    for k in range(draw(st.integers(1, 4))):
        marker = f"{k + 1}." if ordered else "-"
        lines.append(f"{marker} {draw(inline(expect))}")
        if depth < 3 and draw(st.integers(0, 3)) == 0:
            lines += ["    " + line for line in draw(nested_list(expect, depth + 1))]
    return lines


@st.composite
def block(draw, expect: Expect | None) -> str:
    kind = draw(
        st.sampled_from(
            ["paragraph", "paragraph", "heading", "list", "table", "quote", "code", "chart"]
        )
    )
    if kind == "paragraph":
        return draw(inline(expect))
    if kind == "heading":
        return "### " + draw(inline(expect))
    if kind == "list":
        return "\n".join(draw(nested_list(expect)))
    if kind == "table":
        columns = draw(st.integers(1, 3))
        rows = [[draw(SAFE_WORDS) for _ in range(columns)] for _ in range(draw(st.integers(1, 4)))]
        if expect is not None:
            expect.runs += [cell for row in rows for cell in row]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * columns]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows[1:]])
    if kind == "quote":
        return "> " + draw(inline(expect))
    if kind == "code":
        lines = draw(st.lists(SAFE_WORDS, min_size=1, max_size=4))
        if expect is not None:
            expect.runs += lines
        return "```\n" + "\n".join(lines) + "\n```"
    labels = draw(st.lists(LABEL, min_size=1, max_size=5, unique=True))
    values = draw(
        st.lists(
            st.integers(0, 10_000) | st.floats(0, 1e6, allow_nan=False),
            min_size=len(labels),
            max_size=len(labels),
        )
    )
    kind = draw(st.sampled_from(["bar", "column", "line", "pie"]))
    # Floats written with a point: YAML 1.1 reads "1e-09" as text (deckgen says so clearly).
    data = "\n".join(f"  {label}: {value:.3f}" for label, value in zip(labels, values, strict=True))
    title = draw(st.lists(LABEL, min_size=1, max_size=3).map(" ".join))
    return f"```chart\ntype: {kind}\ntitle: {title}\ndata:\n{data}\n```"


@st.composite
def slide(draw, expect: Expect) -> str:
    parts = []
    if draw(st.integers(0, 4)) == 0:
        parts.append("# " + draw(inline(expect)))
    parts.append("## " + draw(inline(expect)))
    for _ in range(draw(st.integers(0, 4))):
        where = draw(st.sampled_from(["shown", "shown", "shown", "notes", "deck", "newsletter"]))
        if where == "shown":
            parts.append(draw(block(expect)))
        elif where == "newsletter":
            parts.append("::: newsletter\n" + draw(block(expect)) + "\n:::")
        else:  # notes and deck-only blocks are not in the newsletter
            parts.append(f"::: {where}\n" + draw(block(None)) + "\n:::")
    if draw(st.integers(0, 5)) == 0:
        parts.append("---")
        parts.append(draw(inline(expect)))
    return "\n\n".join(parts)


@st.composite
def document(draw) -> tuple[str, Expect]:
    expect = Expect()
    lang = draw(st.sampled_from(["fr-FR", "en-US"]))
    title = draw(st.lists(PLAIN, min_size=1, max_size=5).map(" ".join))
    slides = [draw(slide(expect)) for _ in range(draw(st.integers(1, 4)))]
    text = f'---\ntitle: "{title}"\nlang: {lang}\n---\n\n' + "\n\n".join(slides) + "\n"
    return text, expect


QUOTES = str.maketrans({c: "'" for c in "‘’‚‛′"} | {c: '"' for c in "“”„‟«»″"})


def norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    kept = (ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf"))
    return "".join(kept).translate(QUOTES)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=document())
def test_any_document_builds_opens_and_keeps_every_paragraph(tmp_path_factory, case) -> None:
    source_text, expect = case
    folder = tmp_path_factory.mktemp("prop")
    (folder / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    source = folder / "doc.md"
    source.write_text(source_text, encoding="utf-8")
    # 1. Nothing but deckgen's own errors (build() collects InputError; anything else
    #    propagates and fails here), and for these valid documents, none at all.
    result = build([source], out_dir=folder / "out", root=folder)
    assert not result.errors, [str(e) for e in result.errors]
    out = folder / "out" / "default"
    # 2. The deck opens.
    prs = Presentation(str(out / "doc.pptx"))
    assert len(prs.slides) >= 2
    # 3. Every run the newsletter shows is in the text part and in the HTML part.
    text = (out / "doc.txt").read_text(encoding="utf-8")
    plain = norm(re.sub(r"(?m)^(> ?)+", "", text))
    html = norm(lxml.html.fromstring((out / "doc.html").read_bytes()).text_content())
    for run in expect.runs:
        wanted = norm(run)
        assert wanted in plain, (run, source_text)
        assert wanted in html, (run, source_text)


# --- nothing silently lost: the reader, over documents mixing the dialects' constructs ---------
#
# Every word the author wrote in a generated document (of Marp, pandoc, remark, Slidev or plain
# Markdown, mixing notes, columns, steps, attributes, HTML wrappers, nested lists indented by 2,
# 3 or 4 spaces, footnotes, comments, LaTeX...) reaches the model (slide titles, blocks, notes,
# picture descriptions, the front matter's title) or is named in a warning of the file. The
# words are unique tokens, so one found elsewhere cannot stand in for a lost one.

from deckgen.model import (  # noqa: E402
    Chart,
    Code,
    Columns,
    Heading,
    Image,
    ListBlock,
    Only,
    Paragraph,
    Quote,
    RawHtml,
    Table,
)
from deckgen.reading import read_document  # noqa: E402

DIALECTS = ("marp", "pandoc", "remark", "slidev", "markdown")


class Words:
    def __init__(self) -> None:
        self.count = 0
        self.written: list[str] = []

    def __call__(self) -> str:
        self.count += 1
        token = f"mot{self.count}x"
        self.written.append(token)
        return token

    def line(self, n: int = 3) -> str:
        return " ".join(self() for _ in range(n))


@st.composite
def dialect_block(draw, words: Words, dialect: str) -> str:
    kind = draw(
        st.sampled_from(
            ["para", "list", "list", "quote", "code", "html", "attrs", "footnote", "latex",
             "columns", "comment", "deflist", "emphasis"]
        )
    )
    if kind == "para":
        return words.line()
    if kind == "emphasis":
        return f"**{words()}** *{words()}* `{words()}` [{words()}](https://example.com)"
    if kind == "list":
        pad = " " * draw(st.sampled_from([2, 3, 4]))
        marker = draw(st.sampled_from(["-", "*", "1."]))
        return "\n".join(
            [f"{marker} {words.line(2)}", f"{pad}{marker} {words.line(2)}", f"{marker} {words()}"]
        )
    if kind == "quote":
        return f"> {words.line()}"
    if kind == "code":
        return f"```python\nx = '{words()}'\n```"
    if kind == "html":
        return f'<div class="box">\n\n{words.line()} <span style="color:red">{words()}</span>\n\n</div>'
    if kind == "attrs":
        return f"[{words()}]{{.red}} {words()}"
    if kind == "footnote":
        label = words()
        words.written.remove(label)  # the label is markup, not text
        return f"{words()}[^{label}]\n\n[^{label}]: {words.line(2)}"
    if kind == "latex":
        return f"{words()} \\textbf{{{words()}}} $x^2$"
    if kind == "columns":
        if dialect != "pandoc":
            return words.line()
        return f":::: columns\n::: column\n{words()}\n:::\n::: column\n{words()}\n:::\n::::"
    if kind == "comment":
        return f"<!-- {words.line(2)} -->"
    return f"{words()}\n:   {words.line(2)}"  # a definition list


@st.composite
def dialect_slide(draw, words: Words, dialect: str, first: bool) -> str:
    parts = []
    if not first and dialect in ("marp", "remark", "slidev"):
        if dialect == "remark" and draw(st.booleans()):
            parts.append("---\nclass: center")
        elif dialect == "slidev" and draw(st.booleans()):
            parts.append("---\nlayout: default\n---")
        else:
            parts.append("---")
    heading = "#" if dialect in ("marp", "remark", "slidev") else "##"
    parts.append(f"{heading} {words.line(2)}")
    for _ in range(draw(st.integers(1, 4))):
        parts.append(draw(dialect_block(words, dialect)))
    notes = draw(st.booleans())
    if notes:
        if dialect == "remark":
            parts.append(f"???\n{words.line(2)}")
        elif dialect in ("marp", "slidev"):
            parts.append(f"<!--\n{words.line(2)}\n-->")
        else:
            parts.append(f"::: notes\n{words.line(2)}\n:::")
    if dialect == "pandoc" and draw(st.booleans()):
        parts.append(". . .")
        parts.append(words.line(2))
    return "\n\n".join(parts)


@st.composite
def dialect_document(draw) -> tuple[str, str, Words]:
    dialect = draw(st.sampled_from(DIALECTS))
    words = Words()
    front = {
        "marp": "---\nmarp: true\nlang: fr\n---\n\n",
        "pandoc": "---\nformat: revealjs\nlang: fr\n---\n\n",
        "slidev": "---\ntheme: seriph\nmdc: true\nlang: fr\n---\n\n",
        "remark": "class: left\n\n",  # remark has no front matter: a slide property
        "markdown": "---\nlang: fr\n---\n\n",
    }[dialect]
    slides = [draw(dialect_slide(words, dialect, k == 0)) for k in range(draw(st.integers(1, 4)))]
    return dialect, front + "\n\n".join(slides) + "\n", words


def model_words(doc) -> str:
    parts = [doc.meta.title]

    def blocks(items) -> None:
        for b in items:
            if isinstance(b, Paragraph | Heading):
                parts.append("".join(r.text for r in b.runs))
            elif isinstance(b, ListBlock):
                for item in b.items:
                    blocks(item.blocks)
            elif isinstance(b, Quote | Only):
                blocks(b.blocks)
            elif isinstance(b, Columns):
                for column in b.columns:
                    blocks(column.blocks)
            elif isinstance(b, Code):
                parts.append(b.text)
            elif isinstance(b, Image):
                parts.append(b.alt)
            elif isinstance(b, RawHtml):
                parts.append(b.html)
            elif isinstance(b, Table):
                parts.extend("".join(r.text for r in c) for row in (b.header, *b.rows) for c in row)
            elif isinstance(b, Chart):
                parts.append(b.title)

    for slide in doc.slides:
        parts.append("".join(r.text for r in slide.title or ()))
        blocks(slide.blocks)
        blocks(slide.notes)
    return " ".join(parts)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(case=dialect_document())
def test_nothing_the_author_wrote_is_silently_lost(tmp_path_factory, case) -> None:
    dialect, text, words = case
    folder = tmp_path_factory.mktemp("lost")
    path = folder / ("talk.qmd" if dialect == "pandoc" else "talk.md")
    path.write_text(text, encoding="utf-8")
    doc, warnings = read_document(path, folder)
    assert doc.meta.dialect == dialect, text
    shown = model_words(doc)
    named = " ".join(w.message for w in warnings)
    lost = [w for w in words.written if w not in shown and w not in named]
    assert not lost, (lost, text)
