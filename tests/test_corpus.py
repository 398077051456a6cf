"""The bad-input corpus: every broken or hostile input deckgen may be given, each with its
exact message, its exit code, no traceback, and no output changed.

`CASES` is the table. Each case writes its input into a throw-away project where good
outputs were built first (decks and newsletters in build/, messages of an earlier dry
run in out/), runs the command in-process through `deckgen.cli.main`, then checks:

- the exit code, and the first line of stderr (exactly, or its start where the rest names
  a temporary folder);
- no "Traceback" and no "internal error" anywhere in the output;
- every file under build/ and out/ byte-identical to before when the command failed (a
  case that succeeds says what it must have written instead);
- its own extra checks (a BOM kept out of the title, CRLF giving the same deck as LF,
  no file content read through an XML entity...).

Small inputs are files under tests/fixtures/bad/ (content/, lists/; the nine files at the
top are older and also used by test_cli.py); large or binary ones are made at run time
by tests/badfiles.py (a 2 MB paragraph, a 10,000-point chart, 100,000 rows, bombs).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import badfiles
import pytest
from pptx import Presentation

from deckgen.cli import main

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BAD = HERE / "fixtures" / "bad"
GOOD = HERE / "fixtures" / "good.md"
CONFIG = """[tool.deckgen]
sender_name = "Hélène Marchand"
sender_address = "lettre@example.com"
unsubscribe_mailto = "mailto:desabonnement@example.com"
"""
LETTER = """---
title: La lettre
lang: fr-FR
---

## Bonjour

Bonjour {{ first_name }}, voici la lettre.
"""
GOOD_LIST = "email,first_name,last_name\navant@example.com,Avant,Dupont\n"
CLIENT_THEME = 'name = "client"\n[colors]\nprimary = "#0B5D1E"\n'
KNOWN_KEYS = (
    "known keys: title, subtitle, author, date, lang, theme, slide_level, subject, preheader"
)


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # "content" (build content/x.md), "theme" (build --theme client), "list" (send)
    setup: Callable[[Path], None]  # writes the bad input into the project
    exit: int
    message: str  # the first stderr line ("" when nothing must be printed)
    prefix: bool = False  # `message` is the start of the line (the rest names a tmp folder)
    args: tuple[str, ...] = ()  # more command-line arguments
    check: Callable[[Path, str, str], None] | None = None  # more checks: (project, out, err)


# ---------------------------------------------------------------------------- inputs


def content(text: str | bytes) -> Callable[[Path], None]:
    def setup(project: Path) -> None:
        target = project / "content" / "x.md"
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")

    return setup


def fixture(name: str, then: Callable[[Path], None] | None = None) -> Callable[[Path], None]:
    def setup(project: Path) -> None:
        (project / "content" / "x.md").write_bytes((BAD / name).read_bytes())
        if then is not None:
            then(project)

    return setup


FM = "---\ntitle: Formation\nlang: fr-FR\n---\n\n## Une diapositive\n\n"  # body on line 8


def nested_list(levels: int) -> str:
    return FM + "".join("    " * k + f"- niveau {k}\n" for k in range(levels))


def chart(points: int) -> str:
    rows = "".join(f"  Point {k}: {k}\n" for k in range(points))
    return FM + f"```chart\ntype: line\ntitle: Mesures\ndata:\n{rows}```\n"


def theme(edit: Callable[[Path], None]) -> Callable[[Path], None]:
    """The client theme (built fine first), then broken by `edit(its folder)`."""

    def setup(project: Path) -> None:
        edit(project / "themes" / "client")

    return setup


def toml(text: str) -> Callable[[Path], None]:
    return theme(lambda folder: (folder / "theme.toml").write_text(text, encoding="utf-8"))


def email_override(text: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        (folder / "templates" / "email").mkdir(parents=True, exist_ok=True)
        (folder / "templates" / "email" / "newsletter.html").write_text(text, encoding="utf-8")

    return theme(edit)


def listing(source: str | Callable[[Path], None]) -> Callable[[Path], None]:
    def setup(project: Path) -> None:
        target = project / "abonnes.csv"
        if callable(source):
            source(target)
        else:
            target.write_bytes((BAD / "lists" / source).read_bytes())

    return setup


# ---------------------------------------------------------------------------- checks


def deck_of(project: Path, theme_name: str = "default") -> Presentation:
    return Presentation(str(project / "build" / theme_name / "x.pptx"))


def slide_xml(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {
            n: archive.read(n)
            for n in archive.namelist()
            if n.startswith(("ppt/slides/", "ppt/notesSlides/"))
        }


def slide_texts(project: Path) -> str:
    return " ".join(
        shape.text_frame.text
        for slide in deck_of(project).slides
        for shape in slide.shapes
        if shape.has_text_frame
    )


def outside_never_read(project: Path, out: str, err: str) -> None:
    """The picture outside the root (or absent) is in no output: the deck holds no picture
    at all, but a placeholder with the picture's description; so does the newsletter."""
    with zipfile.ZipFile(project / "build" / "default" / "x.pptx") as archive:
        assert not [n for n in archive.namelist() if n.startswith("ppt/media/")]
    assert "Un schéma" in slide_texts(project) or "Logo" in slide_texts(project)
    outside = project.parent / "dehors.png"
    for path in project.rglob("*"):
        if path.is_file() and outside.is_file() and path.suffix in (".eml", ".html", ".pptx"):
            assert outside.read_bytes() not in path.read_bytes(), path
    text = (project / "build" / "default" / "x.txt").read_text(encoding="utf-8")
    assert "Un schéma" in text or "Logo" in text


