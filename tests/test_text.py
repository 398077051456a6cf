"""The newsletter's text/plain part: golden files for the samples, one test per rule, and
properties over generated French paragraphs (no word lost, no break at a no-break space)."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from deckgen import typography
from deckgen.model import (
    Block,
    Chart,
    Code,
    Document,
    Heading,
    Image,
    ListBlock,
    ListItem,
    Meta,
    Only,
    Paragraph,
    Quote,
    RawHtml,
    Run,
    Series,
    Slide,
    Table,
    for_output,
    plain_text,
)
from deckgen.reading import read_document
from deckgen.render.text import display_width, format_number, render_text

SAMPLES = sorted((ROOT / "content").glob("*.md"))
NBSP, NNBSP = "\u00a0", "\u202f"
WIDTH = 78


def sample(stem: str) -> Document:
    doc, _ = read_document(ROOT / "content" / f"{stem}.md", ROOT)
    return typography.apply(doc)


def make(*blocks: Block, title: str = "Titre", lang: str = "fr-FR", **slide) -> Document:
    """A one-slide document (no file behind it: the renderer never reads one)."""
    slides = (
        Slide(kind="content", title=(Run(title),) if title else None, blocks=blocks, **slide),
    )
    return Document(Path("nowhere.md"), Meta(lang=lang), slides)


def para(*texts: str | Run) -> Paragraph:
    return Paragraph(tuple(Run(t) if isinstance(t, str) else t for t in texts))


def body(text: str) -> list[str]:
    """The lines after the slide heading (the document has no masthead)."""
    lines = text.split("\n")
    assert lines[:3] == ["Titre", "-----", ""], lines[:3]
    return lines[3:-1]


def words(text: str) -> list[str]:
    """Words as a wrapper sees them: split at ASCII whitespace only (a no-break space next to
    an ASCII one glues nothing, so it goes with it)."""
    return [w for w in re.split(r"\s*[ \t\n]\s*", text.strip()) if w]


def in_order(needles: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(any(n == h for h in it) for n in needles)


def code_lines(doc: Document) -> set[str]:
    found = set()

    def visit(blocks) -> None:
        for b in for_output(tuple(blocks), "newsletter"):
            if isinstance(b, Code):
                found.update(line.rstrip() for line in b.text.split("\n"))
            elif isinstance(b, Quote):
                visit(b.blocks)
            elif isinstance(b, ListBlock):
                for item in b.items:
                    visit(item.blocks)

    for slide in doc.slides:
        visit(slide.blocks)
    return found


MARKER = re.compile(r"^(-|>|\d+\.)$")


def too_long(text: str, doc: Document, width: int = WIDTH) -> list[str]:
    """Lines longer than `width` that are neither code nor one unbreakable word."""
    code = code_lines(doc)
    bad = []
    for line in text.split("\n"):
        if display_width(line) <= width or any(c and line.endswith(c) for c in code):
            continue
        tokens = [t for t in line.split(" ") if t]
        while len(tokens) > 1 and MARKER.match(tokens[0]):
            tokens.pop(0)
        if len(tokens) != 1:
            bad.append(line)
    return bad


def assert_well_formed(text: str, doc: Document, width: int = WIDTH) -> None:
    assert text.endswith("\n") and not text.endswith("\n\n")
    lines = text.split("\n")[:-1]
    assert all(line == line.rstrip() for line in lines), "trailing whitespace"
    assert lines[0] != ""
    code = code_lines(doc)
    if not any(not c for c in code):  # code may hold blank lines of its own
        assert "\n\n\n" not in text, "more than one blank line between blocks"
    assert too_long(text, doc, width) == []


# --- the samples -------------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_sample_matches_its_golden_text(golden_text, path):
    golden_text(f"{path.stem}.newsletter.txt", render_text(sample(path.stem)))


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_sample_is_well_formed(path):
    doc = sample(path.stem)
    assert_well_formed(render_text(doc), doc)


def flat(text: str) -> str:
    return " ".join(words(text))


def unquoted(text: str) -> str:
    """The text with quotation prefixes ("> ") removed from its lines."""
    return "\n".join(re.sub(r"^(> ?)+", "", line) for line in text.split("\n"))


def paragraphs(blocks, output: str = "newsletter"):
    for b in for_output(tuple(blocks), output) if output else blocks:
        if isinstance(b, Paragraph):
            yield b
        elif isinstance(b, Quote | Only):
            yield from paragraphs(b.blocks, output)
        elif isinstance(b, ListBlock):
            for item in b.items:
                yield from paragraphs(item.blocks, output)


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_sample_keeps_every_paragraph_and_drops_notes_and_deck_only_text(path):
    doc = sample(path.stem)
    text = render_text(doc)
    out = flat(re.sub(r"\s*<(https?|mailto):[^>\s]*>", "", unquoted(text)))  # link URLs out
    for slide in doc.slides:
        for p in paragraphs(slide.blocks):
            assert flat(plain_text(p.runs)) in out
            for run in p.runs:
                assert not run.href or f"<{run.href}>" in text or run.href.endswith(run.text)
        for p in paragraphs(slide.notes, output=""):
            assert flat(plain_text(p.runs)) not in out
        for b in slide.blocks:
            if isinstance(b, Only) and b.output == "deck":
                for p in paragraphs(b.blocks, output=""):
                    assert flat(plain_text(p.runs)) not in out


def test_the_follow_up_sample_shows_its_newsletter_block_and_links():
    out = render_text(sample("medias-vs-reseaux"))
    assert "Répondez simplement à ce message" in out
    assert "Formation / Diagnostic\n<https://www.example.com/formation>" in out
    assert "écrivez-moi à formation@example.com." in out  # the mailto is the text itself
    assert "mailto:" not in out
    assert "À vous" not in out  # ::: deck
    assert "Rappelez en une phrase" not in out  # notes


def test_sample_masthead_and_chart():
    out = render_text(sample("formation-medias-sociaux-pme"))
    title = f"Médias sociaux et PME{NBSP}: mythes ou réalités{NNBSP}?"
    assert out.startswith(
        f"{title}\n{'=' * len(title)}\nFormation / Diagnostic pour les PME B2B\n"
        "Hélène Marchand · 23 novembre 2026\n\n"
    )
    assert f"  Radio     {NBSP}: 38{NBSP}ans  {'█' * 30}\n" in out
    assert "38.0" not in out


# --- headings ----------------------------------------------------------------------------


def test_sections_slides_and_inner_headings_are_underlined_by_display_width():
    title = f"Pourquoi{NNBSP}? «{NBSP}Social{NBSP}» et 漢字"
    doc = Document(
        Path("x.md"),
        Meta(title="Lettre", subtitle="Numéro 2", author="Hélène", date=dt.date(2026, 5, 1)),
        (
            Slide("section", (Run(title),), (para("Intro."),)),
            Slide("content", (Run("Partie"),), (Heading(3, (Run(f"Sous-titre{NBSP}:"),)),)),
            Slide("content", None, (para("Suite sans titre."),), continued=True),
        ),
    )
    out = render_text(doc)
    assert out == (
        "Lettre\n======\nNuméro 2\nHélène · 1er mai 2026\n\n"
        f"{title}\n{'=' * (len(title) + 2)}\n\nIntro.\n\n"
        "Partie\n------\n\n"
        f"Sous-titre{NBSP}:\n~~~~~~~~~~~~\n\n"
        "Suite sans titre.\n"
    )
    assert display_width(title) == len(title) + 2  # two wide characters


def test_a_long_heading_wraps_and_its_underline_matches_the_longest_line():
    long = " ".join(["mot"] * 30)
    lines = render_text(make(title=long)).split("\n")
    assert lines[0] == " ".join(["mot"] * 19) and len(lines[0]) == 75
    assert lines[2] == "-" * 75


def test_no_masthead_without_a_title_and_english_byline():
    doc = Document(Path("x.md"), Meta(author="Ann", date=dt.date(2026, 5, 1), lang="en"), ())
    assert render_text(doc) == "Ann · May 1, 2026\n"


# --- notes and outputs -------------------------------------------------------------------


def test_notes_and_deck_only_blocks_never_appear_newsletter_only_blocks_do():
    doc = make(
        para("Visible."),
        Only("deck", (para("SEULEMENT-DIAPO"),)),
        Only("newsletter", (para("Seulement-lettre."),)),
        ListBlock((ListItem((para("Item"), Only("deck", (para("DIAPO-LISTE"),)))),)),
        Quote((Only("newsletter", (para("Citée."),)), Only("deck", (para("DIAPO-CITE"),)))),
        notes=(para("NOTE-ORATEUR"),),
    )
    out = render_text(doc)
    assert "Visible." in out and "Seulement-lettre." in out and "> Citée." in out
    for hidden in ("SEULEMENT-DIAPO", "NOTE-ORATEUR", "DIAPO-LISTE", "DIAPO-CITE"):
        assert hidden not in out


# --- paragraphs and inline text ----------------------------------------------------------


def test_textwrap_itself_never_breaks_at_a_no_break_space():
    text = ("mot" + NBSP + ":" + " " + "petit" + NNBSP + "?" + " ") * 20
    for width in range(10, 40):
        for line in textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False):
            assert not line.startswith((":", "?")) and not line.endswith(("mot", "petit"))


def test_no_break_spaces_are_kept_and_never_break_points():
    text = " ".join([f"suite{NBSP}: voir{NNBSP}? «{NBSP}oui{NBSP}» 50{NNBSP}%"] * 12)
    for width in range(20, 90):
        lines = body(render_text(make(para(text)), width=width))
        assert "".join(lines).count(NBSP) == text.count(NBSP)
        assert "".join(lines).count(NNBSP) == text.count(NNBSP)
        assert all(not ln.startswith((":", "?", "»", "%")) for ln in lines)
        assert all(display_width(ln) <= width for ln in lines)


def test_a_no_break_space_next_to_a_breakable_one_glues_nothing_and_goes():
    # alone between spaces it would dangle at a line end (textwrap's drop_whitespace strips
    # it there anyway); one that glues two characters stays
    text = "a" * 77 + " " + NBSP + " b" + NBSP + "c  \t d" + NBSP
    assert body(render_text(make(para(text)))) == ["a" * 77, f"b{NBSP}c d"]


def test_hard_line_break_starts_a_new_line():
    lines = body(render_text(make(para("Une ligne\ncoupée", Run("\n"), Run("ici", bold=True)))))
    assert lines == ["Une ligne", "coupée", "ici"]


def test_bold_italic_are_plain_code_as_is_strike_marked():
    runs = (Run("gras", bold=True), Run(" "), Run("italique", italic=True), Run(" "))
    runs += (Run("x = 1", code=True), Run(" "), Run("barré", strike=True))
    assert body(render_text(make(Paragraph(runs)))) == ["gras italique x = 1 ~~barré~~"]


def test_links_show_their_url_unless_the_text_already_is_it():
    doc = make(
        para(
            "Voir ",
            Run("le ", href="https://ex.com/a"),
            Run("site", bold=True, href="https://ex.com/a"),
            ", ",
            Run("https://ex.com/b", href="https://ex.com/b"),
            ", ",
            Run("moi@ex.com", href="mailto:moi@ex.com"),
            ", ",
            Run("écrivez-nous", href="mailto:moi@ex.com"),
            " et ",
            Run("ça", href="javascript:alert(1)"),
            ".",
        )
    )
    out = " ".join(body(render_text(doc)))
    assert out == (
        "Voir le site <https://ex.com/a>, https://ex.com/b, moi@ex.com, "
        "écrivez-nous <mailto:moi@ex.com> et ça."
    )


def test_a_long_url_is_never_broken():
    url = "https://www.example.com/" + "segment-" * 12 + "fin"
    doc = make(para("Lisez ", Run("l’article complet", href=url), " dès maintenant."))
    assert body(render_text(doc)) == ["Lisez l’article complet", f"<{url}>", "dès maintenant."]


# --- lists -------------------------------------------------------------------------------


def test_ordered_list_honours_start_and_aligns_numbers():
    items = tuple(ListItem((para(f"Étape {n}"),)) for n in range(8, 12))
    assert body(render_text(make(ListBlock(items, ordered=True, start=8)))) == [
        " 8. Étape 8",
        " 9. Étape 9",
        "10. Étape 10",
        "11. Étape 11",
    ]


def test_nested_lists_and_hanging_indent():
    long = "une idée assez longue pour occuper toute la largeur de la ligne et même davantage"
    inner = ListBlock((ListItem((para(long),)),), ordered=True, start=3)
    doc = make(ListBlock((ListItem((para("Premier"), inner)), ListItem((para(long),)))))
    assert body(render_text(doc, width=40)) == [
        "- Premier",
        "  3. une idée assez longue pour occuper",
        "     toute la largeur de la ligne et",
        "     même davantage",
        "- une idée assez longue pour occuper",
        "  toute la largeur de la ligne et même",
        "  davantage",
    ]


def test_item_with_two_paragraphs_makes_a_loose_list():
    doc = make(ListBlock((ListItem((para("Un"), para("Deux"))), ListItem((para("Trois"),)))))
    assert body(render_text(doc)) == ["- Un", "", "  Deux", "", "- Trois"]


# --- tables ------------------------------------------------------------------------------


def cells(*texts: str):
    return tuple((Run(t),) for t in texts)


def test_table_that_fits_is_aligned_with_numbers_right_aligned():
    table = Table(
        cells("Plateforme", "Audience", "Public"),
        (cells("Facebook", "500", "Grand public"), cells("Viadeo", "4", "")),
        ("left", "right", "left"),
    )
    assert body(render_text(make(table))) == [
        "Plateforme  Audience  Public",
        "----------  --------  ------------",
        "Facebook         500  Grand public",
        "Viadeo             4",
    ]


def test_table_too_wide_becomes_records():
    wide = "une cellule vraiment très longue, bien trop"
    table = Table(
        cells("Critère", "Média", "Réseau"),
        (cells("Au centre", wide, wide), cells("Exemples", "Blogs", "")),
        ("left", "left", "left"),
    )
    assert body(render_text(make(table))) == [
        f"Critère{NBSP}: Au centre",
        f"Média{NBSP}: {wide}",
        f"Réseau{NBSP}: {wide}",
        "",
        f"Critère{NBSP}: Exemples",
        f"Média{NBSP}: Blogs",
    ]
    english = body(render_text(make(table, lang="en")))
    assert english[0] == "Critère: Au centre"


# --- charts ------------------------------------------------------------------------------


def test_chart_lines_with_units_bars_and_french_decimals():
    chart = Chart(
        "column", "Années", ("Radio", "Internet", "Zéro"), (Series("S", (38.0, 3.5, 0.0)),), "ans"
    )
    assert body(render_text(make(chart))) == [
        "Années",
        f"  Radio   {NBSP}:  38{NBSP}ans  {'█' * 30}",
        f"  Internet{NBSP}: 3,5{NBSP}ans  ██▊",
        f"  Zéro    {NBSP}:   0{NBSP}ans",
    ]


def test_chart_with_several_series_groups_by_category():
    chart = Chart(
        "bar", "Parts", ("2024", "2025"), (Series("A", (10, 20)), Series("B", (5, 40))), "%"
    )
    assert body(render_text(make(chart, lang="en"))) == [
        "Parts",
        "  2024",
        "    A: 10%  ███████▌",
        "    B:  5%  ███▊",
        "  2025",
        "    A: 20%  ███████████████",
        "    B: 40%  ██████████████████████████████",
    ]


def test_chart_labels_too_long_to_align_are_wrapped_without_bars():
    label = "une catégorie au nom interminable " * 3
    chart = Chart("bar", "", (label.strip(),), (Series("S", (1500.0,)),))
    lines = body(render_text(make(chart)))
    assert "█" not in "".join(lines)
    assert lines[-1].endswith(f"interminable{NBSP}: 1{NNBSP}500")
    assert all(display_width(line) <= WIDTH for line in lines)


def test_format_number():
    assert format_number(38.0, True) == "38"
    assert format_number(3.5, True) == "3,5"
    assert format_number(3.5, False) == "3.5"
    assert format_number(1234567.25, True) == f"1{NNBSP}234{NNBSP}567,25"
    assert format_number(50, True, "%") == f"50{NNBSP}%"
    assert format_number(50, False, "%") == "50%"
    assert format_number(4, False, "M") == f"4{NBSP}M"


# --- quotes, code, images, raw HTML ------------------------------------------------------


def test_quote_lines_are_prefixed_and_wrapped_to_fit():
    long = "« " + "une citation assez longue " * 6 + "»"
    lines = body(render_text(make(Quote((para(long), para("— Auteur"))))))
    assert all(line.startswith("> ") or line == ">" for line in lines)
    assert lines[-2:] == [">", "> — Auteur"]
    assert max(map(len, lines)) <= WIDTH and len(lines) > 3


def test_code_is_indented_and_never_wrapped():
    code = "x = 1\n\n" + "print('" + "a" * 100 + "')  "
    lines = body(render_text(make(Code(code, "python"))))
    assert lines == ["    x = 1", "", "    print('" + "a" * 100 + "')"]


def test_images_show_their_alt_text_by_language():
    assert body(render_text(make(Image("k", "Un schéma")))) == [f"[Image{NBSP}: Un schéma]"]
    assert body(render_text(make(Image("k", "A chart"), lang="en-US"))) == ["[Image: A chart]"]
    assert body(render_text(make(Image("k", "")))) == ["[Image]"]


def test_raw_html_shows_its_text_and_keeps_link_urls():
    html = '<div><p>Bonjour <a href="https://ex.com/x">ici</a></p><script>x()</script></div>'
    assert body(render_text(make(RawHtml(html)))) == ["Bonjour ici", "<https://ex.com/x>"]


def test_rejects_a_silly_width():
    with pytest.raises(ValueError):
        render_text(make(), width=5)


# --- properties --------------------------------------------------------------------------

FRENCH_WORDS = (
    "les", "médias", "sociaux", "réseau", "l’entreprise", "d’abord", "PME", "B2B", "à", "où",
    "été", "Œuvre", "garçon", "«\u00a0média\u00a0»", "suite\u00a0:", "pourquoi\u202f?",
    "vite\u202f!", "50\u202f%", "fin.", "virgule,", "point-virgule\u202f;", "—", "–",
    "anticonstitutionnellement", "https://www.example.com/un/chemin/assez/long/pour/déborder",
    "\u00a0", "\u202f",  # alone between spaces: textwrap's drop_whitespace would strip them
    "« Tout\u00a0réseau\u00a0social\u00a0est\u00a0un\u00a0média\u00a0social »",
)  # fmt: skip
word = st.sampled_from(FRENCH_WORDS)
separator = st.sampled_from([" ", " ", " ", "  ", "\n"])


@st.composite
def french_text(draw) -> str:
    tokens = draw(st.lists(word, min_size=1, max_size=60))
    seps = draw(st.lists(separator, min_size=len(tokens), max_size=len(tokens)))
    return "".join(t + s for t, s in zip(tokens, seps, strict=True)).strip()


@st.composite
def french_paragraph(draw) -> Paragraph:
    text = draw(french_text())
    cut = sorted(draw(st.lists(st.integers(0, len(text)), max_size=3)))
    pieces = [text[a:b] for a, b in zip([0, *cut], [*cut, len(text)], strict=True)]
    styles = draw(st.lists(st.booleans(), min_size=len(pieces), max_size=len(pieces)))
    return Paragraph(tuple(Run(p, bold=b) for p, b in zip(pieces, styles, strict=True) if p))


def french_block(depth: int = 2):
    base = french_paragraph()
    if not depth:
        return base
    inner = french_block(depth - 1)
    items = st.lists(st.lists(inner, min_size=1, max_size=2), min_size=1, max_size=3)
    return st.one_of(
        base,
        base,
        items.map(lambda its: ListBlock(tuple(ListItem(tuple(bs)) for bs in its))),
        st.builds(
            lambda its, s: ListBlock(tuple(ListItem(tuple(bs)) for bs in its), True, s),
            items,
            st.integers(1, 120),
        ),
        st.lists(inner, min_size=1, max_size=2).map(lambda bs: Quote(tuple(bs))),
    )


def all_paragraphs(blocks) -> list[Paragraph]:
    return list(paragraphs(blocks))


@settings(max_examples=150, deadline=None)
@given(blocks=st.lists(french_block(), min_size=1, max_size=4), width=st.integers(30, 100))
def test_every_word_appears_in_order_and_lines_fit(blocks, width):
    doc = make(*blocks)
    out = render_text(doc, width=width)
    source = [w for p in all_paragraphs(blocks) for w in words(plain_text(p.runs))]
    assert in_order(source, words(out))
    assert_well_formed(out, doc, width)
    for space in (NBSP, NNBSP):  # every one that glues two words is there
        expected = sum(
            " ".join(words(plain_text(p.runs))).count(space) for p in all_paragraphs(blocks)
        )
        assert out.count(space) == expected
