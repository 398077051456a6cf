"""``deckgen build --watch``: build, then rebuild what each save changes, with warm state.

`Watcher` holds what a rebuild reuses: the parsed documents, the loaded themes with their
measurers (font caches) and compiled email templates, the settings. `Watcher.rebuild`
takes the paths that changed and rebuilds only what depends on them:

- a content file (or a picture it shows) -> that file, in each theme it is built with;
- a file of a theme folder (theme.toml, the template, templates/, assets/) -> every file
  built with that theme or a theme extending it (those themes are loaded again);
- pyproject.toml -> everything, from scratch.

It never watches anything itself: `watch_changes` feeds it from the `watchfiles` loop, so
tests drive the rebuild logic directly. A file that fails is not written (the build renders
every output of a file before writing any), so its previous outputs stay as they were.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .build import (
    BuildResult,
    ThemeCache,
    Written,
    _few_gc_passes,
    content_files,
    load_build_settings,
    load_document,
    remote_pictures,
    run_jobs,
    theme_list,
)
from .config import Settings
from .errors import Diagnostic, InputError, display_path
from .model import Document
from .themes import Theme, theme_dirs, theme_folders

# watchfiles: yield a batch once nothing changed for STEP_MS (an editor's save is a burst
# of events: write, rename, chmod), and at the latest after DEBOUNCE_MS of steady changes.
STEP_MS = 50
DEBOUNCE_MS = 400


@dataclass
class RebuildResult:
    """What one rebuild did: why, which (file, theme) pairs, what it wrote, how long."""

    changes: list[str] = field(default_factory=list)  # what triggered it, for people
    targets: list[tuple[Path, str]] = field(default_factory=list)  # (content file, theme)
    built: list[tuple[Document, str]] = field(default_factory=list)  # the pairs that succeeded
    removed: list[Path] = field(default_factory=list)  # content files that no longer exist
    written: list[Written] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors


class Watcher:
    """The rebuild logic of ``deckgen build --watch`` and ``deckgen serve``: no files
    watched here, no printing.

    `parallel`: let a rebuild of several (file, theme) pairs fork one worker per core, as
    `deckgen build` does. Leave it off when other threads run (``deckgen serve``): forking
    a process that has threads is unsafe."""

    def __init__(
        self,
        paths: Iterable[Path],
        themes: Iterable[str],
        out_dir: Path,
        formats: Iterable[str],
        root: Path,
        parallel: bool = True,
    ):
        self.root = root.resolve()
        self.paths = [Path(p) for p in paths]
        self.theme_args = list(themes)
        self.out_dir = out_dir.resolve()
        self.formats = tuple(formats)
        self.parallel = parallel
        self.names: list[str] = []
        self.settings: Settings | None = None
        self.cache = ThemeCache(self.root, BuildResult())
        self.docs: dict[Path, Document] = {}  # the last good parse of each content file
        # The current problems, by where they come from; a rebuild replaces its own.
        self.settings_errors: list[Diagnostic] = []
        self.theme_errors: dict[str, list[Diagnostic]] = {}
        self.file_errors: dict[Path, list[Diagnostic]] = {}  # parse errors; key: resolved
        self.job_errors: dict[tuple[Path, str], list[Diagnostic]] = {}
        self.rebuilds = 0

    # --- what to watch ------------------------------------------------------------------

    @property
    def pyproject(self) -> Path:
        return self.root / "pyproject.toml"

    def watch_roots(self) -> list[Path]:
        """Folders to watch (recursively): the project, deckgen's own themes, and content
        given from outside the project."""
        roots = [self.root]
        for folder in [*theme_dirs(self.root), *self.paths]:
            folder = folder.resolve()
            if folder.is_file() or not folder.exists():
                folder = folder.parent
            if not any(folder.is_relative_to(r) for r in roots):
                roots.append(folder)
        return roots

    def ignored(self) -> list[Path]:
        """Where the outputs go: their writes are not changes."""
        return [self.out_dir]

    # --- rebuilding ---------------------------------------------------------------------

    def initial_build(self) -> RebuildResult:
        return self.rebuild(None)

    def rebuild(self, changed: Iterable[Path] | None) -> RebuildResult | None:
        """Rebuild what depends on `changed` (None: everything). None when no change
        matters to any output (a file elsewhere in the project)."""
        start = time.perf_counter()
        with _few_gc_passes():
            result = self._rebuild(None if changed is None else {Path(p) for p in changed})
        if result is None:
            return None
        result.seconds = time.perf_counter() - start
        self.rebuilds += 1
        return result

    def _rebuild(self, changed: set[Path] | None) -> RebuildResult | None:
        out = RebuildResult()
        if changed is None or any(_same(p, self.pyproject) for p in changed):
            out.changes.append("everything" if changed is None else "pyproject.toml")
            self._reset(out)
            if self.settings is None:
                return out
            return self._build(self._all_pairs(), out)
        files, themes, relevant = self._classify(changed)
        if not relevant:
            return None
        out.changes.extend(display_path(p) for p in relevant)
        pairs: dict[Path, list[str]] = {}
        if themes:
            for path, names in self._forget_themes(themes).items():
                pairs.setdefault(path, []).extend(names)
        for path in files:
            if not path.is_file():
                self._remove(path, out)
                continue
            doc = self._parse(path, out)
            if doc is not None:
                pairs[path] = self._names_for(doc)
        if self.settings is None:  # a broken pyproject.toml: nothing builds until it is fixed
            out.errors.extend(self.settings_errors)
            return out
        return self._build(pairs, out)

    def _reset(self, out: RebuildResult) -> None:
        """Start again from scratch: settings, themes and every content file."""
        settings_result = BuildResult()
        self.settings = load_build_settings(self.root, self.formats, settings_result)
        self.settings_errors = settings_result.errors
        out.errors.extend(settings_result.errors)
        out.warnings.extend(settings_result.warnings)
        self.cache = ThemeCache(self.root, BuildResult())
        self.theme_errors.clear()
        self.docs.clear()
        self.file_errors.clear()
        self.job_errors.clear()
        self.names = theme_list(self.theme_args, self.root)
        if self.settings is None:
            return
        for path in content_files(self.paths, self.root):
            self._parse(path.resolve(), out)

    def _all_pairs(self) -> dict[Path, list[str]]:
        return {path: self._names_for(doc) for path, doc in self.docs.items()}

    def _names_for(self, doc: Document) -> list[str]:
        return list(self.names or [doc.meta.theme])

    def _content_files(self) -> set[Path]:
        return {p.resolve() for p in content_files(self.paths, self.root)}

    def _classify(self, changed: set[Path]) -> tuple[list[Path], set[str], list[Path]]:
        """The content files to parse again, the themes to load again, and the changed
        paths that matter."""
        content = self._content_files()
        users: dict[Path, set[Path]] = {}  # picture -> the content files showing it
        for path, doc in self.docs.items():
            for asset in doc.assets.values():
                users.setdefault(asset.source.resolve(), set()).add(path)
        folders = [f.resolve() for f in theme_folders(self.root)]
        files: dict[Path, None] = {}
        themes: set[str] = set()
        relevant: list[Path] = []
        for raw in sorted(changed):
            path = raw.resolve()
            if path.is_relative_to(self.out_dir):
                continue
            if path in content or path in self.docs or path in self.file_errors:
                files[path] = None
            elif path in users:
                files.update(dict.fromkeys(sorted(users[path])))
            else:
                folder = next((f for f in folders if path.is_relative_to(f)), None)
                if folder is None and path.name == "theme.toml":
                    folder = path.parent  # a theme being created (or removed)
                if folder is None or path.suffix == ".py":  # make_template.py is no input
                    continue
                themes.add(folder.name)
            relevant.append(path)
        return list(files), themes, relevant

    def _forget_themes(self, changed: set[str]) -> dict[Path, list[str]]:
        """Drop the changed themes and the themes extending them (and any broken or missing
        theme: it may be fixed now); the (file, themes) pairs to rebuild."""
        stale = set()
        for name, theme in list(self.cache.themes.items()):
            if not isinstance(theme, Theme) or name in changed or changed & set(theme.parents):
                stale.add(name)
                for table in (self.cache.themes, self.cache.measurers, self.cache.environments):
                    table.pop(name, None)
                self.theme_errors.pop(name, None)
        if "all" in self.theme_args:  # a theme may have been added or removed
            before = set(self.names)
            self.names = theme_list(self.theme_args, self.root)
            stale |= set(self.names) - before
        pairs: dict[Path, list[str]] = {}
        for path, doc in self.docs.items():
            if path in self.file_errors:
                continue  # broken now: it is rebuilt when it is saved again
            names = [n for n in self._names_for(doc) if n in stale]
            if names:
                pairs[path] = names
        return pairs

    def _parse(self, path: Path, out: RebuildResult) -> Document | None:
        parsed = BuildResult()
        doc = load_document(path, self.root, parsed, remote_pictures(self.out_dir, offline=False))
        out.warnings.extend(parsed.warnings)
        out.errors.extend(parsed.errors)
        if doc is None:
            self.file_errors[path] = parsed.errors
            return None
        self.file_errors.pop(path, None)
        self.docs[path] = doc
        return doc

    def _remove(self, path: Path, out: RebuildResult) -> None:
        self.docs.pop(path, None)
        self.file_errors.pop(path, None)
        for key in [k for k in self.job_errors if k[0] == path]:
            del self.job_errors[key]
        out.removed.append(path)

    def _theme(self, name: str, doc: Document, out: RebuildResult) -> Theme | None:
        """The theme, loaded once and kept; its problems are its own (reported each time
        a rebuild needs it), a missing theme is the document's (front matter line)."""
        if name not in self.cache.themes:
            loaded = BuildResult()
            self.cache.result = loaded
            self.cache.get(name)
            self.theme_errors[name] = [d for d in loaded.errors if d.path is not None]
            out.warnings.extend(loaded.warnings)
        out.errors.extend(self.theme_errors.get(name, []))
        missing = BuildResult()
        self.cache.result = missing
        theme = self.cache.get(name, doc)
        if theme is not None and "newsletter" in self.formats:
            try:
                self.cache.email_environment(name)
            except InputError as exc:  # a broken email template of the theme
                self.theme_errors[name] = list(exc.diagnostics)
                out.errors.extend(exc.diagnostics)
                self.cache.themes[name] = exc  # type: ignore[assignment]  # broken
                return None
        if missing.errors:  # the front matter names a theme that does not exist
            self.job_errors[(doc.path.resolve(), name)] = missing.errors
            out.errors.extend(missing.errors)
        return theme

    def _build(self, pairs: dict[Path, list[str]], out: RebuildResult) -> RebuildResult:
        assert self.settings is not None
        jobs: list[tuple[Document, str]] = []
        for path, names in pairs.items():
            doc = self.docs[path]
            for name in dict.fromkeys(names):
                out.targets.append((path, name))
                self.job_errors.pop((path, name), None)
                if self._theme(name, doc, out) is not None:
                    jobs.append((doc, name))
        outcomes = run_jobs(
            self.cache,
            self.settings,
            self.root,
            self.out_dir,
            self.formats,
            jobs,
            parallel=self.parallel,
        )
        for (doc, name), outcome in zip(jobs, outcomes, strict=True):
            errors = [*outcome.errors, *(crash for crash, _ in outcome.crashes)]  # bugs too
            out.errors.extend(errors)
            out.warnings.extend(outcome.warnings)
            out.written.extend(outcome.written)
            if errors:
                self.job_errors[(doc.path.resolve(), name)] = errors
            else:
                out.built.append((doc, name))
        out.errors = _unique(out.errors)
        out.warnings = _unique(out.warnings)
        return out

    def problems(self) -> list[Diagnostic]:
        """Every problem standing now (not only the last rebuild's): what a preview shows."""
        found = list(self.settings_errors)
        used = {n for doc in self.docs.values() for n in self._names_for(doc)}
        for name in sorted(used):
            found.extend(self.theme_errors.get(name, []))
        for errors in self.file_errors.values():
            found.extend(errors)
        for errors in self.job_errors.values():
            found.extend(errors)
        return _unique(found)


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return list(dict.fromkeys(diagnostics))


