"""The build pipeline: read -> model -> typography -> render -> write, for every file and theme.

A bad file is reported and skipped; the others are still built, and the run reports every
problem at once (the CLI then exits 1). Themes are loaded and validated once per build.

The PDF outputs (``pdf``: one page per slide; ``handout``: one page per slide with its
speaker notes beneath) come from one LibreOffice for the whole build, started before the
first deck is rendered (its start-up overlaps the rendering) and given each deck as soon
as its job is done (clients.PdfExport); the PDFs are then written like every output.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import gc
import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import clients, typography
from .config import Settings, load_settings
from .errors import Diagnostic, InputError
from .model import Document
from .output import output_path, write_atomic, write_bytes_atomic
from .reading import find_project_root, read_document
from .reading.project import content_root
from .reading.remote import RemotePictures
from .render import pptx_speed
from .render.deck import layout_problems, probe_template, render_deck
from .render.fit import Measurer
from .themes import Theme, ThemeNotFound, load_theme, theme_names

DEFAULT_THEME = "default"

FORMATS = ("deck", "newsletter")  # what "all", the default, builds
PDF_FORMATS = ("pdf", "handout")  # through LibreOffice: <name>.pdf, <name>.handout.pdf
PDF_SUFFIXES = {"pdf": ".pdf", "handout": ".handout.pdf"}


@dataclass
class Written:
    path: Path
    what: str  # e.g. "26 slides"


@dataclass
class ToConvert:
    """A job that asked for PDFs: the deck LibreOffice reads, where each PDF goes, and the
    job's other outputs, staged until its PDFs are made (then all are written, or none)."""

    deck: Path
    targets: dict[str, Path]  # "pdf" | "handout" -> output path
    slides: int
    source: Path  # the content file, for errors
    staged: list[tuple[Path, Path, str]] = field(default_factory=list)  # (staged, final, what)


@dataclass
class BuildResult:
    written: list[Written] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    infos: list[Diagnostic] = field(default_factory=list)  # what deckgen decided (a language)
    to_convert: list[ToConvert] = field(default_factory=list)
    # Bugs met while building a file: (the error, with its file, as a message; the
    # traceback), reported with exit code 3 instead of losing the other files' outputs.
    crashes: list[tuple[Diagnostic, str]] = field(default_factory=list)


def content_files(paths: Iterable[Path], root: Path) -> list[Path]:
    """The Markdown files to build: the given files and folders, or every content/*.md."""
    given = list(paths)
    if not given:
        return _markdown_in(root / "content")
    files: list[Path] = []
    for path in given:
        if path.is_dir():
            files.extend(_markdown_in(path))
        else:
            files.append(path)
    return files


def _markdown_in(folder: Path) -> list[Path]:
    """The content files of a folder: Markdown (.md) and Quarto (.qmd) files."""
    return sorted([*folder.glob("*.md"), *folder.glob("*.qmd")])


class ThemeCache:
    """Each theme loaded and validated once, with one measurer (font caches) per theme."""

    def __init__(self, root: Path, result: BuildResult):
        self.root = root
        self.result = result
        self.themes: dict[str, Theme | InputError] = {}
        self.measurers: dict[str, Measurer] = {}
        self.environments: dict[str, object] = {}
        self.warned: set[str] = set()  # themes whose loading gave warnings (for --strict)

    def get(self, name: str, doc: Document | None = None) -> Theme | None:
        """The theme, or None after reporting why it cannot be used. A theme named in a
        document's front matter that does not exist is that document's error (path:line);
        a broken theme is reported once, at its own file."""
        if name not in self.themes:
            try:
                theme, warnings = load_theme(name, self.root)
                # What can fail when drawing on the template fails here, for the build and
                # the check alike, before any file is built with it.
                probe_template(theme)
                self.result.warnings.extend(warnings)
                if warnings:
                    self.warned.add(name)
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

    def theme_of(self, doc: Document, strict: bool = False) -> str | None:
        """The theme a document is built in without --theme: its front matter's when it is a
        deckgen theme; a theme meant for another tool (beamer's Warsaw, Marp's gaia) gives
        the project's default theme and a warning (an error under --strict)."""
        name = doc.meta.theme
        if name == DEFAULT_THEME or "theme" not in doc.meta.lines:
            return name if self.get(name, doc) is not None else None
        if name not in self.themes:
            self._missing(name)
        found = self.themes.get(name)
        if not isinstance(found, ThemeNotFound):
            return name if isinstance(found, Theme) else None
        message = (
            f"{found.diagnostics[0].message}; built with the '{DEFAULT_THEME}' theme (a theme "
            "of another tool, such as beamer's or Marp's, does not apply to deckgen)"
        )
        line = doc.meta.lines.get("theme")
        if strict:
            self.result.errors.append(Diagnostic(doc.path, line, message))
            return None
        self.result.warnings.append(Diagnostic(doc.path, line, message, "warning"))
        return DEFAULT_THEME if self.get(DEFAULT_THEME, doc) is not None else None

    def _missing(self, name: str) -> bool:
        """Load `name` without reporting it missing (theme_of says so itself); whether it
        could not be loaded."""
        try:
            theme, warnings = load_theme(name, self.root)
        except ThemeNotFound as exc:
            self.themes[name] = exc
            return True
        except InputError as exc:
            self.themes[name] = exc
            self.result.errors.extend(exc.diagnostics)
            return True
        self.result.warnings.extend(warnings)
        if warnings:
            self.warned.add(name)
        self.themes[name] = theme
        self.measurers[name] = Measurer(theme.fonts.faces)
        return False

    def email_environment(self, name: str):
        """The theme's Jinja environment, built once per build."""
        from .render.email import environment  # Jinja2, css-inline, nh3: newsletter only

        if name not in self.environments:
            self.environments[name] = environment(self.themes[name])  # type: ignore[arg-type]
        return self.environments[name]


