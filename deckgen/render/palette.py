"""The colours deckgen draws with, each chosen against what is really behind it.

A slide's text sits on its layout's background, the master's bands and pictures, or a
placeholder's own fill (`deckgen.themes.backdrop`). Text that inherits the template's colour
keeps it when it reads well there (4.5:1, WCAG AA for body text, which deckgen asks of all
text, with a margin: `TARGET`); text deckgen colours itself (quotes, table headers, footers, links, chart text) gets
the theme's colour when it reads well, else the nearest darker or lighter shade that does,
else black or white. Text over both dark and light (a photo) gets a box filled with the
theme's background colour under it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..themes import Theme
from ..themes.contrast import AA_LARGE, AA_TEXT, mix, readable, visible, worst_ratio
from ..themes.geometry import Rect
from ..themes.template import Layout, Placeholder

INSET_X = 7.2  # points: the insets deckgen writes on its text boxes (plan.INSET_X, INSET_Y)
INSET_Y = 3.6

# WCAG AA asks 4.5:1 of body text; deckgen aims a little higher on a client's template, so
# that what viewers draw (anti-aliasing, a picture's colours deckgen saw at 1/12 in) still
# reaches 4.5:1.
TARGET = AA_TEXT + 0.3


@dataclass(frozen=True, slots=True)
class Ink:
    """How to draw a piece of text: its colour (None: keep the inherited one) and the fill
    of its box (None: none)."""

    color: str | None
    fill: str | None = None


class Palette:
    """Colour choices on one layout of the theme's template."""

    def __init__(self, theme: Theme, layout: Layout | None):
        self.theme = theme
        self.layout = layout
        self.colors = theme.colors
        # On deckgen's own templates the background is known exactly: AA itself.
        self.target = TARGET if theme.client_template else AA_TEXT

    def behind(self, rect: Rect | None, fill: str | None = None) -> tuple[str, ...]:
        """The colours behind a box: its own fill, else what the layout shows there."""
        if fill:
            return (fill,)
        if self.layout is None or rect is None:
            return (self.colors.background,)
        # Text is drawn inside the box's insets: what lies under the 0.05 in margins (the
        # edge of a band the box straddles) is not behind any word.
        dx, dy = round(INSET_X * 12700), round(INSET_Y * 12700)
        if rect.w > 4 * dx and rect.h > 4 * dy:
            rect = Rect(rect.x + dx, rect.y + dy, rect.w - 2 * dx, rect.h - 2 * dy)
        return self.layout.backdrop.colors(rect)

    def on_most(self, rect: Rect | None, prefer: Sequence[str | None]) -> str:
        """A text colour for a box that cannot get a fill of its own (a footer), over both
        dark and light: the one that reads on what covers most of it."""
        behind = self.behind(rect)[:1]
        wanted = [c for c in prefer if c]
        return readable(wanted, behind, self.target) or readable(wanted, behind) or "000000"

    def text(
        self,
        rect: Rect | None,
        prefer: Sequence[str | None],
        inherited: str | None = None,
        fill: str | None = None,
        behind: Sequence[str] | None = None,
    ) -> Ink:
        """The ink for text in `rect`: the `inherited` colour when it reads well there (no
        colour written), else the first of `prefer` that does, else a shade of it.
        `behind` overrides what the box is read against."""
        behind = tuple(behind) if behind is not None else self.behind(rect, fill)
        if inherited and worst_ratio(inherited, behind) >= self.target:
            return Ink(None)
        wanted = [c for c in (*prefer, inherited) if c]
        color = readable(wanted, behind, self.target)
        if color is not None:
            return Ink(color)
        # Over dark and light at once: a fill of the theme's background under the text.
        box = self.colors.background
        return Ink(readable(wanted, (box,), self.target) or "000000", box)

    def in_placeholder(
        self, ph: Placeholder | None, rect: Rect | None, prefer: Sequence[str | None] = ()
    ) -> Ink:
        """The ink for text in a layout placeholder, which has its own colour and fill."""
        if ph is None:
            return self.text(rect, prefer or (self.body_color,))
        if ph.glow is not None and not ph.fill:
            # The letters stand out from their glow as much as from what is behind.
            glow, alpha = ph.glow
            behind = self.behind(rect)
            halo = tuple(mix(b, glow, alpha) for b in behind)
            return self.text(rect, (*prefer, ph.color), ph.color, None, (*behind, *halo))
        return self.text(rect, (*prefer, ph.color), ph.color, ph.fill)

    @property
    def body_color(self) -> str:
        return self.layout.body_color if self.layout is not None else self.colors.text

    @property
    def heading_color(self) -> str:
        return self.layout.heading_color if self.layout is not None else self.colors.primary

    def on_fill(self, fill: str, prefer: Sequence[str | None]) -> str:
        """A text colour that reads on a fill deckgen draws (a table cell, the code box)."""
        return readable([c for c in prefer if c], (fill,), self.target) or "000000"

    def graphic(self, color: str, rect: Rect | None) -> str:
        """A chart series' or a bullet's colour, made to stand out (3:1) from what is
        behind it."""
        return visible(color, self.behind(rect), AA_LARGE)

    def link(self, rect: Rect | None, fill: str | None = None) -> str | None:
        """The colour links are drawn in, when the template's hyperlink colour does not
        read there (None: keep it)."""
        hlink = self.link_color
        behind = self.behind(rect, fill)
        if worst_ratio(hlink, behind) >= self.target:
            return None
        return readable([hlink, self.colors.primary, self.body_color], behind, self.target) or (
            readable([hlink], (self.colors.background,), self.target) or "000000"
        )

    @property
    def link_color(self) -> str:
        """The template's hyperlink colour here (on deckgen's own templates, the primary)."""
        return self.layout.link_color if self.layout is not None else self.colors.primary