def check_bom(project: Path, out: str, err: str) -> None:
    title = deck_of(project).slides[0].shapes.title.text_frame.text
    assert title == "Titre avec BOM"
    for suffix in (".txt", ".html"):
        text = (project / "build" / "default" / f"x{suffix}").read_text(encoding="utf-8")
        assert "\ufeff" not in text and "Titre avec BOM" in text


def check_crlf(project: Path, out: str, err: str) -> None:
    """The CRLF file gives the very slides of its LF twin (built here beside it)."""
    crlf = project / "build" / "default" / "x.pptx"
    (project / "content" / "lf.md").write_bytes((BAD / "content" / "line-endings.md").read_bytes())
    assert main(["build", "-q", "--format", "deck", "content/lf.md"]) == 0
    assert slide_xml(crlf) == slide_xml(project / "build" / "default" / "lf.pptx")
    txt = (project / "build" / "default" / "x.txt").read_bytes()
    assert b"\r" not in txt.replace(b"\r\n", b"")  # no stray CR from the source


def check_ragged(project: Path, out: str, err: str) -> None:
    """Python-Markdown's rule: a short row gets empty cells, cells beyond the header's
    columns are dropped (and deckgen warns, at the row's line)."""
    table = next(s for s in deck_of(project).slides[1].shapes if s.has_table).table
    cells = [[c.text_frame.text for c in row.cells] for row in table.rows]
    assert cells == [["Plateforme", "Audience"], ["Facebook", "500"], ["LinkedIn", ""]]


def check_control_chars(project: Path, out: str, err: str) -> None:
    body = " ".join(
        shape.text_frame.text for shape in deck_of(project).slides[1].shapes if shape.has_text_frame
    )
    assert "Nul" in body and "rouge" in body
    assert not any(ch in body for ch in "\x00\x07\x0b\x1b")


def check_long_word(project: Path, out: str, err: str) -> None:
    prs = deck_of(project)
    text = "".join(
        shape.text_frame.text
        for slide in list(prs.slides)[1:]
        for shape in slide.placeholders
        if 0 < shape.placeholder_format.idx < 10
    )
    assert text == LONG_WORD


def check_nine_levels(project: Path, out: str, err: str) -> None:
    assert len(deck_of(project).slides) >= 2