def load_document(
    path: Path, root: Path, result: BuildResult, remote: RemotePictures | None = None
) -> Document | None:
    """Read one file; its problems go to `result`. Its pictures must stay inside the root
    found from the file itself (`reading.project.content_root`): a deck elsewhere builds
    with the pictures beside it. A file inside `root`, the project deckgen runs in, may use
    any picture of that project."""
    own = content_root(path)
    if own.is_relative_to(root.resolve()):
        own = root.resolve()
    if remote is None:  # check, preview, send: what a build downloaded, nothing more
        remote = remote_pictures(root / "build", offline=True)
    try:
        doc, warnings = read_document(path, own, remote=remote, infos=result.infos)
    except InputError as exc:
        result.errors.extend(exc.diagnostics)
        return None
    result.warnings.extend(warnings)
    return typography.apply(doc)


def remote_pictures(out_dir: Path, offline: bool) -> RemotePictures:
    """Remote pictures fetched once, into the build folder's cache."""
    return RemotePictures(out_dir / ".deckgen" / "pictures", offline=offline)


def build(
    paths: Iterable[Path] = (),
    themes: Iterable[str] = (),
    out_dir: Path | None = None,
    formats: Iterable[str] = FORMATS,
    root: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    on_written: Callable[[Written], None] | None = None,
    strict: bool = False,
    offline: bool = False,
) -> BuildResult:
    """Build every output for every content file and theme. Never raises `InputError`:
    problems are collected in the result. With `strict`, a warning stops what it concerns
    as an error would: nothing is written for a file, a theme or (settings) the build.
    With `offline`, remote pictures come only from the cache (else a placeholder)."""
    with _few_gc_passes():
        return _build(
            paths, themes, out_dir, formats, root, progress, on_written, strict, offline
        )


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
    strict: bool = False,
    offline: bool = False,
) -> BuildResult:
    root = (root or find_project_root(Path.cwd() / "pyproject.toml")).resolve()
    out_dir = out_dir if out_dir is not None else root / "build"
    formats = tuple(formats)
    result = BuildResult()
    cache = ThemeCache(root, result)
    settings = load_build_settings(root, formats, result)
    if settings is None or (strict and result.warnings):
        return result
    names = theme_list(themes, root)
    # Parse each file once, whatever the number of themes.
    docs = []
    remote = remote_pictures(out_dir, offline)
    for path in content_files(paths, root):
        before = len(result.warnings)
        doc = load_document(path, root, result, remote)
        if doc is not None and not (strict and len(result.warnings) > before):
            docs.append(doc)
    build_documents(
        docs,
        names,
        cache,
        settings,
        root,
        out_dir,
        formats,
        result,
        progress,
        on_written,
        strict=strict,
    )
    return result


def load_build_settings(
    root: Path, formats: tuple[str, ...], result: BuildResult
) -> Settings | None:
    """The [tool.deckgen] settings a build needs (None after reporting why they are bad)."""
    settings = Settings()
    if "newsletter" in formats:
        try:
            settings, warnings = load_settings(root)
            result.warnings.extend(warnings)
        except InputError as exc:
            result.errors.extend(exc.diagnostics)
            return None
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
    return settings


def theme_list(themes: Iterable[str], root: Path) -> list[str]:
    """The --theme names, 'all' expanded to every theme of the project and of deckgen."""
    names = list(themes)
    if "all" in names:
        names = [name for name, _, _ in theme_names(root)]
    return names


