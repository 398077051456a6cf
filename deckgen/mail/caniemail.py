"""Email client compatibility: which HTML and CSS features of an email a client does not support.

Support data comes from caniemail.com (MIT licence, see CANIEMAIL-LICENSE), compiled into the
packaged ``caniemail.json`` by ``python -m deckgen.mail.update_caniemail``; nothing is read
from outside the package and nothing is downloaded.

:func:`scan_html` lists what an email uses, as caniemail feature slugs with the line and the
piece of HTML or CSS that uses it; :func:`check_html` joins that with the support data and
returns a :class:`Finding` for every feature a target client does not support.

What is detected (caniemail's ``keywords`` are free-form tags, so the mapping is ours):

- elements: ``html-<tag>`` (``<video>`` -> html-video, ...), plus html-h1-h6, html-lists
  (ul/ol/li/dl/dt/dd), html-semantics (article, section, ...), html-image-maps, the
  ``<input type>`` and ``<button type>`` features, html-meta-color-scheme, html-doctype (the
  HTML5 doctype), html-comments, html-anchor-links (``href="#..."``) and html-mailto-links;
  elements inside ``<svg>`` are SVG, not HTML, and are not mapped;
- attributes: align, valign, width, height, background, cellpadding, cellspacing, dir, lang,
  role, aria-*, hidden, required, loading, srcset/sizes, target, popover, inert, usemap;
- image formats (``image-*``) from ``<img>``/``<source>`` URLs and CSS ``url()``: the file
  extension or the ``data:`` media type (and image-base64);
- CSS from ``style`` attributes and ``<style>`` elements: properties (``css-<property>``, with
  longhands mapped to the page that covers them: padding-left -> css-padding, border-top-color
  -> css-border, ...), some values (display:flex/grid/none, gradients, calc(), min(), max(),
  clamp(), rgb(), rgba(), var(), light-dark(), lab()/lch(), units, initial, fit-content,
  system-ui fonts), ``!important``, custom properties, comments, nesting, at-rules
  (@media and its prefers-color-scheme/prefers-reduced-motion/orientation/hover/
  device-pixel-ratio features, @font-face, @import, @keyframes, @supports), selectors
  (type, class, id, universal, attribute, combinators, grouping, chaining) and the
  pseudo-classes and pseudo-elements caniemail has a page for.

``<style>`` elements inside conditional comments (``<!--[if mso]>``) are comments to an HTML
parser and are not checked.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from importlib import resources
from types import MappingProxyType

DEFAULT_CLIENTS = (
    "outlook.windows",
    "gmail.desktop-webmail",
    "gmail.android",
    "gmail.ios",
    "apple-mail.macos",
    "apple-mail.ios",
)

_NO_DATA = "caniemail has no data for this client."


@dataclass(frozen=True)
class Support:
    """One client's current support for a feature."""

    value: str  # "y", "n", "a" (partial) or "u" (unknown)
    version: str  # the client version caniemail tested last ("2019", "2026-03", ...)
    notes: tuple[str, ...]  # the note texts the value refers to


@dataclass(frozen=True)
class Feature:
    slug: str  # "css-display-flex"
    title: str  # "display:flex"
    category: str  # "html", "css", "image" or "others"
    support: Mapping[str, Support]  # client ("outlook.windows") -> support; absent: no data


@dataclass(frozen=True)
class Usage:
    """A feature the HTML uses, and where."""

    feature: str
    where: str
    line: int


@dataclass(frozen=True)
class Finding:
    feature: str  # caniemail slug, e.g. "css-display-flex"
    title: str  # e.g. "display:flex"
    client: str  # e.g. "outlook.windows"
    client_name: str  # e.g. "Outlook (Windows)"
    support: str  # "n" (not supported), "a" (partial) or "u" (unknown)
    notes: tuple[str, ...]
    where: str  # '<div style="display:flex">', "@media (max-width:600px)", ".btn:hover"
    line: int  # line in the HTML source (1-based)


# --------------------------------------------------------------------------- support data


@functools.cache
def _data() -> dict:
    text = resources.files(__package__).joinpath("caniemail.json").read_text(encoding="utf-8")
    return json.loads(text)


@functools.cache
def load_support() -> Mapping[str, Feature]:
    """Every caniemail feature by slug, with the support of the clients deckgen tracks."""
    features = {}
    for slug, raw in _data()["features"].items():
        notes = raw["notes_by_num"]
        support = {
            client: Support(s["value"], s["version"], tuple(notes[n] for n in s["notes"]))
            for client, s in raw["support"].items()
        }
        features[slug] = Feature(slug, raw["title"], raw["category"], MappingProxyType(support))
    return MappingProxyType(features)


def client_names() -> Mapping[str, str]:
    """The clients the packaged data covers: "outlook.windows" -> "Outlook (Windows)"."""
    return MappingProxyType(_data()["clients"])


# ------------------------------------------------------------------------------- mappings

