"""Reading one content file, stage by stage:

text (`source`) -> front matter (`frontmatter`) -> dialect (`dialects.detect`) -> the
dialect's stages and the common ones, rewriting the body (`dialects`, on a `body.Body`) ->
Python-Markdown's element tree (`mdext`) -> the model (`tree`) -> its language
(`language`, when neither the front matter nor [tool.deckgen] gives one).

Every problem of the file is collected (`errors.Collector`) and raised together as one
`InputError`, each with ``path:line``: a bad front matter does not hide the body's problems.
Warnings (and info lines, severity ``info``) are returned beside the document.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..errors import Collector, Diagnostic, InputError
from ..model import Document, Heading, ListBlock, Paragraph, Quote, Table, plain_text, walk
from .body import Body
from .dialects import Context, detect, run_stages
from .frontmatter import LANG_TAG, load_front_matter, parse_meta, split_front_matter
from .language import guess_language
from .pictures import PictureLoader
from .project import content_root
from .source import read_text
from .tree import TreeReader

FALLBACK_LANG = "en-US"


def read_document(
    path: Path,
    root: Path | None = None,
    remote=None,
    infos: list[Diagnostic] | None = None,
) -> tuple[Document, list[Diagnostic]]:
    """Read and check one content file. Returns the document and its warnings; what
    deckgen decided for the author (the dialect, a guessed language) goes to `infos`.

    `root` is the folder its pictures must stay inside (default: found from the file,
    `project.content_root`); `remote` (a `remote.RemotePictures`) fetches http(s) pictures,
    None shows them as placeholders. Raises `InputError` carrying every error of the file.
    """
    report = Collector(path)
    root = (root or content_root(path)).resolve()
    text = read_text(path)
    lines = text.split("\n")
    fm_lines, body_start = split_front_matter(lines, report)
    data, key_lines = load_front_matter(fm_lines, report) if fm_lines is not None else ({}, {})
    body_lines = lines[body_start:]
    dialect, why = detect(data, body_lines, path)
    if why:
        report.info(f"read as {dialect.label} ({why})", 1, "dialect")
    ctx = Context(path, report, data, key_lines, dialect=dialect.name)
    body = Body(body_lines, body_start + 1)
    run_stages(dialect, body, ctx)
    meta = parse_meta(data, key_lines, report, dialect, path, ctx.meta_updates)
    if ctx.slide_level and "slide_level" not in data:
        meta = replace(meta, slide_level=ctx.slide_level)
    if not any(line.strip() for line in body_lines) and not meta.title:
        report.error("the file has no content: write a title in front matter and some slides", 1)
        report.raise_if_errors()
    pictures = PictureLoader(path, root, report, remote, dialect.public_folder)
    doc = TreeReader(path, body, meta, report, dialect, ctx, pictures).build()
    if "lang" not in meta.lines:
        doc = _with_language(doc, root, report)
    else:
        doc = replace(doc, meta=replace(doc.meta, lang_source="front matter"))
    if infos is not None:
        infos.extend(report.infos)
    report.raise_if_errors()
    return doc, report.warnings


def _with_language(doc: Document, root: Path, report: Collector) -> Document:
    """The language of [tool.deckgen], else the one the text is written in."""
    from ..config import load_settings

    try:
        settings, _ = load_settings(root)
        configured = settings.lang
    except InputError:
        configured = ""  # the build reports the settings' problems, once
    if configured and LANG_TAG.match(configured):
        return replace(doc, meta=replace(doc.meta, lang=configured, lang_source="settings"))
    guessed = guess_language(document_text(doc))
    if guessed is None:
        report.info(
            f"too little text to tell its language: {FALLBACK_LANG} is used (write lang: in "
            "the front matter)",
            1,
            "lang-guessed",
        )
        return replace(doc, meta=replace(doc.meta, lang=FALLBACK_LANG, lang_source="default"))
    report.info(
        f"no lang in the front matter: the text reads as {guessed} (write lang: to choose)",
        1,
        "lang-guessed",
    )
    return replace(doc, meta=replace(doc.meta, lang=guessed, lang_source="guessed"))


def document_text(doc: Document) -> str:
    """The words of a document (titles, paragraphs, lists, tables, notes), for guessing."""
    parts = [doc.meta.title, doc.meta.subtitle]
    for slide in doc.slides:
        if slide.title:
            parts.append(plain_text(slide.title))
        for output in ("deck", "newsletter"):
            for block in walk((*slide.blocks, *slide.notes), output):  # type: ignore[arg-type]
                if isinstance(block, Paragraph | Heading):
                    parts.append(plain_text(block.runs))
                elif isinstance(block, Table):
                    parts.extend(plain_text(c) for row in (block.header, *block.rows) for c in row)
                elif isinstance(block, ListBlock | Quote):
                    continue
    return "\n".join(p for p in parts if p)