def _same(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


# --- the loop -----------------------------------------------------------------------------


def changes(watcher: Watcher, stop: threading.Event | None = None) -> Iterator[set[Path]]:
    """Batches of changed paths, from `watchfiles` (inotify and the like, debounced),
    until `stop` is set or Ctrl-C (KeyboardInterrupt)."""
    import watchfiles

    class _Filter(watchfiles.DefaultFilter):
        def __init__(self) -> None:
            super().__init__(ignore_paths=[str(p) for p in watcher.ignored()])

        def __call__(self, change: watchfiles.Change, path: str) -> bool:
            return super().__call__(change, path) and not Path(path).name.startswith(
                ".deckgen-"  # our own temporary files (output.TMP_PREFIX)
            )

    for batch in watchfiles.watch(
        *watcher.watch_roots(),
        watch_filter=_Filter(),
        debounce=DEBOUNCE_MS,
        step=STEP_MS,
        stop_event=stop,
        rust_timeout=500,  # how often `stop` is looked at
    ):
        yield {Path(path) for _, path in batch}


def describe(result: RebuildResult) -> str:
    """One line for people: what changed, how long, what it wrote."""
    what = ", ".join(result.changes) or "nothing"
    if not result.targets and not result.errors:
        gone = (
            f"; removed: {', '.join(map(display_path, result.removed))}" if result.removed else ""
        )
        return f"[{time.strftime('%H:%M:%S')}] {what} changed: nothing is built from it{gone}"
    outcome = f"{len(result.written)} file(s) written"
    if result.errors:
        files = len({e.path for e in result.errors})
        outcome += f"; {len(result.errors)} problem(s) in {files} file(s), previous outputs kept"
    verb = "built" if result.changes == ["everything"] else "rebuilt"  # the first build
    return f"[{time.strftime('%H:%M:%S')}] {verb} {what} in {result.seconds:.2f} s: {outcome}"


def run_watch(
    watcher: Watcher,
    quiet: bool = False,
    stop: threading.Event | None = None,
    on_rebuild: Callable[[RebuildResult], None] | None = None,
    debug: bool = False,
) -> int:
    """The initial build, then a rebuild per batch of changes; returns 0 when `stop` is
    set. Ctrl-C (KeyboardInterrupt) goes to the caller."""

    def report(result: RebuildResult) -> None:
        for error in result.errors:
            print(error, file=sys.stderr)
        for warning in result.warnings:
            print(warning, file=sys.stderr)
        if not quiet or result.errors:
            print(describe(result), flush=True)
        if on_rebuild is not None:
            on_rebuild(result)

    report(watcher.initial_build())
    shown = ", ".join(display_path(p) for p in watcher.watch_roots())
    print(f"watching {shown} for changes (Ctrl-C to stop)", flush=True)
    for batch in changes(watcher, stop):
        try:
            result = watcher.rebuild(batch)
        except Exception as exc:  # a bug in deckgen: say so, and keep watching
            if debug:
                traceback.print_exc()
            print(
                f"deckgen: internal error: {type(exc).__name__}: {exc} (rerun with --debug "
                "for the traceback, and please report it); still watching",
                file=sys.stderr,
                flush=True,
            )
            continue
        if result is not None:
            report(result)
    return 0
