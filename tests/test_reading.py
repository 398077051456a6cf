"""deckgen.reading.read_document: front matter, structure, inline text, blocks, errors, images.

Sources are written line by line (`src(...)`) so that every expected line number can be read
off the test: line 1 is the first string.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PIL import Image as PILImage

from deckgen.errors import Diagnostic, InputError
from deckgen.model import (
    Chart,
    Code,
    Document,
    Heading,
    Image,
    ListBlock,
    Only,
    Paragraph,
    Quote,
    RawHtml,
    Run,
    Series,
    Table,
    for_output,
    plain_text,
)
from deckgen.reading import read_document

NBSP = "\u00a0"
NNBSP = "\u202f"
FM = ["---", "title: T", "---", ""]  # 4 lines of front matter: the body starts on line 5


# ---------------------------------------------------------------------------- helpers


def src(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def read(root: Path, text: str | bytes, name: str = "doc.md") -> tuple[Document, list[Diagnostic]]:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return read_document(path, root)


def doc_of(root: Path, *lines: str) -> Document:
    doc, _ = read(root, src(*lines))
    return doc


def errors_of(root: Path, text: str | bytes, name: str = "doc.md") -> tuple[Diagnostic, ...]:
    with pytest.raises(InputError) as info:
        read(root, text, name)
    diagnostics = info.value.diagnostics
    assert diagnostics, "an InputError must carry at least one diagnostic"
    for d in diagnostics:
        assert d.severity == "error"
        assert d.path is not None and d.path.name == name
    return diagnostics


def one_error(root: Path, text: str | bytes, name: str = "doc.md") -> Diagnostic:
    diagnostics = errors_of(root, text, name)
    assert len(diagnostics) == 1, [str(d) for d in diagnostics]
    return diagnostics[0]


def texts(runs) -> str:
    return plain_text(runs)


def png(path: Path, size: tuple[int, int] = (8, 6), color=(200, 30, 30), fmt: str = "PNG") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    PILImage.new("RGB", size, color).save(path, fmt)
    return path


# ---------------------------------------------------------------------------- front matter


def test_front_matter_all_keys(tmp_path: Path) -> None:
    doc, warnings = read(
        tmp_path,
        src(
            "---",
            'title: "Médias sociaux : quelle différence ?"',
            "subtitle: La suite",
            "author: Hélène Marchand",
            "date: 2026-11-30",
            "lang: en-US",
            "theme: client-a",
            "slide_level: 3",
            "subject: Le sujet",
            "preheader: Deux définitions",
            "---",
            "",
            "### A",
        ),
    )
    m = doc.meta
    assert m.title == "Médias sociaux : quelle différence ?"
    assert m.subtitle == "La suite"
    assert m.author == "Hélène Marchand"
    assert m.date == dt.date(2026, 11, 30)
    assert type(m.date) is dt.date
    assert m.lang == "en-US"
    assert m.theme == "client-a"
    assert m.slide_level == 3
    assert m.subject == "Le sujet"
    assert m.preheader == "Deux définitions"
    assert warnings == []


def test_front_matter_defaults(tmp_path: Path) -> None:
    doc = doc_of(tmp_path, "---", "title: T", "---", "", "## A")
    # Too little text to tell its language: English, and an info line says so.
    assert doc.meta.lang == "en-US" and doc.meta.lang_source == "default"
    assert doc.meta.slide_level == 2
    assert doc.meta.theme == "default"
    assert doc.meta.date is None
    assert doc.meta.author == ""


def test_no_front_matter_uses_defaults(tmp_path: Path) -> None:
    doc = doc_of(tmp_path, "## A", "", "text")
    assert doc.meta.lang == "en-US" and doc.meta.slide_level == 2
    assert doc.slides[0].line == 1


def test_unknown_key_is_a_warning_with_line_and_suggestion(tmp_path: Path) -> None:
    doc, warnings = read(tmp_path, src("---", "author: A", "titel: Oops", "---", "", "## A"))
    assert doc.meta.title == ""
    assert len(warnings) == 1
    w = warnings[0]
    assert w.severity == "warning"
    assert w.line == 3
    assert w.path == tmp_path / "doc.md"
    assert "titel" in w.message
    assert 'did you mean "title"' in w.message
    assert "warning: " in str(w) and str(w).endswith(w.message)


def test_unknown_key_without_close_match_has_no_suggestion(tmp_path: Path) -> None:
    _, warnings = read(tmp_path, src("---", "title: T", "couleur: rouge", "---", "", "## A"))
    assert [w.line for w in warnings] == [3]
    assert "did you mean" not in warnings[0].message


def test_bad_yaml_reports_line_of_problem(tmp_path: Path) -> None:
    d = one_error(
        tmp_path, src("---", "title: T", "subtitle: Les réseaux: mode d’emploi", "---", "", "## A")
    )
    assert d.line == 3
    assert "front matter is not valid YAML" in d.message


def test_tabs_in_yaml_are_explained(tmp_path: Path) -> None:
    d = one_error(tmp_path, src("---", "title: T", "\tauthor: A", "---", "", "## A"))
    assert d.line == 3
    assert "tabs" in d.message


@pytest.mark.parametrize("value", ["5", "0", "deux", "true"])
def test_slide_level_out_of_range(tmp_path: Path, value: str) -> None:
    d = one_error(tmp_path, src("---", "title: T", f"slide_level: {value}", "---", "", "## A"))
    assert d.line == 3
    assert "slide_level must be 1, 2 or 3" in d.message


def test_a_lang_that_is_no_language_tag_is_a_warning_and_the_text_decides(tmp_path: Path) -> None:
    doc, warnings = read(
        tmp_path,
        src("---", "title: T", "author: A", "lang: français", "---", "", "## A", "",
            "Les médias sociaux aident les petites entreprises à trouver des clients."),
    )
    (d,) = warnings
    assert d.line == 4 and "français" in d.message and "fr-FR" in d.message
    assert doc.meta.lang == "fr-FR" and doc.meta.lang_source == "guessed"


def test_every_front_matter_error_reported_at_once(tmp_path: Path) -> None:
    diagnostics = errors_of(
        tmp_path,
        src("---", "title: T", "slide_level: 5", "date: 2026-02-30", "---", "", "## A"),
    )
    assert sorted(d.line for d in diagnostics) == [4]  # YAML stops at the first bad value
    diagnostics = errors_of(
        tmp_path, src("---", "title: T", "slide_level: 5", "subtitle: [a, b]", "---", "", "## A")
    )
    assert sorted(d.line for d in diagnostics) == [3, 4]


def test_a_bad_front_matter_does_not_hide_the_body_s_problems(tmp_path: Path) -> None:
    diagnostics = errors_of(
        tmp_path,
        src("---", "title: T", "slide_level: 5", "---", "", "## A", "", "```chart", "type: camembert",
            "data:", "  a: 1", "```"),
    )
    assert sorted(d.line for d in diagnostics) == [3, 9]


def test_front_matter_not_closed(tmp_path: Path) -> None:
    d = one_error(tmp_path, src("---", "title: T", "", "## A"))
    assert d.line == 1
    assert "not closed" in d.message


def test_front_matter_must_be_a_mapping(tmp_path: Path) -> None:
    d = one_error(tmp_path, src("---", "- a", "- b", "---", "", "## A"))
    assert d.line == 2
    assert "key: value" in d.message


@pytest.mark.parametrize("value", ["2026-13-45", "2026-02-30"])
def test_impossible_date_is_an_input_error(tmp_path: Path, value: str) -> None:
    d = one_error(tmp_path, src("---", "title: T", f"date: {value}", "---", "", "## A"))
    assert d.line == 3
    assert value in d.message or "date" in d.message


# ---------------------------------------------------------------------------- structure


def test_headings_make_slides(tmp_path: Path) -> None:
    doc = doc_of(
        tmp_path,
        *FM,
        "# Partie 1",  # 5
        "",
        "## Un **titre** riche",  # 7
        "",
        "### Sous-titre",  # 9
        "",
        "Texte.",  # 11
        "",
        "---",  # 13
        "",
        "Suite.",  # 15
    )
    section, content, more = doc.slides
    assert section.kind == "section" and texts(section.title) == "Partie 1" and section.line == 5
    assert section.blocks == ()
    assert content.kind == "content" and content.line == 7 and not content.continued
    assert content.title == (Run("Un "), Run("titre", bold=True), Run(" riche"))
    heading, para = content.blocks
    assert heading == Heading(3, (Run("Sous-titre"),), 9)
    assert para == Paragraph((Run("Texte."),), 11)
    assert more.kind == "content" and more.title is None and more.continued
    assert more.line == 13
    assert more.blocks == (Paragraph((Run("Suite."),), 15),)


def test_slide_level_1(tmp_path: Path) -> None:
    doc = doc_of(
        tmp_path,
        "---",
        "title: T",
        "slide_level: 1",
        "---",
        "",
        "# Un",  # 6
        "",
        "## Deux",  # 8
        "",
        "# Trois",  # 10
    )
    assert [(s.kind, texts(s.title), s.line) for s in doc.slides] == [
        ("content", "Un", 6),
        ("content", "Trois", 10),
    ]
    assert doc.slides[0].blocks == (Heading(2, (Run("Deux"),), 8),)


def test_slide_level_3(tmp_path: Path) -> None:
    doc = doc_of(tmp_path, "---", "slide_level: 3", "---", "", "# A", "", "## B", "", "### C")
    assert [(s.kind, texts(s.title), s.line) for s in doc.slides] == [
        ("section", "A", 5),
        ("section", "B", 7),
        ("content", "C", 9),
    ]


def test_blocks_before_any_heading_make_an_untitled_first_slide(tmp_path: Path) -> None:
    doc = doc_of(tmp_path, *FM, "Intro.", "", "## A", "", "x")
    first, second = doc.slides
    assert first.kind == "content" and first.title is None and not first.continued
    assert first.blocks == (Paragraph((Run("Intro."),), 5),)
    assert first.line == 5
    assert texts(second.title) == "A" and second.line == 7


def test_slide_lines_count_front_matter(tmp_path: Path) -> None:
    doc = doc_of(
        tmp_path,
        "---",
        "title: T",
        "author: A",
        "date: 2026-01-05",
        "---",
        "",
        "## Un",  # 7
        "",
        "texte",
        "",
        "## Deux",  # 11
        "",
        "- a",
        "- b",
        "",
        "# Trois",  # 16
    )
    assert [s.line for s in doc.slides] == [7, 11, 16]


def test_slide_line_not_fooled_by_code_sample(tmp_path: Path) -> None:
    doc = doc_of(
        tmp_path,
        "## Markdown",  # 1
        "",
        "```markdown",  # 3
        "## Exemple",  # 4
        "texte",  # 5
        "```",
        "",
        "## Exemple",  # 8
        "",
        "texte",  # 10
    )
    assert [s.line for s in doc.slides] == [1, 8]
    assert doc.slides[1].blocks[0].line == 10


def test_slide_line_not_fooled_by_notes(tmp_path: Path) -> None:
    doc = doc_of(
        tmp_path,
        "## Avant",  # 1
        "",
        "::: notes",  # 3
        "## Après",  # 4
        ":::",
        "",
        "## Après",  # 7
    )
    assert [s.line for s in doc.slides] == [1, 7]


def test_heading_right_after_paragraph_has_its_own_line(tmp_path: Path) -> None:
    doc = doc_of(tmp_path, "## A", "", "para", "## B", "", "x")
    assert [texts(s.title) for s in doc.slides] == ["A", "B"]
    assert [s.line for s in doc.slides] == [1, 4]


# ---------------------------------------------------------------------------- inline


def test_inline_formatting_runs(tmp_path: Path) -> None:
    doc = doc_of(
        tmp_path,
        *FM,
        "## A",
        "",
        "Du **gras**, de l'*italique*, du `code x` et [un lien](https://x.fr/a).",
    )
    (para,) = doc.slides[0].blocks
    assert para.runs == (
        Run("Du "),
        Run("gras", bold=True),
        Run(", de l'"),
        Run("italique", italic=True),
        Run(", du "),
        Run("code x", code=True),
        Run(" et "),
        Run("un lien", href="https://x.fr/a"),
        Run("."),
    )


def test_nested_formatting_in_link(tmp_path: Path) -> None:
    doc = doc_of(tmp_path, "## A", "", "**gras [lien *it*](https://a.fr) fin**")
    assert doc.slides[0].blocks[0].runs == (
        Run("gras ", bold=True),
        Run("lien ", bold=True, href="https://a.fr"),
        Run("it", bold=True, italic=True, href="https://a.fr"),
        Run(" fin", bold=True),
    )


def test_hard_line_break(tmp_path: Path) -> None:
    doc = doc_of(tmp_path, "## A", "", "ligne un  ", "ligne deux", "ligne trois")
    assert doc.slides[0].blocks[0].runs == (Run("ligne un\nligne deux ligne trois"),)


def test_br_tag_is_a_line_break(tmp_path: Path) -> None:
    doc = doc_of(tmp_path, "## A", "", "ligne un<br>ligne deux")
    assert texts(doc.slides[0].blocks[0].runs) == "ligne un\nligne deux"


def test_entities_become_characters(tmp_path: Path) -> None:
    doc = doc_of(tmp_path, "## A", "", "a &amp; b & c &eacute;")
    assert texts(doc.slides[0].blocks[0].runs) == "a & b & c é"


def test_reader_keeps_punctuation_as_written(tmp_path: Path) -> None:
    # Quotes, dashes and spacing are typography.apply's job (tests/test_typography.py).
    doc = doc_of(tmp_path, *FM, "## L'été", "", 'C\'est "vrai" -- enfin... presque')
    slide = doc.slides[0]
    assert texts(slide.title) == "L'été"
    assert texts(slide.blocks[0].runs) == 'C\'est "vrai" -- enfin... presque'


def test_typography_after_reading(tmp_path: Path) -> None:
    from deckgen import typography

    doc = doc_of(tmp_path, "---", "lang: en-US", "---", "", "## A", "", 'It\'s "true"')
    doc = typography.apply(doc)
    assert texts(doc.slides[0].blocks[0].runs) == "It\u2019s \u201ctrue\u201d"


# ---------------------------------------------------------------------------- lists


def _item_texts(block: ListBlock) -> list:
    out: list = []
    for item in block.items:
        for b in item.blocks:
            if isinstance(b, Paragraph):
                out.append(texts(b.runs))
            elif isinstance(b, ListBlock):
                out.append(_item_texts(b))
    return out


def test_nested_list_three_levels(tmp_path: Path) -> None:
    doc = doc_of(
        tmp_path,
        *FM,
        "## A",
        "",
        "- un",
        "    - deux",
        "        - trois",
        "- quatre",
    )
    (lst,) = doc.slides[0].blocks
    assert isinstance(lst, ListBlock) and not lst.ordered
    assert lst.line == 7
    assert _item_texts(lst) == ["un", ["deux", ["trois"]], "quatre"]
    inner = lst.items[0].blocks[1]
    assert isinstance(inner, ListBlock)
    assert isinstance(inner.items[0].blocks[1], ListBlock)


def test_ordered_list_keeps_start(tmp_path: Path) -> None:
    doc = doc_of(tmp_path, "## A", "", "3. trois", "4. quatre")
    (lst,) = doc.slides[0].blocks
    assert lst.ordered and lst.start == 3
    assert _item_texts(lst) == ["trois", "quatre"]


def test_ordered_list_default_start(tmp_path: Path) -> None:
    (lst,) = doc_of(tmp_path, "## A", "", "1. un", "2. deux").slides[0].blocks
    assert lst.ordered and lst.start == 1


def test_loose_list(tmp_path: Path) -> None:
    doc = doc_of(tmp_path, "## A", "", "- un", "", "- deux", "", "    suite de deux")
    (lst,) = doc.slides[0].blocks
    assert [[texts(b.runs) for b in item.blocks] for item in lst.items] == [
        ["un"],
        ["deux", "suite de deux"],
    ]


def test_list_item_formatting(tmp_path: Path) -> None:
    (lst,) = doc_of(tmp_path, "## A", "", "- du **gras** ici").slides[0].blocks
    assert lst.items[0].blocks[0].runs == (Run("du "), Run("gras", bold=True), Run(" ici"))


# ---------------------------------------------------------------------------- tables


def test_table(tmp_path: Path) -> None:
    doc = doc_of(
        tmp_path,
        *FM,
        "## A",
        "",
        "| Critère | Média **social** |",  # 7
        "|---|---|",
        "| Au centre | Le contenu |",
        "| Exemples | Blogs |",
    )
    (table,) = doc.slides[0].blocks
    assert isinstance(table, Table)
    assert table.line == 7
    assert table.header == ((Run("Critère"),), (Run("Média "), Run("social", bold=True)))
    assert [[texts(c) for c in row] for row in table.rows] == [
        ["Au centre", "Le contenu"],
        ["Exemples", "Blogs"],
    ]
    assert table.align == ("left", "left")


def test_table_explicit_alignment(tmp_path: Path) -> None:
    (table,) = (
        doc_of(
            tmp_path,
            "## A",
            "",
            "| a | b | c | d |",
            "|:--|--:|:-:|---|",
            "| 1 | x | y | z |",
        )
        .slides[0]
        .blocks
    )
    assert table.align == ("left", "right", "center", "left")


def test_table_numeric_columns_right_aligned(tmp_path: Path) -> None:
    (table,) = (
        doc_of(
            tmp_path,
            "## A",
            "",
            "| Réseau | Audience | Part | Total | Année | Texte | Vide |",
            "|---|---|---|---|---|---|---|",
            "| Facebook | 500 | 75 % | 1 234,5 | 2019 | 12 ans | - |",
            "| LinkedIn | 75 | 12,5 % | 3.5 | 2020 | x | 4 |",
        )
        .slides[0]
        .blocks
    )
    assert table.align == ("left", "right", "right", "right", "right", "left", "right")


# ---------------------------------------------------------------------------- fenced divs


def test_notes_go_to_notes_never_to_blocks(tmp_path: Path) -> None:
    doc = doc_of(
        tmp_path,
        *FM,
        "## A",
        "",
        "Texte.",
        "",
        "::: notes",  # 9
        "Une **note**.",
        "",
        "- point",
        ":::",
        "",
        "Après.",
    )
    (slide,) = doc.slides
    assert [texts(b.runs) for b in slide.blocks] == ["Texte.", "Après."]
    para, lst = slide.notes
    assert para.runs == (Run("Une "), Run("note", bold=True), Run("."))
    assert isinstance(lst, ListBlock)
    assert para.line == 9


def test_notes_before_any_heading(tmp_path: Path) -> None:
    doc = doc_of(tmp_path, "::: notes", "n", ":::", "", "## A")
    first, second = doc.slides
    assert first.title is None and first.blocks == ()
    assert texts(first.notes[0].runs) == "n"
    assert second.notes == ()


def test_only_blocks_and_for_output(tmp_path: Path) -> None:
    doc = doc_of(
        tmp_path,
        *FM,
        "## A",
        "",
        "Commun.",
        "",
        "::: deck",  # 9
        "Pour la salle.",
        ":::",
        "",
        "::: newsletter",  # 13
        "Pour le courriel.",
        ":::",
    )
    common, deck, news = doc.slides[0].blocks
    assert deck == Only("deck", (Paragraph((Run("Pour la salle."),), 9),), 9)
    assert isinstance(news, Only) and news.output == "newsletter" and news.line == 13
    assert texts(news.blocks[0].runs) == "Pour le courriel."
    blocks = doc.slides[0].blocks
    assert [texts(b.runs) for b in for_output(blocks, "deck")] == ["Commun.", "Pour la salle."]
    assert [texts(b.runs) for b in for_output(blocks, "newsletter")] == [
        "Commun.",
        "Pour le courriel.",
    ]


def test_braced_div_syntax(tmp_path: Path) -> None:
    doc = doc_of(tmp_path, "## A", "", "::: {.notes}", "n", ":::")
    assert texts(doc.slides[0].notes[0].runs) == "n"


# ---------------------------------------------------------------------------- code and charts


def test_fenced_code(tmp_path: Path) -> None:
    doc = doc_of(tmp_path, *FM, "## A", "", "```python", "x = 1", "", "print(x)", "```")
    assert doc.slides[0].blocks == (Code("x = 1\n\nprint(x)", "python", 7),)


@pytest.mark.parametrize("fence", ["```", "~~~", "````"])
def test_code_holding_div_markers_and_html_stays_code(tmp_path: Path, fence: str) -> None:
    doc = doc_of(
        tmp_path,
        *FM,
        "## A",
        "",
        fence,
        "::: notes",
        "<div>pas du HTML</div>",
        ":::",
        fence,
        "",
        "Après.",
    )
    code, after = doc.slides[0].blocks
    assert code == Code("::: notes\n<div>pas du HTML</div>\n:::", "", 7)
    assert doc.slides[0].notes == ()
    assert texts(after.runs) == "Après."


def test_raw_html_block(tmp_path: Path) -> None:
    doc = doc_of(tmp_path, "## A", "", "<div>brut</div>")
    (raw,) = doc.slides[0].blocks
    assert isinstance(raw, RawHtml) and raw.html == "<div>brut</div>"


def test_raw_html_block_line(tmp_path: Path) -> None:
    doc = doc_of(tmp_path, "## A", "", "texte", "", "<div>brut</div>")
    assert doc.slides[0].blocks[1].line == 5


def test_chart_data_form(tmp_path: Path) -> None:
    doc = doc_of(
        tmp_path,
        *FM,
        "## A",
        "",
        "```chart",  # 7
        "type: bar",
        "title: Audience (en millions)",
        "unit: M",
        "data:",
        "  Facebook: 500",
        "  LinkedIn: 75.5",
        "```",
    )
    assert doc.slides[0].blocks == (
        Chart(
            "bar",
            "Audience (en millions)",
            ("Facebook", "LinkedIn"),
            (Series("Audience (en millions)", (500.0, 75.5)),),
            "M",
            7,
        ),
    )


def test_chart_series_form(tmp_path: Path) -> None:
    (chart,) = (
        doc_of(
            tmp_path,
            "## A",
            "",
            "```chart",
            "type: line",
            "categories: [2019, 2020, 2021]",
            "series:",
            "  Facebook: [1, 2, 3]",
            "  LinkedIn: [0.5, 1, -2]",
            "```",
        )
        .slides[0]
        .blocks
    )
    assert chart.kind == "line" and chart.line == 3
    assert chart.categories == ("2019", "2020", "2021")
    assert chart.series == (
        Series("Facebook", (1.0, 2.0, 3.0)),
        Series("LinkedIn", (0.5, 1.0, -2.0)),
    )


@pytest.mark.parametrize("kind", ["bar", "column", "line", "pie", "Pie"])
def test_chart_kinds(tmp_path: Path, kind: str) -> None:
    (chart,) = (
        doc_of(
            tmp_path, "## A", "", "```chart", f"type: {kind}", "data:", "  a: 1", "  b: 2", "```"
        )
        .slides[0]
        .blocks
    )
    assert isinstance(chart, Chart) and chart.kind == kind.lower()


def test_chart_default_kind(tmp_path: Path) -> None:
    (chart,) = doc_of(tmp_path, "## A", "", "```chart", "data:", "  a: 1", "```").slides[0].blocks
    assert chart.kind == "column" and chart.series[0].name == "Série 1"


# chart errors: the chart starts on line 7 (```chart); its YAML starts on line 8.
CHART_ERRORS = [
    pytest.param(
        ["type: colum", "data:", "  a: 1"],
        8,
        ["unknown chart type 'colum'", 'did you mean "column"'],
        id="unknown-type",
    ),
    pytest.param(
        ["type: bar", "data:", "  Facebook: 41", "  Radio: 38 ans"],
        11,
        ["'Radio'", "'38 ans'", "not a number"],
        id="not-a-number",
    ),
    pytest.param(
        ["type: line", "categories: [a, b, c]", "series:", "  S1: [1, 2, 3]", "  S2: [1, 2]"],
        12,
        ["series 'S2' has 2 values for 3 categories"],
        id="length-mismatch",
    ),
    pytest.param(
        ["type: line", "categories: [a, b]", "series:", "  S1: [1, 2]", "  S2: [1, deux]"],
        12,
        ["series 'S2'", "'deux'", "not a number"],
        id="series-not-a-number",
    ),
    pytest.param(
        ["type: pie", "categories: [a, b]", "series:", "  S1: [1, 2]", "  S2: [3, 4]"],
        7,
        ["pie chart shows one series"],
        id="pie-two-series",
    ),
    pytest.param(["type: pie", "data:", "  a: 1", "  b: -2"], 7, ["negative"], id="pie-negative"),
    pytest.param(
        ["type: bar", "colour: red", "data:", "  a: 1"],
        9,
        ["unknown chart key 'colour'"],
        id="unknown-key",
    ),
    pytest.param(
        ["type: bar", "dta:", "  a: 1"], 9, ['did you mean "data"'], id="unknown-key-typo"
    ),
    pytest.param(["type: bar", "data:", "  a: [1"], 10, ["chart is not valid YAML"], id="bad-yaml"),
    pytest.param(["type: bar"], 7, ["a chart needs data:"], id="no-data"),
    pytest.param(["- 1", "- 2"], 7, ["a chart block holds YAML keys"], id="not-a-mapping"),
    pytest.param(
        ["data:", "  a: 1", "categories: [a]", "series:", "  s: [1]"],
        8,
        ["either data: or categories:"],
        id="both-forms",
    ),
]


@pytest.mark.parametrize(("body", "line", "fragments"), CHART_ERRORS)
def test_chart_errors(tmp_path: Path, body: list[str], line: int, fragments: list[str]) -> None:
    diagnostics = errors_of(tmp_path, src(*FM, "## A", "", "```chart", *body, "```"))
    first = diagnostics[0]
    for fragment in fragments:
        assert fragment in first.message
    assert first.line == line


def test_impossible_date_in_chart_is_an_input_error(tmp_path: Path) -> None:
    d = one_error(
        tmp_path,
        src(
            *FM,
            "## A",
            "",
            "```chart",
            "type: line",
            "categories: [2026-01-31, 2026-13-31]",
            "series:",
            "  s: [1, 2]",
            "```",
        ),
    )
    assert d.line in (7, 9)


def test_chart_errors_keep_the_message_whatever_the_line(tmp_path: Path) -> None:
    d = one_error(
        tmp_path, src(*FM, "## A", "", "```chart", "type: bar", "data:", "  Radio: 38 ans", "```")
    )
    assert "chart value for 'Radio' is '38 ans', not a number" in d.message
    assert "unit:" in d.message
    assert 8 <= d.line <= 10


# ---------------------------------------------------------------------------- structural errors


def test_unclosed_fence(tmp_path: Path) -> None:
    d = one_error(tmp_path, src(*FM, "## A", "", "texte", "", "```python", "x = 1", "", "## B"))
    assert d.line == 9
    assert "unclosed code block" in d.message


def test_unclosed_notes(tmp_path: Path) -> None:
    d = one_error(tmp_path, src(*FM, "## A", "", "::: notes", "n", "", "## B", "", "x"))
    assert d.line == 7
    assert "'::: notes'" in d.message and "no closing ':::'" in d.message


@pytest.mark.parametrize(("name", "hint"), [("foo", ""), ("notez", 'did you mean "notes"')])
def test_unknown_div_keeps_its_text_with_a_warning(tmp_path: Path, name: str, hint: str) -> None:
    doc, warnings = read(tmp_path, src(*FM, "## A", "", "texte", "", f"::: {name}", "x", ":::"))
    (d,) = warnings
    assert d.line == 9
    assert f"'::: {name}' is not a block deckgen knows" in d.message
    assert hint in d.message
    if not hint:
        assert "did you mean" not in d.message
    assert [texts(b.runs) for b in doc.slides[0].blocks] == ["texte", "x"]


def test_not_utf8(tmp_path: Path) -> None:
    data = src(*FM, "## Café", "", "Texte").encode("latin-1")
    d = one_error(tmp_path, data)
    assert d.line == 5
    assert "UTF-8" in d.message and "0xe9" in d.message


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"], ids=["empty", "blank"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    d = one_error(tmp_path, content)
    assert d.line == 1
    assert "empty" in d.message


def test_front_matter_without_content_or_title(tmp_path: Path) -> None:
    d = one_error(tmp_path, src("---", "author: A", "---"))
    assert "no content" in d.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_document(tmp_path / "nope.md", tmp_path)
    assert "no such file" in str(info.value)


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    text = "\ufeff" + "\r\n".join(
        ["---", "title: Titre", "---", "", "## A", "", "ligne  ", "suite", "", "## B", ""]
    )
    doc, warnings = read(tmp_path, text.encode("utf-8"))
    assert warnings == []
    assert doc.meta.title == "Titre"
    assert [(texts(s.title), s.line) for s in doc.slides] == [("A", 5), ("B", 10)]
    assert doc.slides[0].blocks == (Paragraph((Run("ligne\nsuite"),), 7),)


def test_crlf_error_lines(tmp_path: Path) -> None:
    text = "\r\n".join(["---", "title: T", "---", "", "## A", "", "```chart", "x", "```", ""])
    assert one_error(tmp_path, text.encode()).line == 7


def test_several_errors_in_one_file_all_reported(tmp_path: Path) -> None:
    png(tmp_path / "ok.png")
    diagnostics = errors_of(
        tmp_path,
        src(
            *FM,
            "## A",  # 5
            "",
            "```chart",  # 7
            "type: camembert",  # 8
            "data:",
            "  a: 1",
            "```",
            "",
            "![ok](ok.png)",
            "",
            "::: foo",  # 15
            "x",
            ":::",
            "",
            "![Logo](absent.png)",  # 19
        ),
    )
    assert sorted(d.line for d in diagnostics) == [8]
    messages = " | ".join(d.message for d in diagnostics)
    assert "camembert" in messages
    # The unknown block and the missing picture are warnings of the same run.
    with pytest.raises(InputError):
        read(tmp_path, src(*FM, "## A", "", "![Logo](absent.png)", "", "```chart", "x", "```"))


# ---------------------------------------------------------------------------- images


def test_image_block_and_asset(tmp_path: Path) -> None:
    png(tmp_path / "images" / "logo.png", (8, 6))
    doc = doc_of(tmp_path, *FM, "## A", "", "Texte.", "", '![Le logo](images/logo.png "Titre")')
    para, image = doc.slides[0].blocks
    assert texts(para.runs) == "Texte."
    assert isinstance(image, Image)
    assert image.alt == "Le logo" and image.title == "Titre" and image.line == 9
    asset = doc.assets[image.asset]
    assert asset.key == image.asset
    assert (asset.width, asset.height) == (8, 6)
    assert asset.mime == "image/png"
    assert asset.data == (tmp_path / "images" / "logo.png").read_bytes()
    assert asset.source == (tmp_path / "images" / "logo.png").resolve()


def test_same_image_twice_is_one_asset(tmp_path: Path) -> None:
    png(tmp_path / "images" / "logo.png")
    doc = doc_of(
        tmp_path,
        "## A",
        "",
        "![a](images/logo.png)",
        "",
        "## B",
        "",
        "- ![b](images/logo.png)",
        "",
        "![c](./images/logo.png)",
    )
    a = doc.slides[0].blocks[0]
    b = doc.slides[1].blocks[0].items[0].blocks[0]
    c = doc.slides[1].blocks[1]
    assert a.asset == b.asset == c.asset
    assert [a.alt, b.alt, c.alt] == ["a", "b", "c"]
    assert len(doc.assets) == 1


def test_jpeg_and_gif_accepted(tmp_path: Path) -> None:
    png(tmp_path / "a.jpg", fmt="JPEG")
    png(tmp_path / "a.gif", fmt="GIF")
    doc = doc_of(tmp_path, "## A", "", "![j](a.jpg)", "", "![g](a.gif)")
    mimes = sorted(a.mime for a in doc.assets.values())
    assert mimes == ["image/gif", "image/jpeg"]


def test_image_in_subfolder_document(tmp_path: Path) -> None:
    png(tmp_path / "images" / "logo.png")
    doc, _ = read(tmp_path, src("## A", "", "![x](../images/logo.png)"), "content/doc.md")
    assert len(doc.assets) == 1


def test_text_after_image_in_list_item_is_kept(tmp_path: Path) -> None:
    png(tmp_path / "a.png")
    (lst,) = doc_of(tmp_path, "## A", "", "- ![pic](a.png) légende").slides[0].blocks
    blocks = lst.items[0].blocks
    assert any(isinstance(b, Paragraph) and "légende" in texts(b.runs) for b in blocks)


PICTURE_PROBLEMS = [  # a placeholder and a warning (an error under --strict and in check)
    pytest.param("images/absent.png", ["'images/absent.png' not found"], id="missing"),
    pytest.param("../outside/o.png", ["outside the project"], id="parent"),
    pytest.param("images/link.png", ["outside the project"], id="symlink-outside"),
    pytest.param("https://x.fr/a.png", ["downloads are off"], id="url-offline"),
]
IMAGE_ERRORS = [  # a file that is there but broken: an error
    pytest.param("images/text.png", ["not a readable image"], id="text-as-png"),
    pytest.param("images/trunc.png", ["not a readable image"], id="truncated-png"),
    pytest.param("images/a.ico", ["is ICO", "PNG, JPEG, GIF, SVG"], id="ico"),
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with good, bad and outside images (root is tmp/proj)."""
    root = tmp_path / "proj"
    outside = png(tmp_path / "outside" / "o.png")
    good = png(root / "images" / "good.png")
    (root / "images" / "text.png").write_text("hello, not an image\n")
    data = good.read_bytes()
    (root / "images" / "trunc.png").write_bytes(data[: len(data) // 2])
    (root / "images" / "link.png").symlink_to(outside)
    png(root / "images" / "a.ico", fmt="ICO")
    return root


@pytest.mark.parametrize(("target", "fragments"), PICTURE_PROBLEMS)
def test_pictures_that_cannot_be_shown_become_placeholders(
    project: Path, target: str, fragments: list[str]
) -> None:
    doc, warnings = read(project, src(*FM, "## A", "", "Texte.", f"![Un schéma]({target})"))
    (d,) = warnings
    assert d.line == 8 and d.rule == "picture-missing"
    for fragment in fragments:
        assert fragment in d.message
    image = doc.slides[0].blocks[-1]
    assert isinstance(image, Image) and image.alt == "Un schéma" and image.missing
    assert not image.asset and not doc.assets  # nothing outside the root is ever read


@pytest.mark.parametrize(("target", "fragments"), IMAGE_ERRORS)
def test_image_errors(project: Path, target: str, fragments: list[str]) -> None:
    d = one_error(project, src(*FM, "## A", "", "Texte.", f"![x]({target})"))
    assert d.line == 8
    for fragment in fragments:
        assert fragment in d.message


def test_absolute_image_path(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside" / "o.png"
    inside = project / "images" / "good.png"
    doc, warnings = read(project, src(*FM, "## A", "", f"![x]({outside})", "", f"![y]({inside})"))
    assert [(w.line, "outside the project" in w.message) for w in warnings] == [(7, True)]
    assert len(doc.assets) == 1  # an absolute path inside the root is fine


def test_symlink_inside_project_is_fine(project: Path) -> None:
    (project / "images" / "alias.png").symlink_to(project / "images" / "good.png")
    doc = doc_of(project, "## A", "", "![x](images/alias.png)", "", "![y](images/good.png)")
    assert len(doc.assets) == 1


def test_picture_problems_in_list_and_quote_have_their_line(project: Path) -> None:
    _, warnings = read(
        project,
        src(
            *FM,
            "## A",
            "",
            "- un",
            "- ![x](images/absent1.png)",  # 8
            "",
            "> ![y](images/absent2.png)",  # 10
        ),
    )
    assert sorted(d.line for d in warnings) == [8, 10]


def test_quote_block(tmp_path: Path) -> None:
    (quote,) = doc_of(tmp_path, "## A", "", "> Une citation", ">", "> — Auteur").slides[0].blocks
    assert isinstance(quote, Quote)
    assert [texts(b.runs) for b in quote.blocks] == ["Une citation", "— Auteur"]


# ---------------------------------------------------------------------------- limits


def test_deep_nesting_is_an_error_with_its_line_not_a_crash(tmp_path: Path) -> None:
    """200 nested '>' crashed the email templates' recursion (exit 3); 60 nested list
    levels left no width for text. At most 9 levels (PowerPoint's outline levels)."""
    quote = one_error(tmp_path, src(*FM, "## A", "", ">" * 200 + " profond"))
    assert (quote.line, quote.message) == (
        7,
        "lists and quotes nested 200 levels deep; deckgen shows at most 9 levels "
        "(PowerPoint's outline levels): flatten this block",
    )
    items = ["    " * k + f"- niveau {k}" for k in range(60)]
    assert one_error(tmp_path, src(*FM, "## A", "", *items)).line == 7
    nine = ["    " * k + f"- niveau {k}" for k in range(9)]
    doc = doc_of(tmp_path, *FM, "## A", "", *nine)
    assert doc.slides[0].blocks


def test_a_huge_paragraph_is_an_error_not_a_hang(tmp_path: Path) -> None:
    """A 2 MB paragraph took the planner hours and gigabytes (splitting it re-measures the
    rest of it for every slide)."""
    big = one_error(tmp_path, src(*FM, "## A", "", "mot " * 500_000))
    assert (big.line, big.message) == (
        7,
        "a paragraph of 1,999,999 characters; at most 10,000 fit on a few slides: split it "
        "into paragraphs",
    )
    code = one_error(tmp_path, src(*FM, "## A", "", "```", "x" * 20_000, "```"))
    assert code.line == 7 and code.message.startswith("a code line of 20,000 characters")
    assert doc_of(tmp_path, *FM, "## A", "", "mot " * 2_000).slides[0].blocks


def test_a_row_with_more_cells_than_the_header_is_a_warning_at_its_line(tmp_path):
    from deckgen.reading.tree import table_cells as _table_cells

    path = tmp_path / "t.md"
    path.write_text(
        "---\ntitle: T\n---\n\n## T\n\n| A | B |\n|---|---|\n| 1 | 2 |\n| 3 | 4 | 5 |\n"
        "| `a|b` | x \\| y |\n",
        encoding="utf-8",
    )
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    _, warnings = read_document(path, tmp_path)
    warnings = [w for w in warnings if "picture" not in w.rule]
    assert [(w.line, w.message.split(":")[0]) for w in warnings] == [
        (10, "this table row has 3 cells but the header has 2")
    ]
    assert _table_cells("| `a|b` | x \\| y |") == [" `a|b` ", " x \\| y "]
