"""Which placeholders of a layout deckgen fills, and where it places its own boxes.

- The **title** goes in the layout's title placeholder.
- **Content** goes in its main content placeholder: the largest body or object placeholder
  on the slide, not the one with the lowest index (in brand templates that is often a
  0.4-inch "kicker" strip above the title). A second one of comparable size beside it makes
  the layout's second column. Smaller ones (kickers, captions) are left empty, and since a
  slide only shows the placeholders it fills, their prompt text never shows.
- The **subtitle** (title and section slides) goes in the subtitle placeholder, else in a
  small body placeholder.
- A placeholder off the slide, or too small for one line of text at the theme's minimum
  size, is not used: deckgen places its own box in the slide's free area (below the title,
  above the footers, clear of the logo, the pictures and the bands of the master and
  layout) and says so once per layout (`LayoutBoxes` keeps the reasons in `notes`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .geometry import EMU_PER_PT, LayoutBoxes, Rect, avoid, inches, inside, overlaps
from .template import CONTENT_TYPES, FOOTER_TYPES, TITLE_TYPES, Layout, Placeholder

LINE = 1.2  # line height in em, as deckgen measures
INSET = 3.6  # points above and below text in a box
GAP = 91440  # 0.1 in between boxes and obstacles
CONTENT_LINES = 3  # a content box holds at least this many lines at the minimum size
SECOND_SHARE = 0.5  # a second content box is at least half the main one's area


@dataclass(frozen=True, slots=True)
class BoxReport:
    """The boxes of one layout and why some are deckgen's own, by what they hold."""

    boxes: LayoutBoxes
    title_notes: tuple[str, ...] = ()
    body_notes: tuple[str, ...] = ()
    subtitle_notes: tuple[str, ...] = ()

    def notes_for(self, kinds) -> tuple[str, ...]:
        """What to tell about the layout when it holds slides of these kinds: only about
        the boxes they use, and only where deckgen uses a box of its own."""
        notes: list[str] = []
        boxes = self.boxes
        if boxes.title_placeholder is None:
            notes += self.title_notes
        if {"content", "chart", "two-content"} & set(kinds):
            if not boxes.bodies or boxes.body_placeholder(0) is None:
                notes += self.body_notes or ["it has no content placeholder"]
        if "title" in kinds and boxes.subtitle_placeholder is None:
            notes += self.subtitle_notes or ["it has no subtitle placeholder"]
        return tuple(dict.fromkeys(notes))

    @property
    def notes(self) -> tuple[str, ...]:
        return self.notes_for(("content",))


def line_height(size_pt: float, lines: int = 1) -> int:
    """EMU needed for `lines` lines of text at `size_pt`, with the box's insets."""
    return round((lines * size_pt * LINE + 2 * INSET) * EMU_PER_PT)


