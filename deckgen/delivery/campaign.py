"""What each recipient of a campaign receives: the newsletter prepared once, filled per recipient.

`prepare_campaign` reads and renders the content file once in its theme (`Personalizer`:
the templates run and the CSS is inlined once, with a token per merge field) and builds the
message skeleton once (`deckgen.mail.copies.MessageCopies`: MIME structure, constant headers,
pictures). `Campaign.render` then fills one recipient's values in, in a fraction of a
millisecond. Anything that is the same for every recipient (a picture, an attachment) is a
part of that skeleton, added once in `prepare_campaign`; only the bodies and the personal
headers are made per copy.

Merge fields: ``{{ first_name }}`` (any column of the list, ``email``, ``unsubscribe_url``)
in the subject or the text of the content, and ``{{ recipient.x }}`` in a theme's email
templates. Values are put in as text (escaped in HTML), never evaluated.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from ..build import BuildResult, ThemeCache, load_document
from ..config import Settings
from ..errors import Diagnostic, InputError, did_you_mean
from ..mail.copies import MessageCopies
from ..mail.message import Attachment, Envelope
from ..model import Asset, Document
from .subscribers import Subscriber, SubscriberList, unsubscribe_link

SECRET_ENV = "DECKGEN_UNSUBSCRIBE_SECRET"
MERGE = re.compile(r"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}")
TOKEN = re.compile(r"DGFIELD([a-z0-9_]+)DGEND")
BUILT_IN_FIELDS = ("email", "unsubscribe_url")


class _Filled:
    """A text cut at its merge fields: literal, field, literal, field, ..."""

    def __init__(self, text: str, html: bool):
        self.parts = TOKEN.split(text)
        self.html = html

    @property
    def fields(self) -> set[str]:
        return set(self.parts[1::2])

    def fill(self, values: Mapping[str, str]) -> str:
        parts = self.parts[:]
        for k in range(1, len(parts), 2):
            value = values.get(parts[k], "")
            parts[k] = escape(value, {'"': "&quot;"}) if self.html else value
        return "".join(parts)


@dataclass
class Campaign:
    """Everything needed to make any recipient's message; built once per run."""

    id: str
    doc: Document
    theme: str
    settings: Settings
    copies: MessageCopies
    html: _Filled
    text: _Filled
    subject: _Filled
    secret: bytes
    author_fields: set[str] = field(default_factory=set)  # {{ x }} in the subject or text
    warnings: list[Diagnostic] = field(default_factory=list)

    @property
    def fields(self) -> set[str]:
        return self.html.fields | self.text.fields | self.subject.fields

    def values(self, subscriber: Subscriber, to: str | None = None) -> dict[str, str]:
        to = to or subscriber.address
        values = {**subscriber.fields, "email": to}
        if self.settings.unsubscribe_url:
            values["unsubscribe_url"] = unsubscribe_link(
                self.settings.unsubscribe_url, self.secret, to
            )
        return values

    def render(
        self, subscriber: Subscriber, to: str | None = None, subject_prefix: str = ""
    ) -> tuple[bytes, str]:
        """(message bytes, Message-ID) for one subscriber (raises HeaderInjection)."""
        values = self.values(subscriber, to)
        name = f"{values.get('first_name', '')} {values.get('last_name', '')}".strip()
        return self.copies.copy(
            name,
            to or subscriber.address,
            subject_prefix + self.subject.fill(values),
            self.text.fill(values),
            self.html.fill(values),
            values.get("unsubscribe_url", ""),
        )


def campaign_id(content: Path, theme: str, list_path: Path, attach: str = "") -> str:
    """Readable and stable across runs: ``<content>.<theme>.<list>`` (file stems), then
    ``.<attach>`` for a follow-up with a PDF (``--attach handout``): another campaign than
    the same newsletter sent without it, so nobody is skipped as "already sent"."""
    return f"{content.stem}.{theme}.{list_path.stem}" + (f".{attach}" if attach else "")