# Elements with a page of their own: <tag> -> html-<tag>.
_ELEMENTS = frozenset(
    "abbr acronym address audio base bdi blockquote body code del dfn dialog div form hr img "
    "link marquee meter object p picture pre progress rp rt ruby select small span strike strong "
    "style svg table textarea video wbr".split()
)
_ELEMENT_GROUPS = {
    **dict.fromkeys("h1 h2 h3 h4 h5 h6".split(), "html-h1-h6"),
    **dict.fromkeys("ul ol li dl dt dd".split(), "html-lists"),
    **dict.fromkeys(
        "article aside details figcaption figure footer header main mark nav section summary "
        "time".split(),
        "html-semantics",
    ),
    "map": "html-image-maps",
    "area": "html-image-maps",
}
_INPUT_TYPES = frozenset("checkbox hidden radio reset submit text".split())

_ATTRIBUTES = {
    "align": "html-align",
    "valign": "html-valign",
    "width": "html-width",
    "height": "html-height",
    "background": "html-background",
    "cellpadding": "html-cellpadding",
    "cellspacing": "html-cellspacing",
    "dir": "html-dir",
    "lang": "html-lang",
    "role": "html-role",
    "aria-describedby": "html-aria-describedby",
    "aria-hidden": "html-aria-hidden",
    "aria-label": "html-aria-label",
    "aria-labelledby": "html-aria-labelledby",
    "aria-live": "html-aria-live",
    "hidden": "html-hidden",
    "required": "html-required",
    "loading": "html-loading-attribute",
    "srcset": "html-srcset",
    "sizes": "html-srcset",
    "target": "html-target",
    "popover": "html-popover",
    "inert": "css-inert-attribute",
    "usemap": "html-image-maps",
}

# Properties whose page is css-<property>.
_PROPERTIES = frozenset(
    """accent-color align-items animation aspect-ratio backdrop-filter background
    background-blend-mode background-clip background-color background-image background-origin
    background-position background-repeat background-size border border-collapse border-image
    border-radius border-spacing box-shadow box-sizing caption-side clear clip-path color-scheme
    column-count cursor direction display empty-cells filter flex-direction flex-wrap float
    font font-kerning font-size font-size-adjust font-stretch font-weight gap height
    hyphenate-character hyphenate-limit-chars hyphens inline-size inset justify-content
    letter-spacing line-height list-style list-style-image list-style-position list-style-type
    margin mask-image max-block-size max-height max-inline-size max-width min-block-size
    min-height min-inline-size min-width mix-blend-mode object-fit object-position opacity
    orphans outline outline-offset overflow overflow-wrap padding position resize shape-margin
    shape-outside tab-size table-layout text-align text-align-last text-decoration
    text-decoration-color text-decoration-line text-decoration-skip-ink text-decoration-style
    text-decoration-thickness text-emphasis text-emphasis-position text-indent text-justify
    text-orientation text-overflow text-shadow text-transform text-underline-offset
    text-underline-position text-wrap transform transition user-select vertical-align visibility
    white-space white-space-collapse widows width word-break word-spacing word-wrap
    writing-mode z-index""".split()
)
_SIDES = ("top", "right", "bottom", "left")
# Longhands and relatives, mapped to the page that covers them.
_PROPERTY_ALIASES = {
    **{f"padding-{s}": "css-padding" for s in _SIDES},
    **{f"margin-{s}": "css-margin" for s in _SIDES},
    **{f"border-{s}": "css-border" for s in _SIDES},
    **{f"border-{p}": "css-border" for p in ("width", "style", "color")},
    **{f"border-{s}-{p}": "css-border" for s in _SIDES for p in ("width", "style", "color")},
    **{
        f"border-{v}-{h}-radius": "css-border-radius"
        for v in ("top", "bottom")
        for h in ("left", "right")
    },
    **{
        f"border-{a}-{b}-radius": "css-border-radius-logical"
        for a in ("start", "end")
        for b in ("start", "end")
    },
    **dict.fromkeys(
        [f"border-{a}" for a in ("inline", "block")]
        + [f"border-{a}-{b}" for a in ("inline", "block") for b in ("start", "end")],
        "css-border-inline-block",
    ),
    **{
        f"border-{a}-{p}": "css-border-inline-block-individual"
        for a in ("inline", "block")
        for p in ("color", "style", "width")
    },
    **{
        f"border-{a}-{b}-{p}": "css-border-inline-block-longhand"
        for a in ("inline", "block")
        for b in ("start", "end")
        for p in ("color", "style", "width")
    },
    **{
        f"border-image-{p}": "css-border-image"
        for p in ("source", "slice", "width", "outset", "repeat")
    },
    "margin-inline": "css-margin-inline-block",
    "margin-block": "css-margin-inline-block",
    "margin-inline-start": "css-margin-inline-start-end",
    "margin-inline-end": "css-margin-inline-start-end",
    "margin-block-start": "css-margin-block-start-end",
    "margin-block-end": "css-margin-block-start-end",
    "padding-inline": "css-padding-inline-block",
    "padding-block": "css-padding-inline-block",
    "padding-inline-start": "css-padding-inline-start-end",
    "padding-inline-end": "css-padding-inline-start-end",
    "padding-block-start": "css-padding-block-start-end",
    "padding-block-end": "css-padding-block-start-end",
    "block-size": "css-block-inline-size",
    **dict.fromkeys(_SIDES, "css-left-right-top-bottom"),
    **{
        f"inset-{p}": "css-inset"
        for p in ("inline", "block", "inline-start", "inline-end", "block-start", "block-end")
    },
    "row-gap": "css-gap",
    "column-gap": "css-gap",
    "grid-gap": "css-gap",
    **dict.fromkeys(
        "columns column-fill column-rule column-rule-color column-rule-style "
        "column-rule-width column-span column-width".split(),
        "css-column-layout-properties",
    ),
    **{f"grid-template-{p}": "css-grid-template" for p in ("areas", "columns", "rows")},
    "grid-template": "css-grid-template",
    **{
        f"animation-{p}": "css-animation"
        for p in (
            "name duration timing-function delay iteration-count direction fill-mode "
            "play-state composition timeline range range-start range-end"
        ).split()
    },
    **{
        f"transition-{p}": "css-transition"
        for p in ("property", "duration", "timing-function", "delay", "behavior")
    },
    "transform-origin": "css-transform",
    "transform-style": "css-transform",
    "transform-box": "css-transform",
    **{f"overflow-{p}": "css-overflow" for p in ("x", "y", "block", "inline")},
    **{f"outline-{p}": "css-outline" for p in ("color", "style", "width")},
    "text-emphasis-color": "css-text-emphasis",
    "text-emphasis-style": "css-text-emphasis",
    **{f"scroll-snap-{p}": "css-scroll-snap" for p in ("type", "align", "stop")},
}
_VENDOR_PREFIX = re.compile(r"^-(?:webkit|moz|ms|o)-")

