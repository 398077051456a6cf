"""``deckgen theme new``: a commented theme.toml for a new client theme."""

from __future__ import annotations

from pathlib import Path

from .loading import load_theme


def new_theme_text(name: str, parent: str, project_root: Path | None) -> str:
    """A commented theme.toml extending `parent`: every setting shown with the parent's
    value, commented out, so the client theme states only what it changes."""
    theme, _ = load_theme(parent, project_root)
    c, f, z, sl = theme.colors, theme.fonts, theme.sizes, theme.slides
    series = ", ".join(f'"#{v}"' for v in c.series)
    layouts = "\n".join(f'# {k} = "{v}"' for k, v in theme.layouts.items())
    return f"""# Theme "{name}": only what differs from "{parent}". Uncomment and change a line to
# override it; everything else comes from "{parent}" (and the default theme).
# Files beside this one: template.pptx (the client's corporate template: its masters and
# layouts), templates/email/*.html (overrides of the email templates), assets/ (fonts, logos).
name = "{name}"
extends = "{parent}"

[colors]
# primary = "#{c.primary}"      # titles, table headers, the email header
# accent = "#{c.accent}"        # rules, bullets
# text = "#{c.text}"
# background = "#{c.background}"
# muted = "#{c.muted}"          # footers
# series = [{series}]

[fonts]
# heading = "{f.heading}"
# body = "{f.body}"
# mono = "{f.mono}"
# Font files to measure text with, relative to this folder:
# [fonts.files."{f.body}"]
# regular = "assets/fonts/{f.body.replace(" ", "")}-Regular.ttf"
# bold = "assets/fonts/{f.body.replace(" ", "")}-Bold.ttf"

[sizes]                         # points
# title = {z.title:g}
# section = {z.section:g}
# body = {z.body:g}
# min_body = {z.min_body:g}      # text shrinks down to this size, then continues on a new slide

[slides]
# footer = "{sl.footer}"         # empty: the document's title
# slide_numbers = {str(sl.slide_numbers).lower()}

[layouts]                       # deckgen slide kind -> layout name in template.pptx
{layouts}

[email]                         # overrides [tool.deckgen] of pyproject.toml
# sender_name = "Agence Exemple"
# sender_address = "lettre@example.com"
# reply_to = "contact@example.com"
# link_color = "#{c.primary}"
"""