def layout_boxes(
    layout: Layout,
    width: int,
    height: int,
    min_size: float,
    logo: Rect | None = None,
) -> BoxReport:
    """The boxes of `layout` on a slide `width` x `height` (EMU), for a theme whose text
    goes down to `min_size` points, kept clear of the theme's `logo` when it has one."""
    notes: dict[str, list[str]] = {"title": [], "body": [], "subtitle": []}
    obstacles = [o.rect for o in layout.obstacles if o.kind != "line" or o.rect.h > GAP]
    if logo is not None:
        obstacles.append(logo)
    one_line = line_height(min_size)

    def usable(ph: Placeholder, lines: int, what: str) -> Rect | None:
        if ph.rect is None:
            notes[what].append(f"its {what} placeholder '{ph.name}' has no position")
            return None
        if ph.vertical:
            notes[what].append(f"its {what} placeholder '{ph.name}' has vertical text")
            return None
        rect = inside(ph.rect, width, height)
        if rect is None:
            notes[what].append(
                f"its {what} placeholder '{ph.name}' is off the slide (at "
                f"{inches(ph.rect.x)}, {inches(ph.rect.y)} on a {inches(width)} x "
                f"{inches(height)} slide)"
            )
            return None
        if rect.h < line_height(min_size, lines) or rect.w < 6 * min_size * EMU_PER_PT:
            if lines == 1:
                notes[what].append(
                    f"its {what} placeholder '{ph.name}' ({inches(rect.w)} x {inches(rect.h)}) "
                    f"is too small for one line at {min_size:g} pt"
                )
            return None
        return rect

    # The title.
    title_rect: Rect | None = None
    title_idx: int | None = None
    titles = sorted(
        (p for p in layout.of_type(*TITLE_TYPES) if p.rect is not None),
        key=lambda p: -(p.rect.w * p.rect.h),  # type: ignore[union-attr]
    )
    for ph in titles:
        rect = usable(ph, 1, "title")
        if rect is not None:
            title_rect, title_idx = rect, ph.n
            break
    footers_top = _footers_top(layout, width, height)
    margin = max(457200, width // 20)  # 0.5 in, or 5 % of the width
    own_title = title_rect is None
    if own_title:
        if not titles:
            notes["title"].append("it has no title placeholder")
        title_rect = _free(
            Rect(margin, margin // 2, width - 2 * margin, max(height // 7, line_height(28, 1))),
            obstacles,
        )
    # Content and subtitle candidates: body and object placeholders on the slide.
    candidates: list[tuple[Placeholder, Rect]] = []
    subtitle_rect: Rect | None = None
    subtitle_idx: int | None = None
    for ph in layout.of_type("subTitle"):
        rect = usable(ph, 1, "subtitle")
        if rect is not None and subtitle_rect is None:
            subtitle_rect, subtitle_idx = rect, ph.n
    small: list[tuple[Placeholder, Rect]] = []
    for ph in layout.of_type(*CONTENT_TYPES):
        rect = usable(ph, 1, "body")
        if rect is None:
            continue
        if title_rect is not None and _mostly_inside(rect, title_rect):
            continue
        if rect.h >= line_height(min_size, CONTENT_LINES):
            candidates.append((ph, rect))
        else:
            small.append((ph, rect))
    candidates.sort(key=lambda c: -(c[1].w * c[1].h))
    bodies: list[tuple[Rect, int | None]] = []
    if candidates:
        main_ph, main = candidates[0]
        bodies.append((main, main_ph.n))
        for ph, rect in candidates[1:]:
            if rect.w * rect.h >= SECOND_SHARE * main.w * main.h and not overlaps(rect, main):
                bodies.append((rect, ph.n))
                break
        if len(bodies) == 2 and _roughly_same(bodies[0][0], bodies[1][0]):
            bodies.sort(key=lambda b: (b[0].x, b[0].y))  # two columns: left to right
    title_layout = layout.type == "title" or bool(layout.of_type("ctrTitle"))
    if subtitle_rect is None and title_layout and title_rect is not None:
        # A title layout without a subtitle placeholder: the body box right below the title.
        below = [c for c in (*candidates, *small) if c[1].y >= title_rect.y + title_rect.h // 2]
        if below:
            ph, rect = min(below, key=lambda c: c[1].y)
            subtitle_rect, subtitle_idx = rect, ph.n
    elif subtitle_rect is None and small and layout.type == "secHead":
        ph, rect = max(small, key=lambda c: c[1].w * c[1].h)
        subtitle_rect, subtitle_idx = rect, ph.n
    # The free area: below the title, above the footers, clear of what the layout shows.
    top = (title_rect.y + title_rect.h + GAP) if title_rect is not None else margin
    bottom = min(footers_top, height - margin // 2) - GAP
    free = None
    if bottom - top >= one_line:
        free = _free(Rect(margin, top, width - 2 * margin, bottom - top), obstacles)
    if not bodies and free is not None and layout.of_type(*CONTENT_TYPES):
        # The layout has content placeholders, none usable: the text goes in the free area.
        bodies.append((free, None))
        if not notes["body"]:
            notes["body"].append("its body placeholders are too small for the text")
    if logo is not None:
        # The template's own boxes are clear of its own pictures; deckgen's logo is new.
        title_rect = avoid(title_rect, logo, GAP) if title_rect is not None else None
        bodies = [(avoid(b, logo, GAP), i) for b, i in bodies]
        subtitle_rect = avoid(subtitle_rect, logo, GAP) if subtitle_rect is not None else None
    above = 0
    if title_rect is not None:
        # Room for a title that needs more lines than its box: what is clear above it.
        others = [*obstacles, *(b for b, _ in bodies)]
        if subtitle_rect is not None:
            others.append(subtitle_rect)
        above = title_rect.y - _room(title_rect, others, margin // 2, title_rect.y).y
    subtitle_room = None
    if subtitle_rect is not None:
        others = [*obstacles, *(b for b, _ in bodies if b != subtitle_rect)]
        if title_rect is not None:
            others.append(title_rect)
        subtitle_room = _room(subtitle_rect, others, margin // 2, bottom)
    boxes = LayoutBoxes(
        title_rect,
        tuple(b for b, _ in bodies),
        subtitle_rect,
        title_idx,
        tuple(i for _, i in bodies),
        subtitle_idx,
        free,
        above,
        subtitle_room,
    )
    return BoxReport(
        boxes,
        tuple(dict.fromkeys(notes["title"])),
        tuple(dict.fromkeys(notes["body"])),
        tuple(dict.fromkeys(notes["subtitle"])),
    )


def own_subtitle(boxes: LayoutBoxes, min_size: float, lines: int) -> Rect | None:
    """A box for the title slide's subtitle, author and date when the layout has no
    subtitle placeholder: the top of the free area below the title."""
    free = boxes.free
    if free is None:
        return None
    need = line_height(min_size * 1.25, lines)
    x, right = free.x, free.x + free.w
    title = boxes.title
    if title is not None and free.x <= title.x < right - (right - free.x) // 3:
        x = title.x  # aligned with the title above it
    return Rect(x, free.y, right - x, min(free.h, max(need, free.h // 2)))


def _footers_top(layout: Layout, width: int, height: int) -> int:
    """The top of the footer row (date, footer, slide number) in the lower half, or the
    slide's bottom."""
    tops = [
        p.rect.y
        for p in layout.of_type(*FOOTER_TYPES)
        if p.rect is not None and inside(p.rect, width, height) and p.rect.y > height // 2
    ]
    return min(tops, default=height)


def _free(area: Rect, obstacles: list[Rect]) -> Rect:
    """`area` made clear of every obstacle it overlaps (each time keeping the largest part
    left), the largest obstacles first."""
    for obstacle in sorted(obstacles, key=lambda r: -(r.w * r.h)):
        if overlaps(area, obstacle):
            kept = avoid(area, obstacle, GAP)
            if kept.w * kept.h >= 0.15 * area.w * area.h:
                area = kept
    return area


def _room(box: Rect, obstacles: list[Rect], top: int, bottom: int) -> Rect:
    """The column of `box` it may grow into, up and down: from `top` to `bottom` (EMU from
    the slide's top edge), stopped `GAP` short of what lies above or below it over its
    width. An obstacle across one of its edges stops it growing that way; one behind the
    whole box (a band the designer put under it) is not in the way."""
    upper, lower = min(top, box.y), max(bottom, box.y + box.h)
    first, last = box.y, box.y + box.h
    for o in obstacles:
        if o.x >= box.x + box.w or box.x >= o.x + o.w:
            continue  # beside the box
        if o.y >= last - GAP // 2:
            lower = min(lower, o.y - GAP)
        elif o.y + o.h <= first + GAP // 2:
            upper = max(upper, o.y + o.h + GAP)
        elif not (o.y <= first and o.y + o.h >= last):
            if o.y < first:
                upper = first
            if o.y + o.h > last:
                lower = last
    upper, lower = min(upper, box.y), max(lower, box.y + box.h)
    return Rect(box.x, upper, box.w, lower - upper)


def _mostly_inside(a: Rect, b: Rect) -> bool:
    """Whether most of `a` lies inside `b` (a body placeholder drawn over the title)."""
    x0, y0 = max(a.x, b.x), max(a.y, b.y)
    x1, y1 = min(a.x + a.w, b.x + b.w), min(a.y + a.h, b.y + b.h)
    if x1 <= x0 or y1 <= y0:
        return False
    return (x1 - x0) * (y1 - y0) >= 0.6 * a.w * a.h


def _roughly_same(a: Rect, b: Rect) -> bool:
    return min(a.w * a.h, b.w * b.h) >= 0.7 * max(a.w * a.h, b.w * b.h)


LOGO_MARGIN = 274320  # 0.3 in from the slide's edges
LOGO_GAP = GAP  # between the logo and any text


def logo_rect(logo, width: int, large: bool) -> Rect:
    """Where the theme's `logo` ([logo] of theme.toml) goes on a slide `width` EMU wide:
    its top corner, twice as large on a layout used only by the title slide."""
    height = round(logo.height * (2 if large else 1) * EMU_PER_PT)
    w = round(height * logo.asset.width / max(logo.asset.height, 1))
    x = LOGO_MARGIN if logo.position.endswith("left") else width - LOGO_MARGIN - w
    return Rect(int(x), LOGO_MARGIN, w, height)


def logo_rects(logo, width: int, layouts: dict[str, str]) -> dict[str, Rect]:
    """The logo's box for each slide kind (``layouts``: kind -> layout key); a layout shared
    by several kinds carries one logo, small unless only the title slide uses it."""
    if logo is None:
        return {}
    kinds_on: dict[str, list[str]] = {}
    for kind, key in layouts.items():
        kinds_on.setdefault(key, []).append(kind)
    placed: dict[str, Rect] = {}
    for kinds in kinds_on.values():
        if not any(logo.title if kind == "title" else logo.slides for kind in kinds):
            continue
        placed.update(dict.fromkeys(kinds, logo_rect(logo, width, kinds == ["title"])))
    return placed


def theme_boxes(theme, name: str) -> LayoutBoxes:
    """The boxes of any layout of `theme`'s template, by key or name ("Two Content",
    "Master 2/Contenu"), for slides placed on it by name: its title, content and subtitle
    boxes as `layout_boxes` chooses them, clear of the theme's logo (the small one, as on
    every slide but the title slide). `KeyError` when the template has no such layout."""
    info = theme.template_info
    if info is None:
        raise KeyError(name)
    layout = info.find(name)
    logo = theme.logo
    rect = logo_rect(logo, info.width, False) if logo is not None and logo.slides else None
    return layout_boxes(layout, info.width, info.height, theme.sizes.min_body, rect).boxes
