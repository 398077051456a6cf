"""``deckgen send --attach handout|pdf``: the follow-up to a training's attendees.

After the training, each participant gets the newsletter version of the same source,
personalised like any campaign, with the slides attached as a PDF: the handout (each slide
with the speaker notes beneath) or the slides alone. The PDF is the one ``deckgen build
--format handout|pdf`` writes into ``build/<theme>/``: built first when it is missing or
older than what it is made of (the content file, its pictures, the theme folders, the
settings), once per run, never per recipient; the prepared message carries it
(`mail.copies.MessageCopies`), so each copy reuses its encoded bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..build import PDF_SUFFIXES, BuildResult, ThemeCache, build, load_document
from ..errors import InputError
from ..mail.message import Attachment, size_problem
from ..output import output_path
from ..themes import find_theme

KINDS = tuple(PDF_SUFFIXES)  # "pdf", "handout"


@dataclass(frozen=True)
class TrainingPdf:
    path: Path
    built: bool  # made by this run (else it was up to date)
    attachment: Attachment


def training_pdf(
    content: Path, theme_name: str | None, kind: str, root: Path, out_dir: Path | None = None
) -> TrainingPdf:
    """The training's PDF of `kind` for attaching, built now if it is not up to date.
    Raises `InputError` with the build's problems (or `clients.ClientError` without
    LibreOffice)."""
    result = BuildResult()
    doc = load_document(content, root, result)
    if doc is None:
        raise InputError.many(result.errors)
    theme_name = theme_name or doc.meta.theme
    theme = ThemeCache(root, result).get(theme_name, doc)
    if theme is None:
        raise InputError.many(result.errors)
    out_dir = out_dir if out_dir is not None else root / "build"
    target = output_path(out_dir, theme_name, doc.stem, PDF_SUFFIXES[kind])
    inputs = [content, root / "pyproject.toml", *(a.source for a in doc.assets.values())]
    for name in (theme_name, *theme.parents):
        inputs += [p for p in find_theme(name, root).rglob("*") if p.is_file()]
    built = not _newer_than(target, inputs)
    if built:
        made = build([content], [theme_name], out_dir, (kind,), root)
        if made.errors:
            raise InputError.many(made.errors)
    attachment = Attachment(target.name, target.read_bytes(), "application/pdf")
    return TrainingPdf(target, built, attachment)


def _newer_than(target: Path, inputs: list[Path]) -> bool:
    if not target.is_file():
        return False
    made = target.stat().st_mtime_ns
    return all(not p.exists() or p.stat().st_mtime_ns < made for p in inputs)


def check_size(size: int) -> str | None:
    """A warning to print for a message of `size` bytes; raises `InputError` above the
    relays' limit (nothing is sent)."""
    problem = size_problem(size)
    if problem is None:
        return None
    severity, message = problem
    if severity == "error":
        raise InputError(message + "; nothing was sent")
    return message
