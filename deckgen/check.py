"""``deckgen check``: one report on the deck, the email, the theme and the typography.

Everything is checked as it will be built, with nothing written: each file is parsed once,
each theme loaded once, each deck planned (not drawn) and each newsletter rendered per
theme. A finding has a rule id, a severity, and the file and line at fault:

- ``error``: the output is broken (text that still does not fit, a link to a missing file,
  a newsletter Gmail will clip, a file deckgen cannot read);
- ``warning``: the output works but a reader will suffer (no alt text, a blurry picture, a
  feature Outlook drops, low contrast, French spacing);
- ``info``: deckgen fixed it for you (text shrunk, a slide split).

The rules are listed in `RULES`; the JSON form (`CheckReport.to_json`) is versioned and
documented in the README, for CI.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .build import BuildResult, ThemeCache, content_files, load_document, theme_list
from .config import Settings, load_settings
from .errors import Diagnostic, InputError, display_path, location
from .model import (
    Block,
    Chart,
    Document,
    Heading,
    Image,
    Inline,
    ListBlock,
    Paragraph,
    Quote,
    Table,
    walk,
)
from .themes import Theme
from .themes.contrast import contrast_ratio

JSON_VERSION = 1
SEVERITIES = ("error", "warning", "info")

RULES: dict[str, tuple[str, str]] = {
    # rule id: (severity, what it means)
    "input": ("error", "a file deckgen cannot read or build (content, theme, settings)"),
    "input-warning": ("warning", "a questionable setting (unknown key, ...)"),
    "picture-missing": ("error", "a picture that is missing, outside the project or unreachable"),
    "layout-unknown": ("warning", "a slide names a layout its theme's template does not have"),
    "dialect": ("info", "the dialect (pandoc, Marp, remark, Slidev) a file was read as"),
    "lang-guessed": ("info", "the language deckgen found in a file without lang"),
    "deck-overflow": ("error", "text that still does not fit its box on a slide"),
    "deck-shrunk": ("info", "text made smaller than the theme's body size to fit"),
    "deck-split": ("info", "a slide continued on more slides ('(suite)')"),
    "slide-no-title": ("warning", "a content slide without a title"),
    "slide-no-notes": ("warning", "a content slide without speaker notes, in a deck with notes"),
    "image-no-alt": ("warning", "a picture without alt text"),
    "image-blurry": ("warning", "a picture shown larger than its pixels (blurry when projected)"),
    "chart-mixed-units": ("warning", "series of one chart in different units on one axis"),
    "email-clipped": ("error", "a newsletter over Gmail's 102 KB clip"),
    "email-size": ("warning", "a newsletter close to Gmail's 102 KB clip"),
    "email-client": ("warning", "HTML or CSS that Outlook, Gmail or Apple Mail does not support"),
    "email-no-preheader": ("warning", "no preheader: the inbox shows the first words instead"),
    "email-subject-long": ("warning", "a subject over 78 characters, cut in most inboxes"),
    "link-missing-file": ("error", "a link to a local file that does not exist"),
    "theme-contrast": (
        "warning",
        "the theme's colours below WCAG AA contrast (4.5:1) (newsletter; deckgen's templates)",
    ),
    "theme-contrast-fixed": (
        "info",
        "a template's text colour that does not read on its background: deckgen draws "
        "another that does",
    ),
    "theme-layout": (
        "warning",
        "a template layout deckgen cannot use as it is (its own boxes instead), or a name "
        "found in several masters",
    ),
    "theme-font-missing": ("warning", "no font files to measure a theme font with"),
    "pdf-font": ("warning", "a theme font LibreOffice does not have: the PDF would use another"),
    "fr-space": ("warning", "an ordinary space where French wants a no-break space"),
    "fr-quotes": ("warning", "English quotes in French text, where « » are expected"),
}

# The features the default templates use knowingly, each harmless where it is unsupported
# (the clients checked: caniemail.DEFAULT_CLIENTS, Outlook, Gmail and Apple Mail).
EMAIL_ALLOWED = frozenset(
    {
        "html-doctype",  # Outlook for Windows ignores it; the tables render the same
        "css-at-media",  # phone rules only; desktop Outlook ignores them
        "css-max-height",  # the hidden preheader: Outlook hides it with mso-hide:all
        "css-opacity",
        "css-overflow",
    }
)
SUBJECT_MAX = 78
PX_PER_EMU = 96 / 914400  # pixels at 96 dpi, the size a picture must have to look sharp
BLUR_RATIO = 0.75  # shown up to 1/0.75 = 133 % of its pixels is still acceptable


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: str  # error | warning | info
    path: Path | None
    line: int | None
    theme: str | None
    message: str

    def __str__(self) -> str:
        where = location(self.path, self.line)
        theme = f" [{self.theme}]" if self.theme else ""
        return f"{where}{self.severity}: {self.message} ({self.rule}){theme}"


@dataclass
class CheckReport:
    root: Path
    findings: list[Finding] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def exit_code(self, strict: bool = False) -> int:
        if self.count("error") or (strict and self.count("warning")):
            return 1
        return 0

    def to_json(self) -> dict:
        """The stable form (see the README): paths relative to the project root."""

        def rel(path: Path | None) -> str | None:
            if path is None:
                return None
            try:
                return path.resolve().relative_to(self.root).as_posix()
            except ValueError:
                return path.as_posix()

        return {
            "version": JSON_VERSION,
            "files": [rel(p) for p in self.files],
            "themes": list(self.themes),
            "summary": {s: self.count(s) for s in SEVERITIES},
            "findings": [
                {
                    "rule": f.rule,
                    "severity": f.severity,
                    "path": rel(f.path),
                    "line": f.line,
                    "theme": f.theme,
                    "message": f.message,
                }
                for f in self.findings
            ],
        }


def run_check(paths: Iterable[Path], themes: Iterable[str], root: Path) -> CheckReport:
    """Check every content file in every theme asked for (its front matter's when none;
    'all' for every theme). Never raises for bad input: problems are findings."""
    root = root.resolve()
    report = CheckReport(root)
    out: list[Finding] = report.findings
    try:
        settings, warnings = load_settings(root)
        out.extend(_from_diagnostics(warnings, None))
    except InputError as exc:
        out.extend(_from_diagnostics(exc.diagnostics, None))
        settings = Settings()
    names = theme_list(themes, root)
    result = BuildResult()
    cache = ThemeCache(root, result)
    pdf_checked: set[str] = set()  # themes whose fonts were checked for PDFs (once each)
    for path in content_files(paths, root):
        report.files.append(path)
        before = len(result.errors), len(result.warnings)
        infos = len(result.infos)
        doc = load_document(path, root, result)  # as the build reads it
        out.extend(_from_diagnostics(result.errors[before[0] :], None))
        out.extend(_from_diagnostics(result.warnings[before[1] :], None))
        out.extend(_from_diagnostics(result.infos[infos:], None))
        if doc is None:
            continue
        out.extend(_typography(doc))
        out.extend(_document(doc, root))
        for name in names or [doc.meta.theme]:
            before = len(result.errors), len(result.warnings)
            theme = cache.get(name, doc)
            # A theme's own problems are reported once, when it is first loaded.
            out.extend(_from_diagnostics(result.errors[before[0] :], name))
            out.extend(_from_diagnostics(result.warnings[before[1] :], name))
            if theme is None:
                continue
            if name not in report.themes:
                report.themes.append(name)
                out.extend(_drawn_contrast(theme, name))
            out.extend(_deck(doc, theme, name, cache))
            if name not in pdf_checked:
                pdf_checked.add(name)
                out.extend(_pdf_fonts(theme))
            try:
                env = cache.email_environment(name)
            except InputError as exc:
                if not any(f.rule == "input" and f.theme == name for f in out):
                    out.extend(_from_diagnostics(exc.diagnostics, name))
                continue
            out.extend(_email(doc, theme, env, settings, root))
    out.sort(key=lambda f: (str(f.path or ""), f.line or 0, f.rule, f.theme or ""))
    return report


# --- where findings come from --------------------------------------------------------------


def _from_diagnostics(diagnostics: Iterable[Diagnostic], theme: str | None) -> list[Finding]:
    found = []
    for d in diagnostics:
        rule = d.rule if d.rule in RULES else ("input-warning" if d.severity == "warning" else "input")
        found.append(Finding(rule, RULES[rule][0], d.path, d.line, theme, d.message))
    return found


def _finding(rule: str, doc: Document, line: int | None, message: str, theme: str | None = None):
    return Finding(rule, RULES[rule][0], doc.path, line or None, theme, message)


def _deck(doc: Document, theme: Theme, name: str, cache: ThemeCache) -> Iterator[Finding]:
    from .render.deck import layout_problems, overflow_warnings, plan_deck
    from .render.plan import ImageFrame

    for problem in layout_problems(doc, theme):
        yield _finding("layout-unknown", doc, problem.line, problem.message, name)
    try:
        planner = plan_deck(doc, theme, cache.measurers[name])
    except InputError as exc:
        yield from _from_diagnostics(exc.diagnostics, name)
        return
    planned = planner.plan()
    pages: dict[int, int] = {}
    for slide in planned:
        pages[slide.line] = pages.get(slide.line, 0) + 1
    reported: set[tuple[str, int]] = set()
    # The same findings the build prints (render.deck.overflow_warnings).
    for d in overflow_warnings(doc, theme, planner, planned):
        yield _finding("deck-overflow", doc, d.line, d.message, name)
    for slide in planned:
        if slide.shrunk and ("shrunk", slide.line) not in reported:
            reported.add(("shrunk", slide.line))
            yield _finding(
                "deck-shrunk",
                doc,
                slide.line,
                f"text made smaller than {theme.sizes.body:g} pt to fit",
                name,
            )
        if pages[slide.line] > 1 and ("split", slide.line) not in reported:
            reported.add(("split", slide.line))
            yield _finding(
                "deck-split",
                doc,
                slide.line,
                f"continued on {pages[slide.line]} slides; a '---' line chooses where it splits",
                name,
            )
        for frame in slide.frames:
            if isinstance(frame, ImageFrame):
                asset = doc.assets[frame.asset]
                needed = round(frame.rect.w * PX_PER_EMU)
                if asset.width < needed * BLUR_RATIO and ("blur", slide.line) not in reported:
                    reported.add(("blur", slide.line))
                    yield _finding(
                        "image-blurry",
                        doc,
                        _image_line(doc, slide.line, frame.asset),
                        f"'{asset.source.name}' is {asset.width} px wide but shown "
                        f"{needed} px wide: it will look blurry; use a picture at least "
                        f"{needed} px wide",
                        name,
                    )


def _drawn_contrast(theme: Theme, name: str) -> Iterator[Finding]:
    """The template's own text colours that do not read on the background they are drawn on
    (titles, text, subtitles, footers of each layout the theme uses), and what deckgen draws
    instead: what the slides show, not the theme's colours against white."""
    from .render.palette import Palette
    from .themes.contrast import AA_TEXT, worst_ratio

    info = theme.template_info
    if info is None or not theme.client_template:
        return  # deckgen's own templates: their colours are the theme's, checked on loading
    rule = "theme-contrast-fixed"
    background = theme.colors.background
    for key, color in theme.email_colors.items():
        original = getattr(theme.colors, key)
        what = {"primary": "titles, links and table headers", "text": "text"}.get(key, key)
        yield Finding(
            rule,
            RULES[rule][0],
            theme.template_path,
            None,
            name,
            f"in the newsletter, the template's {what} (#{original} on #{background}) read at "
            f"{contrast_ratio(original, background):.1f}:1, under WCAG AA's 4.5:1; the "
            f"newsletter uses #{color} (set [colors] {key} in theme.toml to choose)",
        )
    told: set[tuple[str, int]] = set()
    said: set[str] = set()
    for kind, key in theme.layouts.items():
        layout = info.find(key)
        palette = Palette(theme, layout)
        boxes = theme.boxes.get(kind)
        if boxes is None:
            continue
        roles = [
            (boxes.title_placeholder, boxes.title, "titles"),
            (boxes.body_placeholder(0), boxes.bodies[0] if boxes.bodies else None, "text"),
            (boxes.subtitle_placeholder, boxes.subtitle, "subtitles"),
        ]
        roles += [(p.n, p.rect, "footers") for p in layout.of_type("ftr", "sldNum")]
        for n, rect, what in roles:
            if n is None or rect is None or (key, n) in told:
                continue
            ph = layout.placeholders[n]
            if ph.color is None:
                continue
            behind = palette.behind(rect, ph.fill)
            ratio = worst_ratio(ph.color, behind)
            if ratio >= AA_TEXT:
                continue
            told.add((key, n))
            ink = palette.in_placeholder(ph, rect)
            instead = f"deckgen draws them in #{ink.color}" if ink.color else "deckgen keeps them"
            if ink.fill:
                instead += f" on a #{ink.fill} box"
            worst = min(behind, key=lambda b: contrast_ratio(ph.color, b))
            message = (
                f"layout '{key}': the template's {what} (#{ph.color} on #{worst}) read at "
                f"{ratio:.1f}:1, under WCAG AA's 4.5:1; {instead}"
            )
            if message in said:
                continue
            said.add(message)
            rule = "theme-contrast-fixed"
            yield Finding(rule, RULES[rule][0], theme.template_path, None, name, message)


