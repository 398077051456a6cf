"""Which layout of a template each slide kind is built on, from what the template says.

A template names its layouts in its own language ("Titre et contenu", "Tytuł i zawartość"),
but their *type* is the same in every language: ``title``, ``secHead``, ``obj``, ``twoObj``,
``titleOnly``... `choose_layouts` maps deckgen's slide kinds to layouts by type first, then
by their placeholders (a title and one large content box, two side by side...), preferring
a layout whose boxes deckgen can use as they are, then the first master, then the
designer's order. ``[layouts]`` of theme.toml overrides any of it; a name there may be
``"Master 2/Contenu"`` to pick between masters (`resolve`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .boxes import BoxReport
from .template import Layout, TemplateInfo

SLIDE_KINDS = ("title", "section", "content", "two-content", "quote", "chart")
# Layout types that say what a layout is for, best first (ECMA-376 ST_SlideLayoutType).
KIND_TYPES = {
    "title": ("title",),
    "section": ("secHead",),
    "content": ("obj", "tx"),
    "two-content": ("twoObj", "twoColTx", "twoTxTwoObj"),
    "quote": ("titleOnly",),
    "chart": ("obj", "tx", "chart", "txAndChart", "chartAndTx"),
}
FALLBACK = {"title": "content", "section": "title", "two-content": "content", "quote": "content"}
FALLBACK["chart"] = "content"


@dataclass(frozen=True, slots=True)
class Choice:
    """The layout chosen for one slide kind, and why."""

    kind: str
    layout: Layout
    reason: str  # e.g. "layout type obj", "as for content"
    others: tuple[str, ...] = ()  # other layouts that fit as well (in other masters...)
    notes: tuple[str, ...] = ()  # what deckgen does differently from the layout's boxes


def choose_layouts(
    info: TemplateInfo, boxes_of: Callable[[Layout], BoxReport]
) -> dict[str, Choice]:
    """A layout for every slide kind."""
    chosen: dict[str, Choice] = {}
    for kind in ("content", "title", "section", "two-content", "quote", "chart"):
        choice = _choose(info, kind, boxes_of)
        if choice is None:
            fallback = chosen[FALLBACK[kind]] if kind != "content" else None
            if fallback is None:  # no layout has a content box: the first one
                layout = info.layouts[0]
                choice = Choice(
                    kind, layout, "the template's first layout", (), boxes_of(layout).notes
                )
            else:
                choice = Choice(
                    kind,
                    fallback.layout,
                    f"as for {fallback.kind} (no layout of its own)",
                    (),
                    fallback.notes,
                )
        chosen[kind] = choice
    return {kind: chosen[kind] for kind in SLIDE_KINDS}


def _choose(info: TemplateInfo, kind: str, boxes_of) -> Choice | None:
    types = KIND_TYPES[kind]
    ranked: list[tuple[tuple, Layout, str, BoxReport]] = []
    for layout in info.layouts:
        report = boxes_of(layout)
        if layout.type in types:
            rank = types.index(layout.type)
            reason = f"layout type {layout.type}"
        else:
            shape = _structure(kind, layout, report)
            if shape is None:
                continue
            rank, reason = len(types), shape
        traps = _traps(kind, layout, report)
        ranked.append(((rank, traps, layout.master, layout.index), layout, reason, report))
    if not ranked:
        return None
    ranked.sort(key=lambda r: r[0])
    best_key, layout, reason, report = ranked[0]
    others = tuple(
        other.key
        for key, other, _, _ in ranked[1:]
        if key[:2] == best_key[:2] and other.master != layout.master
    )
    return Choice(kind, layout, reason, others, report.notes)


def _structure(kind: str, layout: Layout, report: BoxReport) -> str | None:
    """Why a layout of another type still fits `kind` by its placeholders, or None."""
    boxes = report.boxes
    if layout.type in ("blank", "vertTx", "vertTitleAndTx", "vertTitleAndTxOverChart"):
        return None
    placed_title = boxes.title is not None and boxes.title_placeholder is not None
    bodies = [
        b for b, i in zip(boxes.bodies, boxes.body_placeholders, strict=True) if i is not None
    ]
    if kind == "title":
        if layout.of_type("ctrTitle") or (placed_title and boxes.subtitle_placeholder is not None):
            return "a centred title and a subtitle"
        return None
    if kind == "section":
        if placed_title and len(bodies) <= 1 and not layout.of_type("pic", "chart", "tbl"):
            if bodies and bodies[0].h > boxes.title.h * 2:  # type: ignore[union-attr]
                return None  # a content layout
            return "a title and little else"
        return None
    if kind in ("content", "chart"):
        if placed_title and bodies:
            return "a title and a large content placeholder"
        return None
    if kind == "two-content":
        if placed_title and len(bodies) >= 2:
            return "a title and two content placeholders"
        return None
    if kind == "quote":
        if placed_title and not bodies and not layout.of_type("pic"):
            return "a title only"
        return None
    return None


def _traps(kind: str, layout: Layout, report: BoxReport) -> int:
    """How many of deckgen's needs the layout does not meet as it is (0 is best)."""
    boxes = report.boxes
    traps = 0
    if boxes.title_placeholder is None:
        traps += 2
    if kind in ("content", "chart", "two-content"):
        if not boxes.bodies or boxes.body_placeholder(0) is None:
            traps += 2
    if kind == "two-content" and (len(boxes.bodies) < 2 or boxes.body_placeholder(1) is None):
        traps += 2
    if kind == "title" and boxes.subtitle_placeholder is None:
        traps += 1
    if any(o.kind in ("text-only", "fill") and o.text for o in layout.obstacles):
        traps += 1  # text of the template's own on every slide (sample text, a prompt)
    return traps


def resolve(info: TemplateInfo, name: str) -> tuple[Layout | None, list[str]]:
    """The layout a ``[layouts]`` value names (a key, or a name found in several masters:
    the first), and the keys it could mean when it is ambiguous."""
    found = info.named(name)
    if not found:
        return None, []
    return found[0], [layout.key for layout in found] if len(found) > 1 else []
