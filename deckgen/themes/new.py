"""``deckgen theme new``: a commented theme.toml for a new client theme, from a parent
theme or from the client's own template (``--template``: what deckgen maps and why)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from .boxes import layout_boxes
from .fonts import system_font_face
from .loading import load_theme
from .mapping import choose_layouts
from .schema import scaled_sizes, size_scale
from .template import analyse, read_template


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


# --- from a client's template ------------------------------------------------------------

# The palettes Office gives a new presentation (accent 1 to 3): a template still using one
# was probably never given its brand's colours in its theme.
OFFICE_PALETTES = {
    "Office 2007-2010": ("4F81BD", "C0504D", "9BBB59"),
    "Office 2013-2022": ("4472C4", "ED7D31", "A5A5A5"),
    "Office 2013 (blue)": ("5B9BD5", "ED7D31", "A5A5A5"),
    "Office 2023+": ("156082", "E97132", "196B24"),
}
KIND_USE = {
    "title": "the title slide",
    "section": "section dividers (# headings)",
    "content": "text, lists, tables, pictures",
    "two-content": "a text beside a picture or a chart",
    "quote": "a slide holding only a quotation",
    "chart": "slides with a chart",
}


@dataclass(frozen=True)
class TemplateSetup:
    """What ``theme new --template`` found in a template: the theme.toml to write and what
    the user should look at."""

    text: str
    look_at: tuple[str, ...]
    choices: dict


def template_theme_text(
    name: str, parent: str, template: Path, project_root: Path | None
) -> TemplateSetup:
    """A commented theme.toml for a theme built on the client's `template` (copied beside
    it as template.pptx or .potx): the layout of each slide kind as deckgen maps it and why,
    the template's colours and fonts (kept: listed commented), its logos, and the traps.
    Raises `InputError` when the template cannot be used."""
    data, problem, opened = read_template(template)
    if problem or opened is None:
        raise InputError(problem or "this template cannot be read", template)
    parent_theme, _ = load_theme(parent, project_root)
    info = analyse(opened.prs, scheme=opened.scheme)
    factor = size_scale(info.width)
    sizes = scaled_sizes(parent_theme.sizes, factor)
    choices = choose_layouts(
        info, lambda layout: layout_boxes(layout, info.width, info.height, sizes.min_body)
    )
    scheme = opened.scheme
    look: list[str] = []
    lines = [
        f'# Theme "{name}", set up by deckgen theme new from {template.name}',
        f"# ({info.width / 914400:.2f} x {info.height / 914400:.2f} in, {len(info.masters)} "
        f"master(s), {len(info.layouts)} layouts). Everything below was read from the template;",
        "# uncomment and change a line to override it. The template (template"
        f"{template.suffix} beside this file) keeps its masters, layouts, colours and fonts.",
        f'name = "{name}"',
        f'extends = "{parent}"',
        "",
    ]
    # Colours.
    colors = scheme.colors
    lines.append("[colors]                 # from the template's theme (kept as they are)")
    for key, slot, what in (
        ("primary", "dark 2", "table headers, quotes, the email header"),
        ("accent", "accent 1", "bullets, rules"),
        ("text", "dark 1", "text"),
        ("background", "light 1", "the email's background"),
    ):
        if key in colors:
            lines.append(f'# {key} = "{colors[key]}"'.ljust(28) + f"# {slot}: {what}")
    if "series" in colors:
        lines.append(
            f"# series = [{', '.join(repr(c).replace(chr(39), chr(34)) for c in colors['series'])}]"
        )
    accents = tuple(c.lstrip("#").upper() for c in colors.get("series", ())[:3])
    office = next((n for n, p in OFFICE_PALETTES.items() if accents == p), None)
    if office:
        brand = _brand_colors(info)
        found = ", ".join(f'"#{c}"' for c in brand) or "none"
        lines.append(f"# The template's palette is Office's default ({office}): its brand colours")
        lines.append(f"# are probably only on its masters and layouts; found there: {found}.")
        if brand:
            lines.append(f'# To use one: primary = "#{brand[0]}"')
        look.append(
            f"its colour palette is Office's default ({office}), not the brand's; colours "
            f"found on its masters and layouts: {found} (set [colors] in theme.toml)"
        )
    lines.append("")
    # Fonts.
    lines.append("[fonts]                  # from the template's theme")
    for key, what in (("heading", "major font: titles"), ("body", "minor font: text")):
        family = scheme.fonts.get(key)
        if family:
            face = system_font_face(family)
            note = what
            if face is None:
                note += "; not installed here: see the warning below"
            elif face.source != family:
                note += f"; measured with {face.source}, its metric-compatible twin"
            lines.append(f'# {key} = "{family}"'.ljust(28) + f"# {note}")
    lines.append("")
    if factor != 1.0:
        z = sizes
        lines.append(
            f"[sizes]                  # points, x{factor:g} for this {info.width / 914400:.2f} in "
            "wide slide (13.33 in for deckgen's"
        )
        lines.append("                         # sizes): a size written here is used as it is")
        for key in ("title", "section", "body", "min_body"):
            lines.append(f"# {key} = {getattr(z, key):g}")
        lines.append("")
    # Layouts.
    lines.append(
        "[layouts]                # slide kind -> the template's layout deckgen chose (delete a"
    )
    lines.append("                         # line to let deckgen choose again at each build)")
    for kind, choice in choices.items():
        entry = f'{kind} = "{_toml_str(choice.layout.key)}"'
        why = f"{KIND_USE[kind]}: {choice.reason}"
        lines.append(f"{entry.ljust(40)} # {why}")
        if choice.others:
            others = ", ".join(f"'{o}'" for o in choice.others)
            lines.append(f"{'':40} # also fits: {others}")
            look.append(f"{kind}: '{choice.layout.key}' chosen; {others} would fit as well")
        for note in choice.notes:
            lines.append(f"{'':40} # note: {note}: deckgen places its own boxes")
    told = {c.layout.key for c in choices.values() if c.notes}
    for key in sorted(told):
        kinds = [k for k, c in choices.items() if c.layout.key == key]
        notes = next(c.notes for c in choices.values() if c.layout.key == key)
        look.append(
            f"layout '{key}' ({', '.join(kinds)}): {'; '.join(notes)}: deckgen places its own boxes"
        )
    lines.append("")
    # Logos.
    logos = _logos(info)
    if logos:
        lines.append("# The template's logo: " + "; ".join(logos) + ".")
        lines.append(
            "# It shows on the slides built on those layouts and deckgen keeps text clear of it:"
        )
        lines.append("# no [logo] table is needed (it is for a logo the template does not have).")
    else:
        lines.append("# No logo on the template's masters and layouts: add one with")
        lines.append('# [logo]  file = "assets/logo.png" (it goes on the layouts deckgen uses).')
    lines.append("")
    lines.append("[slides]")
    lines.append('# footer = ""              # empty: the document\'s title')
    lines.append("")
    lines.append("[email]                  # overrides [tool.deckgen] of pyproject.toml")
    lines.append('# sender_name = "Agence Exemple"')
    return TemplateSetup("\n".join(lines) + "\n", tuple(look), choices)


def _toml_str(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _logos(info) -> list[str]:
    """Pictures of the masters and layouts small enough to be logos, where they are."""
    slide = info.width * info.height
    seen: dict[tuple, list[str]] = {}
    for layout in info.layouts:
        for o in layout.obstacles:
            if o.kind != "picture" or o.rect.w * o.rect.h > 0.12 * slide:
                continue
            key = (o.on, o.name, o.rect)
            seen.setdefault(key, []).append(layout.key)
    out = []
    for (on, name, rect), keys in seen.items():
        size = f"{rect.w / 914400:.1f} x {rect.h / 914400:.1f} in"
        place = "the master" if on == "master" else f"layout {', '.join(repr(k) for k in keys[:3])}"
        out.append(f"'{name}' on {place} ({size}, {_corner(rect, info.width, info.height)})")
    return out[:4]


def _corner(rect, width: int, height: int) -> str:
    cx, cy = rect.x + rect.w / 2, rect.y + rect.h / 2
    v = "top" if cy < height / 3 else "bottom" if cy > 2 * height / 3 else "middle"
    h = "left" if cx < width / 3 else "right" if cx > 2 * width / 3 else "centre"
    return f"{v} {h}"


def _brand_colors(info) -> list[str]:
    """The saturated colours the masters and layouts draw most (bands, shapes, logos)."""
    import colorsys

    counts: dict[str, int] = {}
    from PIL import Image

    for layout in info.layouts:
        backdrop = layout.backdrop
        image = Image.frombytes("RGB", backdrop.size, backdrop.pixels)
        for n, rgb in image.getcolors(maxcolors=backdrop.size[0] * backdrop.size[1]) or []:
            h, lum, s = colorsys.rgb_to_hls(*(c / 255 for c in rgb))
            if s < 0.35 or not 0.15 < lum < 0.85:
                continue  # greys, near black or white: not a brand colour
            key = "".join(f"{round(c / 16) * 16 if c < 248 else 255:02X}" for c in rgb)
            counts[key] = counts.get(key, 0) + n
    return [c for c, _ in sorted(counts.items(), key=lambda kv: -kv[1])[:3]]
