"""deckgen check: each kind of finding from a fixture that triggers it (rule, path, line),
the samples passing --strict, the JSON form, and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deckgen.check import JSON_VERSION, RULES, run_check
from deckgen.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "check"


INFO_RULES = ("lang-guessed", "dialect")  # what deckgen decided; tested on their own below


def findings(name: str, theme: str | None = None) -> set[tuple[str, str, int | None]]:
    report = run_check([FIXTURES / name], [theme] if theme else [], FIXTURES)
    return {
        (f.rule, f.path.resolve().relative_to(FIXTURES).as_posix(), f.line)
        for f in report.findings
        if f.rule not in INFO_RULES
    }


def test_a_guessed_language_and_a_dialect_are_info_findings(tmp_path):
    (tmp_path / "talk.md").write_text(
        "---\nmarp: true\n---\n\n# Our quarterly review\n\nWhat went well and what we will "
        "change next quarter.\n",
        encoding="utf-8",
    )
    report = run_check([tmp_path / "talk.md"], [], tmp_path)
    infos = {(f.rule, f.severity, f.line) for f in report.findings if f.rule in INFO_RULES}
    assert infos == {("lang-guessed", "info", 1), ("dialect", "info", 1)}
    assert report.exit_code() == 0
    assert "reads as en-US" in next(f.message for f in report.findings if f.rule == "lang-guessed")


@pytest.mark.parametrize(
    ("name", "theme", "expected"),
    [
        ("overflow.md", None, {("deck-overflow", "overflow.md", 6)}),
        ("long.md", None, {("deck-shrunk", "long.md", 6), ("deck-split", "long.md", 6)}),
        (
            "slides.md",
            None,
            {
                ("slide-no-title", "slides.md", 6),
                ("slide-no-notes", "slides.md", 6),
                ("slide-no-notes", "slides.md", 16),
            },
        ),
        ("images.md", None, {("image-no-alt", "images.md", 8), ("image-blurry", "images.md", 8)}),
        ("chart.md", None, {("chart-mixed-units", "chart.md", 8)}),
        (
            "email.md",
            None,
            {
                ("email-no-preheader", "email.md", 3),
                ("email-subject-long", "email.md", 3),
                ("link-missing-file", "email.md", 8),
            },
        ),
        (
            "french.md",
            None,
            {("fr-space", "french.md", 9), ("fr-quotes", "french.md", 11)},
        ),
        ("broken.md", None, {("input", "broken.md", 2)}),
        ("clean.md", "pale", {("theme-contrast", "themes/pale/theme.toml", 4)}),
        ("clean.md", "nofont", {("theme-font-missing", "themes/nofont/theme.toml", 4)}),
        (
            "clean.md",
            "flex",
            {("email-client", "themes/flex/templates/email/newsletter.html", 3)},
        ),
        ("clean.md", None, set()),
    ],
)
def test_each_finding_has_its_rule_path_and_line(name, theme, expected):
    assert findings(name, theme) == expected


def test_severities_follow_the_rules():
    report = run_check(
        [FIXTURES / "long.md", FIXTURES / "overflow.md", FIXTURES / "slides.md"], [], FIXTURES
    )
    severities = {(f.rule, f.severity) for f in report.findings}
    # What fails a check, what only warns, and what deckgen fixed by itself (never fails).
    assert severities == {
        ("deck-overflow", "error"),
        ("slide-no-title", "warning"),
        ("slide-no-notes", "warning"),
        ("deck-shrunk", "info"),
        ("deck-split", "info"),
    }
    assert all(RULES[rule][0] == severity for rule, severity in severities)


def test_french_spacing_messages_give_the_fix():
    report = run_check([FIXTURES / "french.md"], [], FIXTURES)
    messages = sorted(f.message for f in report.findings if f.rule == "fr-space")
    assert "'10 000'" in messages[0] and "U+202F" in messages[0]
    assert "'500 €'" in messages[1] and "U+00A0" in messages[1]


def newsletter_of(tmp_path: Path, paragraphs: int) -> Path:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    text = "Un paragraphe de lettre d’information assez long pour peser son poids. " * 8
    body = "\n\n".join(f"## Partie {k}\n\n{text}" for k in range(paragraphs))
    path = tmp_path / "lettre.md"
    path.write_text(f"---\ntitle: T\npreheader: p\n---\n\n{body}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("paragraphs", "rule"), [(125, "email-size"), (150, "email-clipped")])
def test_gmail_clipping_is_a_warning_near_and_an_error_over_102_kb(tmp_path, paragraphs, rule):
    path = newsletter_of(tmp_path, paragraphs)
    report = run_check([path], [], tmp_path)
    assert [f.rule for f in report.findings if f.rule.startswith("email-")] == [rule]
    assert report.exit_code() == (1 if rule == "email-clipped" else 0)


def test_the_samples_and_every_theme_pass_strict(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert main(["check", "--theme", "all", "--strict"]) == 0
    out = capsys.readouterr().out
    assert "checked 2 file(s) in 3 theme(s): 0 error(s), 0 warning(s)" in out


def test_exit_codes_text_and_strict(monkeypatch, capsys):
    monkeypatch.chdir(FIXTURES)
    assert main(["check", "slides.md"]) == 0  # warnings only
    assert main(["check", "slides.md", "--strict"]) == 1
    assert main(["check", "overflow.md"]) == 1  # an error
    assert main(["check", "long.md", "--strict"]) == 0  # info never fails
    out = capsys.readouterr().out
    assert "slides.md:16: warning: no speaker notes" in out and "(slide-no-notes)" in out
    assert main(["check", "absent.md"]) == 2


def test_the_json_form_is_stable(monkeypatch, capsys):
    monkeypatch.chdir(FIXTURES)
    assert main(["check", "email.md", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["version"] == JSON_VERSION == 1
    assert data["files"] == ["email.md"] and data["themes"] == ["default"]
    assert data["summary"] == {"error": 1, "warning": 2, "info": 0}
    assert set(data["findings"][0]) == {"rule", "severity", "path", "line", "theme", "message"}
    link = next(f for f in data["findings"] if f["rule"] == "link-missing-file")
    assert (link["path"], link["line"], link["theme"]) == ("email.md", 8, None)


# --- fonts of PDFs (LibreOffice) ---------------------------------------------------------


@pytest.mark.realclient
def test_a_theme_font_libreoffice_does_not_have_is_a_pdf_font_warning(tmp_path):
    """Measured with the theme's own font files, but not installed: LibreOffice would draw
    the PDF in another font. Arial (its twin Liberation Sans installed) is not reported."""
    from realclients import require_tool

    from deckgen.themes import system_font_face

    require_tool("fc-list")
    face = system_font_face("Liberation Sans")
    if face is None:
        pytest.skip("Liberation Sans is not installed (fonts-liberation2)")
    folder = tmp_path / "themes" / "fantaisie"
    (folder / "assets").mkdir(parents=True)
    (folder / "assets" / "fantaisie.ttf").write_bytes(face.files["regular"])
    (folder / "theme.toml").write_text(
        'name = "fantaisie"\n\n[fonts]\nheading = "Arial"\nbody = "Fantaisie Sans Pro"\n\n'
        '[fonts.files."Fantaisie Sans Pro"]\nregular = "assets/fantaisie.ttf"\n',
        encoding="utf-8",
    )
    (tmp_path / "pyproject.toml").write_text(
        (FIXTURES / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "clean.md").write_text(
        (FIXTURES / "clean.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    report = run_check([tmp_path / "clean.md"], ["fantaisie", "default"], tmp_path)
    found = [f for f in report.findings if f.rule == "pdf-font"]
    assert [(f.theme, f.path, f.line, f.severity) for f in found] == [
        ("fantaisie", folder / "theme.toml", 5, "warning")
    ]
    assert "'Fantaisie Sans Pro'" in found[0].message