_AT_RULES = {
    "media": "css-at-media",
    "font-face": "css-at-font-face",
    "import": "css-at-import",
    "keyframes": "css-at-keyframes",
    "supports": "css-at-supports",
}
_MEDIA_FEATURES = (
    (re.compile(r"prefers-color-scheme"), "css-at-media-prefers-color-scheme"),
    (re.compile(r"prefers-reduced-motion"), "css-at-media-prefers-reduced-motion"),
    (re.compile(r"\borientation\b"), "css-at-media-orientation"),
    (re.compile(r"(?<![\w-])(?:any-)?hover\b"), "css-at-media-hover"),
    (re.compile(r"device-pixel-ratio"), "css-at-media-device-pixel-ratio"),
)
# At-rules whose block holds rules; the others (@font-face, @page, ...) hold declarations.
_GROUPING_AT_RULES = frozenset("media supports document container layer scope".split())

_PSEUDO_CLASSES = frozenset(
    """active checked default first-child first-of-type focus focus-visible focus-within has
    hover lang last-child last-of-type link not nth-child nth-last-child nth-last-of-type
    nth-of-type only-child only-of-type target visited""".split()
)
_PSEUDO_ELEMENTS = frozenset("after before first-letter first-line marker placeholder".split())
_LEGACY_PSEUDO_ELEMENTS = frozenset("after before first-letter first-line".split())

