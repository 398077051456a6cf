"""The build pipeline: read -> model -> typography -> render -> write, for every file and theme.

A bad file is reported and skipped; the others are still built, and the run reports every
problem at once (the CLI then exits 1). Themes are loaded and validated once per build.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import typography
from .config import Settings, load_settings
from .errors import Diagnostic, InputError
from .model import Document
from .output import output_path, write_atomic
from .reader import find_project_root, read_document
from .render import pptx_speed
from .render.deck import render_deck
from .render.fit import Measurer
from .themes import Theme, ThemeNotFound, load_theme

FORMATS = ("deck", "newsletter")


@dataclass
class Written:
    path: Path
    what: str  # e.g. "26 slides"


@dataclass
class BuildResult:
    written: list[Written] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)


def content_files(paths: Iterable[Path], root: Path) -> list[Path]:
    """The Markdown files to build: the given files and folders, or every content/*.md."""
    given = list(paths)
    if not given:
        return sorted((root / "content").glob("*.md"))
    files: list[Path] = []
    for path in given:
        if path.is_dir():
            files.extend(sorted(path.glob("*.md")))
        else:
            files.append(path)
    return files


class ThemeCache:
    """Each theme loaded and validated once, with one measurer (font caches) per theme."""

    def __init__(self, root: Path, result: BuildResult):
        self.root = root
        self.result = result
        self.themes: dict[str, Theme | InputError] = {}
        self.measurers: dict[str, Measurer] = {}
        self.environments: dict[str, object] = {}

    def get(self, name: str, doc: Document | None = None) -> Theme | None:
        """The theme, or None after reporting why it cannot be used. A theme named in a
        document's front matter that does not exist is that document's error (path:line);
        a broken theme is reported once, at its own file."""
        if name not in self.themes:
            try:
                theme, warnings = load_theme(name, self.root)
                self.result.warnings.extend(warnings)
                self.themes[name] = theme
                self.measurers[name] = Measurer(theme.fonts.faces)
            except InputError as exc:
                self.themes[name] = exc
                if not isinstance(exc, ThemeNotFound):
                    self.result.errors.extend(exc.diagnostics)
        found = self.themes[name]
        if isinstance(found, ThemeNotFound):
            path = doc.path if doc is not None else None
            line = doc.meta.lines.get("theme") if doc is not None else None
            self.result.errors.append(Diagnostic(path, line, str(found.diagnostics[0].message)))
            return None
        return found if isinstance(found, Theme) else None

    def email_environment(self, name: str):
        """The theme's Jinja environment, built once per build."""
        from .render.email import environment  # Jinja2, css-inline, nh3: newsletter only

        if name not in self.environments:
            self.environments[name] = environment(self.themes[name])  # type: ignore[arg-type]
        return self.environments[name]


def load_document(path: Path, root: Path, result: BuildResult) -> Document | None:
    """Read one file; its problems go to `result`."""
    try:
        doc, warnings = read_document(path, root)
    except InputError as exc:
        result.errors.extend(exc.diagnostics)
        return None
    result.warnings.extend(warnings)
    return typography.apply(doc)


def build(
    paths: Iterable[Path] = (),
    themes: Iterable[str] = (),
    out_dir: Path | None = None,
    formats: Iterable[str] = FORMATS,
    root: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    on_written: Callable[[Written], None] | None = None,
) -> BuildResult:
    """Build every output for every content file and theme. Never raises `InputError`:
    problems are collected in the result."""
    with _few_gc_passes():
        return _build(paths, themes, out_dir, formats, root, progress, on_written)


@contextlib.contextmanager
def _few_gc_passes():
    """A build allocates hundreds of thousands of long-lived objects (model, XML); with the
    default threshold the cycle collector walks them thousands of times for nothing (10-20 %
    of a 1,000-slide build). Collect rarely during the build, as usual after it."""
    old = gc.get_threshold()
    gc.set_threshold(50_000, 50, 1_000)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _build(
    paths: Iterable[Path],
    themes: Iterable[str],
    out_dir: Path | None,
    formats: Iterable[str],
    root: Path | None,
    progress: Callable[[str, int, int], None] | None,
    on_written: Callable[[Written], None] | None,
) -> BuildResult:
    root = (root or find_project_root(Path.cwd() / "pyproject.toml")).resolve()
    out_dir = out_dir if out_dir is not None else root / "build"
    formats = tuple(formats)
    result = BuildResult()
    cache = ThemeCache(root, result)
    settings = Settings()
    if "newsletter" in formats:
        try:
            settings, warnings = load_settings(root)
            result.warnings.extend(warnings)
        except InputError as exc:
            result.errors.extend(exc.diagnostics)
            return result
        if not settings.unsubscribe_url and not settings.unsubscribe_mailto:
            result.warnings.append(
                Diagnostic(
                    root / "pyproject.toml",
                    None,
                    "no unsubscribe link for the newsletter: set unsubscribe_url (and "
                    "unsubscribe_mailto) in [tool.deckgen]; mail providers require one",
                    "warning",
                )
            )
    theme_names = list(themes)

    def emit(target: Path, write: Callable, what: str) -> None:
        write_atomic(target, write)
        item = Written(target, what)
        result.written.append(item)
        if on_written is not None:
            on_written(item)

    for path in content_files(paths, root):
        doc = load_document(path, root, result)
        if doc is None:
            continue
        for name in theme_names or [doc.meta.theme]:
            theme = cache.get(name, doc)
            if theme is None:
                continue
            if "deck" in formats:
                try:
                    report = None
                    if progress is not None:
                        report = lambda n, total, p=path: progress(p.name, n, total)  # noqa: E731
                    prs = render_deck(doc, theme, cache.measurers[name], report)
                except InputError as exc:
                    result.errors.extend(exc.diagnostics)
                    continue
                emit(
                    output_path(out_dir, name, doc.stem, ".pptx"),
                    lambda handle, prs=prs: pptx_speed.save(prs, handle),
                    f"{len(prs.slides)} slides",
                )
            if "newsletter" in formats:
                from . import newsletter  # imported only when a newsletter is built

                try:
                    outputs = newsletter.build_newsletter(
                        doc,
                        theme,
                        cache.email_environment(name),
                        settings,
                        root,
                        output_path(out_dir, name, doc.stem, ".html"),
                    )
                except InputError as exc:
                    result.errors.extend(exc.diagnostics)
                    continue
                result.warnings.extend(outputs.warnings)
                for suffix, data, what in outputs.files:
                    emit(
                        output_path(out_dir, name, doc.stem, suffix),
                        lambda handle, data=data: handle.write(data),
                        what,
                    )
    return result
