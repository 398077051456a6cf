"""Themes: ``themes/<name>/theme.toml`` -> a typed, validated `Theme`, loaded once per build.

A theme folder holds ``theme.toml``, optionally ``template.pptx`` (the PowerPoint masters and
layouts slides are built on) and ``assets/`` (font files for measuring text, logos). A theme
without its own template uses the default theme's. Everything a renderer needs from disk
(template bytes, font files) is read here, so renderers never touch files.

Where things happen:

- ``schema.py``: the `Theme` objects and the schema theme.toml is validated against;
- ``loading.py``: finding themes, ``extends`` and merging, `load_theme`;
- ``safety.py``: refusing hostile template files before anything parses them;
- ``template.py``: the client's template (.pptx, .potx) read once into plain data
  (`TemplateInfo`: masters, layouts, placeholders, pictures), with ``backdrop.py`` (what a
  layout shows behind text) and ``drawingml.py`` (its colours, through the colour map);
- ``boxes.py``: which placeholders of a layout deckgen fills, and its own boxes;
- ``mapping.py``: which layout each slide kind is built on;
- ``scheme.py``: the template's colour and font scheme;
- ``fonts.py``: the font files text is measured with;
- ``contrast.py``: WCAG contrast, and choosing colours that read;
- ``geometry.py``: boxes on a slide (`Rect`, `LayoutBoxes`);
- ``new.py``: ``deckgen theme new`` (and ``--template``).

The boxes of any layout, by its name or key (``"Master 2/Contenu"`` where two masters
have one of that name), for slides placed on a layout by name::

    from deckgen.themes.boxes import theme_boxes
    boxes = theme_boxes(theme, "Two Content")   # LayoutBoxes; KeyError: no such layout
    boxes.title, boxes.bodies[0], boxes.bodies[1], boxes.subtitle   # Rect (EMU) or None
    boxes.body_placeholder(0)   # the placeholder it is (Layout.placeholders[n]), None: own box

The planner gets the same through ``Geometry.boxes_of(name)``.
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
