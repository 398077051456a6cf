"""The newsletter outputs of one document in one theme: the HTML page ("view in browser"),
the plain-text part and a ready-to-send sample message (.eml).

Returns bytes; the build writes them (atomically) beside the deck:
``build/<theme>/<stem>.html``, ``.txt`` and ``.eml``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.sax.saxutils import escape

from .config import Settings
from .errors import Diagnostic
from .mail.message import Envelope, build_message, to_bytes
from .model import Asset, Document, Image, walk
from .render import email
from .render.text import render_text
from .themes import Theme

GMAIL_CLIP = 102 * 1024  # Gmail clips a message body larger than this ("[Message clipped]")
CLIP_WARNING = 90 * 1024
IMAGE = re.compile(r"DGIMAGE([0-9a-f]+\.[a-z]+)DGEND")


def image_token(key: str) -> str:
    """Where a picture's source goes in the prepared HTML (an asset key: hash.ext)."""
    return f"DGIMAGE{key}DGEND"


FOOTER_TEXT = {
    "fr": ("Voir dans le navigateur", "Se désabonner"),
    "en": ("View in your browser", "Unsubscribe"),
}


def identity(doc: Document, theme: Theme, settings: Settings) -> tuple[Settings, email.Sender, str]:
    """How this theme sends this document: the settings with the theme's ``[email]`` over
    ``[tool.deckgen]`` (a client theme may send in the client's name), the sender the footer
    shows, and the "view in browser" URL (``base_url/<theme>/<stem>.html``, empty without a
    base_url). Shared by the build, the check, the preview and sending."""
    settings = replace(settings, **{k: v for k, v in theme.email.items() if k != "link_color"})
    sender = email.Sender(settings.sender_name or doc.meta.author, settings.postal_address)
    base = settings.base_url.rstrip("/")
    view = f"{base}/{theme.folder.name}/{doc.stem}.html" if base else ""
    return settings, sender, view


@dataclass
class NewsletterOutputs:
    files: list[tuple[str, bytes, str]] = field(default_factory=list)  # suffix, data, summary
    warnings: list[Diagnostic] = field(default_factory=list)


def build_newsletter(
    doc: Document,
    theme: Theme,
    env,
    settings: Settings,
    root: Path,
    html_path: Path,
) -> NewsletterOutputs:
    out = NewsletterOutputs()
    settings, sender, view = identity(doc, theme, settings)
    base = settings.base_url.rstrip("/")

    def published(asset: Asset) -> str:
        """A picture's URL on the published page, or its path from the local page."""
        try:
            relative = asset.source.relative_to(root).as_posix()
        except ValueError:
            relative = asset.source.name
        if base:
            return f"{base}/{relative}"
        return Path(os.path.relpath(asset.source, html_path.parent)).as_posix()

    links = email.Links(view=view, unsubscribe=settings.unsubscribe_url)
    # Rendered once with a token per picture; the page gets published URLs, the message
    # its CID references (rendering costs milliseconds, a replacement microseconds).
    prepared = email.render_email(doc, theme, env, lambda a: image_token(a.key), sender, links)
    assets = dict(doc.assets)
    if theme.logo is not None:
        assets[theme.logo.asset.key] = theme.logo.asset
    page = IMAGE.sub(lambda m: published(assets[m.group(1)]), prepared)
    text = render_text(doc) + _text_footer(doc, sender, links)
    size = len(page.encode("utf-8"))
    if size >= CLIP_WARNING:
        out.warnings.append(
            Diagnostic(
                doc.path,
                None,
                f"the newsletter HTML is {size // 1024} KB: Gmail clips messages over "
                f"{GMAIL_CLIP // 1024} KB; "
                "shorten it or split it in two",
                "warning",
            )
        )
    for image in (
        b for s in doc.slides for b in walk(s.blocks, "newsletter") if isinstance(b, Image)
    ):
        if not image.alt:
            out.warnings.append(
                Diagnostic(
                    doc.path,
                    image.line,
                    "image without alt text: email clients that block pictures, and screen "
                    "readers, show nothing; write ![what it shows](path)",
                    "warning",
                )
            )
    # The message embeds its pictures as CID parts (no remote images to block).
    message_html = IMAGE.sub(lambda m: f"cid:{m.group(1)}", prepared)
    envelope = Envelope(
        sender_name=sender.name,
        sender_address=settings.sender_address or "newsletter@example.com",
        to=settings.sample_recipient,
        subject=doc.meta.subject or doc.meta.title,
        reply_to=settings.reply_to,
        unsubscribe_url=settings.unsubscribe_url,
        unsubscribe_mailto=settings.unsubscribe_mailto,
        message_id_domain=settings.message_id_domain,
    )
    used = {key: assets[key] for key in dict.fromkeys(IMAGE.findall(prepared))}
    message = to_bytes(build_message(envelope, text, message_html, used))
    out.files = [
        (".html", page.encode("utf-8"), f"{size / 1024:.1f} KB"),
        (".txt", text.encode("utf-8"), f"{text.count(chr(10))} lines"),
        (".eml", message, f"{len(message) / 1024:.1f} KB message"),
    ]
    return out


