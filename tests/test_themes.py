"""Themes: validation with path:line, inheritance (extends), and the theme commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from deckgen.cli import main
from deckgen.errors import InputError
from deckgen.themes import load_theme

ROOT = Path(__file__).resolve().parent.parent


def make(root: Path, name: str, text: str) -> Path:
    folder = root / "themes" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "theme.toml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_client_theme_states_only_what_differs(project):
    make(project, "agence", 'name = "agence"\n[colors]\nprimary = "#0B5D1E"\n[sizes]\nbody = 26\n')
    make(project, "agence-bleu", 'extends = "agence"\n[colors]\naccent = "#123456"\n')
    theme, _ = load_theme("agence-bleu", project)
    default, _ = load_theme("default", project)
    assert theme.parents == ("agence", "default")
    assert (theme.colors.primary, theme.colors.accent) == ("0B5D1E", "123456")
    assert theme.colors.text == default.colors.text and theme.sizes.body == 26
    assert theme.sizes.min_body == default.sizes.min_body
    assert theme.template == default.template  # inherited from the default theme
    assert theme.email_templates == default.email_templates


def test_email_templates_resolve_from_the_client_to_the_default(project):
    folder = make(project, "agence", 'name = "agence"\n')
    (folder / "templates" / "email").mkdir(parents=True)
    (folder / "templates" / "email" / "newsletter.html").write_text(
        '{% extends "email/base.html" %}{% block content %}Sur mesure{% endblock %}',
        encoding="utf-8",
    )
    theme, _ = load_theme("agence", project)
    default, _ = load_theme("default", project)
    assert theme.email_templates["email/newsletter.html"].endswith("Sur mesure{% endblock %}")
    assert theme.email_templates["email/base.html"] == default.email_templates["email/base.html"]


def test_a_cycle_in_extends_is_an_error_with_its_line(project):
    make(project, "a", 'name = "a"\nextends = "b"\n')
    make(project, "b", 'name = "b"\n\nextends = "a"\n')
    with pytest.raises(InputError) as caught:
        load_theme("a", project)
    (d,) = caught.value.diagnostics
    assert d.path == project / "themes" / "b" / "theme.toml" and d.line == 3
    assert "a -> b -> a" in d.message


def test_an_unknown_parent_is_an_error_with_did_you_mean(project):
    make(project, "a", 'name = "a"\nextends = "defautl"\n')
    with pytest.raises(InputError) as caught:
        load_theme("a", project)
    (d,) = caught.value.diagnostics
    assert d.line == 2 and 'did you mean "default"' in d.message


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('name = "x"\n[colors]\nprimary = "#12345"\n', 3, "hex colour"),
        ('name = "x"\n[colours]\nprimary = "#123456"\n', 2, 'did you mean "colors"'),
        ('name = "x"\n[colors]\nprimay = "#123456"\n', 3, 'did you mean "primary"'),
        ('name = "x"\n[sizes]\nbody = "big"\n', 3, "font size"),
        ('name = "x"\n[slides]\nslide_numbers = "yes"\n', 3, "true or false"),
        ('name = "x"\n[email]\nlink_color = "blue"\n', 3, "hex colour"),
        ('name = "x"\n[sizes]\nbody = 14\nmin_body = 18\n', 4, "larger than sizes.body"),
    ],
)
def test_invalid_theme_files_report_path_and_line(project, text, line, words):
    make(project, "x", text)
    with pytest.raises(InputError) as caught:
        load_theme("x", project)
    d = caught.value.diagnostics[0]
    assert d.path == project / "themes" / "x" / "theme.toml" and d.line == line, str(d)
    assert words in d.message


def test_theme_new_writes_a_commented_theme_that_builds(project, capsys):
    assert main(["theme", "new", "acme"]) == 0
    path = project / "themes" / "acme" / "theme.toml"
    text = path.read_text(encoding="utf-8")
    assert 'extends = "default"' in text and '# primary = "#1F3A5F"' in text
    theme, warnings = load_theme("acme", project)
    assert theme.parents == ("default",) and not warnings
    assert main(["theme", "new", "acme"]) == 2  # never overwrites
    assert main(["theme", "new", "beta", "--from", "nope"]) == 2
    assert main(["themes"]) == 0
    out = capsys.readouterr().out
    assert "acme" in out and "extends default" in out


def test_build_with_a_client_theme_uses_its_colours(project):
    make(project, "agence", 'name = "agence"\n[colors]\nprimary = "#0B5D1E"\n')
    (project / "content").mkdir()
    (project / "content" / "x.md").write_text(
        "---\ntitle: T\ntheme: agence\n---\n\n## A\n\nTexte.\n", encoding="utf-8"
    )
    assert main(["build", "--format", "deck"]) == 0
    import zipfile

    with zipfile.ZipFile(project / "build" / "agence" / "x.pptx") as deck:
        theme_xml = deck.read("ppt/theme/theme1.xml").decode()
    assert 'val="0B5D1E"' in theme_xml


def test_contrast_below_wcag_aa_warns_and_fails_with_strict(project, capsys):
    make(
        project,
        "pale",
        'name = "pale"\n[colors]\ntext = "#AAAAAA"\n[email]\nlink_color = "#FFEE00"\n',
    )
    theme, warnings = load_theme("pale", project)
    messages = [(w.line, w.message) for w in warnings]
    assert any(line == 3 and "text on the background is 2.3:1" in m for line, m in messages)
    assert any(line == 5 and "links on the background" in m for line, m in messages)
    (project / "content").mkdir()
    (project / "content" / "x.md").write_text(
        "---\ntitle: T\n---\n\n## A\n\nTexte.\n", encoding="utf-8"
    )
    assert main(["build", "--theme", "pale", "--format", "deck"]) == 0
    assert main(["build", "--theme", "pale", "--format", "deck", "--strict"]) == 1
    assert "--strict" in capsys.readouterr().err


def test_wcag_contrast_ratio():
    from deckgen.themes import contrast_ratio

    assert round(contrast_ratio("FFFFFF", "000000"), 1) == 21.0
    assert round(contrast_ratio("767676", "FFFFFF"), 2) == 4.54  # the classic AA grey
    assert contrast_ratio("1F3A5F", "FFFFFF") > 4.5  # the default theme's primary


def test_a_template_that_is_not_a_pptx_is_an_error_naming_the_file(project):
    folder = make(project, "x", 'name = "x"\n')
    (folder / "template.pptx").write_bytes(b"PK\x03\x04 this is not a presentation")
    with pytest.raises(InputError) as caught:
        load_theme("x", project)
    (d,) = caught.value.diagnostics
    assert d.path == folder / "template.pptx" and "not a PowerPoint presentation" in d.message


def test_a_template_missing_a_layout_lists_the_layouts_it_has(project):
    make(project, "x", 'name = "x"\n[layouts]\nquote = "Citation"\n')
    with pytest.raises(InputError) as caught:
        load_theme("x", project)
    (d,) = caught.value.diagnostics
    assert "no layout 'Citation' for quote" in d.message and "'Title Only'" in d.message
    # Reported at the [layouts] line at fault, not in the inherited template.
    assert (d.path, d.line) == (project / "themes" / "x" / "theme.toml", 3)


def test_a_jinja_syntax_error_in_an_override_is_reported_once_with_its_line(project, capsys):
    folder = make(project, "x", 'name = "x"\n')
    (folder / "templates" / "email").mkdir(parents=True)
    (folder / "templates" / "email" / "newsletter.html").write_text(
        '{% extends "email/base.html" %}\n{% block content %}\n{% if %}\n{% endblock %}\n',
        encoding="utf-8",
    )
    (project / "content").mkdir()
    for stem in ("a", "b"):
        (project / "content" / f"{stem}.md").write_text(
            "---\ntitle: T\n---\n\n## A\n\nTexte.\n", encoding="utf-8"
        )
    assert main(["build", "--theme", "x", "--format", "newsletter"]) == 1
    err = capsys.readouterr().err
    assert err.count("themes/x/templates/email/newsletter.html:3: template error") == 1, err


def test_a_hostile_template_is_refused_unopened(project, tmp_path):
    """A client's template.pptx with an XML external entity, a zip bomb or a password is
    refused with its reason, before python-pptx or lxml parse anything (the entity used to
    crash the build with exit 3; an lxml that resolves entities would copy the file)."""
    import sys
    import time

    sys.path.insert(0, str(Path(__file__).parent))
    import badfiles

    folder = make(project, "client", 'name = "client"\n')
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER-7f3a", encoding="utf-8")
    badfiles.xxe_template(folder / "template.pptx", secret)
    with pytest.raises(InputError) as caught:
        load_theme("client", project)
    assert "ppt/theme/theme1.xml declares a DTD (<!DOCTYPE>)" in str(caught.value)
    assert "SECRET-MARKER" not in str(caught.value)

    badfiles.zip_bomb_template(folder / "template.pptx", gigabytes=0.3)
    start = time.perf_counter()
    with pytest.raises(InputError) as caught:
        load_theme("client", project)
    assert time.perf_counter() - start < 2
    assert "this template unpacks to 304 MB, like a zip bomb" in str(caught.value)

    badfiles.encrypted_template(folder / "template.pptx")
    with pytest.raises(InputError) as caught:
        load_theme("client", project)
    assert "this template is encrypted (password-protected)" in str(caught.value)


def test_a_theme_file_in_latin1_is_an_error_with_its_line(project):
    """theme.toml or an email template saved in Latin-1 crashed the build (exit 3)."""
    folder = make(project, "client", 'name = "client"\n')
    (folder / "theme.toml").write_bytes(b'name = "client"\n[slides]\nfooter = "Soci\xe9t\xe9"\n')
    with pytest.raises(InputError) as caught:
        load_theme("client", project)
    assert str(caught.value) == (
        "themes/client/theme.toml:3: not UTF-8 (byte 0xe9); re-save the file as UTF-8 "
        "(for example: iconv -f latin1 -t utf-8)"
    )
    (folder / "theme.toml").write_text('name = "client"\n', encoding="utf-8")
    (folder / "templates" / "email").mkdir(parents=True)
    (folder / "templates" / "email" / "newsletter.html").write_bytes(b"ok\ncaf\xe9\n")
    with pytest.raises(InputError) as caught:
        load_theme("client", project)
    assert str(caught.value).startswith(
        "themes/client/templates/email/newsletter.html:2: not UTF-8 (byte 0xe9)"
    )
