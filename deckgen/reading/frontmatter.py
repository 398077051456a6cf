"""Front matter: the YAML block between ``---`` lines at the top of a file -> `Meta`.

Every key is checked (unknown keys are warnings with a "did you mean"), every problem is
reported at its line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from ..errors import Collector, did_you_mean
from ..model import Meta
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


def parse_meta(fm: list[str], report: Collector) -> Meta:
    text = "\n".join(fm)
    try:
        node, data = load_yaml(text, "front matter")
    except YamlProblem as problem:
        report.error(problem.message, problem.line + 2)
        return Meta()
    if data is None:
        return Meta()
    if not isinstance(data, dict) or node is None or not isinstance(node, yaml.MappingNode):
        report.error("front matter must be 'key: value' lines (a YAML mapping)", 2)
        return Meta()
    lines = key_lines(node, 2)
    values: dict[str, Any] = {}
    for key, value in data.items():
        line = lines.get(str(key), 2)
        if key not in META_KEYS:
            report.warn(
                f"unknown front matter key '{key}'{did_you_mean(str(key), META_KEYS)}; "
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
            if not isinstance(value, str | int) and not hasattr(value, "isoformat"):
                report.error("date must be a date like 2026-11-23", line)
                continue
            value = value if hasattr(value, "isoformat") else str(value)
        elif isinstance(value, dict | list):
            report.error(
                f"{key} must be text, not a {'list' if isinstance(value, list) else 'mapping'}",
                line,
            )
            continue
        else:
            value = str(value)
            if key == "lang" and not LANG_TAG.match(value):
                report.error(
                    f"lang '{value}' is not a language tag; write one like fr-FR or en-US", line
                )
                continue
            if key == "theme" and not re.match(r"^[\w.-]+$", value):
                report.error(
                    f"theme '{value}' is not a theme name (letters, digits, - and _)", line
                )
                continue
        values[key] = value
    return Meta(**values, lines={k: v for k, v in lines.items() if k in META_KEYS})
