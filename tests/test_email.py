"""The newsletter HTML renderer: templates, escaping, sanitizing, inlined CSS, goldens."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

from deckgen import typography
from deckgen.check import EMAIL_ALLOWED
from deckgen.model import Run
from deckgen.reading import read_document
from deckgen.render import email
from deckgen.themes import load_theme

SAMPLES = sorted((ROOT / "content").glob("*.md"))
THEME = load_theme("default", ROOT)[0]
ENV = email.environment(THEME)
SENDER = email.Sender("Hélène Marchand", "1 rue de l’Exemple, 75000 Paris")
LINKS = email.Links("https://example.com/lettre", "https://example.com/desabonnement")


def render(path: Path, root: Path = ROOT) -> str:
    doc, _ = read_document(path, root)
    doc = typography.apply(doc)
    return email.render_email(doc, THEME, ENV, lambda asset: f"cid:{asset.key}", SENDER, LINKS)


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_newsletter_matches_its_golden_html(golden_text, path):
    golden_text(f"{path.stem}.newsletter.html", render(path))


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_newsletter_is_a_bulletproof_email(path):
    html = render(path)
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="fr-FR"' in html
    assert len(html.encode("utf-8")) < 90 * 1024, "Gmail clips messages over 102 KB"
    # Layout tables are presentation tables; the 600 px container has a width attribute.
    for table in re.findall(r"<table[^>]*>", html):
        assert 'role="presentation"' in table or 'role="table"' in table, table
    assert 'width="600"' in html
    # CSS is inlined; only the phone @media rules stay in a <style> block.
    styles = re.findall(r"<style>(.*?)</style>", html, flags=re.S)
    assert len(styles) == 1 and styles[0].strip().startswith("@media")
    assert 'class="content" style="' in html
    # Footer: sender identity, postal line, unsubscribe and view-in-browser links.
    assert "Hélène Marchand" in html and "75000 Paris" in html
    assert 'href="https://example.com/desabonnement"' in html
    assert 'href="https://example.com/lettre"' in html


def test_notes_and_deck_only_blocks_are_not_in_the_newsletter():
    path = ROOT / "content" / "formation-medias-sociaux-pme.md"
    html = render(path)
    source = path.read_text(encoding="utf-8")
    notes = source.split("::: notes", 1)[1].split(":::", 1)[0].strip()
    deck_only = source.split("::: deck", 1)[1].split(":::", 1)[0].strip()
    newsletter_only = source.split("::: newsletter", 1)[1].split(":::", 1)[0].strip()
    words = lambda s: " ".join(s.split()[1:4])  # noqa: E731 - past any leading markup
    text = re.sub(r"<[^>]+>", "", html).replace("\u00a0", " ").replace("&nbsp;", " ")
    assert words(notes) not in text
    assert words(deck_only) not in text
    assert words(newsletter_only) in text


def test_preheader_is_hidden_and_first():
    html = render(ROOT / "content" / "medias-vs-reseaux.md")
    body = html.split("<body", 1)[1]
    first = body.split(">", 1)[1].lstrip()
    assert first.startswith('<div class="preheader" style="display:none;')
    assert "Deux définitions" in first.split("</div>", 1)[0]


def test_charts_become_bar_tables_with_the_same_data():
    html = render(ROOT / "content" / "formation-medias-sociaux-pme.md")
    assert "<svg" not in html and "<script" not in html and "<img" not in html
    for label, value in (
        ("Radio", "38"),
        ("Télévision", "13"),
        ("Internet", "4"),
        ("Twitter", "3"),
    ):
        assert re.search(rf">{label}</td>.*?>{value}&nbsp;ans</td>", html, flags=re.S), label
    assert 'width="100%"' in html and 'width="34%"' in html  # 13 of 38 -> 34 %


def test_hostile_content_yields_no_script_no_handler_no_javascript_url():
    html = render(FIXTURES / "hostile.md", FIXTURES)
    lowered = html.lower()
    assert "<script" not in lowered
    assert "onerror" not in lowered and "onclick" not in lowered
    assert "javascript:" not in lowered
    assert "<form" not in lowered and "<input" not in lowered
    # The author's text is data, never a template: literal braces, no 49.
    assert "{{ 7*7 }}" in html and "49" not in re.sub(r"#[0-9A-Fa-f]{6}", "", html)
    assert "{% raw %}" in html
    assert 'href="https://example.com/ok"' in html
    assert 'href="https://example.com/?a=1&amp;b=2"' in html


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://example.com", True),
        ("http://x.fr/a?b=1", True),
        ("mailto:a@example.com", True),
        ("tel:+33100000000", True),
        ("images/a.png", True),
        ("#section", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("java\nscript:x", False),
        ("data:text/html;base64,xx", False),
        ("vbscript:x", False),
    ],
)
def test_safe_url(url, safe):
    assert bool(email.safe_url(url)) is safe


def test_inline_html_escapes_text_and_keeps_formatting():
    runs = (
        Run("a < b & "),
        Run("gras", bold=True),
        Run(" "),
        Run("x()", code=True),
        Run("lien", href="https://example.com/?a=1&b=2"),
        Run("ligne\nsuite"),
        Run("piège", href="javascript:alert(1)"),
    )
    html = str(email.inline_html(runs))
    assert html == (
        "a &lt; b &amp; <strong>gras</strong> <code>x()</code>"
        '<a href="https://example.com/?a=1&amp;b=2">lien</a>ligne<br>suite'
        "piège"
    )


def test_recipient_fields_have_safe_defaults():
    r = email.Recipient("a@example.com", "Ana", fields={"company": "ACME"})
    assert (r.first_name, r.company, r.missing) == ("Ana", "ACME", "")


def test_chart_numbers_are_written_as_in_the_text_part():
    from deckgen.render.text import format_number

    assert email.format_number is format_number  # one formatting for both parts
    assert format_number(3.5, True, "ans") == "3,5\u00a0ans"
    assert format_number(1500, True) == "1\u202f500"


# What the newsletter knowingly uses that some client ignores (each harmless): the same
# list `deckgen check` applies.
ALLOWED = EMAIL_ALLOWED


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_samples_use_nothing_outlook_gmail_or_apple_mail_cannot_show(path):
    from deckgen.mail.caniemail import check_html

    findings = check_html(render(path), allow=ALLOWED)
    assert findings == [], "\n".join(
        f"{f.line}: {f.feature} ({f.client_name}): {f.where}" for f in findings
    )


@pytest.mark.realclient
@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_chromium_shows_the_newsletter_without_horizontal_scroll(path, tmp_path):
    from realclients import ARTIFACTS, render_in_chromium, require_tool, screenshot

    require_tool("chromium")
    html = render(path)
    for width in (600, 375):
        measured = render_in_chromium(html, width, tmp_path)
        assert measured["viewport"] == width, measured
        assert measured["scrollWidth"] <= measured["viewport"], (width, measured)
        assert measured["withoutAlt"] == 0, measured
        screenshot(html, width, ARTIFACTS / f"{path.stem}-{width}.png", tmp_path)


@pytest.mark.realclient
def test_chromium_fits_a_wide_picture_on_a_phone(tmp_path):
    from PIL import Image as PILImage
    from realclients import ARTIFACTS, render_in_chromium, require_tool, screenshot

    require_tool("chromium")
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    PILImage.new("RGB", (1600, 500), (30, 60, 90)).save(tmp_path / "large.png")
    source = tmp_path / "doc.md"
    source.write_text(
        "---\ntitle: Image\n---\n\n## Schéma\n\n![Un schéma large](large.png)\n\n"
        "| A | B | C | D | E |\n|---|---|---|---|---|\n"
        "| un texte | assez long | dans chaque | cellule du | tableau large |\n",
        encoding="utf-8",
    )
    doc, _ = read_document(source, tmp_path)
    html = email.render_email(
        typography.apply(doc), THEME, ENV, lambda asset: asset.source.as_uri(), SENDER, LINKS
    )
    for width in (600, 375, 320):
        measured = render_in_chromium(html, width, tmp_path)
        assert measured["images"] == 1 and measured["withoutAlt"] == 0
        assert measured["scrollWidth"] <= measured["viewport"], (width, measured)
    screenshot(html, 320, ARTIFACTS / "wide-picture-320.png", tmp_path)


def test_hostile_content_in_the_text_part():
    from deckgen.render.text import render_text

    doc, _ = read_document(FIXTURES / "hostile.md", FIXTURES)
    text = render_text(typography.apply(doc))
    # text/plain is never interpreted: the author's literal title may say <script>, but no
    # trapped URL is kept and the raw HTML's script content is gone.
    assert "javascript:" not in text.lower() and 'alert("boom")' not in text
    assert "{{ 7*7 }}" in text and "{% raw %}" in text
    assert "https://example.com/ok" in text
