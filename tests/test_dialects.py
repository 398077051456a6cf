"""deckgen.reading.dialects: files written for pandoc/Quarto, Marp, remark, Slidev and plain
Markdown, read into the same model, each construct understood, approximated or dropped with
a warning at its line. Sources are written line by line, so every line number can be read off
the test (line 1 is the first string)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PIL import Image as PILImage

from deckgen.errors import Diagnostic
from deckgen.model import Code, Columns, Document, Image, ListBlock, Paragraph, plain_text
from deckgen.reading import read_document


def src(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def read(root: Path, text: str, name: str = "talk.md") -> tuple[Document, list[Diagnostic], list]:
    path = root / name
    path.write_text(text, encoding="utf-8")
    infos: list = []
    doc, warnings = read_document(path, root, infos=infos)
    return doc, warnings, infos


def titles(doc: Document) -> list[str]:
    return [plain_text(s.title or ()) for s in doc.slides]


def texts(blocks) -> list[str]:
    out = []
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append(plain_text(block.runs))
        elif isinstance(block, ListBlock):
            for item in block.items:
                out.extend(texts(item.blocks))
    return out


def png(path: Path, size=(40, 30)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    PILImage.new("RGB", size, (20, 90, 160)).save(path)
    return path


# ---------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("text", "name", "dialect"),
    [
        (src("---", "marp: true", "---", "", "# A"), "talk.md", "marp"),
        (src("---", "format: revealjs", "---", "", "## A"), "talk.md", "pandoc"),
        (src("## A", "", "text"), "talk.qmd", "pandoc"),
        (src("---", "theme: seriph", "mdc: true", "---", "", "# A"), "talk.md", "slidev"),
        (src("class: center, middle", "", "# A", "", "???", "n"), "talk.md", "remark"),
        (src("---", "dialect: remark", "---", "", "# A"), "talk.md", "remark"),
        (src("## A", "", "texte"), "talk.md", "markdown"),
    ],
)
def test_each_file_says_its_dialect(tmp_path, text, name, dialect) -> None:
    doc, _, infos = read(tmp_path, text, name)
    assert doc.meta.dialect == dialect
    if dialect != "markdown":
        assert any(i.rule == "dialect" and i.line == 1 for i in infos)


# ---------------------------------------------------------------------------- Marp


def test_marp_slides_notes_and_directives(tmp_path) -> None:
    doc, warnings, _ = read(
        tmp_path,
        src(
            "---",
            "marp: true",
            "paginate: true",
            'footer: "Formation 2026"',
            "---",
            "",
            "<!-- _class: lead -->",  # 7: a directive: understood, not a note
            "",
            "# Bienvenue <!-- fit -->",
            "",
            "<!-- Saluer la salle. -->",  # 11: a note
            "",
            "---",
            "",
            "## Deuxième",
            "- un",
            "  - sous-point à deux espaces",
            "",
            "<!--",
            "Notes sur",
            "deux lignes",
            "-->",
        ),
    )
    assert titles(doc) == ["Bienvenue", "Deuxième"]
    assert doc.slides[0].kind == "section"  # a lone first-level title: a section divider
    assert texts(doc.slides[0].notes) == ["Saluer la salle."]
    assert doc.slides[0].notes[0].line == 11
    assert texts(doc.slides[1].notes) == ["Notes sur deux lignes"]
    (lst,) = doc.slides[1].blocks
    assert isinstance(lst.items[0].blocks[1], ListBlock)  # nested, though indented by 2
    assert doc.meta.footer == "Formation 2026"
    assert not [w for w in warnings if "_class" in w.message or "fit" in w.message]


def test_marp_backgrounds_and_sizes(tmp_path) -> None:
    png(tmp_path / "photo.png", (160, 90))
    doc, _, _ = read(
        tmp_path,
        src(
            "---",
            "marp: true",
            "---",
            "",
            "![bg](photo.png)",
            "# Plein écran",
            "",
            "---",
            "",
            "![bg right:40% Une photo](photo.png)",
            "## À droite",
            "",
            "Du texte à gauche.",
            "",
            "---",
            "",
            "## Taille",
            "",
            "![w:300 Schéma](photo.png)",
        ),
    )
    full, side, sized = doc.slides
    assert full.background is not None and full.background.side == "full"
    assert side.background.side == "right" and side.background.share == pytest.approx(0.4)
    assert side.background.image.alt == "Une photo"
    assert texts(side.blocks) == ["Du texte à gauche."]
    (image,) = sized.blocks
    assert isinstance(image, Image) and image.width == "300" and image.alt == "Schéma"


def test_marp_heading_divider(tmp_path) -> None:
    doc, _, _ = read(
        tmp_path, src("---", "marp: true", "headingDivider: 2", "---", "", "# A", "", "x", "## B", "y")
    )
    assert titles(doc) == ["A", "B"]


# ---------------------------------------------------------------------------- remark


def test_remark_properties_steps_notes_and_macros(tmp_path) -> None:
    doc, warnings, _ = read(
        tmp_path,
        src(
            "class: center, middle",
            "name: intro",
            "",
            "# Mon exposé",
            "",
            "???",
            "Une note.",
            "---",
            "layout: false",
            "video: https://example.com/v",  # 10: a property deckgen does not use
            "# Étapes",
            "- premier",
            "--",
            "- second .red[important]",
            "",
            ".left-column[",
            "Texte de gauche",
            "]",
        ),
    )
    assert titles(doc) == ["Mon exposé", "Étapes"]
    assert texts(doc.slides[0].notes) == ["Une note."]
    assert texts(doc.slides[1].blocks) == ["premier", "second important", "Texte de gauche"]
    (w,) = [w for w in warnings if "slide properties" in w.message]
    assert w.line == 10 and "video" in w.message


# ---------------------------------------------------------------------------- Slidev


def test_slidev_front_matter_slots_clicks_and_notes(tmp_path) -> None:
    doc, _, _ = read(
        tmp_path,
        src(
            "---",
            "theme: seriph",
            "layout: cover",
            "---",
            "",
            "# Titre",
            "",
            "---",
            "layout: two-cols",
            "---",
            "",
            "# Deux colonnes",
            "",
            "<v-clicks>",
            "",
            "- gauche",
            "",
            "</v-clicks>",
            "",
            "::right::",
            "",
            '<div class="text-xl">droite</div>',
            "",
            "<!-- La note de fin -->",
        ),
    )
    cover, cols = doc.slides
    assert cover.kind == "section"
    assert plain_text(cols.title) == "Deux colonnes"
    (columns,) = cols.blocks
    assert isinstance(columns, Columns) and len(columns.columns) == 2
    assert texts(columns.columns[0].blocks) == ["gauche"]
    assert texts(columns.columns[1].blocks) == ["droite"]
    assert texts(cols.notes) == ["La note de fin"]


# ---------------------------------------------------------------------------- pandoc / Quarto


def test_pandoc_constructs(tmp_path) -> None:
    doc, warnings, _ = read(
        tmp_path,
        src(
            "% Le titre",  # 1
            "% Ana Lopes; Bo Li",
            "% 2026-01-05",
            "",
            "## Colonnes {layout=\"Two Content\" .smaller}",  # 5
            "",
            ":::: columns",
            '::: {.column width="40%"}',
            "Gauche[^1]",
            ":::",
            "::: column",
            "Droite . . . encore",
            ":::",
            "::::",
            "",
            ". . .",
            "",
            "::: notes",
            "La note.",
            ":::",
            "",
            "[^1]: Une note de bas de page.",
            "",
            "## Formules",  # 24
            "",
            "$$",
            "E = mc^2",
            "$$",
            "",
            "Un \\tiny texte avec $\\alpha$ et {{< pagebreak >}} fin.",  # 30
            "",
            "Terme",
            ":   Sa définition",
            "",
            "| une ligne",
            "| deux lignes",
        ),
    )
    assert doc.meta.title == "Le titre" and doc.meta.author == "Ana Lopes, Bo Li"
    cols_slide, maths = doc.slides
    assert cols_slide.layout == "Two Content" and cols_slide.layout_line == 5
    assert plain_text(cols_slide.title) == "Colonnes"
    (columns,) = cols_slide.blocks
    assert [c.width for c in columns.columns] == [pytest.approx(0.4), 0.0]
    assert texts(columns.columns[0].blocks) == ["Gauche¹"]
    assert sorted(texts(cols_slide.notes)) == ["La note.", "¹ Une note de bas de page."]
    shown = texts(maths.blocks)
    assert shown[0] == "E = mc²"
    assert shown[1] == "Un texte avec α et fin."
    assert "Terme" in shown and "Sa définition" in shown
    assert "une ligne\ndeux lignes" in shown
    lines = {w.line for w in warnings}
    assert 30 in lines  # the LaTeX and the shortcode are named at their line
    assert all("{" not in t and "\\" not in t for t in shown)


def test_quarto_code_cells_and_callouts(tmp_path) -> None:
    doc, warnings, _ = read(
        tmp_path,
        src(
            "---",
            "format: revealjs",
            "execute:",
            "  echo: true",
            "---",
            "",
            "## Code",
            "",
            "```{r setup, include=FALSE}",
            "library(x)",
            "```",
            "",
            "::: callout-note",
            "Attention.",
            ":::",
        ),
    )
    code, note = doc.slides[0].blocks
    assert isinstance(code, Code) and code.language == "r" and code.text == "library(x)"
    assert texts([note]) == ["Attention."]
    assert [w for w in warnings if "execute" in w.message]  # named once, not an error


# ---------------------------------------------------------------------------- plain Markdown


@pytest.mark.parametrize("indent", [2, 3, 4])
def test_sub_lists_nest_at_2_3_and_4_spaces(tmp_path, indent) -> None:
    pad = " " * indent
    doc, _, _ = read(
        tmp_path,
        src("## A", "", "- un", f"{pad}- sous-un", f"{pad}{pad}- sous-sous", "- deux", "1) premier", "2) second"),
    )
    lst, numbered = doc.slides[0].blocks
    sub = lst.items[0].blocks[1]
    assert isinstance(sub, ListBlock) and texts(sub.items[0].blocks[:1]) == ["sous-un"]
    assert isinstance(sub.items[0].blocks[1], ListBlock)
    assert numbered.ordered and texts([numbered]) == ["premier", "second"]


def test_a_list_right_after_a_paragraph_and_code_inside_an_item(tmp_path) -> None:
    doc, _, _ = read(
        tmp_path,
        src("## A", "", "Voici :", "- un", "- deux", "", "- avec du code :", "", "  ```sh", "  ls -l", "  ```"),
    )
    para, lst = doc.slides[0].blocks
    assert plain_text(para.runs) == "Voici :"
    assert any(isinstance(b, Code) and b.text == "ls -l" for b in lst.items[2].blocks)


def test_inline_html_keeps_its_text_and_pictures(tmp_path) -> None:
    png(tmp_path / "a.png")
    doc, _, _ = read(
        tmp_path,
        src(
            "## A",
            "",
            '<div class="box">',
            "",
            "Dans une <span style='color:red'>boîte</span><br>à la ligne",
            "",
            '<img src="a.png" alt="Un logo" width="50%">',
            "",
            "</div>",
            "",
            "## B",
            "",
            "Le code `a < b && c > d` tel quel.",
        ),
    )
    a, b = doc.slides
    assert [plain_text(x.runs) for x in a.blocks if isinstance(x, Paragraph)] == [
        "Dans une boîte\nà la ligne"
    ]
    (image,) = [x for x in a.blocks if isinstance(x, Image)]
    assert image.alt == "Un logo" and image.width == "50%"
    assert plain_text(b.blocks[0].runs) == "Le code a < b && c > d tel quel."


# ---------------------------------------------------------------------------- front matter


def test_front_matter_of_other_tools(tmp_path) -> None:
    doc, warnings, _ = read(
        tmp_path,
        src(
            "---",
            "title: T",
            "author:",
            "  - Ana",
            "  - name: Bo",
            "date: today",
            "institute: Labo",
            "theme: Warsaw",  # 8: not checked by the reader; the build falls back (below)
            "---",
            "",
            "## A",
        ),
    )
    assert doc.meta.author == "Ana, Bo (Labo)"
    assert doc.meta.date == dt.date.today()
    assert doc.meta.theme == "Warsaw" and doc.meta.lines["theme"] == 8


def test_a_theme_of_another_tool_builds_with_the_default_and_a_warning(tmp_path) -> None:
    from deckgen.build import build

    (tmp_path / "pyproject.toml").write_text("[tool.deckgen]\n", encoding="utf-8")
    source = tmp_path / "talk.md"
    source.write_text(src("---", "theme: Warsaw", "lang: en", "---", "", "## A", "", "Hello."))
    result = build([source], out_dir=tmp_path / "out", formats=("deck",), root=tmp_path)
    assert not result.errors
    (w,) = [w for w in result.warnings if "Warsaw" in w.message]
    assert w.line == 2 and "built with the 'default' theme" in w.message
    assert (tmp_path / "out" / "default" / "talk.pptx").is_file()
    strict = build([source], out_dir=tmp_path / "out2", formats=("deck",), root=tmp_path, strict=True)
    assert [e.line for e in strict.errors] == [2]


# ---------------------------------------------------------------------------- language


def test_an_english_file_without_lang_gets_english_typography(tmp_path) -> None:
    from deckgen import typography

    doc, _, infos = read(
        tmp_path,
        src("## Solution: Tracing", "", 'The "front-end" team ships every week: no surprises!'),
    )
    assert doc.meta.lang == "en-US" and doc.meta.lang_source == "guessed"
    assert any(i.rule == "lang-guessed" and "en-US" in i.message for i in infos)
    shown = typography.apply(doc)
    assert plain_text(shown.slides[0].title) == "Solution: Tracing"  # no space before ':'
    assert "“front-end”" in texts(shown.slides[0].blocks)[0]


def test_lang_from_the_settings_before_guessing(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.deckgen]\nlang = "de-DE"\n', encoding="utf-8")
    doc, _, _ = read(tmp_path, src("## A", "", "The text is English but the project says German."))
    assert doc.meta.lang == "de-DE" and doc.meta.lang_source == "settings"