def _image_line(doc: Document, slide_line: int, key: str) -> int:
    for slide in doc.slides:
        if slide.line == slide_line:
            for block in walk(slide.blocks, "deck"):
                if isinstance(block, Image) and block.asset == key:
                    return block.line
    return slide_line


def _pdf_fonts(theme: Theme) -> Iterator[Finding]:
    """Theme fonts that LibreOffice (PDFs, handouts, previews) does not have, nor their
    metric-compatible twin: it would draw them in another font, wider or narrower than the
    one deckgen measured with, so text may overflow or wrap elsewhere than in the deck.
    A font deckgen has no files for is already a theme-font-missing warning."""
    from .clients import libreoffice_fonts
    from .themes.fonts import METRIC_TWINS

    installed = libreoffice_fonts()
    if installed is None:  # no fontconfig: no LibreOffice to make PDFs with either
        return
    faces = theme.fonts.faces
    for family in dict.fromkeys((theme.fonts.heading, theme.fonts.body, theme.fonts.mono)):
        twin = METRIC_TWINS.get(family.lower(), "")
        face = faces.get(family)
        if family.lower() in installed or twin.lower() in installed:
            continue
        if face is None or "(fallback)" in face.source:
            continue
        path, line = _font_source(theme, family)
        yield Finding(
            "pdf-font",
            RULES["pdf-font"][0],
            path,
            line,
            theme.name,
            f"LibreOffice does not have the font '{family}': PDFs and handouts would show "
            "another font, and text may not fit as it does in the deck; install the font on "
            "this machine (fc-list must list it) or choose one it has",
        )


