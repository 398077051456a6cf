"""Loading a theme: finding its folder, reading and validating ``theme.toml``, following
``extends`` to the parents and merging them, then reading once everything a build needs from
disk (the template, font files, the logo, email templates) into a `Theme`.

Themes are looked up in the project's ``themes/`` folder first, then among the themes
shipped with deckgen.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from ..errors import Collector, Diagnostic, InputError, did_you_mean
from ..reading.pictures import ImageProblem, read_image
from .boxes import layout_boxes, logo_rects
from .contrast import AA_TEXT, contrast_problems, contrast_ratio, readable
from .fonts import fallback_font_face, missing_font_advice, read_font_files, system_font_face
from .geometry import LayoutBoxes, Rect
from .mapping import SLIDE_KINDS, choose_layouts, resolve
from .schema import (
    SCHEMA,
    Colors,
    FontFace,
    Fonts,
    Locator,
    Logo,
    Sizes,
    SlideOptions,
    Theme,
    check_table,
    hex_color,
    scaled_sizes,
    size_scale,
)
from .scheme import scheme_slots, scheme_values
from .template import TEMPLATE_NAMES, OpenedTemplate, TemplateInfo, analyse, read_template


def builtin_themes_dir() -> Path:
    from .. import _themes  # type: ignore[attr-defined]  # the top-level themes/ folder, shipped

    return Path(_themes.__path__[0])


# The themes deckgen ships. The repository's themes/ folder also holds the sample clients
# (agence-boreal, atelier-durand): they are this project's themes, not deckgen's.
BUILTIN_THEMES = ("default",)


def theme_folders(project_root: Path | None) -> list[Path]:
    """Every theme folder, the project's first, then deckgen's own."""
    found: list[Path] = []
    for folder in theme_dirs(project_root):
        builtin = not (project_root is not None and folder == project_root / "themes")
        for toml in sorted(folder.glob("*/theme.toml")):
            if not builtin or toml.parent.name in BUILTIN_THEMES:
                found.append(toml.parent)
    return found


def theme_dirs(project_root: Path | None) -> list[Path]:
    dirs = []
    if project_root is not None and (project_root / "themes").is_dir():
        dirs.append(project_root / "themes")
    try:
        builtin = builtin_themes_dir()
    except (ImportError, AttributeError, IndexError):
        builtin = Path(__file__).resolve().parents[2] / "themes"  # a source checkout
    if builtin.is_dir() and all(builtin.resolve() != d.resolve() for d in dirs):
        dirs.append(builtin)
    return dirs


class ThemeNotFound(InputError):
    """No theme of that name (the message lists the themes there are)."""


def find_theme(name: str, project_root: Path | None) -> Path:
    folders = theme_folders(project_root)
    for folder in folders:
        if folder.name == name:
            return folder
    known = sorted({f.name for f in folders})
    raise ThemeNotFound(
        f"theme '{name}' not found{did_you_mean(name, known)}; available: {', '.join(known) or 'none'}"
    )


def load_theme(name: str, project_root: Path | None = None) -> tuple[Theme, list[Diagnostic]]:
    """Load and validate a theme and its parents. Raises `InputError` listing every problem
    of its files.

    A theme states only what differs from its parent (``extends``, default ``default``):
    tables are merged key by key, lists replaced whole; ``template.pptx``, email templates
    and font files are looked up from the theme to its parents.
    """
    chain = _chain(name, project_root)  # [(folder, data, locator)], the theme first
    folder, _, where = chain[0]
    path = folder / "theme.toml"
    report = Collector(path)
    folders = [f for f, _, _ in chain]
    # The template: the nearest theme's template.pptx (or .potx), read and checked once.
    owner = next(
        (k for k, f in enumerate(folders) if any((f / n).is_file() for n in TEMPLATE_NAMES)),
        None,
    )
    template_path: Path | None = None
    template = b""
    opened: OpenedTemplate | None = None
    if owner is None:
        report.error("no template.pptx in this theme or its parents; reinstall deckgen")
    else:
        template_path = next(
            folders[owner] / n for n in TEMPLATE_NAMES if (folders[owner] / n).is_file()
        )
        template, problem, opened = read_template(template_path)
        if problem:
            report.errors.append(Diagnostic(template_path, None, problem))
    scheme = opened.scheme if opened is not None else None
    data: dict[str, Any] = {}
    for _, own, _ in reversed(chain):
        data = _merge(data, own)
    client_template = owner is not None and owner < len(chain) - 1 and scheme is not None
    if client_template:
        # A client's corporate template keeps its own theme colours and fonts: only what the
        # themes from the template's owner down state explicitly changes them.
        assert scheme is not None and owner is not None
        own_style: dict[str, Any] = {}
        for _, own, _ in reversed(chain[: owner + 1]):
            own_style = _merge(own_style, {k: own[k] for k in ("colors", "fonts") if k in own})
        data["colors"] = {**scheme.colors, **own_style.get("colors", {})}
        data["fonts"] = {
            **data.get("fonts", {}),
            **scheme.fonts,
            **own_style.get("fonts", {}),
        }
        slots = scheme_slots(own_style)
    else:
        slots = None
    # Font files are relative to the theme that names them.
    font_homes: dict[str, tuple[Path, Locator]] = {}
    for theme_folder, own, locator in reversed(chain):
        for family in own.get("fonts", {}).get("files", {}):
            font_homes[family] = (theme_folder, locator)

    logo_home = next(
        ((f, loc) for f, own, loc in chain if "file" in own.get("logo", {})), (folder, where)
    )
    logo = _read_logo(data.get("logo", {}), *logo_home, report)

    colors_raw = data.get("colors", {})
    colors = Colors(
        **{
            k: (tuple(hex_color(c) for c in v) if k == "series" else hex_color(v))
            for k, v in colors_raw.items()
        }
    )
    fonts_raw = {k: v for k, v in data.get("fonts", {}).items() if k != "files"}
    fonts = Fonts(**fonts_raw)
    sizes = Sizes(**{k: float(v) for k, v in data.get("sizes", {}).items()})
    if sizes.min_body > sizes.body:
        report.error(
            f"sizes.min_body ({sizes.min_body:g}) is larger than sizes.body ({sizes.body:g})",
            where.line(("sizes",), "min_body"),
        )
    if client_template and opened is not None and owner is not None:
        # A slide larger than PowerPoint's (Keynote's 26.67 in, a poster): deckgen's sizes
        # grow with it, but for the sizes the client's themes state.
        stated_sizes = {k for _, own, _ in chain[: owner + 1] for k in own.get("sizes", {})}
        factor = size_scale(int(opened.prs.slide_width))  # type: ignore[attr-defined]
        sizes = scaled_sizes(sizes, factor, stated_sizes)
    slides = SlideOptions(**data.get("slides", {}))

    files = data.get("fonts", {}).get("files", {})
    faces: dict[str, FontFace] = {}
    for family in dict.fromkeys((fonts.heading, fonts.body, fonts.mono)):
        given = files.get(family)
        if given:
            home, locator = font_homes.get(family, (folder, where))
            face = read_font_files(family, given, home, report, locator)
        else:
            face = system_font_face(family)
            if face is None:
                face = fallback_font_face(family)
                report.warn(
                    missing_font_advice(family, face),
                    where.line(("fonts",), "body"),
                    rule="theme-font-missing",
                )
        if face is not None:
            faces[family] = face
    fonts = Fonts(fonts.heading, fonts.body, fonts.mono, faces)

    stated = set(own_style.get("colors", {})) if client_template else set()
    email_colors = _email_colors(colors, stated) if client_template else {}
    for message, key in contrast_problems(colors, data.get("email", {}).get("link_color")):
        if client_template:
            if (key == "text" and "text" in email_colors) or (
                key in ("primary", "background") and "primary" in email_colors
            ):
                continue  # the template's colour, replaced in the newsletter (check: info)
            # The slides are checked against their real backgrounds (deckgen check); these
            # colours are the newsletter's, on its own background.
            message = "in the newsletter, " + message
        report.warn(
            message,
            where.line(("email",) if key == "link_color" else ("colors",), key)
            or where.line(("colors",)),
            rule="theme-contrast",
        )
    layout_keys: dict[str, str] = {}
    boxes: dict[str, LayoutBoxes] = {}
    logos: dict[str, Rect] = {}
    info: TemplateInfo | None = None
    if opened is not None and template_path is not None and owner is not None:
        # The template read with the colours and fonts deckgen writes into it.
        written = scheme_values(colors, fonts, slots)
        info = analyse(opened.prs, *written, scheme=opened.scheme)
        layout_keys = _map_layouts(chain, owner, info, template_path, sizes, report)
        logos = logo_rects(logo, info.width, layout_keys)
        boxes = _layout_boxes(info, layout_keys, sizes, logos, template_path, report)
    email_templates: dict[str, str] = {}
    template_files: dict[str, Path] = {}
    for source in reversed(folders):  # the default's first, each child overriding
        found = _read_templates(source / "templates")
        email_templates.update(found)
        template_files.update({name: source / "templates" / name for name in found})
    report.raise_if_errors()
    theme = Theme(
        name=str(chain[0][1].get("name", folder.name)),
        folder=folder,
        parents=tuple(f.name for f in folders[1:]),
        colors=colors,
        fonts=fonts,
        sizes=sizes,
        slides=slides,
        layouts=layout_keys,
        template=template,
        template_path=template_path,
        email_templates=email_templates,
        email_template_files=template_files,
        logo=logo,
        scheme_slots=slots,
        template_info=info,
        boxes=boxes,
        logos=logos,
        email={
            k: (hex_color(v) if k == "link_color" else v) for k, v in data.get("email", {}).items()
        },
        email_colors=email_colors,
    )
    return theme, report.warnings


def _email_colors(colors: Colors, stated: set[str]) -> dict[str, str]:
    """The newsletter's colours in place of a client template's that do not read on the
    email's background (a dark template's light "dark 2"), for the colours the theme does
    not state itself: titles take the first of primary, accent and text that reads, else
    the primary's nearest shade that does; text its nearest shade."""
    out: dict[str, str] = {}
    background = colors.background
    if "primary" not in stated and "background" not in stated:
        if contrast_ratio(colors.primary, background) < AA_TEXT:
            fixed = readable([colors.primary, colors.accent, colors.text], [background])
            if fixed is not None and fixed != colors.primary:
                out["primary"] = fixed
    if "text" not in stated and "background" not in stated:
        if contrast_ratio(colors.text, background) < AA_TEXT:
            fixed = readable([colors.text], [background])
            if fixed is not None and fixed != colors.text:
                out["text"] = fixed
    return out


