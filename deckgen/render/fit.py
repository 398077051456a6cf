"""Text measurement with real font metrics: how many lines a paragraph takes in a box.

PowerPoint wraps text itself and python-pptx's ``fit_text`` gives every paragraph one size,
so deckgen measures each paragraph with its own size, indent and spacing, using Pillow and
the theme's font files (or their metric-compatible twins). The measurement errs on the safe
side: widths get a small margin, only spaces count as break points, and a line is never
shorter than 1.2 em. The planner uses it to shrink text, then split it onto more slides.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PIL import ImageFont

from ..themes import FontFace

REF = 512  # measuring size in pixels; widths scale linearly from it
WIDTH_MARGIN = 1.04  # renderers differ slightly (kerning, hinting): measure a little wide
LINE = 1.2  # minimum line height in em (PowerPoint's single spacing is about that)
EMU_PER_PT = 12700


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of text in one font: what the wrapper measures."""

    text: str
    family: str
    bold: bool = False
    italic: bool = False


class Measurer:
    """Measures text in the theme's fonts; caches fonts and word widths."""

    def __init__(self, faces: Mapping[str, FontFace]):
        self.faces = faces
        self._fonts: dict[tuple[str, str], ImageFont.FreeTypeFont | None] = {}
        self._widths: dict[tuple[str, str, str], float] = {}
        self._line: dict[str, float] = {}
        self._words_cache: dict[tuple[Piece, ...], list[tuple[int, float, float, bool]]] = {}

    def _font(self, family: str, style: str) -> ImageFont.FreeTypeFont | None:
        key = (family, style)
        if key not in self._fonts:
            face = self.faces.get(family) or next(iter(self.faces.values()), None)
            font = None
            if face is not None:
                data = face.files.get(style) or face.files.get(
                    "bold" if "bold" in style else "regular"
                )
                data = data or face.files.get("regular")
                if data:
                    font = ImageFont.truetype(
                        io.BytesIO(data), REF, layout_engine=ImageFont.Layout.BASIC
                    )
            self._fonts[key] = font
        return self._fonts[key]

    def width(self, text: str, family: str, bold: bool = False, italic: bool = False) -> float:
        """Width of `text` in em (multiply by the size in points to get points)."""
        style = ("bold_" if bold else "") + ("italic" if italic else "") or "regular"
        style = style.rstrip("_") if style != "bold_" else "bold"
        key = (family, style, text)
        cached = self._widths.get(key)
        if cached is None:
            font = self._font(family, style)
            if font is None:  # no font at all: a generous average width
                cached = 0.6 * len(text) * WIDTH_MARGIN
            else:
                cached = font.getlength(text) / REF * WIDTH_MARGIN
            self._widths[key] = cached
        return cached

    def line_height(self, family: str) -> float:
        """Line height in em: the font's ascent + descent, at least 1.2."""
        if family not in self._line:
            font = self._font(family, "regular")
            ratio = LINE
            if font is not None:
                ascent, descent = font.getmetrics()
                ratio = max(LINE, (ascent + descent) / REF)
            self._line[family] = ratio
        return self._line[family]

    def count_lines(self, pieces: Sequence[Piece], size: float, width: float) -> int:
        """Lines taken by `pieces` at `size` points in a line `width` points wide."""
        return len(self.break_lines(pieces, size, width))

    def break_lines(self, pieces: Sequence[Piece], size: float, width: float) -> list[int]:
        """Greedy line breaking. Returns, for each line, the number of characters it starts at
        (offsets into the concatenated text), so a caller can cut a paragraph between lines."""
        if width <= 0:
            width = 1.0
        width_em = width / size  # compare in em: word widths are cached in em
        starts = [0]
        line_w = 0.0
        offset = 0
        for length, word_w, space_w, hard_break in self.words(tuple(pieces)):
            if hard_break:
                starts.append(offset + length)
                line_w = 0.0
                offset += length
                continue
            if line_w == 0.0:
                line_w = word_w
            elif line_w + space_w + word_w <= width_em:
                line_w += space_w + word_w
            else:
                starts.append(offset)
                line_w = word_w
            # A word wider than the line is broken by the renderer: count its extra lines,
            # each starting inside the word (estimated in proportion to its characters), so
            # that a caller cutting at a line start always moves forward (a 2,000-character
            # URL once made the splitter cut at the same offset forever).
            if word_w > width_em:
                extra = math.ceil(word_w / width_em) - 1
                for k in range(1, extra + 1):
                    inside = offset + (length * k * width_em / word_w)
                    starts.append(max(starts[-1] + 1, min(offset + length - 1, int(inside))))
                line_w = word_w - extra * width_em
            offset += length
        return starts

    def words(self, pieces: tuple[Piece, ...]) -> list[tuple[int, float, float, bool]]:
        """The words of some text with their widths in em, computed once per text:
        (characters including the space before, width, width of that space, hard break).

        Words can span pieces ("**Pour**quoi"); only U+0020 breaks (no-break spaces do not)."""
        cached = self._words_cache.get(pieces)
        if cached is not None:
            return cached
        out: list[tuple[int, float, float, bool]] = []
        word = ""
        word_w = 0.0
        space_w = 0.0
        pending = 0
        for piece in pieces:
            for part_i, part in enumerate(piece.text.split("\n")):
                if part_i:
                    if word or pending:
                        out.append((pending + len(word), word_w, space_w, False))
                    out.append((1, 0.0, 0.0, True))
                    word, word_w, space_w, pending = "", 0.0, 0.0, 0
                for k, chunk in enumerate(part.split(" ")):
                    if k:
                        if word:
                            out.append((pending + len(word), word_w, space_w, False))
                            pending = 0
                            word, word_w = "", 0.0
                        pending += 1
                        space_w = self.width(" ", piece.family, piece.bold, piece.italic)
                    if chunk:
                        word += chunk
                        word_w += self.width(chunk, piece.family, piece.bold, piece.italic)
        if word or pending:
            out.append((pending + len(word), word_w, space_w, False))
        self._words_cache[pieces] = out
        return out
