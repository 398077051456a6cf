"""deckgen build's newsletter outputs: .html page, .txt part and a ready-to-send .eml."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from PIL import Image as PILImage

from deckgen.cli import main

CONFIG = """
[tool.deckgen]
base_url = "https://lettre.example.com"
sender_name = "Hélène Marchand"
sender_address = "lettre@example.com"
reply_to = "formation@example.com"
postal_address = "12 rue de l’Exemple, 75011 Paris"
unsubscribe_url = "https://lettre.example.com/desabonnement"
unsubscribe_mailto = "mailto:desabonnement@example.com"
"""
CONTENT = """---
title: "Médias sociaux : la lettre"
subject: "Médias sociaux ou réseaux sociaux : la différence en 3 minutes"
preheader: Deux définitions et trois chiffres.
---

## Un schéma

Le texte de la lettre, avec un [lien](https://example.com/a).

![Deux cercles qui se recoupent](images/schema.png)

::: notes
Des notes qui ne partent jamais par courriel.
:::
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "content" / "images").mkdir(parents=True)
    PILImage.new("RGB", (800, 400), (30, 60, 90)).save(tmp_path / "content/images/schema.png")
    (tmp_path / "content" / "lettre.md").write_text(CONTENT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_build_writes_page_text_and_message(project, capsys):
    assert main(["build", "--format", "newsletter"]) == 0
    out = project / "build" / "default"
    assert sorted(p.name for p in out.iterdir()) == ["lettre.eml", "lettre.html", "lettre.txt"]
    page = (out / "lettre.html").read_text(encoding="utf-8")
    # The page is the "view in browser" copy: pictures from the published site.
    assert 'src="https://lettre.example.com/content/images/schema.png"' in page
    assert 'alt="Deux cercles qui se recoupent"' in page
    assert 'width="536" height="268"' in page
    assert "Des notes" not in page
    msg = email.message_from_bytes((out / "lettre.eml").read_bytes(), policy=email.policy.default)
    assert msg["Subject"] == "Médias sociaux ou réseaux sociaux\u00a0: la différence en 3 minutes"
    assert msg["From"].addresses[0].addr_spec == "lettre@example.com"
    assert msg["Reply-To"] == "formation@example.com"
    assert msg["List-Unsubscribe"] == (
        "<https://lettre.example.com/desabonnement>, <mailto:desabonnement@example.com>"
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = msg.get_body(("plain",)).get_content()
    assert text.replace("\r\n", "\n") == (out / "lettre.txt").read_text(encoding="utf-8")
    assert "https://example.com/a" in text and "Des notes" not in text
    html = msg.get_body(("html",)).get_content()
    picture = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert len(picture) == 1
    cid = picture[0]["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html  # the message embeds its pictures
    for line in (out / "lettre.eml").read_bytes().split(b"\r\n\r\n", 1)[1].split(b"\r\n"):
        assert len(line) <= 78


def test_missing_unsubscribe_settings_warn(project, capsys):
    (project / "pyproject.toml").write_text('[tool.deckgen]\nsender_name = "X"\n', encoding="utf-8")
    assert main(["build", "--format", "newsletter"]) == 0
    assert "no unsubscribe link" in capsys.readouterr().err


def test_bad_settings_are_reported_with_their_line(project, capsys):
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.deckgen]\nsender_nmae = "X"\nbase_url = "ftp://x"\n',
        encoding="utf-8",
    )
    assert main(["build"]) == 1
    err = capsys.readouterr().err
    assert (
        "pyproject.toml:5: unknown key 'sender_nmae' in [tool.deckgen] (did you mean \"sender_name\"?)"
        in err
    )
    assert "pyproject.toml:6: [tool.deckgen] base_url must start with https://" in err
    assert not (project / "build").exists()


def test_personalized_copies_fill_fields_escaped_and_never_as_templates():
    from dataclasses import replace

    from deckgen import typography
    from deckgen.newsletter import Personalizer
    from deckgen.reading import read_document
    from deckgen.render import email as email_renderer
    from deckgen.themes import load_theme

    root = Path(__file__).resolve().parent.parent
    theme = load_theme("default", root)[0]
    templates = dict(theme.email_templates)
    templates["email/newsletter.html"] = templates["email/newsletter.html"].replace(
        "{% block content -%}", "{% block content -%}<p>Bonjour {{ recipient.first_name }},</p>"
    )
    theme = replace(theme, email_templates=templates)
    doc, _ = read_document(root / "content" / "medias-vs-reseaux.md", root)
    doc = typography.apply(doc)
    copies = Personalizer(
        doc,
        theme,
        email_renderer.environment(theme),
        lambda a: a.key,
        email_renderer.Sender("Hélène Marchand"),
        "https://x.example/v",
    )
    assert copies.fields == {"first_name", "unsubscribe_url"}
    html, text = copies.render(
        {
            "first_name": "<b>Ana</b> {{ 7*7 }}",
            "unsubscribe_url": 'https://x.example/u?id=1&sig="a"',
        }
    )
    assert ">Bonjour &lt;b&gt;Ana&lt;/b&gt; {{ 7*7 }},</p>" in html
    assert 'href="https://x.example/u?id=1&amp;sig=&quot;a&quot;"' in html
    assert 'https://x.example/u?id=1&sig="a"' in text
    other, _ = copies.render({})  # a missing field is empty, never a token
    assert ">Bonjour ,</p>" in other and "DGFIELD" not in other


def test_an_image_without_alt_text_is_a_warning_with_its_line(project, capsys):
    source = project / "content" / "lettre.md"
    source.write_text(
        source.read_text(encoding="utf-8").replace("![Deux cercles qui se recoupent]", "![]"),
        encoding="utf-8",
    )
    assert main(["build", "--format", "newsletter"]) == 0
    assert "content/lettre.md:11: warning: image without alt text" in capsys.readouterr().err


def test_a_client_theme_sends_in_its_own_name_and_colours(project, capsys):
    client = project / "themes" / "client"
    client.mkdir(parents=True)
    (client / "theme.toml").write_text(
        'name = "client"\n[colors]\nprimary = "#0B5D1E"\n[email]\nsender_name = "Agence Exemple"\n'
        'sender_address = "agence@example.org"\nlink_color = "#8A1538"\n',
        encoding="utf-8",
    )
    assert main(["build", "--format", "newsletter", "--theme", "client"]) == 0
    out = project / "build" / "client"
    msg = email.message_from_bytes((out / "lettre.eml").read_bytes(), policy=email.policy.default)
    assert str(msg["From"]) == "Agence Exemple <agence@example.org>"
    assert msg["Reply-To"] == "formation@example.com"  # not overridden: from [tool.deckgen]
    page = (out / "lettre.html").read_text(encoding="utf-8")
    assert "color: #8A1538" in page and "background-color: #0B5D1E" in page


def test_a_client_theme_sends_in_its_own_name_everywhere(tmp_path):
    """The build, the check, the preview and sending all take the sender from
    newsletter.identity: the theme's [email] over [tool.deckgen]."""
    from deckgen.config import Settings
    from deckgen.newsletter import identity
    from deckgen.reading import read_document
    from deckgen.themes import load_theme

    root = Path(__file__).resolve().parent.parent
    doc, _ = read_document(root / "content" / "medias-vs-reseaux.md", root)
    theme, _ = load_theme("atelier-durand", root)
    settings = Settings(
        base_url="https://lettre.example.com/",
        sender_name="Hélène Marchand",
        sender_address="lettre@example.com",
        postal_address="1 rue X",
    )
    sent, sender, view = identity(doc, theme, settings)
    assert (sent.sender_name, sent.sender_address) == (
        "Atelier Durand",
        "communication@atelier-durand.example",
    )
    assert (sender.name, sender.postal) == ("Atelier Durand", "1 rue X")
    assert view == "https://lettre.example.com/atelier-durand/medias-vs-reseaux.html"
    _, _, none = identity(doc, theme, Settings())
    assert none == ""