def _font_source(theme: Theme, family: str) -> tuple[Path | None, int | None]:
    """The theme.toml (or corporate template) that names a font, and the line."""
    toml = theme.folder / "theme.toml"
    if toml.is_file():
        for number, text in enumerate(toml.read_text(encoding="utf-8").splitlines(), start=1):
            if re.match(rf"""\s*(heading|body|mono)\s*=\s*["']{re.escape(family)}["']""", text):
                return toml, number
        return toml, None
    return theme.template_path, None


UNIT_IN_NAME = re.compile(r"\(([^()]+)\)\s*$|\ben\s+(%|[^\s]+)\s*$")


def _document(doc: Document, root: Path) -> Iterator[Finding]:
    """What does not depend on the theme: titles, notes, alt text, chart units, links,
    the email's subject and preheader."""
    with_notes = any(s.notes for s in doc.slides)
    for slide in doc.slides:
        content = slide.kind == "content"
        if content and not slide.title and not slide.continued:
            yield _finding(
                "slide-no-title", doc, slide.line, "a content slide without a title: add '## Title'"
            )
        if content and with_notes and not slide.notes and not slide.continued:
            yield _finding(
                "slide-no-notes",
                doc,
                slide.line,
                "no speaker notes on this slide (the others have some): add a '::: notes' block",
            )
        for block in walk(slide.blocks, "deck"):
            if isinstance(block, Image) and not block.alt:
                yield _finding(
                    "image-no-alt",
                    doc,
                    block.line,
                    "picture without alt text: write what it shows, ![what it shows](path)",
                )
            elif isinstance(block, Chart):
                yield from _chart_units(doc, block)
        for runs, line in _inlines(slide.blocks, slide.line):
            for run in runs:
                if run.href:
                    yield from _link(doc, run.href, line, root)
    subject = doc.meta.subject or doc.meta.title
    if len(subject) > SUBJECT_MAX:
        yield _finding(
            "email-subject-long",
            doc,
            doc.meta.lines.get("subject") or doc.meta.lines.get("title"),
            f"the subject is {len(subject)} characters; inboxes cut it after about "
            f"{SUBJECT_MAX}: shorten it",
        )
    if not doc.meta.preheader:
        yield _finding(
            "email-no-preheader",
            doc,
            doc.meta.lines.get("subject") or 1,
            "no preheader: inboxes show the first words of the email instead; add "
            "'preheader: ...' to the front matter",
        )