def _read_logo(
    table: dict[str, Any], folder: Path, where: Locator, report: Collector
) -> Logo | None:
    """The logo of ``[logo]``, its file relative to the theme that names it."""
    if not table:
        return None
    path = folder / "theme.toml"
    line = where.line(("logo",), "file") or where.line(("logo",))
    rel = table.get("file")
    if not rel:
        report.error('[logo] needs a file: file = "assets/logo.png"', line)
        return None
    target = (folder / rel).resolve()
    if Path(rel).is_absolute() or not target.is_relative_to(folder.resolve()):
        report.errors.append(
            Diagnostic(
                path,
                line,
                f"logo '{rel}' is outside the theme folder; copy it into {folder}/assets/",
            )
        )
        return None
    if not target.is_file():
        report.errors.append(
            Diagnostic(
                path,
                line,
                f"logo '{rel}' not found (looked for {target}); check the path, relative to {folder}",
            )
        )
        return None
    try:
        asset = read_image(target, rel)
    except ImageProblem as exc:
        report.errors.append(Diagnostic(path, line, str(exc)))
        return None
    options = {k: v for k, v in table.items() if k != "file"}
    return Logo(asset, **options)


def _read_theme_file(folder: Path) -> tuple[dict[str, Any], Locator]:
    path = folder / "theme.toml"
    text = _read_utf8(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        raise InputError(f"not valid TOML: {exc}", path, line) from None
    where = Locator(text)
    report = Collector(path)
    check_table(data, SCHEMA, (), report, where)
    report.raise_if_errors()
    return data, where


def _chain(name: str, project_root: Path | None) -> list[tuple[Path, dict[str, Any], Locator]]:
    """The theme and its parents, nearest first; each file validated on its own."""
    chain: list[tuple[Path, dict[str, Any], Locator]] = []
    seen: list[str] = []
    current = name
    while True:
        folder = find_theme(current, project_root)
        data, where = _read_theme_file(folder)
        chain.append((folder, data, where))
        seen.append(current)
        parent = data.get("extends", "default" if current != "default" else None)
        if parent is None:
            return chain
        if parent in seen:
            raise InputError(
                f"themes extend each other in a cycle: {' -> '.join([*seen, parent])}; "
                "make one of them extend 'default'",
                folder / "theme.toml",
                where.line((), "extends"),
            )
        try:
            find_theme(parent, project_root)
        except ThemeNotFound as exc:
            raise InputError(
                f"extends {exc.diagnostics[0].message}",
                folder / "theme.toml",
                where.line((), "extends"),
            ) from None
        current = parent


def _merge(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """`own` over `base`: tables merged key by key, anything else replaced."""
    out = dict(base)
    for key, value in own.items():
        if key in ("name", "extends"):
            out[key] = value
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def theme_names(project_root: Path | None) -> list[tuple[str, tuple[str, ...], Path]]:
    """Every theme found (name, parents, folder), for ``deckgen themes``."""
    found = []
    names = sorted({f.name for f in theme_folders(project_root)})
    for name in names:
        try:
            chain = _chain(name, project_root)
            found.append((name, tuple(f.name for f, _, _ in chain[1:]), chain[0][0]))
        except InputError:
            found.append(
                (
                    name,
                    ("(broken: run deckgen build --theme " + name + ")",),
                    find_theme(name, project_root),
                )
            )
    return found


def _read_utf8(path: Path) -> str:
    """A theme's text file; not UTF-8 (a Latin-1 save) is an input error with its line."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 (byte 0x{raw[exc.start]:02x}); re-save the file as UTF-8 "
            "(for example: iconv -f latin1 -t utf-8)",
            path,
            raw[: exc.start].count(b"\n") + 1,
        ) from None


def _read_templates(folder: Path) -> dict[str, str]:
    """Every template file under `folder`, by its path relative to it (with '/')."""
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): _read_utf8(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix in (".html", ".txt", ".css")
    }


def _map_layouts(
    chain: list[tuple[Path, dict[str, Any], Locator]],
    owner: int,
    info: TemplateInfo,
    template_path: Path,
    sizes: Sizes,
    report: Collector,
) -> dict[str, str]:
    """Slide kind -> layout key: what ``[layouts]`` states (from the themes that own the
    template down: a parent's names are for its own template), each kind left out mapped
    from the template itself. A name that is not in the template is an error at its line
    listing the layouts there are; a name found in several masters is a warning listing
    them (the first is used)."""
    stated: dict[str, tuple[str, Path, int | None]] = {}
    for theme_folder, own, locator in reversed(chain[: owner + 1]):
        for kind, name in own.get("layouts", {}).items():
            stated[kind] = (name, theme_folder / "theme.toml", locator.line(("layouts",), kind))
    keys: dict[str, str] = {}
    for kind, (name, path, line) in stated.items():
        layout, choices = resolve(info, name)
        if layout is None:
            report.errors.append(
                Diagnostic(
                    path,
                    line,
                    f"{template_path.name}: this template has no layout '{name}' for {kind}"
                    f"{did_you_mean(name, info.keys)}; it has: "
                    f"{', '.join(repr(k) for k in info.keys)}. Map {kind} to one of them in "
                    "[layouts] of theme.toml, or leave it out and deckgen chooses",
                )
            )
            continue
        if choices:
            report.warnings.append(
                Diagnostic(
                    path,
                    line,
                    f"layout '{name}' is in several masters ({', '.join(repr(c) for c in choices)}); "
                    f"deckgen uses '{layout.key}': write the one you want",
                    "warning",
                    "theme-layout",
                )
            )
        keys[kind] = layout.key
    missing = [kind for kind in SLIDE_KINDS if kind not in keys]
    if missing:
        choices = choose_layouts(
            info, lambda layout: layout_boxes(layout, info.width, info.height, sizes.min_body)
        )
        for kind in missing:
            keys[kind] = choices[kind].layout.key
    return {kind: keys[kind] for kind in SLIDE_KINDS}


def _layout_boxes(
    info: TemplateInfo,
    keys: dict[str, str],
    sizes: Sizes,
    logos: dict[str, Rect],
    template_path: Path,
    report: Collector,
) -> dict[str, LayoutBoxes]:
    """The boxes of each slide kind's layout, and a warning per layout whose placeholders
    deckgen cannot use as they are."""
    boxes: dict[str, LayoutBoxes] = {}
    told: set[str] = set()
    for kind, key in keys.items():
        layout = info.find(key)
        result = layout_boxes(layout, info.width, info.height, sizes.min_body, logos.get(kind))
        boxes[kind] = result.boxes
        kinds = [k for k, v in keys.items() if v == key]
        notes = result.notes_for(kinds)
        if notes and key not in told:
            told.add(key)
            report.warnings.append(
                Diagnostic(
                    template_path,
                    None,
                    f"layout '{key}' ({', '.join(kinds)}): {'; '.join(notes)}: deckgen "
                    "places its own boxes in the slide's free area",
                    "warning",
                    "theme-layout",
                )
            )
    return boxes
