"""``deckgen preview``: one contact sheet per theme, to see a theme at a glance.

For each theme: the first slides of the first content file's deck, rendered by LibreOffice,
beside the newsletter (the last file with a ``preheader``, else the last file) rendered by
headless Chromium at 600 px, on one PNG: ``build/<theme>/preview/contact-sheet.png``. The
single renders stay beside it (``slide-N.png``, ``email.png``).

The sheet has a fixed size (`SHEET_SIZE`), so sheets of several themes line up.
"""

from __future__ import annotations

import base64
import io
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from . import clients
from .build import (
    BuildResult,
    ThemeCache,
    Written,
    content_files,
    load_build_settings,
    load_document,
    theme_list,
)
from .config import Settings
from .errors import InputError
from .model import Asset, Document
from .output import write_bytes_atomic
from .render import pptx_speed
from .render.deck import render_deck
from .themes import Theme

SLIDES = 6  # the first slides, in 2 columns x 3 rows
THUMB = (480, 270)  # a 16:9 slide; 4:3 decks are letterboxed
EMAIL_WIDTH = 600  # as webmails show it
EMAIL_COLUMN = 400  # its width on the sheet
GAP = 16
MARGIN = 24
BAND = 56  # the title band
GRID_HEIGHT = 3 * THUMB[1] + 2 * GAP
SHEET_SIZE = (
    MARGIN + 2 * THUMB[0] + GAP + MARGIN + EMAIL_COLUMN + MARGIN,
    BAND + MARGIN + GRID_HEIGHT + MARGIN,
)


def preview(
    paths: Iterable[Path],
    themes: Iterable[str],
    out_dir: Path,
    root: Path,
    on_written: Callable[[Written], None] | None = None,
) -> BuildResult:
    """Write the contact sheet of every theme asked for (the front matter's theme when
    none). Problems in content or themes go to the result; a missing client raises
    `clients.ClientError`."""
    result = BuildResult()
    cache = ThemeCache(root, result)
    settings = load_build_settings(root, ("newsletter",), result)  # the sheet shows the email
    if settings is None:
        return result
    docs = [d for d in (load_document(p, root, result) for p in content_files(paths, root)) if d]
    if not docs:
        return result
    names = theme_list(themes, root)
    deck_doc = docs[0]
    mail_doc = next((d for d in reversed(docs) if d.meta.preheader), docs[-1])
    for name in dict.fromkeys(names or [deck_doc.meta.theme]):
        theme = cache.get(name, deck_doc)
        if theme is None:
            continue
        try:
            env = cache.email_environment(name)
        except InputError as exc:
            result.errors.extend(exc.diagnostics)
            continue
        folder = out_dir / name / "preview"
        sheet = _sheet(deck_doc, mail_doc, theme, cache, env, settings, folder)
        target = folder / "contact-sheet.png"
        write_bytes_atomic(target, sheet)
        item = Written(target, f"{SHEET_SIZE[0]}x{SHEET_SIZE[1]} contact sheet")
        result.written.append(item)
        if on_written is not None:
            on_written(item)
    return result


def _sheet(deck_doc, mail_doc, theme: Theme, cache, env, settings, folder: Path) -> bytes:
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="deckgen-preview-") as work:
        deck = Path(work, deck_doc.stem + ".pptx")
        prs = render_deck(deck_doc, theme, cache.measurers[theme.name])
        with deck.open("wb") as handle:
            pptx_speed.save(prs, handle)
        pdf = clients.pptx_to_pdf(deck, Path(work))
        count = min(SLIDES, len(prs.slides))
        pngs = clients.pdf_pages_to_png(pdf, folder, 1, count, THUMB[0])
    email_png = clients.screenshot_html(
        email_page(mail_doc, theme, env, settings),
        EMAIL_WIDTH,
        round(GRID_HEIGHT * EMAIL_WIDTH / EMAIL_COLUMN),
        folder / "email.png",
    )
    colors = theme.colors
    sheet = Image.new("RGB", SHEET_SIZE, "#" + "E9ECEF")
    draw = ImageDraw.Draw(sheet)
    draw.rectangle((0, 0, SHEET_SIZE[0], BAND), fill="#" + colors.primary)
    draw.text(
        (MARGIN, BAND // 2),
        f"{theme.name}: {deck_doc.path.name} · {mail_doc.path.name}",
        fill="#" + colors.background,
        anchor="lm",
        font=_font(theme, 22),
    )
    top = BAND + MARGIN
    for k, png in enumerate(pngs):
        with Image.open(png) as slide:
            thumb = slide.convert("RGB")
            thumb.thumbnail(THUMB)
        x = MARGIN + (k % 2) * (THUMB[0] + GAP)
        y = top + (k // 2) * (THUMB[1] + GAP)
        cell = Image.new("RGB", THUMB, "white")
        cell.paste(thumb, ((THUMB[0] - thumb.width) // 2, (THUMB[1] - thumb.height) // 2))
        sheet.paste(cell, (x, y))
        draw.rectangle((x - 1, y - 1, x + THUMB[0], y + THUMB[1]), outline="#ADB5BD")
    with Image.open(email_png) as shot:
        email = shot.convert("RGB").crop((0, 0, EMAIL_WIDTH, shot.height))
        email = email.resize((EMAIL_COLUMN, round(email.height * EMAIL_COLUMN / EMAIL_WIDTH)))
        email = email.crop((0, 0, EMAIL_COLUMN, GRID_HEIGHT))
    x = MARGIN + 2 * THUMB[0] + GAP + MARGIN
    sheet.paste(email, (x, top))
    draw.rectangle((x - 1, top - 1, x + EMAIL_COLUMN, top + GRID_HEIGHT), outline="#ADB5BD")
    out = io.BytesIO()
    sheet.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _font(theme: Theme, size: int):
    """The theme's heading font (its measuring file), for the sheet's title."""
    from PIL import ImageFont

    face = theme.fonts.faces.get(theme.fonts.heading)
    if face is not None:
        data = face.files.get("bold") or face.files.get("regular")
        if data:
            return ImageFont.truetype(io.BytesIO(data), size)
    return ImageFont.load_default(size)


def email_page(doc: Document, theme: Theme, env, settings: Settings) -> str:
    """The newsletter as a reader sees it, its pictures inline (data: URIs: the contact
    sheet and ``deckgen serve`` show them without publishing them anywhere)."""
    from .newsletter import identity
    from .render import email

    settings, sender, view = identity(doc, theme, settings)

    def data_uri(asset: Asset) -> str:
        return f"data:{asset.mime};base64,{base64.b64encode(asset.data).decode('ascii')}"

    links = email.Links(view=view, unsubscribe=settings.unsubscribe_url)
    return email.render_email(doc, theme, env, data_uri, sender, links)