def _chart_units(doc: Document, chart: Chart) -> Iterator[Finding]:
    """Series whose names state different units ("Ventes (k€)", "Marge (%)") share one
    value axis: the smaller one looks flat and the reader compares apples and pears."""
    units = {}
    for series in chart.series:
        match = UNIT_IN_NAME.search(series.name)
        if match:
            units[series.name] = (match.group(1) or match.group(2)).strip()
    if len(set(units.values())) > 1:
        listed = ", ".join(f"'{name}'" for name in units)
        yield _finding(
            "chart-mixed-units",
            doc,
            chart.line,
            f"series in different units on one axis ({listed}): make one chart per unit",
        )


def _link(doc: Document, href: str, line: int, root: Path) -> Iterator[Finding]:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith("#") or not parts.path:
        return
    target = (doc.path.resolve().parent / unquote(parts.path)).resolve()
    if not target.exists():
        yield _finding(
            "link-missing-file",
            doc,
            line,
            f"link to '{href}', which does not exist (looked for {display_path(target)}); "
            "fix the path, relative to this file",
        )


def _inlines(blocks: Iterable[Block], line: int) -> Iterator[tuple[Inline, int]]:
    """Every piece of inline text of some blocks (both outputs, each block once), with its
    line."""
    seen: set[int] = set()
    for output in ("deck", "newsletter"):
        for block in walk(blocks, output):  # type: ignore[arg-type]
            if id(block) in seen:
                continue
            seen.add(id(block))
            if isinstance(block, Paragraph | Heading):
                yield block.runs, block.line or line
            elif isinstance(block, Table):
                for row in (block.header, *block.rows):
                    for cell in row:
                        yield cell, block.line or line
            elif isinstance(block, ListBlock | Quote):
                continue  # their paragraphs come from walk


