"""Chart blocks: a fenced block with info string ``chart`` holding YAML -> `Chart`.

Every problem of the block is reported at the line of the key or value at fault.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import Collector, did_you_mean
from ..model import CHART_KINDS, Chart, Series
from .yamlsource import YamlProblem, key_lines, load_yaml, value_node

CHART_KEYS = ("type", "title", "unit", "data", "categories", "series")
MAX_CHART_POINTS = 400  # beyond this a chart is unreadable on a slide or in an email


def read_chart(text: str, line: int, report: Collector) -> Chart | None:
    """The chart a block's YAML describes (`line`: the opening fence's, in the file), or
    None after reporting every problem."""
    err = report.error
    try:
        node, data = load_yaml(text, "chart")
    except YamlProblem as problem:
        err(problem.message, line + 1 + problem.line)
        return None
    if not isinstance(data, dict):
        err(
            "a chart block holds YAML keys: type, title, unit, and data (or categories and series)",
            line,
        )
        return None
    lines = key_lines(node, line + 1)
    data_lines = key_lines(value_node(node, "data"), line + 1)
    series_lines = key_lines(value_node(node, "series"), line + 1)

    def at(key: str, inner: dict[str, int] | None = None, name: object = None) -> int:
        if inner is not None and str(name) in inner:
            return inner[str(name)]
        return lines.get(key, line)

    ok = True
    for key in data:
        if key not in CHART_KEYS:
            err(
                f"unknown chart key '{key}'{did_you_mean(str(key), CHART_KEYS)}; known keys: "
                f"{', '.join(CHART_KEYS)}",
                at(str(key)),
            )
            ok = False
    kind = str(data.get("type", "column")).lower()
    if kind not in CHART_KINDS:
        err(
            f"unknown chart type '{data.get('type')}'{did_you_mean(kind, CHART_KINDS)}; "
            f"use one of: {', '.join(CHART_KINDS)}",
            at("type"),
        )
        ok = False
    title = data.get("title") or ""
    unit = data.get("unit") or ""
    categories: list[str] = []
    series: list[Series] = []
    if "data" in data:
        if "series" in data or "categories" in data:
            err("a chart has either data: or categories: and series:, not both", at("data"))
            return None
        points = data["data"]
        if not isinstance(points, dict) or not points:
            err(
                "chart data: must map each label to a number, one per line ('Radio: 38')",
                at("data"),
            )
            return None
        values = []
        for label, value in points.items():
            number = _number(value)
            if number is None:
                err(
                    f"chart value for '{label}' is {value!r}, not a number; write only the number "
                    "and put the unit in 'unit:'",
                    at("data", data_lines, label),
                )
                ok = False
            values.append(number or 0.0)
            categories.append(str(label))
        series.append(Series(str(title) or "Série 1", tuple(values)))
    elif "series" in data:
        cats = data.get("categories")
        if not isinstance(cats, list) or not cats:
            err(
                "chart categories: must be a list, e.g. categories: [2019, 2020, 2021]",
                at("categories"),
            )
            return None
        categories = [str(c) for c in cats]
        raw_series = data["series"]
        if not isinstance(raw_series, dict) or not raw_series:
            err("chart series: must map each series name to a list of numbers", at("series"))
            return None
        for name, values in raw_series.items():
            if not isinstance(values, list):
                err(
                    f"series '{name}' must be a list of numbers like [1, 2, 3]",
                    at("series", series_lines, name),
                )
                ok = False
                continue
            numbers = [_number(v) for v in values]
            bad = [v for v, n in zip(values, numbers, strict=True) if n is None]
            if bad:
                err(
                    f"series '{name}' has {bad[0]!r}, not a number; write only numbers and put "
                    "the unit in 'unit:'",
                    at("series", series_lines, name),
                )
                ok = False
            if len(values) != len(categories):
                err(
                    f"series '{name}' has {len(values)} values for {len(categories)} categories; "
                    "give one value per category",
                    at("series", series_lines, name),
                )
                ok = False
            series.append(Series(str(name), tuple(n or 0.0 for n in numbers)))
    else:
        err("a chart needs data: (label -> number) or categories: and series:", line)
        return None
    if sum(len(s.values) for s in series) > MAX_CHART_POINTS:
        err(
            f"chart has {sum(len(s.values) for s in series)} points; more than {MAX_CHART_POINTS} "
            "cannot be read on a slide: aggregate the data",
            line,
        )
        ok = False
    if kind == "pie":
        if len(series) > 1:
            err("a pie chart shows one series: use data: (label -> number)", line)
            ok = False
        elif series and any(v < 0 for v in series[0].values):
            err("a pie chart cannot show negative values", line)
            ok = False
    if not ok:
        return None
    return Chart(kind, str(title), tuple(categories), tuple(series), str(unit), line)  # type: ignore[arg-type]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None