def prepare_campaign(
    content: Path,
    theme_name: str | None,
    root: Path,
    settings: Settings,
    list_path: Path,
    name: str | None = None,
    *,
    attachments: Sequence[Attachment] = (),
    attach: str = "",
) -> Campaign:
    """Read and render the newsletter once, with a token for every merge field;
    `attachments` (the training's PDF, `attach` its kind) go into every copy."""
    from ..newsletter import Personalizer, field_token, identity

    result = BuildResult()
    doc = load_document(content, root, result)
    if doc is None:
        raise InputError.many(result.errors)
    theme_name = theme_name or doc.meta.theme
    cache = ThemeCache(root, result)
    theme = cache.get(theme_name, doc)
    if theme is None:
        raise InputError.many(result.errors)
    env = cache.email_environment(theme_name)
    settings, sender, view = identity(doc, theme, settings)
    if not settings.sender_address:
        raise InputError(
            "no sender address: set sender_address in [tool.deckgen] (or [email] in the "
            "theme); the relay must accept it",
            root / "pyproject.toml",
        )
    secret = os.environ.get(SECRET_ENV, "").encode("utf-8")
    if settings.unsubscribe_url and len(secret) < 16:
        raise InputError(
            f"the unsubscribe links are signed with a secret: set {SECRET_ENV} to a long "
            "random string (python -c 'import secrets; print(secrets.token_urlsafe(32))') "
            "and keep it: the unsubscribe page checks the links with it"
            + (" (it is shorter than 16 characters)" if secret else ""),
            root / "pyproject.toml",
        )
    used: dict[str, Asset] = {}

    def image_src(asset: Asset) -> str:
        used[asset.key] = asset  # the pictures the message embeds, as CID parts
        return f"cid:{asset.key}"

    personalizer = Personalizer(doc, theme, env, image_src, sender, view)
    html, text = personalizer.render({f: field_token(f) for f in personalizer.fields})
    subject = doc.meta.subject or doc.meta.title

    def tokenize(value: str) -> str:  # the author's {{ first_name }} -> its token
        return MERGE.sub(lambda m: field_token(m.group(1).lower()), value)

    envelope = Envelope(
        sender_name=sender.name,
        sender_address=settings.sender_address,
        to="",
        subject="",
        reply_to=settings.reply_to,
        unsubscribe_url="https://unsubscribe.invalid/" if settings.unsubscribe_url else "",
        unsubscribe_mailto=settings.unsubscribe_mailto,
        message_id_domain=settings.message_id_domain,
    )
    return Campaign(
        id=name or campaign_id(content, theme_name, list_path, attach),
        doc=doc,
        theme=theme_name,
        settings=settings,
        copies=MessageCopies(envelope, used, attachments),
        html=_Filled(tokenize(html), html=True),
        text=_Filled(tokenize(text), html=False),
        subject=_Filled(tokenize(subject), html=False),
        secret=secret,
        author_fields={m.group(1).lower() for m in MERGE.finditer(subject + "\n" + text)},
        warnings=result.warnings,
    )


def check_fields(campaign: Campaign, columns: tuple[str, ...]) -> None:
    """Every {{ field }} the author wrote must be a column of the list: an error with its
    path:line. A field only the theme's templates use is a warning (left empty)."""
    available = set(columns) - {"email"} | set(BUILT_IN_FIELDS)
    doc = campaign.doc
    source = doc.path.read_text(encoding="utf-8").split("\n")
    problems = []
    for name in sorted(campaign.author_fields - available):
        line = next(
            (
                k
                for k, raw in enumerate(source, start=1)
                if re.search(r"\{\{\s*" + re.escape(name) + r"\s*\}\}", raw, re.I)
            ),
            None,
        )
        problems.append(
            Diagnostic(
                doc.path,
                line,
                f"merge field '{{{{ {name} }}}}' is not a column of the list"
                f"{did_you_mean(name, available)}; the list has: "
                f"{', '.join(sorted(available))}",
            )
        )
    if problems:
        raise InputError.many(problems)
    missing = campaign.fields - available - campaign.author_fields
    if missing:
        campaign.warnings.append(
            Diagnostic(
                None,
                None,
                f"the theme's email templates use {', '.join(sorted(missing))}, not a column "
                "of the list: left empty",
                "warning",
            )
        )


def deliverable(campaign: Campaign, listing: SubscriberList) -> tuple[list[Subscriber], int]:
    """The subscribers this content goes to, and how many have another `lang`: a list may
    hold several languages, each gets the content written in its language."""
    lang = campaign.doc.meta.lang.split("-")[0].lower()
    keep = [
        s
        for s in listing.subscribers
        if not s.fields.get("lang") or s.fields["lang"].split("-")[0].lower() == lang
    ]
    return keep, len(listing.subscribers) - len(keep)