def marker_nowhere(project: Path, out: str, err: str) -> None:
    """The entity's target file was never read: its marker is in no output, no message."""
    assert MARKER not in out + err
    for path in project.rglob("*"):
        if path.is_file() and path.name != "secret.txt":
            data = path.read_bytes()
            assert MARKER.encode() not in data, path
            if path.suffix in (".pptx", ".zip"):
                with zipfile.ZipFile(path) as archive:
                    for name in archive.namelist():
                        assert MARKER.encode() not in archive.read(name), (path, name)


def eml_parts(project: Path, address: str) -> dict[str, str]:
    """Subject, text/plain and text/html of a dry run's message."""
    import email
    import email.policy

    data = (project / "out" / f"{address}.eml").read_bytes()
    msg = email.message_from_bytes(data, policy=email.policy.default)
    parts = {"subject": str(msg["Subject"])}
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            parts[part.get_content_subtype()] = part.get_content()
    return parts


def eml_text(project: Path, address: str) -> str:
    return "\n".join(eml_parts(project, address).values())


def check_formula(project: Path, out: str, err: str) -> None:
    """A spreadsheet formula is a name like any other: deckgen writes no CSV a spreadsheet
    would evaluate, and puts the value as text in the message."""
    assert "=cmd|' /C calc'!A0" in eml_text(project, "ana@example.com")


