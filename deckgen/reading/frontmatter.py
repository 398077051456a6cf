"""Front matter: the YAML block between ``---`` lines at the top of a file -> `Meta`.

Every key is checked (unknown keys are warnings with a "did you mean"), every problem is
reported at its line.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import Collector, did_you_mean
from ..model import Meta
from .dialects import Dialect
from .yamlsource import YamlProblem, key_lines, load_yaml

META_KEYS = (
    "title",
    "subtitle",
    "author",
    "date",
    "lang",
    "theme",
    "slide_level",
    "subject",
    "preheader",
)
LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def split_front_matter(lines: list[str], report: Collector) -> tuple[list[str] | None, int]:
    """(the front matter's lines or None, the index of the body's first line)."""
    if not lines or lines[0].rstrip() != "---":
        return None, 0
    for k in range(1, len(lines)):
        if lines[k].rstrip() in ("---", "..."):
            return lines[1:k], k + 1
    report.error("front matter is not closed: add a line '---' after its last key", 1)
    return None, 0


def load_front_matter(fm: list[str], report: Collector) -> tuple[dict[str, Any], dict[str, int]]:
    """The front matter's mapping and each key's line; ({}, {}) after reporting a problem."""
    text = "\n".join(fm)
    try:
        node, data = load_yaml(text, "front matter")
    except YamlProblem as problem:
        report.error(problem.message, problem.line + 2)
        return {}, {}
    if data is None:
        return {}, {}
    if not isinstance(data, dict) or node is None or not isinstance(node, yaml.MappingNode):
        report.error("front matter must be 'key: value' lines (a YAML mapping)", 2)
        return {}, {}
    return data, key_lines(node, 2)


def parse_meta(
    data: dict[str, Any],
    lines: dict[str, int],
    report: Collector,
    dialect: Dialect,
    path: Path,
    extra: dict[str, Any] | None = None,
) -> Meta:
    """`Meta` from a front matter mapping. Keys other tools use are understood where they
    make sense (a list of authors joined, ``date: today``, Marp's footer) or named in one
    warning; a key nobody uses is a warning with a "did you mean"."""
    values: dict[str, Any] = {}
    lines = dict(lines)
    for key, value in (extra or {}).items():  # pandoc's % title block
        if key == "_lines":
            continue
        if key not in data:
            values[key] = value
            lines[key] = (extra or {}).get("_lines", {}).get(key, 1)
    ignored: list[str] = []
    for key, value in data.items():
        key = str(key)
        line = lines.get(key, 2)
        if key == "slide-level" and "slide_level" not in data:
            key = "slide_level"
        if key in ("footer", "header") and dialect.name == "marp" and value:
            values["footer"] = " · ".join(x for x in (values.get("footer", ""), str(value)) if x)
            continue
        if key == "institute" and value:
            values["institute"] = _people(value)
            continue
        if key not in META_KEYS:
            if key in dialect.understood:
                continue
            if key in dialect.keys:
                ignored.append(key)
            else:
                report.warn(
                    f"unknown front matter key '{key}'{did_you_mean(key, META_KEYS)}; "
                    f"known keys: {', '.join(META_KEYS)}",
                    line,
                )
            continue
        if value is None:
            continue
        if key == "slide_level":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3:
                report.error(
                    "slide_level must be 1, 2 or 3 (the heading level that starts a slide)", line
                )
                continue
        elif key == "date":
            value = _date(value, path, report, line)
            if value is None:
                continue
        elif key == "author" and isinstance(value, list | dict):
            value = _people(value)
        elif isinstance(value, dict | list):
            report.error(
                f"{key} must be text, not a {'list' if isinstance(value, list) else 'mapping'}",
                line,
            )
            continue
        else:
            value = _plain_text(str(value))
            if key == "lang" and not LANG_TAG.match(value):
                report.warn(
                    f"lang '{value}' is not a language tag (like fr-FR or en-US): ignored, the "
                    "language is guessed from the text",
                    line,
                )
                continue
            if key == "theme" and not re.match(r"^[\w.-]+$", value):
                report.warn(
                    f"theme '{value}' is not a deckgen theme name: the project's default theme "
                    "is used",
                    line,
                )
                continue
        values[key] = value
    if ignored:
        first = ignored[0]
        why = dialect.keys[first]
        report.warn(
            f"{dialect.label} front matter keys deckgen does not use: {', '.join(ignored)} "
            f"({first}: {why})",
            lines.get(first, 2),
        )
    institute = values.pop("institute", "")
    if institute:
        values["author"] = f"{values['author']} ({institute})" if values.get("author") else institute
    return Meta(
        **values,
        lines={k: v for k, v in lines.items() if k in values},
        dialect=dialect.name,
    )


def _plain_text(value: str) -> str:
    """Front matter text as shown: the HTML line breaks other tools allow there
    (``subtitle: <br> Eccomas 2022``) become spaces; any other text stays as written."""
    if "<" not in value:
        return value
    return " ".join(re.sub(r"<br\s*/?>", " ", value, flags=re.I).split())


def _people(value: Any) -> str:
    """Authors as pandoc and Quarto write them: a name, a list of names, or of mappings
    with a name (``- name: Ana``)."""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return str(value)
    names = []
    for person in value:
        if isinstance(person, dict):
            name = person.get("name")
            if isinstance(name, dict):  # Quarto: name: {given: Ana, family: Lopes}
                name = " ".join(str(name[k]) for k in ("given", "family") if k in name)
            names.append(str(name or next(iter(person.values()), "")))
        else:
            names.append(str(person))
    return ", ".join(n for n in names if n)


def _date(value: Any, path: Path, report: Collector, line: int):
    if hasattr(value, "isoformat"):
        return value
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        report.error("date must be a date like 2026-11-23", line)
        return None
    word = value.strip().lower()
    if word in ("today", "now"):
        return _dt.date.today()
    if word == "last-modified":
        return _dt.date.fromtimestamp(path.stat().st_mtime)
    if "`r " in value or "{{" in value:  # R Markdown's `r Sys.Date()`, a template
        report.warn(f"date '{value}' is code another tool runs: today's date is shown", line)
        return _dt.date.today()
    return value