_FUNCTIONS = {
    "linear-gradient": "css-linear-gradient",
    "repeating-linear-gradient": "css-linear-gradient",
    "radial-gradient": "css-radial-gradient",
    "repeating-radial-gradient": "css-radial-gradient",
    "conic-gradient": "css-conic-gradient",
    "repeating-conic-gradient": "css-conic-gradient",
    "calc": "css-unit-calc",
    "clamp": "css-function-clamp",
    "min": "css-function-min",
    "max": "css-function-max",
    "light-dark": "css-function-light-dark",
    "rgb": "css-rgb",
    "rgba": "css-rgba",
    "lab": "css-modern-color",
    "lch": "css-modern-color",
    "oklab": "css-modern-color",
    "oklch": "css-modern-color",
    "var": "css-variables",
    "fit-content": "css-intrinsic-size",
}
_UNITS = {
    "px": "css-unit-px",
    "em": "css-unit-em",
    "rem": "css-unit-rem",
    "ex": "css-unit-ex",
    "ch": "css-unit-ch",
    "cm": "css-unit-cm",
    "mm": "css-unit-mm",
    "in": "css-unit-in",
    "pc": "css-unit-pc",
    "pt": "css-unit-pt",
    "vh": "css-unit-vh",
    "vw": "css-unit-vw",
    "vmin": "css-unit-vmin",
    "vmax": "css-unit-vmax",
    "%": "css-unit-percent",
}
_KEYWORDS = {
    "initial": "css-unit-initial",
    "fit-content": "css-intrinsic-size",
    "min-content": "css-intrinsic-size",
    "max-content": "css-intrinsic-size",
}
_SYSTEM_FONTS = frozenset("system-ui ui-serif ui-sans-serif ui-rounded ui-monospace".split())
_DISPLAY_VALUES = {
    "flex": "css-display-flex",
    "inline-flex": "css-display-flex",
    "grid": "css-display-grid",
    "inline-grid": "css-display-grid",
    "none": "css-display-none",
}
# Properties whose url() is an image (font-face src and @import urls are not).
_IMAGE_URL_PROPERTIES = frozenset(
    "background background-image list-style list-style-image border-image border-image-source "
    "mask-image content".split()
)
_IMAGE_EXTENSIONS = {
    "png": "image-png",
    "apng": "image-apng",
    "jpg": "image-jpg",
    "jpeg": "image-jpg",
    "gif": "image-gif",
    "webp": "image-webp",
    "avif": "image-avif",
    "svg": "image-svg",
    "bmp": "image-bmp",
    "tif": "image-tiff",
    "tiff": "image-tiff",
    "ico": "image-ico",
    "heic": "image-heif",
    "heif": "image-heif",
    "mp4": "image-mp4",
}
_IMAGE_MEDIA_TYPES = {
    "png": "image-png",
    "apng": "image-apng",
    "jpeg": "image-jpg",
    "jpg": "image-jpg",
    "gif": "image-gif",
    "webp": "image-webp",
    "avif": "image-avif",
    "svg+xml": "image-svg",
    "bmp": "image-bmp",
    "tiff": "image-tiff",
    "x-icon": "image-ico",
    "vnd.microsoft.icon": "image-ico",
    "heic": "image-heif",
    "heif": "image-heif",
}


def mapped_slugs() -> frozenset[str]:
    """Every slug the scanner can report (the tests check each has a caniemail page)."""
    slugs = {f"html-{tag}" for tag in _ELEMENTS} | {f"css-{p}" for p in _PROPERTIES}
    slugs |= {f"html-input-{t}" for t in _INPUT_TYPES}
    slugs |= {"html-button-submit", "html-button-reset", "html-meta-color-scheme"}
    slugs |= {"html-doctype", "html-comments", "html-anchor-links", "html-mailto-links"}
    slugs |= {"css-important", "css-variables", "css-comments", "css-nesting", "css-sytem-ui"}
    slugs |= {"image-base64"}
    slugs |= {f"css-pseudo-class-{p}" for p in _PSEUDO_CLASSES}
    slugs |= {f"css-pseudo-element-{p}" for p in _PSEUDO_ELEMENTS}
    slugs |= {
        f"css-selector-{s}"
        for s in (
            "type class id universal attribute descendant child adjacent-sibling "
            "general-sibling grouping chaining"
        ).split()
    }
    for table in (_ELEMENT_GROUPS, _ATTRIBUTES, _PROPERTY_ALIASES, _AT_RULES, _FUNCTIONS):
        slugs |= set(table.values())
    for table in (_UNITS, _KEYWORDS, _DISPLAY_VALUES, _IMAGE_EXTENSIONS, _IMAGE_MEDIA_TYPES):
        slugs |= set(table.values())
    slugs |= {slug for _, slug in _MEDIA_FEATURES}
    return frozenset(slugs)


# ------------------------------------------------------------------------------ snippets


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _declaration_text(prop: str, value: str, important: bool) -> str:
    return f"{prop}:{_short(value, 50)}" + (" !important" if important else "")


# ----------------------------------------------------------------------------------- CSS


class _Lines:
    """Offsets in a text -> lines in the HTML source."""

    def __init__(self, text: str, first_line: int) -> None:
        self._starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self._first = first_line

    def line(self, offset: int) -> int:
        return self._first + bisect.bisect_right(self._starts, offset) - 1


def _mask(css: str) -> tuple[str, list[tuple[int, str]]]:
    """Blank out comments, and hide the contents of strings and url() from the structure scan.

    Returns a text of the same length (newlines kept) where comments are spaces and string and
    unquoted url() contents are "x", so ``;``, ``{`` and ``}`` in them do not count; and the
    comments with their offsets.
    """
    out = list(css)
    comments = []
    i, n = 0, len(css)

    def blank(start: int, end: int, fill: str) -> None:
        for k in range(start, end):
            if out[k] != "\n":
                out[k] = fill

    while i < n:
        c = css[i]
        if c == "/" and css.startswith("/*", i):
            end = css.find("*/", i + 2)
            end = n if end < 0 else end + 2
            comments.append((i, css[i:end]))
            blank(i, end, " ")
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and css[j] != c and css[j] != "\n":
                j += 2 if css[j] == "\\" else 1
            blank(i + 1, min(j, n), "x")
            i = j + 1
        elif (
            c in "uU" and css[i : i + 4].lower() == "url(" and (i == 0 or not _is_name(css[i - 1]))
        ):
            j = i + 4
            while j < n and css[j] in " \t\r\n":
                j += 1
            if j < n and css[j] in "\"'":
                i = j  # a quoted url: the string branch handles it
                continue
            end = css.find(")", j)
            end = n if end < 0 else end
            blank(j, end, "x")
            i = end + 1
        else:
            i += 1
    return "".join(out), comments


