"""typography.apply: French no-break spaces, applied once to the whole model."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deckgen import typography
from deckgen.model import (
    Chart,
    Code,
    Document,
    Heading,
    ListBlock,
    ListItem,
    Meta,
    Only,
    Paragraph,
    Quote,
    Run,
    Series,
    Slide,
    Table,
    plain_text,
)
from deckgen.reading import read_document

NBSP = "\u00a0"  # before ':' and inside « »
NNBSP = "\u202f"  # before ; ! ? and in "50 %"


def doc_with(*runs: Run, lang: str = "fr-FR", **meta: str) -> Document:
    para = Paragraph(tuple(runs), 3)
    return Document(Path("x.md"), Meta(lang=lang, **meta), (Slide("content", None, (para,)),))


def fr_runs(*runs: Run, lang: str = "fr-FR") -> tuple[Run, ...]:
    return typography.apply(doc_with(*runs, lang=lang)).slides[0].blocks[0].runs


def fr(text: str, lang: str = "fr-FR") -> str:
    return plain_text(fr_runs(Run(text), lang=lang))


# ---------------------------------------------------------------------------- examples

CASES = [
    # typed spaces replaced
    ("Question : oui", f"Question{NBSP}: oui"),
    ("Vraiment ; oui", f"Vraiment{NNBSP}; oui"),
    ("Bravo !", f"Bravo{NNBSP}!"),
    ("Pourquoi ?", f"Pourquoi{NNBSP}?"),
    ("« bonjour »", f"«{NBSP}bonjour{NBSP}»"),
    ("50 %", f"50{NNBSP}%"),
    ("100 % sûr", f"100{NNBSP}% sûr"),
    # missing spaces added
    ("Question: oui", f"Question{NBSP}: oui"),
    ("Attention:", f"Attention{NBSP}:"),
    ("Vraiment; oui", f"Vraiment{NNBSP}; oui"),
    ("Bravo!", f"Bravo{NNBSP}!"),
    ("Pourquoi?", f"Pourquoi{NNBSP}?"),
    ("«bonjour»", f"«{NBSP}bonjour{NBSP}»"),
    # "?!" and "!!" take one space
    ("Quoi ?!", f"Quoi{NNBSP}?!"),
    ("Quoi?!", f"Quoi{NNBSP}?!"),
    ("Wow !!", f"Wow{NNBSP}!!"),
    # after closing signs
    ("(a) : b", f"(a){NBSP}: b"),
    ("« a »: b", f"«{NBSP}a{NBSP}»{NBSP}: b"),
    ("Oui, « non ! »", f"Oui, «{NBSP}non{NNBSP}!{NBSP}»"),
    # already right: unchanged
    (f"Question{NBSP}: oui", f"Question{NBSP}: oui"),
    (f"Quoi{NNBSP}?", f"Quoi{NNBSP}?"),
    # left alone
    ("Voir https://x.fr/?q=1 ici", "Voir https://x.fr/?q=1 ici"),
    ("Rendez-vous à 10:30", "Rendez-vous à 10:30"),
    ("à 10:30 !", f"à 10:30{NNBSP}!"),
    ("x:y et a;b", "x:y et a;b"),
    ("fin.", "fin."),
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_french_spacing(text: str, expected: str) -> None:
    assert fr(text) == expected


def test_missing_space_before_percent_is_added() -> None:
    assert fr("50%") == f"50{NNBSP}%"


def test_run_boundary() -> None:
    out = fr_runs(Run("Pourquoi", bold=True), Run(" ?"))
    assert out == (Run("Pourquoi", bold=True), Run(f"{NNBSP}?"))
    out = fr_runs(Run("Pourquoi", bold=True), Run("?"))
    assert plain_text(out) == f"Pourquoi{NNBSP}?"
    assert out[0] == Run("Pourquoi", bold=True)


def test_run_boundary_quotes() -> None:
    out = fr_runs(Run("« "), Run("mot", italic=True), Run(" »"))
    assert plain_text(out) == f"«{NBSP}mot{NBSP}»"
    assert out[1] == Run("mot", italic=True)


def test_code_runs_unchanged() -> None:
    out = fr_runs(Run("Tapez "), Run("a:b ; c ?", code=True), Run(" :"))
    assert out == (Run("Tapez "), Run("a:b ; c ?", code=True), Run(f"{NBSP}:"))


def test_link_text_and_href() -> None:
    out = fr_runs(Run("https://x.fr/?q=1", href="https://x.fr/?q=1"), Run(" : le site"))
    assert out == (Run("https://x.fr/?q=1", href="https://x.fr/?q=1"), Run(f"{NBSP}: le site"))


@pytest.mark.parametrize("lang", ["en-US", "en", "de-DE"])
def test_other_languages_unchanged(lang: str) -> None:
    doc = doc_with(Run("Question : « oui » ? 50 %"), lang=lang, title="Titre : sous-titre")
    assert typography.apply(doc) == doc


@pytest.mark.parametrize("lang", ["fr-FR", "fr", "fr-CA", "FR-be"])
def test_french_variants(lang: str) -> None:
    assert fr("Quoi ?", lang=lang) == f"Quoi{NNBSP}?"


def test_whole_document() -> None:
    def p(text: str) -> Paragraph:
        return Paragraph((Run(text),))

    chart = Chart("bar", "Titre : graphique", ("a : b",), (Series("s ?", (1.0,)),))
    slide = Slide(
        "content",
        (Run("Titre ?"),),
        (
            Heading(3, (Run("Sous-titre :"),)),
            ListBlock((ListItem((p("point !"), ListBlock((ListItem((p("sous ;"),)),)))),)),
            Table(((Run("En-tête ?"),),), (((Run("50 %"),),),), ("right",)),
            Quote((p("« cité »"),)),
            Only("deck", (p("salle !"),)),
            Code("x = a ? b : c", "python"),
            chart,
        ),
        (p("Note : ici"),),
    )
    doc = Document(
        Path("x.md"),
        Meta(
            title="Titre : T",
            subtitle="Sous ?",
            subject="Sujet !",
            preheader="« pré »",
            author="A : B",
        ),
        (slide,),
    )
    out = typography.apply(doc)
    m = out.meta
    assert (m.title, m.subtitle, m.subject, m.preheader) == (
        f"Titre{NBSP}: T",
        f"Sous{NNBSP}?",
        f"Sujet{NNBSP}!",
        f"«{NBSP}pré{NBSP}»",
    )
    s = out.slides[0]
    assert plain_text(s.title) == f"Titre{NNBSP}?"
    heading, lst, table, quote, only, code, chart_out = s.blocks
    assert plain_text(heading.runs) == f"Sous-titre{NBSP}:"
    assert plain_text(lst.items[0].blocks[0].runs) == f"point{NNBSP}!"
    assert plain_text(lst.items[0].blocks[1].items[0].blocks[0].runs) == f"sous{NNBSP};"
    assert plain_text(table.header[0]) == f"En-tête{NNBSP}?"
    assert plain_text(table.rows[0][0]) == f"50{NNBSP}%"
    assert plain_text(quote.blocks[0].runs) == f"«{NBSP}cité{NBSP}»"
    assert plain_text(only.blocks[0].runs) == f"salle{NNBSP}!"
    assert code == Code("x = a ? b : c", "python")
    assert chart_out == chart
    assert plain_text(s.notes[0].runs) == f"Note{NBSP}: ici"
    assert typography.apply(out) == out


def test_read_then_apply(tmp_path: Path) -> None:
    """The reader makes « » from "quotes"; typography then adds the spaces inside."""
    path = tmp_path / "x.md"
    path.write_text(
        '---\ntitle: "Titre : T"\n---\n\n## Pourquoi ?\n\nIl a dit "oui" : **vraiment** ?\n',
        encoding="utf-8",
    )
    doc, _ = read_document(path, tmp_path)
    out = typography.apply(doc)
    assert out.meta.title == f"Titre{NBSP}: T"
    assert plain_text(out.slides[0].title) == f"Pourquoi{NNBSP}?"
    assert plain_text(out.slides[0].blocks[0].runs) == (
        f"Il a dit «{NBSP}oui{NBSP}»{NBSP}: vraiment{NNBSP}?"
    )


# ---------------------------------------------------------------------------- properties

WORDS = ["oui", "Pourquoi", "été", "l’école", "à", "Ça", "x", "PME", "50", "10"]
TOKENS = st.sampled_from(WORDS + list(":;!?«»%") + list("0123456789") + [" ", "  ", NBSP, NNBSP])
FRENCH = st.lists(TOKENS, max_size=16).map("".join)
SPACES = (" ", NBSP, NNBSP)


def squeeze(text: str) -> str:
    return "".join(ch for ch in text if ch not in SPACES)


@settings(max_examples=120, deadline=None)
@given(FRENCH)
def test_idempotent(text: str) -> None:
    once = fr(text)
    assert fr(once) == once


@settings(max_examples=120, deadline=None)
@given(FRENCH)
def test_only_spaces_change(text: str) -> None:
    """No character lost or added except (no-break) spaces, and order kept."""
    assert squeeze(fr(text)) == squeeze(text)


@settings(max_examples=100, deadline=None)
@given(FRENCH, FRENCH)
def test_run_boundaries_do_not_matter(a: str, b: str) -> None:
    runs = tuple(r for r in (Run(a, bold=True), Run(b)) if r.text)
    out = fr_runs(*runs)
    assert plain_text(out) == fr(a + b)
    assert fr_runs(*out) == out
    assert [r.bold for r in out] == [r.bold for r in runs]  # no run lost, formats kept


@settings(max_examples=50, deadline=None)
@given(FRENCH)
def test_english_untouched(text: str) -> None:
    assert fr(text, lang="en-GB") == text


# --- smart punctuation (every language) -----------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("fr-FR", 'C\'est "vrai" -- enfin... presque', "C’est «\u00a0vrai\u00a0» – enfin… presque"),
        ("fr-FR", "L'entreprise d'aujourd'hui", "L’entreprise d’aujourd’hui"),
        ("en-US", 'It\'s "true" --- really', "It’s “true” — really"),
        ("en-US", "'quoted' word", "‘quoted’ word"),
        ("de-DE", 'Er sagt "ja"', "Er sagt „ja“"),
        ("en-US", '("inside")', "(“inside”)"),
    ],
)
def test_smart_punctuation(lang: str, text: str, expected: str) -> None:
    doc = Document(Path("x.md"), Meta(lang=lang), (Slide("content", (Run(text),)),))
    title = typography.apply(doc).slides[0].title
    assert "".join(r.text for r in title) == expected


def test_smart_punctuation_spares_code_and_spans_runs() -> None:
    runs = (Run("l'"), Run("été", bold=True), Run(" et "), Run("x = 'a' -- b...", code=True))
    out = typography.smart_inline(runs, "fr-FR")
    assert out == (Run("l’"), Run("été", bold=True), Run(" et "), Run("x = 'a' -- b...", code=True))
    quoted = typography.smart_inline((Run('"'), Run("mot", italic=True), Run('"')), "fr-FR")
    assert "".join(r.text for r in quoted) == "«mot»"
