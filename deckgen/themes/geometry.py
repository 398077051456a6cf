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
    title: Rect | None
    bodies: tuple[Rect, ...]


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