def _is_name(c: str) -> bool:
    return c.isalnum() or c in "-_"


def _matching(masked: str, start: int, end: int) -> int:
    """The offset of the ``}`` closing the block opened just before ``start`` (or ``end``)."""
    depth = 1
    for k in range(start, end):
        c = masked[k]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return k
    return end


_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*?))\s*\)""", re.I)
_FUNCTION = re.compile(r"(?<![\w-])(-?[a-zA-Z][\w-]*)\(")
_NUMBER_UNIT = re.compile(
    r"(?<![\w.#-])[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?(%|[a-zA-Z]+)(?![\w-])"
)
_WORD = re.compile(r"(?<![\w-])[a-zA-Z][\w-]*")
_IMPORTANT = re.compile(r"!\s*important\s*$", re.I)


def image_features(url: str) -> list[str]:
    """The image-* slugs for an image URL: its format, and image-base64 for base64 data."""
    url = url.strip()
    if url[:5].lower() == "data:":
        head = url[5:].split(",", 1)[0].lower()
        media, _, params = head.partition(";")
        found = []
        if media.startswith("image/") and media[6:] in _IMAGE_MEDIA_TYPES:
            found.append(_IMAGE_MEDIA_TYPES[media[6:]])
        if "base64" in params.split(";"):
            found.append("image-base64")
        return found
    path = re.split(r"[?#]", url, maxsplit=1)[0]
    name = path.rsplit("/", 1)[-1]
    if "." in name:
        slug = _IMAGE_EXTENSIONS.get(name.rsplit(".", 1)[1].lower())
        if slug:
            return [slug]
    return []


def declaration_features(prop: str, value: str, important: bool = False) -> list[str]:
    """The slugs a declaration ``prop: value`` uses (``!important`` already split off)."""
    prop = prop.strip().lower()
    found = []
    if prop.startswith("--"):
        found.append("css-variables")
    if prop.startswith("mso-"):  # Outlook's own properties: for Outlook only, no page
        return []
    base = _VENDOR_PREFIX.sub("", prop)
    if base in _PROPERTIES:
        found.append(f"css-{base}")
    elif base in _PROPERTY_ALIASES:
        found.append(_PROPERTY_ALIASES[base])
    if important:
        found.append("css-important")

    if base in _IMAGE_URL_PROPERTIES:
        for m in _URL.finditer(value):
            found += image_features(next(g for g in m.groups() if g is not None))
    # Strings and url() say nothing about units or functions.
    bare = _URL.sub(" ", value)
    bare = re.sub(r"\"[^\"]*\"|'[^']*'", " ", bare)
    lower = bare.lower()
    for m in _FUNCTION.finditer(lower):
        name = _VENDOR_PREFIX.sub("", m.group(1))
        if name in _FUNCTIONS:
            found.append(_FUNCTIONS[name])
    for m in _NUMBER_UNIT.finditer(lower):
        if m.group(1) in _UNITS:
            found.append(_UNITS[m.group(1)])
    words = {w for w in _WORD.findall(lower)}
    found += [_KEYWORDS[w] for w in sorted(words & _KEYWORDS.keys())]
    if base in ("font", "font-family") and words & _SYSTEM_FONTS:
        found.append("css-sytem-ui")
    if base == "display":
        found += sorted({_DISPLAY_VALUES[w] for w in words if w in _DISPLAY_VALUES})
    return list(dict.fromkeys(found))


def selector_features(selector: str) -> list[str]:
    """The slugs a selector uses: selector kinds, combinators, pseudo-classes and -elements."""
    found: list[str] = []
    parts = _split_top_level(selector, ",")
    if len(parts) > 1:
        found.append("css-selector-grouping")
    for part in parts:
        found += _complex_selector_features(part.strip())
    return list(dict.fromkeys(found))


def _split_top_level(text: str, sep: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for k, c in enumerate(text):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth = max(0, depth - 1)
        elif c == sep and depth == 0:
            parts.append(text[start:k])
            start = k + 1
    parts.append(text[start:])
    return parts


def _complex_selector_features(sel: str) -> list[str]:
    found: list[str] = []
    i, n = 0, len(sel)
    compound = 0  # class/id/attribute selectors in the current compound selector
    pending_space = False
    at_compound_start = True

    def end_compound() -> None:
        nonlocal compound
        if compound >= 2:
            found.append("css-selector-chaining")
        compound = 0

    while i < n:
        c = sel[i]
        if c.isspace():
            pending_space = True
            i += 1
            continue
        if c in ">+~":
            end_compound()
            found.append(
                {
                    ">": "css-selector-child",
                    "+": "css-selector-adjacent-sibling",
                    "~": "css-selector-general-sibling",
                }[c]
            )
            pending_space = False
            at_compound_start = True
            i += 1
            continue
        if pending_space and not at_compound_start:
            end_compound()
            found.append("css-selector-descendant")
            at_compound_start = True
        pending_space = False
        if c == "*":
            found.append("css-selector-universal")
            i += 1
        elif c == ".":
            found.append("css-selector-class")
            compound += 1
            i = _skip_name(sel, i + 1)
        elif c == "#":
            found.append("css-selector-id")
            compound += 1
            i = _skip_name(sel, i + 1)
        elif c == "[":
            found.append("css-selector-attribute")
            compound += 1
            end = sel.find("]", i)
            i = n if end < 0 else end + 1
        elif c == ":":
            double = sel.startswith("::", i)
            start = i + (2 if double else 1)
            end = _skip_name(sel, start)
            name = sel[start:end].lower()
            if double or name in _LEGACY_PSEUDO_ELEMENTS:
                if name in _PSEUDO_ELEMENTS:
                    found.append(f"css-pseudo-element-{name}")
            elif name in _PSEUDO_CLASSES:
                found.append(f"css-pseudo-class-{name}")
            i = end
            if i < n and sel[i] == "(":
                close = _close_paren(sel, i)
                inner = sel[i + 1 : close]
                if name in ("not", "has", "is", "where"):
                    for part in _split_top_level(inner, ","):
                        found += _complex_selector_features(part.strip())
                i = close + 1
        elif _is_name(c) or c == "\\":
            if at_compound_start:
                found.append("css-selector-type")
            i = _skip_name(sel, i)
        else:  # "&" (nesting) and anything unexpected
            i += 1
        at_compound_start = False
    end_compound()
    return found


def _skip_name(text: str, i: int) -> int:
    while i < len(text) and (_is_name(text[i]) or text[i] == "\\" or ord(text[i]) > 127):
        i += 2 if text[i] == "\\" else 1
    return min(i, len(text))


def _close_paren(text: str, i: int) -> int:
    depth = 0
    for k in range(i, len(text)):
        if text[k] == "(":
            depth += 1
        elif text[k] == ")":
            depth -= 1
            if depth == 0:
                return k
    return len(text)


class _CssScanner:
    """Walks one style sheet or style attribute and records what it uses."""

    def __init__(self, css: str, lines: _Lines, out: list[Usage], inline_tag: str | None):
        self.masked, comments = _mask(css)
        # The text with its comments blanked (strings kept): names, values and selectors.
        chars = list(css)
        for offset, text in comments:
            chars[offset : offset + len(text)] = re.sub(r"[^\n]", " ", text)
        self.css = "".join(chars)
        self.lines = lines
        self.out = out
        self.inline_tag = inline_tag  # the element of a style attribute; None in <style>
        for offset, text in comments:
            where = f'<{inline_tag} style="{_short(text, 40)}">' if inline_tag else _short(text, 40)
            self.add("css-comments", where, offset)

    def add(self, feature: str, where: str, offset: int) -> None:
        self.out.append(Usage(feature, where, self.lines.line(offset)))

    # A rule list: a style sheet, or the block of @media/@supports.
    def rules(self, start: int, end: int) -> None:
        m, i = self.masked, start
        while i < end:
            while i < end and (m[i].isspace() or m[i] == ";"):
                i += 1
            if i >= end:
                return
            if m.startswith("<!--", i) or m.startswith("-->", i):  # allowed in <style>
                i += 4 if m[i] == "<" else 3
                continue
            if m[i] == "}":  # stray
                i += 1
                continue
            i = self.at_rule(i, end) if m[i] == "@" else self.qualified_rule(i, end)

    def at_rule(self, i: int, end: int, nested: bool = False) -> int:
        m = self.masked
        name_end = _skip_name(m, i + 1)
        name = m[i + 1 : name_end].lower()
        base = _VENDOR_PREFIX.sub("", name)
        k = name_end
        while k < end and m[k] not in ";{":
            k += 1
        prelude = self.css[name_end:k]
        where = _short(f"@{name} {prelude.strip()}".strip())
        if base in _AT_RULES:
            self.add(_AT_RULES[base], where, i)
        if base == "media":
            lower = prelude.lower()
            for pattern, slug in _MEDIA_FEATURES:
                if pattern.search(lower):
                    self.add(slug, where, i)
        if k >= end or m[k] == ";":
            return k + 1
        close = _matching(m, k + 1, end)
        if base in _GROUPING_AT_RULES and nested:  # inside a style rule: declarations
            self.declarations(k + 1, close, where)
        elif base in _GROUPING_AT_RULES:
            self.rules(k + 1, close)
        elif base == "keyframes":
            self.keyframes(k + 1, close, f"@{name}")
        else:  # @font-face, @page, ...: declarations
            self.declarations(k + 1, close, f"@{name}")
        return close + 1

    def keyframes(self, start: int, end: int, context: str) -> None:
        m, i = self.masked, start
        while i < end:
            k = m.find("{", i, end)
            if k < 0:
                return
            close = _matching(m, k + 1, end)
            self.declarations(k + 1, close, context)
            i = close + 1

    def qualified_rule(self, i: int, end: int) -> int:
        m = self.masked
        k = i
        while k < end and m[k] not in "{;}":
            k += 1
        if k >= end or m[k] != "{":  # no block: not a rule
            return k + 1
        selector = self.css[i:k].strip()
        self.selector(selector, i)
        close = _matching(m, k + 1, end)
        self.declarations(k + 1, close, _short(selector, 40))
        return close + 1

    def selector(self, selector: str, offset: int) -> None:
        where = _short(selector)
        for slug in selector_features(selector):
            self.add(slug, where, offset)

    # A declaration list; a "{" before the ";" is a nested rule (CSS nesting).
    def declarations(self, start: int, end: int, context: str | None) -> None:
        m, i = self.masked, start
        while i < end:
            while i < end and (m[i].isspace() or m[i] == ";"):
                i += 1
            if i >= end:
                return
            k, depth = i, 0
            while k < end and not (depth == 0 and m[k] in ";{}"):
                depth += {"(": 1, ")": -1}.get(m[k], 0)
                k += 1
            if k < end and m[k] == "{":
                if m[i] == "@":
                    self.add("css-nesting", _short(self.css[i:k]), i)
                    i = self.at_rule(i, end, nested=True)
                    continue
                selector = self.css[i:k].strip()
                self.add("css-nesting", _short(selector), i)
                self.selector(selector, i)
                close = _matching(m, k + 1, end)
                self.declarations(k + 1, close, _short(selector, 40))
                i = close + 1
                continue
            self.declaration(i, k, context)
            i = k + 1

    def declaration(self, start: int, end: int, context: str | None) -> None:
        text = self.css[start:end]
        colon = self.masked.find(":", start, end)
        if colon < 0:
            return
        prop = self.css[start:colon].strip()
        if not prop or not re.fullmatch(r"-*[A-Za-z][\w-]*|--[\w-]+", prop):
            return
        value = self.css[colon + 1 : end].strip()
        important = bool(_IMPORTANT.search(self.masked[colon + 1 : end]))
        if important:
            value = _IMPORTANT.sub("", value).strip()
        decl = _declaration_text(prop, value, important)
        if self.inline_tag:
            where = f'<{self.inline_tag} style="{decl}">'
        else:
            where = f"{context} {{ {decl} }}" if context else decl
        offset = start + len(text) - len(text.lstrip())
        for slug in declaration_features(prop, value, important):
            self.add(slug, where, offset)


def scan_css(css: str, first_line: int = 1, *, inline_tag: str | None = None) -> list[Usage]:
    """What a style sheet (or, with ``inline_tag``, a style attribute) uses."""
    out: list[Usage] = []
    scanner = _CssScanner(css, _Lines(css, first_line), out, inline_tag)
    if inline_tag:
        scanner.declarations(0, len(css), None)
    else:
        scanner.rules(0, len(css))
    return out


# ---------------------------------------------------------------------------------- HTML

_ATTR = re.compile(r"""([^\s"'<>/=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?""")


def _attribute_offsets(starttag: str) -> Iterator[tuple[str, int]]:
    """(name, offset) of each attribute in a raw start tag, in order."""
    m = re.match(r"<[^\s/>]+", starttag)
    i = m.end() if m else 0
    for a in _ATTR.finditer(starttag, i):
        yield a.group(1).lower(), a.start()


class _HtmlScanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[Usage] = []
        self.svg_depth = 0
        self.style: list[tuple[int, str]] | None = None  # (line, text) chunks of a <style>
        self.style_line = 0

    def add(self, feature: str, where: str, line: int) -> None:
        self.out.append(Usage(feature, where, line))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        raw = self.get_starttag_text() or f"<{tag}>"
        tag_where = _short(raw, 80)
        # The line of each attribute, for tags written over several lines.
        offsets = list(_attribute_offsets(raw))
        attr_lines = []
        for name, _ in attrs:
            for k, (raw_name, offset) in enumerate(offsets):
                if raw_name == name:
                    attr_lines.append(line + raw[:offset].count("\n"))
                    del offsets[k]
                    break
            else:
                attr_lines.append(line)
        values = {name: (value or "") for name, value in attrs}

        if tag == "svg":
            if self.svg_depth == 0:
                self.add("html-svg", tag_where, line)
            self.svg_depth += 1
        if self.svg_depth == 0:
            self.element(tag, values, tag_where, line)
            for (name, value), attr_line in zip(attrs, attr_lines, strict=True):
                if name in _ATTRIBUTES:
                    shown = f'="{_short(value, 40)}"' if value else ""
                    where = f"<{tag} {name}{shown}>"
                    self.add(_ATTRIBUTES[name], where, attr_line)
        for (name, value), attr_line in zip(attrs, attr_lines, strict=True):
            if name == "style" and value:
                self.out += scan_css(value, attr_line, inline_tag=tag)
        if tag == "style":
            self.style, self.style_line = [], line

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "svg":
            self.svg_depth -= 1
        elif tag == "style":
            self.handle_endtag(tag)

    def element(self, tag: str, attrs: dict[str, str], where: str, line: int) -> None:
        if tag in _ELEMENTS:
            self.add(f"html-{tag}", where, line)
        if tag in _ELEMENT_GROUPS:
            self.add(_ELEMENT_GROUPS[tag], where, line)
        if tag == "input":
            kind = (attrs.get("type") or "text").strip().lower()
            if kind in _INPUT_TYPES:
                self.add(f"html-input-{kind}", where, line)
        elif tag == "button":
            kind = (attrs.get("type") or "submit").strip().lower()
            if kind in ("submit", "reset"):
                self.add(f"html-button-{kind}", where, line)
        elif tag == "meta":
            if (attrs.get("name") or "").strip().lower() in (
                "color-scheme",
                "supported-color-schemes",
            ):
                self.add("html-meta-color-scheme", where, line)
        elif tag == "a":
            href = (attrs.get("href") or "").strip()
            if href.startswith("#"):
                self.add("html-anchor-links", where, line)
            elif href[:7].lower() == "mailto:":
                self.add("html-mailto-links", where, line)
        elif tag == "img":
            for slug in image_features(attrs.get("src") or ""):
                self.add(slug, where, line)
        if tag in ("img", "source") and attrs.get("srcset"):
            for candidate in attrs["srcset"].split(","):
                url = candidate.strip().split(" ")[0]
                for slug in image_features(url):
                    self.add(slug, where, line)

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self.svg_depth:
            self.svg_depth -= 1
        elif tag == "style" and self.style is not None:
            chunks, self.style = self.style, None
            if chunks:
                first_line = chunks[0][0]
                self.out += scan_css("".join(text for _, text in chunks), first_line)

    def handle_data(self, data: str) -> None:
        if self.style is not None:
            self.style.append((self.getpos()[0], data))

    def handle_comment(self, data: str) -> None:
        self.add("html-comments", _short(f"<!--{data}-->", 40), self.getpos()[0])

    def handle_decl(self, decl: str) -> None:
        if decl.split() and [w.lower() for w in decl.split()] == ["doctype", "html"]:
            self.add("html-doctype", f"<!{decl}>", self.getpos()[0])


def scan_html(html: str) -> list[Usage]:
    """Every feature the HTML uses, in document order (repeats included)."""
    scanner = _HtmlScanner()
    scanner.feed(html)
    scanner.close()
    if scanner.style is not None:  # an unclosed <style>: the parser may keep its text back
        rest = getattr(scanner, "rawdata", "")
        if rest:
            scanner.style.append((scanner.getpos()[0], rest))
        scanner.handle_endtag("style")
    return scanner.out


# --------------------------------------------------------------------------------- check


def check_html(
    html: str,
    clients: Sequence[str] = DEFAULT_CLIENTS,
    allow: Collection[str] = (),
    partial: bool = False,
    *,
    unknown: bool = False,
) -> list[Finding]:
    """Features used by `html` that a client does not support ("n"; with partial=True also "a").

    ``allow`` lists caniemail slugs the caller accepts (they are not reported); ``unknown=True``
    also reports features whose support is unknown ("u", or not tested for that client).
    Findings are sorted by line, feature and client, one per feature, client and line (the
    first use on the line gives ``where``). Unknown clients or slugs raise ValueError.
    """
    features = load_support()
    names = client_names()
    if bad := [c for c in clients if c not in names]:
        raise ValueError(f"unknown client(s) {bad}; known: {sorted(names)}")
    if bad := sorted(set(allow) - features.keys()):
        raise ValueError(f"unknown caniemail feature(s) in allow: {bad}")
    report = {"n"} | ({"a"} if partial else set()) | ({"u"} if unknown else set())
    findings: dict[tuple[int, str, str], Finding] = {}
    for usage in scan_html(html):
        if usage.feature in allow or usage.feature not in features:
            continue
        feature = features[usage.feature]
        for client in clients:
            key = (usage.line, usage.feature, client)
            if key in findings:
                continue
            support = feature.support.get(client) or Support("u", "", (_NO_DATA,))
            if support.value in report:
                findings[key] = Finding(
                    feature=feature.slug,
                    title=feature.title,
                    client=client,
                    client_name=names[client],
                    support=support.value,
                    notes=support.notes,
                    where=usage.where,
                    line=usage.line,
                )
    return [findings[key] for key in sorted(findings)]