def _email(doc: Document, theme: Theme, env, settings: Settings, root: Path) -> Iterator[Finding]:
    from .mail.caniemail import check_html
    from .newsletter import CLIP_WARNING, GMAIL_CLIP, identity
    from .render import email

    settings, sender, view = identity(doc, theme, settings)
    links = email.Links(view=view, unsubscribe=settings.unsubscribe_url)
    html = email.render_email(doc, theme, env, lambda a: "cid:" + a.key, sender, links)
    size = len(html.encode("utf-8"))
    if size > GMAIL_CLIP:
        yield _finding(
            "email-clipped",
            doc,
            None,
            f"the newsletter is {size // 1024} KB: Gmail clips it after {GMAIL_CLIP // 1024} KB "
            "and hides the rest (the unsubscribe link too); shorten it or split it in two",
            theme.name,
        )
    elif size >= CLIP_WARNING:
        yield _finding(
            "email-size",
            doc,
            None,
            f"the newsletter is {size // 1024} KB, close to Gmail's {GMAIL_CLIP // 1024} KB "
            "clip; shorten it",
            theme.name,
        )
    seen = set()
    for f in check_html(html, allow=EMAIL_ALLOWED):
        key = (f.feature, f.client)
        if key in seen:
            continue
        seen.add(key)
        path, line = _template_source(theme, f.title, f.where)
        yield Finding(
            "email-client",
            RULES["email-client"][0],
            path or doc.path,
            line,
            theme.name,
            f"{f.client_name} does not support {f.title} (used in {f.where.strip()[:60]!r}); "
            "it will be ignored there",
        )


