"""The client's PowerPoint template: opening it (.pptx or .potx, after `safety` has checked
the file) and reading what deckgen builds on: its masters, layouts and their placeholders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.oxml.ns import qn

from ..errors import InputError
from .geometry import LayoutBoxes, Rect, avoid
from .safety import unsafe_template
from .scheme import TemplateScheme, scheme_of

TEMPLATE_NAMES = ("template.pptx", "template.potx")
PPTX_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
POTX_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml"


def read_template(path: Path) -> tuple[bytes, str | None, TemplateScheme | None]:
    """The template as .pptx bytes (a .potx is converted: only its main content type
    differs), why it cannot be used (or None), and its scheme. Checked when the theme
    loads, so a broken client template fails before any build."""
    import io
    import zipfile

    from pptx import Presentation
    from pptx.exc import PackageNotFoundError

    data = path.read_bytes()
    not_pptx = (
        "not a PowerPoint presentation or template (.pptx, .potx) ({}); save the client's "
        "template from PowerPoint or LibreOffice as .pptx"
    )
    unsafe = unsafe_template(data)
    if unsafe:
        return b"", unsafe, None
    try:
        if path.suffix == ".potx":
            data = potx_to_pptx(data)
        prs = Presentation(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        return data, not_pptx.format(type(exc).__name__), None
    return data, None, scheme_of(prs)


def potx_to_pptx(data: bytes) -> bytes:
    """A .potx as .pptx bytes: only the main part's content type differs."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "[Content_Types].xml":
                body = body.replace(POTX_MAIN.encode(), PPTX_MAIN.encode())
            dst.writestr(info, body)
    return out.getvalue()


def missing_layouts(names: list[str], layouts: Mapping[str, str]) -> str | None:
    """What to say when a template lacks layouts the theme maps slide kinds to, or None."""
    missing = [f"{kind} -> '{name}'" for kind, name in layouts.items() if name not in names]
    if not missing:
        return None
    return (
        f"this template lacks the layouts {', '.join(missing)}; it has: "
        f"{', '.join(repr(n) for n in names)}. Map each slide kind to one of them in "
        "[layouts] of theme.toml"
    )


# --- the layouts (python-pptx objects of an opened template) --------------------------------

TITLE_TYPES = (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
BODY_TYPES = (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT, PP_PLACEHOLDER.SUBTITLE)


def layouts_by_kind(prs, layouts: Mapping[str, str], path: Path | None) -> dict:
    """The template's layout for each slide kind, by name, from any of its masters (checked
    when the theme loaded; checked again here for themes built in code)."""
    by_name: dict = {}
    for master in prs.slide_masters:
        for layout in master.slide_layouts:
            by_name.setdefault(layout.name, layout)
    problem = missing_layouts(list(by_name), layouts)
    if problem:
        raise InputError(problem, path)
    return {kind: by_name[name] for kind, name in layouts.items()}


def title_caps(layouts: Iterable) -> bool:
    """Whether the template sets its titles in capitals (cap="all" in a master's title
    style or a layout's title placeholder)."""
    for layout in layouts:
        master = layout.slide_master.element.find(qn("p:txStyles"))
        style = master.find(qn("p:titleStyle")) if master is not None else None
        nodes = list(style.iter(qn("a:defRPr"))) if style is not None else []
        title, _ = title_and_bodies(layout)
        if title is not None:
            nodes += list(title.element.iter(qn("a:defRPr")))
        if any(node.get("cap") == "all" for node in nodes):
            return True
    return False


def _rect(shape) -> Rect:
    return Rect(int(shape.left), int(shape.top), int(shape.width), int(shape.height))


def title_and_bodies(layout):
    """A layout's title placeholder (or None) and its body placeholders, by index."""
    title = None
    bodies = []
    for ph in sorted(layout.placeholders, key=lambda p: p.placeholder_format.idx):
        kind = ph.placeholder_format.type
        if kind in TITLE_TYPES and title is None:
            title = ph
        elif kind in BODY_TYPES:
            bodies.append(ph)
    return title, bodies


def layout_boxes(layout, logo: Rect | None = None, gap: int = 0) -> LayoutBoxes:
    """The layout's title and body boxes, kept `gap` clear of the theme's logo when it has
    one."""
    title, bodies = title_and_bodies(layout)
    boxes = LayoutBoxes(
        _rect(title) if title is not None else None, tuple(_rect(b) for b in bodies)
    )
    if logo is None:
        return boxes
    return LayoutBoxes(
        avoid(boxes.title, logo, gap) if boxes.title is not None else None,
        tuple(avoid(b, logo, gap) for b in boxes.bodies),
    )
