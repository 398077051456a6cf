"""Reading one content file, stage by stage: text -> front matter -> element tree -> model.

Every problem of the file is collected (`errors.Collector`) and raised together as one
`InputError`, each with ``path:line``; warnings are returned beside the document.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import Collector, Diagnostic
from ..model import Document, Meta
from .frontmatter import parse_meta, split_front_matter
from .project import find_project_root
from .source import read_text
from .tree import TreeReader


def read_document(path: Path, root: Path | None = None) -> tuple[Document, list[Diagnostic]]:
    """Read and check one content file. Returns the document and its warnings.

    Raises `InputError` carrying every error found in the file.
    """
    report = Collector(path)
    root = (root or find_project_root(path)).resolve()
    text = read_text(path)
    lines = text.split("\n")
    fm_lines, body_start = split_front_matter(lines, report)
    meta = parse_meta(fm_lines, report) if fm_lines is not None else Meta()
    report.raise_if_errors()  # without valid front matter the body cannot be read right
    body = lines[body_start:]
    if not any(line.strip() for line in body) and not meta.title:
        report.error("the file has no content: write a title in front matter and some slides", 1)
        report.raise_if_errors()
    doc = TreeReader(path, root, body, body_start, meta, report).build()
    report.raise_if_errors()
    return doc, report.warnings
