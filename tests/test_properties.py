"""Property tests: arbitrary Markdown made of the constructs deckgen supports.

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
