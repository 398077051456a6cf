"""The newsletter renderer: document model + theme -> email HTML, through Jinja2 templates.

The templates live in the theme (``themes/<name>/templates/email/``: a table-based 600 px
layout and one macro per block type) and are read once when the theme loads, with the
client theme's files overriding the default theme's. Autoescape is on: the author's text
is never markup, and never a template either (it is data passed to the templates). Raw
HTML written in the Markdown is sanitized with nh3. CSS is inlined with css-inline, the
``@media`` rules for phones kept in one ``<style>`` block.

Pure: reads no file. Image sources come from the caller (a base URL for the "view in
browser" page, ``cid:`` references when a message embeds them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import css_inline
import jinja2
import nh3
from markupsafe import Markup, escape

from ..errors import Diagnostic, InputError
from ..model import Asset, Chart, Document, Image, Inline, for_output
from ..themes import Theme
from ..typography import is_french
from .text import format_number

CONTENT_WIDTH = 536  # 600 px minus the content padding
LOGO_HEIGHT = 48  # px in the email header
LOGO_MAX_WIDTH = 240
SAFE_SCHEMES = ("http://", "https://", "mailto:", "tel:")
# What author-written HTML may keep in an email: text formatting, links, simple tables.
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "br",
    "code",
    "em",
    "i",
    "p",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "u",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "td",
    "th",
    "blockquote",
    "h3",
    "h4",
    "hr",
    "div",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "td": {"align", "colspan"},
    "th": {"align", "colspan"},
    "abbr": {"title"},
}
TEXT = {
    "fr": {
        "view_in_browser": "Voir dans le navigateur",
        "unsubscribe": "Se désabonner",
        "image": "Image",
    },
    "en": {
        "view_in_browser": "View in your browser",
        "unsubscribe": "Unsubscribe",
        "image": "Image",
    },
}


@dataclass(frozen=True)
class Sender:
    name: str = ""
    postal: str = ""  # the postal address bulk senders must show


@dataclass(frozen=True)
class Links:
    view: str = ""  # the "view in browser" page
    unsubscribe: str = ""


@dataclass(frozen=True)
class Recipient:
    """Merge fields for personalized copies; safe defaults when a field is missing."""

    email: str = ""
    first_name: str = ""
    last_name: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> str:  # {{ recipient.company }} -> "" when absent
        if name.startswith("_"):
            raise AttributeError(name)
        return self.fields.get(name, "")


def environment(theme: Theme) -> jinja2.Environment:
    """The Jinja environment of a theme's email templates (build it once per theme)."""
    env = jinja2.Environment(
        loader=jinja2.DictLoader(dict(theme.email_templates)),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        trim_blocks=False,
    )
    env.filters["safe_url"] = safe_url
    env.filters["sanitize"] = sanitize
    env.filters["inline"] = inline_html
    problems = []
    for name, source in theme.email_templates.items():  # every template compiles, or say where
        try:
            env.parse(source, name)
        except jinja2.TemplateSyntaxError as exc:
            path = theme.email_template_files.get(name)
            problems.append(Diagnostic(path, exc.lineno, f"template error: {exc.message}"))
    if problems:
        raise InputError.many(problems)
    return env


def render_email(
    doc: Document,
    theme: Theme,
    env: jinja2.Environment,
    image_src: Callable[[Asset], str],
    sender: Sender = Sender(),
    links: Links = Links(),
    recipient: Recipient | None = None,
) -> str:
    """The newsletter's HTML, CSS inlined."""
    lang = doc.meta.lang.split("-")[0].lower()
    colors = _colors(theme)

    def image_of(block: Image) -> dict[str, Any]:
        asset = doc.assets[block.asset]
        width = min(asset.width, CONTENT_WIDTH)
        height = round(asset.height * width / asset.width) if asset.width else asset.height
        return {"src": image_src(asset), "width": width, "height": height}

    def chart_rows(chart: Chart) -> list[dict[str, Any]]:
        return _chart_rows(chart, doc.meta.lang, theme.colors.series)

    logo = None
    if theme.logo is not None and theme.logo.email:
        asset = theme.logo.asset
        height = LOGO_HEIGHT
        width = round(asset.width * height / max(asset.height, 1))
        if width > LOGO_MAX_WIDTH:
            width, height = LOGO_MAX_WIDTH, round(asset.height * LOGO_MAX_WIDTH / asset.width)
        logo = {"src": image_src(asset), "width": width, "height": height, "alt": sender.name or doc.meta.author or theme.name}
    slides = [
        {"kind": s.kind, "title": s.title, "blocks": list(for_output(s.newsletter_blocks(), "newsletter"))}
        for s in doc.slides
    ]
    template = env.get_template("email/newsletter.html")
    html = template.render(
        meta=doc.meta,
        slides=slides,
        brand=doc.meta.title,
        logo=logo,
        colors=colors,
        fonts=_fonts(theme),
        sender=sender,
        links=links,
        recipient=recipient or Recipient(),
        text=TEXT.get(lang, TEXT["en"]),
        kind=lambda block: type(block).__name__.lower(),
        image_of=image_of,
        chart_rows=chart_rows,
    )
    return inline_css(html)