def build_documents(
    docs: list[Document],
    names: list[str],
    cache: ThemeCache,
    settings: Settings,
    root: Path,
    out_dir: Path,
    formats: tuple[str, ...],
    result: BuildResult,
    progress: Callable[[str, int, int], None] | None = None,
    on_written: Callable[[Written], None] | None = None,
    parallel: bool = True,
    strict: bool = False,
) -> None:
    """Build parsed documents, each in `names` (or its front matter's theme), into `result`.

    `cache` may outlive one build (``deckgen build --watch`` keeps themes warm); it reports
    theme problems into `cache.result`."""
    jobs = []  # every theme loaded and checked once, here
    for doc in docs:
        if names:
            jobs += [(doc, name) for name in names if cache.get(name, doc) is not None]
        else:
            name = cache.theme_of(doc, strict)
            if name is not None:
                jobs.append((doc, name))
    if strict:  # a theme with warnings is not built with
        jobs = [(doc, name) for doc, name in jobs if name not in cache.warned]
    if "newsletter" in formats:  # compile each theme's email templates once, report once
        broken = set()
        for name in dict.fromkeys(name for _, name in jobs):
            try:
                cache.email_environment(name)
            except InputError as exc:
                result.errors.extend(exc.diagnostics)
                broken.add(name)
        jobs = [(doc, name) for doc, name in jobs if name not in broken]

    def collect(outcome: BuildResult) -> None:
        result.errors.extend(outcome.errors)
        result.warnings.extend(outcome.warnings)
        result.crashes.extend(outcome.crashes)
        for item in outcome.written:
            result.written.append(item)
            if on_written is not None:
                on_written(item)

    if not any(f in formats for f in PDF_FORMATS) or not jobs:
        for outcome in run_jobs(
            cache, settings, root, out_dir, formats, jobs, progress, parallel, strict
        ):
            collect(outcome)
        return
    # LibreOffice starts now, while the decks are rendered; a missing LibreOffice stops
    # the build before anything is written (ClientError: one line saying what to install).
    with clients.PdfExport() as export, _work_folder(out_dir) as work:
        handed: list[tuple[ToConvert, clients.PdfJob]] = []

        def hand_over(outcome: BuildResult) -> None:
            for item in outcome.to_convert:
                job = clients.PdfJob(
                    item.deck,
                    **{
                        {"pdf": "slides"}.get(kind, kind): work
                        / f"{len(handed)}{PDF_SUFFIXES[kind]}"
                        for kind in item.targets
                    },
                )
                export.add(job)
                handed.append((item, job))

        for outcome in run_jobs(
            cache, settings, root, out_dir, formats, jobs, progress, parallel, strict,
            on_outcome=hand_over, convert_dir=work,
        ):  # fmt: skip
            collect(outcome)
        problems = export.finish(clients.pdf_timeout(sum(i.slides for i, _ in handed)))
        for (item, job), problem in zip(handed, problems, strict=True):
            if problem is not None:
                result.errors.append(
                    Diagnostic(
                        item.source,
                        None,
                        f"LibreOffice could not make the PDF of {item.deck.name}: {problem}; "
                        "nothing was written for it (its previous outputs are as they were)",
                    )
                )
                continue
            # The PDFs are made: now the job's outputs are written, all of them together.
            made = {"pdf": job.slides, "handout": job.handout}
            outputs = list(item.staged)
            for kind, target in item.targets.items():
                what = f"{item.slides} pages" + (
                    ", each slide with its notes" if kind == "handout" else ""
                )
                outputs.append((made[kind], target, what))  # type: ignore[arg-type]
            for staged, target, what in outputs:
                write_bytes_atomic(target, staged.read_bytes())
                collect(BuildResult(written=[Written(target, what)]))


@contextlib.contextmanager
def _work_folder(out_dir: Path):
    """A private folder for the decks and PDFs on their way (removed afterwards)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="deckgen-build-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_jobs(
    cache: ThemeCache,
    settings: Settings,
    root: Path,
    out_dir: Path,
    formats: tuple[str, ...],
    jobs: list[tuple[Document, str]],
    progress: Callable[[str, int, int], None] | None = None,
    parallel: bool = True,
    strict: bool = False,
    on_outcome: Callable[[BuildResult], None] | None = None,
    convert_dir: Path | None = None,
) -> list[BuildResult]:
    """Build each (document, theme) pair, whose theme is loaded in `cache`; one result per
    pair, in order, each given to `on_outcome` as soon as it is there. With PDF formats,
    each pair's outputs are staged in `convert_dir` until LibreOffice has made its PDFs."""
    job = _Job(cache, settings, root, out_dir, formats, strict, convert_dir)
    workers = min(os.cpu_count() or 1, len(jobs)) if parallel else 1
    outcomes: list[BuildResult] = []
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        # Several themes or files: one process per core. Forked workers share the parsed
        # documents and loaded themes (nothing is pickled but the results).
        global _JOBS
        _JOBS = (job, jobs)
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
            for outcome in pool.map(_run_job, range(len(jobs))):
                outcomes.append(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)
        _JOBS = None
        return outcomes
    for doc, name in jobs:
        outcomes.append(job.run_safely(doc, name, progress))
        if on_outcome is not None:
            on_outcome(outcomes[-1])
    return outcomes