def check_html_field(project: Path, out: str, err: str) -> None:
    """HTML in a field is text: escaped in the HTML part, as written in the plain part."""
    parts = eml_parts(project, "ana@example.com")
    assert "<script" not in parts["html"] and "<b>Ana</b>" not in parts["html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;Ana&lt;/b&gt;" in parts["html"]
    assert "Bonjour <script>alert(1)</script><b>Ana</b>, voici la lettre." in parts["plain"]


def check_injection(project: Path, out: str, err: str) -> None:
    assert (project / "out" / "ana@example.com.eml").is_file()
    assert not (project / "out" / "bob@example.com.eml").exists()
    assert "victim@example.org" not in (project / "out" / "ana@example.com.eml").read_text()


def check_100k(project: Path, out: str, err: str) -> None:
    assert "wrote 10 message(s) to out (not sent: 99990 with another lang than fr-FR)" in out
    assert len(list((project / "out").glob("r*.eml"))) == 10


# ---------------------------------------------------------------------------- generated inputs

LONG_WORD = "".join(chr(ord("a") + k % 26) for k in range(3000))
MARKER = "SECRET-MARKER-b41e"


def images(project: Path) -> Path:
    folder = project / "content" / "images"
    folder.mkdir(exist_ok=True)
    return folder


def outside_png(project: Path) -> Path:
    return badfiles.png(project.parent / "dehors.png")


def symlink_out(project: Path) -> None:
    (images(project) / "lien.png").symlink_to(outside_png(project))


def absolute_image(project: Path) -> None:
    path = outside_png(project)
    (project / "content" / "x.md").write_text(FM + f"![Un schéma]({path})\n", encoding="utf-8")


def xxe(folder: Path) -> None:
    secret = folder.parent.parent / "secret.txt"
    secret.write_text(MARKER, encoding="utf-8")
    badfiles.xxe_template(folder / "template.pptx", secret)


def old_ppt(folder: Path) -> None:
    data = badfiles.encrypted_template(folder / "template.pptx").read_bytes()
    for name in ("EncryptionInfo", "EncryptedPackage"):  # an ordinary compound file: a .ppt
        encoded = name.encode("utf-16-le")
        data = data.replace(encoded, ("X" * len(name)).encode("utf-16-le"))
    (folder / "template.pptx").write_bytes(data)


def cycle(folder: Path) -> None:
    (folder / "theme.toml").write_text(CLIENT_THEME.replace("\n", '\nextends = "autre"\n', 1))
    (folder.parent / "autre").mkdir()
    (folder.parent / "autre" / "theme.toml").write_text('name = "autre"\n\nextends = "client"\n')


def hundred_thousand(path: Path) -> None:
    rows = ["email,first_name,last_name,lang"]
    rows += [
        f"r{k:06d}@example.com,P{k},N{k},{'fr' if k % 10_000 == 0 else 'en'}"
        for k in range(100_000)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def not_a_pptx(folder: Path) -> None:
    (folder / "template.pptx").write_text("Ceci n'est pas une présentation.\n")


# ---------------------------------------------------------------------------- the table

X = "content/x.md"
T = "themes/client/theme.toml"
P = "themes/client/template.pptx"
L = "abonnes.csv"
BUILD_FAILED = "nothing was written for them"

CASES = [
    # --- content: front matter, encoding, empty files
    Case(
        "fm-broken-yaml",
        "content",
        fixture("front-matter.md"),
        1,
        f"{X}:3: front matter is not valid YAML (mapping values are not allowed here): "
        "check the indentation and quote values that contain ':' or '#'",
    ),
    Case(
        "fm-tabs",
        "content",
        fixture("content/yaml-tabs.md"),
        1,
        f"{X}:4: front matter is not valid YAML (found character '\\t' that cannot start "
        "any token): YAML does not allow tabs; indent with spaces",
    ),
    Case(
        "fm-unknown-key",
        "content",
        fixture("content/unknown-key.md"),
        0,
        f"{X}:3: warning: unknown front matter key 'titel' (did you mean \"title\"?); "
        + KNOWN_KEYS,
    ),
    Case(
        "fm-unknown-key-strict",
        "content",
        fixture("content/unknown-key.md"),
        1,
        f"{X}:3: warning: unknown front matter key 'titel' (did you mean \"title\"?); "
        + KNOWN_KEYS,
        args=("--strict",),
    ),
    Case(
        "fm-not-closed",
        "content",
        fixture("content/front-matter-unclosed.md"),
        1,
        f"{X}:1: front matter is not closed: add a line '---' after its last key",
    ),
    Case(
        "fm-a-list",
        "content",
        fixture("content/front-matter-list.md"),
        1,
        f"{X}:2: front matter must be 'key: value' lines (a YAML mapping)",
    ),
    Case("fm-bad-date", "content", fixture("bad-date.md"), 1, f"{X}:3: ", prefix=True),
    Case(
        "fm-unknown-theme",
        "content",
        fixture("unknown-theme.md"),
        0,
        f"{X}:3: warning: theme 'defautl' not found (did you mean \"default\"?)",
        prefix=True,
        check=lambda p, o, e: "built with the 'default' theme" in e,
    ),
    Case(
        "fm-unknown-theme-strict",
        "content",
        fixture("unknown-theme.md"),
        1,
        f"{X}:3: theme 'defautl' not found (did you mean \"default\"?)",
        prefix=True,
        args=("--strict",),
    ),
    Case(
        "latin1",
        "content",
        fixture("latin1.md"),
        1,
        f"{X}:5: not UTF-8 (byte 0xe9); re-save the file as UTF-8 "
        "(for example: iconv -f latin1 -t utf-8)",
    ),
    Case(
        "empty",
        "content",
        fixture("empty.md"),
        1,
        f"{X}:1: the file is empty: write a front matter and some slides",
    ),
    Case(
        "whitespace-only",
        "content",
        fixture("content/whitespace-only.md"),
        1,
        f"{X}:1: the file is empty: write a front matter and some slides",
    ),
    Case(
        "front-matter-only",
        "content",
        fixture("content/front-matter-only.md"),
        1,
        f"{X}:1: the file has no content: write a title in front matter and some slides",
    ),
    Case("bom", "content", fixture("content/bom.md"), 0, "", check=check_bom),
    Case(
        "crlf",
        "content",
        content((BAD / "content" / "line-endings.md").read_bytes().replace(b"\n", b"\r\n")),
        0,
        "",
        check=check_crlf,
    ),
    Case(
        "control-chars",
        "content",
        fixture("content/control-chars.md"),
        0,
        "",
        check=check_control_chars,
    ),
    # --- content: blocks
    Case(
        "unclosed-fence",
        "content",
        fixture("content/unclosed-fence.md"),
        1,
        f"{X}:8: unclosed code block: the fence ``` opened here has no closing ``` line; "
        "add one after the block",
    ),
    Case(
        "unclosed-div",
        "content",
        fixture("unclosed-div.md"),
        1,
        f"{X}:9: unclosed block: '::: notes' opened here has no closing ':::' line; "
        "add ':::' alone on a line where the block ends",
    ),
    Case(
        "unknown-div",
        "content",
        fixture("content/unknown-div.md"),
        0,
        f"{X}:8: warning: '::: remarque' is not a block deckgen knows: its content is shown "
        "as ordinary text",
        check=lambda p, o, e: "Un bloc inconnu." in slide_texts(p),
    ),
    Case(
        "unknown-div-strict",
        "content",
        fixture("content/unknown-div.md"),
        1,
        f"{X}:8: warning: '::: remarque' is not a block deckgen knows: its content is shown "
        "as ordinary text",
        args=("--strict",),
    ),
    Case(
        "notes-in-quote",
        "content",
        fixture("content/notes-in-quote.md"),
        1,
        f"{X}:8: '::: notes' must be at the top level of a slide, not inside another block",
    ),
    Case(
        "list-60-levels",
        "content",
        content(nested_list(60)),
        1,
        f"{X}:8: lists and quotes nested 60 levels deep; deckgen shows at most 9 levels "
        "(PowerPoint's outline levels): flatten this block",
    ),
    Case("list-9-levels", "content", content(nested_list(9)), 0, "", check=check_nine_levels),
    Case(
        "quote-200-levels",
        "content",
        fixture("content/quote-200.md"),
        1,
        f"{X}:8: lists and quotes nested 200 levels deep; deckgen shows at most 9 levels "
        "(PowerPoint's outline levels): flatten this block",
    ),
    Case(
        "paragraph-2mb",
        "content",
        content(FM + "mot " * 524_288 + "\n"),
        1,
        f"{X}:8: a paragraph of 2,097,151 characters; at most 10,000 fit on a few slides: "
        "split it into paragraphs",
    ),
    Case(
        "code-line-20k",
        "content",
        content(FM + "```\n" + "x" * 20_000 + "\n```\n"),
        1,
        f"{X}:8: a code line of 20,000 characters; at most 10,000: wrap it or show an excerpt",
    ),
    Case(
        "word-3000-chars", "content", content(FM + LONG_WORD + "\n"), 0, "", check=check_long_word
    ),
    Case(
        "table-ragged-rows",
        "content",
        fixture("content/ragged-table.md"),
        0,
        "content/x.md:10: warning: this table row has 4 cells but the header has 2: the last "
        "2 would be dropped; add header cells or merge them",
        check=check_ragged,
    ),
    Case(
        "chart-10000-points",
        "content",
        content(chart(10_000)),
        1,
        f"{X}:8: chart has 10000 points; more than 400 cannot be read on a slide: "
        "aggregate the data",
    ),
    Case(
        "chart-type",
        "content",
        fixture("chart-type.md"),
        1,
        f"{X}:8: unknown chart type 'colonne' (did you mean \"column\"?); "
        "use one of: bar, column, line, pie",
    ),
    Case(
        "chart-not-number",
        "content",
        fixture("chart-not-number.md"),
        1,
        f"{X}:12: chart value for 'Radio' is '38 ans', not a number; "
        "write only the number and put the unit in 'unit:'",
    ),
    Case(
        "chart-nan",
        "content",
        fixture("content/chart-nan.md"),
        1,
        f"{X}:12: chart value for 'Facebook' is nan, not a number; "
        "write only the number and put the unit in 'unit:'",
    ),
    Case(
        "chart-not-mapping",
        "content",
        fixture("content/chart-not-mapping.md"),
        1,
        f"{X}:8: a chart block holds YAML keys: type, title, unit, and data "
        "(or categories and series)",
    ),
    # --- content: images
    # A picture that is missing, outside the project or unreachable is never read: the deck
    # and the newsletter are built with a placeholder showing its description, and a warning
    # names the file and line; --strict fails on it (and deckgen check reports an error:
    # test_picture_problems_are_errors_in_check).
    *[
        case
        for cid, setup, line, start in (
            ("image-missing", fixture("missing-image.md"), 9,
             "picture 'images/logo.png' not found (looked for "),
            ("image-outside-dotdot", fixture("content/image-dotdot.md", outside_png), 8,
             "picture '../../dehors.png' is outside the project ("),
            ("image-absolute-path", absolute_image, 8, "picture '/"),
            ("image-symlink-outside", fixture("content/image-symlink.md", symlink_out), 8,
             "picture 'images/lien.png' is outside the project ("),
            ("image-url-offline", fixture("content/image-url.md"), 8,
             "picture 'https://example.com/schema.png' is on the web and was not downloaded: "
             "--offline forbids it (deckgen build downloads it once, into "
             "build/.deckgen/pictures): a placeholder"),
        )
        for case in (
            Case(cid, "content", setup, 0, f"{X}:{line}: warning: {start}", prefix=True,
                 args=("--offline",), check=outside_never_read),
            Case(cid + "-strict", "content", setup, 1, f"{X}:{line}: warning: {start}",
                 prefix=True, args=("--offline", "--strict")),
        )
    ],
    Case(
        "image-truncated",
        "content",
        fixture(
            "content/image-truncated.md", lambda p: badfiles.truncated_png(images(p) / "coupe.png")
        ),
        1,
        f"{X}:8: image 'images/coupe.png' is not a readable image (truncated or not an image file)",
    ),
    Case(
        "image-not-an-image",
        "content",
        fixture(
            "content/image-not-image.md",
            lambda p: (images(p) / "texte.png").write_text("pas une image"),
        ),
        1,
        f"{X}:8: image 'images/texte.png' is not a readable image (truncated or not an image file)",
    ),
    Case(
        "image-decompression-bomb",
        "content",
        fixture("content/image-bomb.md", lambda p: badfiles.png_bomb(images(p) / "bombe.png")),
        1,
        f"{X}:8: image 'images/bombe.png' is too large to decode safely; resize it",
    ),
    # --- themes
    Case(
        "theme-bad-hex",
        "theme",
        toml(CLIENT_THEME.replace("#0B5D1E", "#0B5D1")),
        1,
        f"{T}:3: 'colors.primary' must be a hex colour like \"#1F3A5F\", not '#0B5D1'",
    ),
    Case(
        "theme-unknown-key",
        "theme",
        toml(CLIENT_THEME.replace("[colors]", "[colours]")),
        1,
        f"{T}:2: unknown key 'colours' (did you mean \"colors\"?); known keys here: name, "
        "extends, colors, fonts, sizes, slides, layouts, email, logo",
    ),
    Case(
        "theme-missing-logo",
        "theme",
        toml(CLIENT_THEME + '[logo]\nfile = "assets/logo.png"\n'),
        1,
        f"{T}:5: logo 'assets/logo.png' not found (looked for ",
        prefix=True,
    ),
    Case(
        "theme-cycle",
        "theme",
        theme(cycle),
        1,
        "themes/autre/theme.toml:3: themes extend each other in a cycle: client -> autre -> "
        "client; make one of them extend 'default'",
    ),
    Case(
        "theme-invalid-toml",
        "theme",
        toml(CLIENT_THEME.replace("[colors]", "[colors")),
        1,
        f"{T}:2: not valid TOML: ",
        prefix=True,
    ),
    Case(
        "theme-latin1",
        "theme",
        theme(
            lambda f: (f / "theme.toml").write_bytes(
                b'name = "client"\n[slides]\nfooter = "Soci\xe9t\xe9"\n'
            )
        ),
        1,
        f"{T}:3: not UTF-8 (byte 0xe9); re-save the file as UTF-8 "
        "(for example: iconv -f latin1 -t utf-8)",
    ),
    Case(
        "theme-missing-layout",
        "theme",
        toml(CLIENT_THEME + '[layouts]\ncontent = "Titre et contenu"\n'),
        1,
        # At the [layouts] line that names a layout the (inherited) template lacks.
        "themes/client/theme.toml:5: template.pptx: this template has no layout "
        "'Titre et contenu' for content (did you mean \"Title and Content\"?); it has: ",
        prefix=True,
    ),
    Case(
        "theme-jinja-syntax-error",
        "theme",
        email_override(
            '{% extends "email/base.html" %}\n{% block content %}{{ oops }\n{% endblock %}\n'
        ),
        1,
        "themes/client/templates/email/newsletter.html:2: template error: unexpected '}'",
    ),
    Case(
        "template-not-a-pptx",
        "theme",
        theme(not_a_pptx),
        1,
        f"{P}: not a PowerPoint presentation or template (.pptx, .potx) (BadZipFile); "
        "save the client's template from PowerPoint or LibreOffice as .pptx",
    ),
    Case(
        "template-zip-bomb",
        "theme",
        theme(lambda f: badfiles.zip_bomb_template(f / "template.pptx", gigabytes=0.3)),
        1,
        f"{P}: this template unpacks to 304 MB, like a zip bomb; deckgen refuses it unopened "
        "(at most 256 MB, compressed at most 200:1): save the template again from PowerPoint",
    ),
    Case(
        "template-xxe",
        "theme",
        theme(xxe),
        1,
        f"{P}: its part ppt/theme/theme1.xml declares a DTD (<!DOCTYPE>); Office never "
        "writes one, and its entities could make an XML parser read files of this computer "
        "(XXE): refused; save the template again from PowerPoint",
        check=marker_nowhere,
    ),
    Case(
        "template-encrypted",
        "theme",
        theme(lambda f: badfiles.encrypted_template(f / "template.pptx")),
        1,
        f"{P}: this template is encrypted (password-protected); open it in PowerPoint and "
        "save an unprotected copy as .pptx",
    ),
    Case(
        "template-old-ppt",
        "theme",
        theme(old_ppt),
        1,
        f"{P}: this is an old binary PowerPoint file (.ppt, .pot), not .pptx; open it in "
        "PowerPoint or LibreOffice and save it as .pptx",
    ),
    # --- subscriber lists (deckgen send --dry-run out)
    Case(
        "list-wrong-delimiter",
        "list",
        listing("tab-delimited.csv"),
        1,
        f"{L}:1: no 'email' column; the header row has: email\tfirst_name\tlast_name. ",
        prefix=True,
    ),
    Case(
        "list-no-header",
        "list",
        listing("no-header.csv"),
        1,
        f"{L}:1: no 'email' column; the header row has: ana@example.com, ana, lopes. The "
        "first row must name the columns: email,first_name,last_name",
    ),
    Case(
        "list-latin1",
        "list",
        listing("latin1.csv"),
        1,
        f"{L}:2: not UTF-8 (byte 0xe9); re-save the list as UTF-8 (in a spreadsheet: CSV "
        "UTF-8; or iconv -f latin1 -t utf-8)",
    ),
    Case(
        "list-unclosed-quote",
        "list",
        listing(lambda p: p.write_bytes((HERE / "fixtures/send/unclosed-quote.csv").read_bytes())),
        1,
        f"{L}:3: the CSV cannot be read from here on",
        prefix=True,
    ),
    Case(
        "list-crlf-injection",
        "list",
        listing("crlf-injection.csv"),
        1,
        f"{L}:3: the first_name value contains a line break or a control character; it could "
        "forge mail headers: remove it (row skipped)",
        check=check_injection,
    ),
    Case("list-formula", "list", listing("formula.csv"), 0, "", check=check_formula),
    Case("list-html", "list", listing("html.csv"), 0, "", check=check_html_field),
    Case("list-100000-rows", "list", listing(hundred_thousand), 0, "", check=check_100k),
]

# Outputs a failing case may still have rewritten: none, except where stated here.
REWRITES: dict[str, str] = {}  # cases allowed to rewrite outputs (none: --strict writes nothing)


# ---------------------------------------------------------------------------- the test


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "projet"
    (root / "content").mkdir(parents=True)
    (root / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def snapshot(project: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(project)): p.read_bytes()
        for folder in ("build", "out")
        for p in sorted((project / folder).rglob("*"))
        if p.is_file()
    }


def prepare(project: Path, case: Case, capsys) -> list[str]:
    """Build the good outputs the case must not touch; the command of the case."""
    if case.kind == "list":
        (project / "content" / "lettre.md").write_text(LETTER, encoding="utf-8")
        (project / "abonnes.csv").write_text(GOOD_LIST, encoding="utf-8")
        command = ["send", "content/lettre.md", "--to-list", "abonnes.csv", "--dry-run", "out"]
        assert main(command) == 0, capsys.readouterr().err
        return command
    (project / "content" / "x.md").write_bytes(GOOD.read_bytes())
    command = ["build", "-q", "content/x.md"]
    if case.kind == "theme":
        folder = project / "themes" / "client"
        folder.mkdir(parents=True)
        (folder / "theme.toml").write_text(CLIENT_THEME, encoding="utf-8")
        command += ["--theme", "client"]
    assert main(command) == 0, capsys.readouterr().err
    return command


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_input(project: Path, capsys: pytest.CaptureFixture[str], case: Case) -> None:
    command = prepare(project, case, capsys)
    before = snapshot(project)
    assert before, "the good outputs were built"
    capsys.readouterr()
    case.setup(project)
    code = main([*command, *case.args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in out + err, err
    assert code == case.exit, err
    first = err.splitlines()[0] if err else ""
    if not case.message:
        assert first == "" or "warning" in first or case.kind == "list", err
    elif case.prefix:
        assert first.startswith(case.message), err
    elif case.message.startswith(("content/", "themes/", "abonnes")):
        assert first == case.message, err
    else:  # a message about the inherited default template: its path is deckgen's own
        assert case.message in first, err
    after = snapshot(project)
    if case.kind == "list":
        # An earlier run's messages are never touched, whatever the list holds; a list
        # that cannot be read writes nothing (a bad row is skipped, the others written).
        assert all(after[k] == v for k, v in before.items())
        if code != 0 and "row skipped" not in case.message:
            assert after == before, "a list that cannot be read changed the outputs"
    elif code != 0 and case.id not in REWRITES:
        assert after == before, "a failed run changed its outputs"
        assert BUILD_FAILED in err
    if case.id in REWRITES:
        assert set(after) == set(before)
    if code == 0 and case.kind != "list":
        assert Presentation(str(project / "build" / "default" / "x.pptx")).slides
    assert not [p for p in project.rglob(".deckgen-*.tmp")], "a temporary file was left"
    if case.check is not None:
        case.check(project, out, err)


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)
    committed = {p.name for p in BAD.rglob("*") if p.is_file()}
    assert {"bad-date.md", "empty.md", "front-matter.md", "latin1.md"} <= committed


def test_a_zip_bomb_template_is_refused_in_little_time_and_memory(project: Path) -> None:
    """Measured in a child process: refusing a 304 MB bomb must not inflate it."""
    folder = project / "themes" / "client"
    folder.mkdir(parents=True)
    (folder / "theme.toml").write_text(CLIENT_THEME, encoding="utf-8")
    badfiles.zip_bomb_template(folder / "template.pptx", gigabytes=0.3)
    (project / "content" / "x.md").write_bytes(GOOD.read_bytes())
    script = (
        "import re, sys\n"
        "from deckgen.cli import main\n"
        "code = main(['build', '-q', '--theme', 'client', 'content/x.md'])\n"
        # The peak of this process since it started (VmHWM), not ru_maxrss: that one
        # counts the memory of the test process it was forked from.
        "status = open('/proc/self/status').read()\n"
        "print(re.search(r'VmHWM:\\s+(\\d+)', status).group(1), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    elapsed = time.perf_counter() - start
    assert proc.returncode == 1, proc.stderr
    assert "like a zip bomb" in proc.stderr
    peak_kb = int(proc.stderr.strip().splitlines()[-1])
    assert peak_kb < 250_000, f"peak memory {peak_kb} kB: the bomb was inflated"
    assert elapsed < 15
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > 0