@lru_cache(maxsize=8)
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(
        keep_at_rules=True,  # the @media rules for phones stay in one <style> block
        load_remote_stylesheets=False,  # never fetch anything
    )


def inline_css(html: str) -> str:
    return _inliner().inline(html)


def inline_html(runs: Inline) -> Markup:
    """Inline runs as HTML: the text escaped, formatting as tags, links only to safe URLs."""
    out = []
    for run in runs:
        html = "<br>".join(str(escape(part)) for part in run.text.split("\n"))
        if run.code:
            html = f"<code>{html}</code>"
        if run.strike:
            html = f"<s>{html}</s>"
        if run.italic:
            html = f"<em>{html}</em>"
        if run.bold:
            html = f"<strong>{html}</strong>"
        href = safe_url(run.href) if run.href else ""
        if href:
            html = f'<a href="{escape(href)}">{html}</a>'
        out.append(html)
    return Markup("".join(out))


def safe_url(url: str) -> str:
    """The URL if it is safe in an email (http, https, mailto, tel, relative), else ''."""
    value = url.strip()
    lowered = "".join(value.split()).lower()  # "java\nscript:" tricks
    if lowered.startswith(SAFE_SCHEMES) or ":" not in lowered.split("/")[0]:
        return value
    return ""


def sanitize(html: str) -> Markup:
    """Author-written HTML reduced to what is safe and useful in an email. Markup: what nh3
    keeps is HTML to show, not text to escape (escaped, an email showed the tags)."""
    return Markup(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto", "tel"},
            link_rel="noopener noreferrer",
        )
    )


def _colors(theme: Theme) -> dict[str, str]:
    c = theme.colors
    fixed = theme.email_colors  # a client template's colours that would not read here
    primary = fixed.get("primary", c.primary)
    return {
        "primary": "#" + primary,
        "accent": "#" + c.accent,
        "text": "#" + fixed.get("text", c.text),
        "background": "#" + c.background,
        "muted": "#" + c.muted,
        "link": "#" + theme.email.get("link_color", primary),
        "on_primary": "#" + c.background,
        "page": "#F2F4F7",
        "code_bg": "#F3F4F6",
        "rule": "#D9DDE3",
    }


def _fonts(theme: Theme) -> dict[str, str]:
    def stack(family: str, fallback: str) -> str:
        names = [family] + [n.strip().strip("'") for n in fallback.split(",")]
        unique = list(dict.fromkeys(names))
        return ", ".join(f"'{n}'" if " " in n else n for n in unique)

    f = theme.fonts
    return {
        "heading": stack(f.heading, "Arial, Helvetica, sans-serif"),
        "body": stack(f.body, "Arial, Helvetica, sans-serif"),
        "mono": stack(f.mono, "'Courier New', Courier, monospace"),
    }


def _chart_rows(chart: Chart, lang: str, series_colors: tuple[str, ...]) -> list[dict[str, Any]]:
    """One row per value: label, bar width in % of the largest value, formatted value."""
    peak = max((abs(v) for s in chart.series for v in s.values), default=0.0) or 1.0
    rows = []
    many = len(chart.series) > 1
    for k, category in enumerate(chart.categories):
        for n, series in enumerate(chart.series):
            value = series.values[k] if k < len(series.values) else 0.0
            label = f"{category} – {series.name}" if many else category
            rows.append(
                {
                    "label": label,
                    "percent": max(1, math.floor(abs(value) / peak * 100)),
                    "value": format_number(value, is_french(lang), chart.unit),
                    "color": "#" + series_colors[n % len(series_colors)],
                }
            )
    return rows