def _text_footer(doc: Document, sender: email.Sender, links: email.Links) -> str:
    view_label, unsubscribe_label = FOOTER_TEXT.get(
        doc.meta.lang.split("-")[0].lower(), FOOTER_TEXT["en"]
    )
    colon = "\u00a0: " if doc.meta.lang.lower().startswith("fr") else ": "
    lines = ["", "-- "]
    identity = " · ".join(x for x in (sender.name, sender.postal) if x)
    if identity:
        lines.append(identity)
    # Labels and URLs on their own lines: a URL never breaks and lines stay under 78.
    if links.view:
        lines += [f"{view_label}{colon.rstrip()}", links.view]
    if links.unsubscribe:
        lines += [f"{unsubscribe_label}{colon.rstrip()}", links.unsubscribe]
    return "\n".join(lines) + "\n"


FIELD = re.compile(r"DGFIELD([a-z0-9_]+)DGEND")


def field_token(name: str) -> str:
    """What a recipient field renders as in the prepared copy, replaced for each recipient."""
    return f"DGFIELD{name}DGEND"


class _TokenRecipient(email.Recipient):
    """Renders every field as its token: the copy is rendered once, then filled per
    recipient (templates use fields as values: {{ recipient.first_name }})."""

    def __getattribute__(self, name: str):
        if name.startswith("_") or name in ("fields",):
            return object.__getattribute__(self, name)
        return field_token(name)


class Personalizer:
    """Personalized copies (HTML and text) of one newsletter, from its built model.

    The templates are rendered and the CSS inlined once, with a token for each recipient
    field; each copy is then the prepared text with the recipient's values put in (escaped
    in HTML). No Markdown is parsed and no template runs per recipient, and nothing the
    recipient or the author wrote is ever evaluated as a template.
    """

    def __init__(
        self, doc: Document, theme: Theme, env, image_src, sender: email.Sender, view_url: str = ""
    ):
        links = email.Links(view=view_url, unsubscribe=field_token("unsubscribe_url"))
        html = email.render_email(doc, theme, env, image_src, sender, links, _TokenRecipient())
        text = render_text(doc) + _text_footer(doc, sender, links)
        self._html = FIELD.split(html)  # literal, field, literal, field, ...
        self._text = FIELD.split(text)

    @property
    def fields(self) -> set[str]:
        return set(self._html[1::2]) | set(self._text[1::2])

    def render(self, values: Mapping[str, str]) -> tuple[str, str]:
        """(html, text) for one recipient; a missing field is empty."""
        html = self._html[:]
        for k in range(1, len(html), 2):
            html[k] = escape(values.get(html[k], ""), {'"': "&quot;"})
        text = self._text[:]
        for k in range(1, len(text), 2):
            text[k] = values.get(text[k], "")
        return "".join(html), "".join(text)