_JOBS: tuple[_Job, list] | None = None


def _run_job(index: int) -> BuildResult:
    assert _JOBS is not None
    job, jobs = _JOBS
    doc, name = jobs[index]
    return job.run_safely(doc, name, None)


@dataclass
class _Job:
    """Builds the outputs of one document in one theme (in this process or a worker)."""

    cache: ThemeCache
    settings: Settings
    root: Path
    out_dir: Path
    formats: tuple[str, ...]
    strict: bool = False  # a warning while rendering: nothing written for this pair
    convert_dir: Path | None = None  # with PDF formats: outputs staged here until converted

    def run_safely(
        self, doc: Document, name: str, progress: Callable[[str, int, int], None] | None
    ) -> BuildResult:
        """`run`, with a bug turned into a crash report naming the file and theme: what a
        worker process sends back must pickle (an lxml error does not), and the other
        files still get built."""
        try:
            return self.run(doc, name, progress)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            result = BuildResult()
            message = (
                f"internal error while building it in theme '{name}': "
                f"{type(exc).__name__}: {exc} (rerun with --debug for the traceback, and "
                "please report it)"
            )
            result.crashes.append((Diagnostic(doc.path, None, message), traceback.format_exc()))
            return result

    def run(
        self, doc: Document, name: str, progress: Callable[[str, int, int], None] | None
    ) -> BuildResult:
        result = BuildResult()
        theme = self.cache.themes[name]
        assert isinstance(theme, Theme)
        out_dir, formats = self.out_dir, self.formats
        # Everything is rendered before anything is written: a file with an error in one
        # output (deck or newsletter) keeps all its previous outputs, never a mix.
        pending: list[tuple[Path, Callable, str]] = []
        pdfs = {
            kind: output_path(out_dir, name, doc.stem, PDF_SUFFIXES[kind])
            for kind in PDF_FORMATS
            if kind in formats
        }
        slides = 0
        if "deck" in formats or pdfs:
            try:
                report = None
                if progress is not None:
                    report = lambda n, total: progress(doc.path.name, n, total)  # noqa: E731
                result.warnings.extend(layout_problems(doc, theme))
                overflow: list[Diagnostic] = []
                prs = render_deck(doc, theme, self.cache.measurers[name], report, overflow)
                # What 'deckgen check' calls deck-overflow, said by the build too.
                result.warnings.extend(
                    Diagnostic(d.path, d.line, f"{d.message} (theme {name})", d.severity, d.rule)
                    for d in overflow
                )
            except InputError as exc:
                result.errors.extend(exc.diagnostics)
                return result
            slides = len(prs.slides)
            pending.append(
                (
                    output_path(out_dir, name, doc.stem, ".pptx"),
                    lambda handle, prs=prs: pptx_speed.save(prs, handle),
                    f"{slides} slides",
                )
            )
        if "newsletter" in formats:
            from . import newsletter  # imported only when a newsletter is built

            try:
                outputs = newsletter.build_newsletter(
                    doc,
                    theme,
                    self.cache.email_environment(name),
                    self.settings,
                    self.root,
                    output_path(out_dir, name, doc.stem, ".html"),
                )
            except InputError as exc:
                result.errors.extend(exc.diagnostics)
                return result
            result.warnings.extend(outputs.warnings)
            for suffix, data, what in outputs.files:
                pending.append(
                    (
                        output_path(out_dir, name, doc.stem, suffix),
                        lambda handle, data=data: handle.write(data),
                        what,
                    )
                )
        if self.strict and result.warnings:
            return result
        if not pdfs:
            for target, write, what in pending:
                write_atomic(target, write)
                result.written.append(Written(target, what))
            return result
        # PDFs asked for: every output is staged beside the deck LibreOffice reads, and
        # written only once the PDFs are made, so a failed conversion leaves the previous
        # outputs of this file as they were, never a new deck beside an old PDF.
        assert self.convert_dir is not None
        item = ToConvert(Path(), pdfs, slides, doc.path)
        for target, write, what in pending:
            staged = self.convert_dir / name / target.name
            write_atomic(staged, write)
            if target.suffix == ".pptx":
                item.deck = staged
            if "deck" in formats or target.suffix != ".pptx":
                item.staged.append((staged, target, what))
        result.to_convert.append(item)
        return result
