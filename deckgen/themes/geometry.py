"""Boxes on a slide, in EMU (python-pptx's unit): a template's placeholders, the logo, the
frames the planner makes. Plain data, shared by the template analysis and the planner."""

from __future__ import annotations

from dataclasses import dataclass

EMU_PER_PT = 12700


@dataclass(frozen=True, slots=True)
class Rect:
    """A box in EMU, as python-pptx positions shapes."""

    x: int
    y: int
    w: int
    h: int

    @property
    def w_pt(self) -> float:
        return self.w / EMU_PER_PT

    @property
    def h_pt(self) -> float:
        return self.h / EMU_PER_PT

    def slice(self, top_pt: float, height_pt: float) -> Rect:
        return Rect(
            self.x, self.y + round(top_pt * EMU_PER_PT), self.w, round(height_pt * EMU_PER_PT)
        )


@dataclass(frozen=True, slots=True)
class LayoutBoxes:
    """Where a layout puts a slide's text: the title, the content boxes (the main one first;
    two columns left to right), the subtitle (title and section slides), and for each the
    layout placeholder it is (its position in `Layout.placeholders`, `Placeholder.n`), or
    None for a box deckgen places itself (the layout has none, or one off the slide or too
    small to use)."""

    title: Rect | None
    bodies: tuple[Rect, ...]
    subtitle: Rect | None = None
    title_placeholder: int | None = None
    body_placeholders: tuple[int | None, ...] = ()
    subtitle_placeholder: int | None = None
    free: Rect | None = None  # the free area below the title, clear of logos and bands
    above: int = 0  # EMU clear right above the title (no picture, band, logo or text box)
    subtitle_room: Rect | None = None  # what the subtitle placeholder may grow into

    def body_placeholder(self, k: int) -> int | None:
        return self.body_placeholders[k] if k < len(self.body_placeholders) else None


def avoid(box: Rect, obstacle: Rect, gap: int) -> Rect:
    """`box` made smaller so it keeps `gap` away from `obstacle` (a logo), losing as little
    area as it can: narrowed from one side, or shortened from the top or the bottom."""
    if (
        box.x >= obstacle.x + obstacle.w + gap
        or obstacle.x >= box.x + box.w + gap
        or box.y >= obstacle.y + obstacle.h + gap
        or obstacle.y >= box.y + box.h + gap
    ):
        return box
    right, bottom = box.x + box.w, box.y + box.h
    candidates = [
        Rect(box.x, box.y, obstacle.x - gap - box.x, box.h),  # keep the left part
        Rect(obstacle.x + obstacle.w + gap, box.y, right - obstacle.x - obstacle.w - gap, box.h),
        Rect(box.x, box.y, box.w, obstacle.y - gap - box.y),  # keep the top part
        Rect(box.x, obstacle.y + obstacle.h + gap, box.w, bottom - obstacle.y - obstacle.h - gap),
    ]
    usable = [c for c in candidates if c.w > 0 and c.h > 0]
    if not usable:
        return box
    return max(usable, key=lambda c: c.w * c.h)


def inside(rect: Rect, width: int, height: int) -> Rect | None:
    """`rect` cut to the slide, or None when less than 80 % of it is on the slide (a box
    placed off the slide on purpose, or by a faulty export)."""
    x0, y0 = max(rect.x, 0), max(rect.y, 0)
    x1, y1 = min(rect.x + rect.w, width), min(rect.y + rect.h, height)
    if x1 <= x0 or y1 <= y0 or rect.w <= 0 or rect.h <= 0:
        return None
    if (x1 - x0) * (y1 - y0) < 0.8 * rect.w * rect.h:
        return None
    return Rect(x0, y0, x1 - x0, y1 - y0)


def overlaps(a: Rect, b: Rect) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


def inches(emu: int) -> str:
    return f"{emu / 914400:.2f} in"
