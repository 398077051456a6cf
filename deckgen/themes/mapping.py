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
from .template import CONTENT_TYPES, TITLE_TYPES, Layout, TemplateInfo

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
OTHER_TYPES = {
    kind: {t for other, types in KIND_TYPES.items() if other != kind for t in types} - set(types)
    for kind, types in KIND_TYPES.items()
}
# A title-only layout is the natural base for content in deckgen's own box.
OTHER_TYPES["content"].discard("titleOnly")
OTHER_TYPES["chart"].discard("titleOnly")


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
    """A layout for every slide kind: content first, then the others, preferably from the
    content layout's master (one background for the whole deck)."""
    chosen: dict[str, Choice] = {}
    for kind in ("content", "title", "section", "two-content", "quote", "chart"):
        master = chosen["content"].layout.master if "content" in chosen else None
        choice = _choose(info, kind, boxes_of, master)
        if choice is None:
            fallback = chosen[FALLBACK[kind]] if kind != "content" else None
            if fallback is None:  # no layout has a content box: the first one with a title
                layout = next(
                    (x for x in info.layouts if boxes_of(x).boxes.title_placeholder is not None),
                    info.layouts[0],
                )
                report = boxes_of(layout)
                choice = Choice(
                    kind,
                    layout,
                    "the template's first layout with a title",
                    (),
                    report.notes_for((kind,)),
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


def _choose(info: TemplateInfo, kind: str, boxes_of, master: int | None) -> Choice | None:
    types = KIND_TYPES[kind]
    ranked: list[tuple[tuple, Layout, str, BoxReport]] = []
    slide = info.width * info.height
    for layout in info.layouts:
        report = boxes_of(layout)
        shape = _structure(kind, layout, report)
        if layout.type in types and (shape is not None or kind in ("title", "section", "quote")):
            rank = types.index(layout.type)
            reason = f"layout type {layout.type}"
        elif shape is not None:
            rank, reason = len(types) + shape[0], shape[1]
        else:
            continue
        traps = _traps(kind, layout, report)
        if layout.type not in types and layout.type in OTHER_TYPES[kind]:
            traps += 5  # made for another kind of slide (a title slide used for content)
        if master is not None and layout.master != master:
            traps += 2  # another master: another background, in the middle of the deck
        boxes = report.boxes
        main = boxes.bodies[0] if boxes.bodies and boxes.body_placeholder(0) is not None else None
        share = (
            -round(10 * main.w * main.h / slide)
            if main is not None and kind in ("content", "chart")
            else 0
        )
        ranked.append(((traps, rank, share, layout.master, layout.index), layout, reason, report))
    if not ranked:
        return None
    ranked.sort(key=lambda r: r[0])
    best_key, layout, reason, report = ranked[0]
    others = tuple(
        other.key
        for key, other, _, _ in ranked[1:]
        if key[:3] == best_key[:3] and other.master != layout.master
    )
    return Choice(kind, layout, reason, others, report.notes_for((kind,)))


def _structure(kind: str, layout: Layout, report: BoxReport) -> tuple[int, str] | None:
    """How well a layout fits `kind` by its placeholders, whatever its type: (rank, why),
    rank 0 best; None when it does not fit."""
    boxes = report.boxes
    if layout.type in ("blank", "vertTx", "vertTitleAndTx", "vertTitleAndTxOverChart"):
        return None
    placed_title = boxes.title is not None and boxes.title_placeholder is not None
    bodies = [
        b for b, i in zip(boxes.bodies, boxes.body_placeholders, strict=True) if i is not None
    ]
    pictures = bool(layout.of_type("pic", "media", "clipArt"))
    centred = bool(layout.of_type("ctrTitle"))
    if kind == "title":
        if centred and boxes.subtitle_placeholder is not None:
            return 0, "a centred title and a subtitle"
        if centred or (placed_title and boxes.subtitle_placeholder is not None):
            return 1, "a centred title" if centred else "a title and a subtitle"
        if placed_title and not bodies:
            return 2, "a title and no content box"
        return None
    if kind == "section":
        if not placed_title or pictures or len(layout.of_type(*CONTENT_TYPES)) > 1:
            return None
        if bodies and bodies[0].h > boxes.title.h * 2:  # type: ignore[union-attr]
            return None  # a content layout
        return (1 if centred else 0), "a title and little else"
    if kind in ("content", "chart"):
        if placed_title and bodies:
            return 0, "a title and a large content placeholder"
        if bodies:
            return 1, "a large content placeholder (the title in a box of deckgen's)"
        if placed_title and not pictures and not centred and boxes.free is not None:
            return 2, "a title only (the content in a box of deckgen's below it)"
        if layout.of_type(*TITLE_TYPES) and layout.of_type(*CONTENT_TYPES):
            return 3, "a title and content placeholders too small to use (deckgen's boxes)"
        return None
    if kind == "two-content":
        if placed_title and len(bodies) >= 2:
            return 0, "a title and two content placeholders"
        return None
    if kind == "quote":
        if placed_title and not bodies and not pictures and not centred:
            if boxes.subtitle_placeholder is None:
                return 0, "a title only"
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
        if layout.of_type("pic", "media", "clipArt"):
            traps += 2  # a photo layout: its picture box would stay empty
    if kind in ("content", "chart") and boxes.bodies and boxes.body_placeholder(0) is not None:
        main = boxes.bodies[0]
        if main.w * main.h < 0.2 * slide_area(layout, boxes):
            traps += 1  # a small box in a large slide: deckgen's own would hold more
    if kind in ("content", "chart") and len(boxes.bodies) > 1:
        traps += 3  # two columns for one content: half the slide stays empty
    if kind == "two-content" and (len(boxes.bodies) < 2 or boxes.body_placeholder(1) is None):
        traps += 2
    if kind == "title" and boxes.subtitle_placeholder is None:
        traps += 1
    if kind in ("title", "section", "quote") and layout.of_type("pic", "media", "clipArt"):
        traps += 1
    if any(o.on == "layout" and o.text for o in layout.obstacles):
        traps += 1  # text of the layout's own on every slide (sample text, a prompt)
    return traps


def slide_area(layout: Layout, boxes) -> int:
    """The area of the slide, from the layout's backdrop (it knows the slide's size)."""
    return layout.backdrop.width * layout.backdrop.height


def resolve(info: TemplateInfo, name: str) -> tuple[Layout | None, list[str]]:
    """The layout a ``[layouts]`` value names (a key, or a name found in several masters:
    the first), and the keys it could mean when it is ambiguous."""
    found = info.named(name)
    if not found:
        return None, []
    return found[0], [layout.key for layout in found] if len(found) > 1 else []