def _template_source(theme: Theme, title: str, where: str) -> tuple[Path | None, int | None]:
    """The theme's email template (file, line) that uses a feature, found by its CSS
    declaration ("display:flex" as "display: flex" too) or its tag; (None, None) when the
    feature comes from the content (then the content file is named)."""
    prop, _, value = title.partition(":")
    if value:
        pattern = re.compile(rf"{re.escape(prop.strip())}\s*:\s*{re.escape(value.strip())}", re.I)
    else:
        tag = re.match(r"<\s*([a-zA-Z0-9-]+)", where)
        pattern = re.compile(rf"<\s*{re.escape(tag.group(1))}\b" if tag else re.escape(title), re.I)
    for name, path in sorted(theme.email_template_files.items()):
        source = theme.email_templates.get(name, "")
        match = pattern.search(source)
        if match:
            return path, source.count("\n", 0, match.start()) + 1
    return None, None


# --- French typography -------------------------------------------------------------------

# Checked on the text as deckgen writes it (after its own typography pass), so only what
# it cannot fix by itself is reported.
THOUSANDS = re.compile(r"(?<![\d,.])(\d{1,3})( )(\d{3})(?!\d)")
NUMBER_UNIT = re.compile(r"(\d+)( )(€|k€|M€|\$|km|kg|cm|mm|Mo|Go|h\b|min\b|°C)")
ENGLISH_QUOTES = re.compile("[“”]")


def _typography(doc: Document) -> Iterator[Finding]:
    from .typography import is_french

    if not is_french(doc.meta.lang):
        return
    for slide in doc.slides:
        texts = list(_inlines(slide.blocks, slide.line))
        if slide.title:
            texts.insert(0, (slide.title, slide.line))
        seen: set[tuple[str, int]] = set()
        for runs, line in texts:
            text = "".join(r.text for r in runs if not r.code and not r.href)
            for pattern, fix in (
                (THOUSANDS, "a narrow no-break space (U+202F) between digit groups"),
                (NUMBER_UNIT, "a no-break space (U+00A0) between a number and its unit"),
            ):
                for m in pattern.finditer(text):
                    key = (m.group(0), line)
                    if key in seen:
                        continue
                    seen.add(key)
                    yield _finding(
                        "fr-space",
                        doc,
                        line,
                        f"ordinary space in '{m.group(0)}', where a line may break: French "
                        f"puts {fix}; type it instead of the space",
                    )
            if ENGLISH_QUOTES.search(text) and ("quotes", line) not in seen:
                seen.add(("quotes", line))
                yield _finding(
                    "fr-quotes",
                    doc,
                    line,
                    'English quotes “ ” in French text: use « » (or type straight quotes "...", '
                    "which deckgen turns into « »)",
                )


def format_text(report: CheckReport) -> str:
    """The report for people: one line per finding, then a summary."""
    lines = [str(f) for f in report.findings]
    lines.append(
        f"checked {len(report.files)} file(s) in {len(report.themes)} theme(s): "
        f"{report.count('error')} error(s), {report.count('warning')} warning(s), "
        f"{report.count('info')} info"
    )
    return "\n".join(lines)
