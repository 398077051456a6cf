"""Themes: ``themes/<name>/theme.toml`` -> a typed, validated `Theme`, loaded once per build.

A theme folder holds ``theme.toml``, optionally ``template.pptx`` (the PowerPoint masters and
layouts slides are built on) and ``assets/`` (font files for measuring text, logos). A theme
without its own template uses the default theme's. Everything a renderer needs from disk
(template bytes, font files) is read here, so renderers never touch files.

Where things happen:

- ``schema.py``: the `Theme` objects and the schema theme.toml is validated against;
- ``loading.py``: finding themes, ``extends`` and merging, `load_theme`;
- ``safety.py``: refusing hostile template files before anything parses them;
- ``template.py``: opening the client's template (.pptx, .potx) and reading its layouts;
- ``scheme.py``: the template's colour and font scheme;
- ``fonts.py``: the font files text is measured with;
- ``contrast.py``: WCAG contrast of the colours a reader must tell apart;
- ``new.py``: ``deckgen theme new``.
"""

from .contrast import contrast_problems, contrast_ratio
from .fonts import fallback_font_face, system_font_face
from .loading import (
    BUILTIN_THEMES,
    ThemeNotFound,
    builtin_themes_dir,
    find_theme,
    load_theme,
    theme_dirs,
    theme_folders,
    theme_names,
)
from .new import new_theme_text
from .schema import (
    DEFAULT_LAYOUTS,
    LOGO_POSITIONS,
    SLIDE_KINDS,
    Colors,
    FontFace,
    Fonts,
    Logo,
    Sizes,
    SlideOptions,
    Theme,
)
from .template import TEMPLATE_NAMES, missing_layouts

__all__ = [
    "BUILTIN_THEMES",
    "DEFAULT_LAYOUTS",
    "LOGO_POSITIONS",
    "SLIDE_KINDS",
    "TEMPLATE_NAMES",
    "Colors",
    "FontFace",
    "Fonts",
    "Logo",
    "Sizes",
    "SlideOptions",
    "Theme",
    "ThemeNotFound",
    "builtin_themes_dir",
    "contrast_problems",
    "contrast_ratio",
    "fallback_font_face",
    "find_theme",
    "load_theme",
    "missing_layouts",
    "new_theme_text",
    "system_font_face",
    "theme_dirs",
    "theme_folders",
    "theme_names",
]
