"""YAML with positions: front matter and chart blocks are YAML, and their problems are
reported at the line of the key at fault, so the node tree (with marks) is kept beside the
data."""

from __future__ import annotations

from typing import Any

import yaml


class YamlProblem(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line  # 0-based line in the YAML text
        self.message = message


def load_yaml(text: str, what: str) -> tuple[Any, Any]:
    """(node tree with positions, data). Raises `YamlProblem` with the line at fault."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise YamlProblem(_yaml_line(exc, 0) - 1, _yaml_message(what, exc)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise YamlProblem(_yaml_line(exc, 0) - 1, _yaml_message(what, exc)) from None
    except ValueError as exc:  # a well-formed scalar that cannot be built: 2026-13-45
        bad = _unbuildable(node)
        line = bad.start_mark.line if bad is not None else 0
        value = bad.value if bad is not None else ""
        raise YamlProblem(
            line, f"{what}: {value!r} is not a valid value ({exc}); dates are written 2026-11-23"
        ) from None
    return node, data


def _unbuildable(node: Any) -> Any:
    """The first scalar node PyYAML cannot turn into a value."""
    if isinstance(node, yaml.ScalarNode):
        try:
            yaml.SafeLoader("").construct_object(node)
        except (ValueError, yaml.YAMLError):
            return node
        return None
    children = (
        node.value
        if isinstance(node, yaml.SequenceNode)
        else (
            [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else []
        )
    )
    for child in children:
        found = _unbuildable(child)
        if found is not None:
            return found
    return None


def key_lines(node: Any, first_line: int) -> dict[str, int]:
    """Line (in the file) of each key of a YAML mapping node."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {
        str(k.value): first_line + k.start_mark.line for k, _ in node.value if hasattr(k, "value")
    }


def value_node(node: Any, key: str) -> Any:
    """The node of `key`'s value in a mapping node (None when absent)."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if getattr(k, "value", None) == key:
                return v
    return None


def _yaml_line(exc: yaml.YAMLError, offset: int) -> int:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return (mark.line + 1 + offset) if mark is not None else offset


def _yaml_message(what: str, exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
    hint = "check the indentation and quote values that contain ':' or '#'"
    if "\\t" in problem or "tab" in problem:
        hint = "YAML does not allow tabs; indent with spaces"
    return f"{what} is not valid YAML ({problem}): {hint}"
