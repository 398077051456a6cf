"""Reading a content file: front matter + Markdown element tree -> `Document`.

This is the only place that reads content and the files it embeds (images). It collects
every problem of a file (bad front matter, missing image, bad chart...) and raises them
together as one `InputError`, each with ``path:line``.
"""

from __future__ import annotations

import html
import math
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import mdext
from .errors import Collector, Diagnostic, InputError, did_you_mean
from .images import ImageProblem, read_image
from .model import (
    CHART_KINDS,
    Align,
    Asset,
    Block,
    Chart,
    Code,
    Document,
    Heading,
    Image,
    Inline,
    ListBlock,
    ListItem,
    Meta,
    Only,
    Paragraph,
    Quote,
    RawHtml,
    Run,
    Series,
    Slide,
    Table,
)

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
CHART_KEYS = ("type", "title", "unit", "data", "categories", "series")
MAX_CHART_POINTS = 400  # beyond this a chart is unreadable on a slide or in an email
# Lists and quotes inside each other: PowerPoint has 9 outline levels, and deeper nesting
# leaves no width for text (and overflows the email templates' recursion).
MAX_NESTING = 9
NESTING_TAGS = ("ul", "ol", "blockquote", "div")
# One paragraph, heading, list item, table cell or code line: about ten slides of text at
# the minimum size. Longer is a pasted dump, and splitting it costs time in its square.
MAX_TEXT_CHARS = 10_000
LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
MULTISPACE = re.compile(r" {2,}")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
LIST_ITEM_BLOCKS = ("p", "ul", "ol", "blockquote", "pre", "fence", "table", "div", "img")
STASH = re.compile("\x02wzxhzdk:(\\d+)\x03")
ENTITY = re.compile(r"^&(#\d+|#x[0-9a-fA-F]+|\w+);$")
NUMBER_CELL = re.compile(
    r"^[−+-]?[\d\u00a0\u202f ]*\d([.,'\u00a0\u202f ]\d+)*\s?(%|‰|€|\$|£|[kKMG]|Md)?$"
)


def find_project_root(path: Path) -> Path:
    """The nearest folder above `path` holding a pyproject.toml, else the file's folder."""
    start = path.resolve().parent
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return start


def read_document(path: Path, root: Path | None = None) -> tuple[Document, list[Diagnostic]]:
    """Read and check one content file. Returns the document and its warnings.

    Raises `InputError` carrying every error found in the file.
    """
    report = Collector(path)
    root = (root or find_project_root(path)).resolve()
    text = _read_text(path)
    lines = text.split("\n")
    fm_lines, body_start = _split_front_matter(lines, report)
    meta = _parse_meta(fm_lines, report) if fm_lines is not None else Meta()
    report.raise_if_errors()  # without valid front matter the body cannot be read right
    body = lines[body_start:]
    if not any(line.strip() for line in body) and not meta.title:
        report.error("the file has no content: write a title in front matter and some slides", 1)
        report.raise_if_errors()
    builder = _Builder(path, root, body, body_start, meta, report)
    doc = builder.build()
    report.raise_if_errors()
    return doc, report.warnings


# --- text and front matter --------------------------------------------------------------


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file; check the path", path) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a Markdown file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", path) from None
    if not raw.strip():
        raise InputError("the file is empty: write a front matter and some slides", path, 1)
    try:
        text = raw.decode("utf-8-sig")  # a BOM is accepted and dropped
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 (byte 0x{raw[exc.start]:02x}); re-save the file as UTF-8 "
            "(for example: iconv -f latin1 -t utf-8)",
            path,
            line,
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _split_front_matter(lines: list[str], report: Collector) -> tuple[list[str] | None, int]:
    if not lines or lines[0].rstrip() != "---":
        return None, 0
    for k in range(1, len(lines)):
        if lines[k].rstrip() in ("---", "..."):
            return lines[1:k], k + 1
    report.error("front matter is not closed: add a line '---' after its last key", 1)
    return None, 0


def _parse_meta(fm: list[str], report: Collector) -> Meta:
    text = "\n".join(fm)
    try:
        node, data = _load_yaml(text, "front matter")
    except _YamlProblem as problem:
        report.error(problem.message, problem.line + 2)
        return Meta()
    if data is None:
        return Meta()
    if not isinstance(data, dict) or node is None or not isinstance(node, yaml.MappingNode):
        report.error("front matter must be 'key: value' lines (a YAML mapping)", 2)
        return Meta()
    key_lines = _key_lines(node, 2)
    values: dict[str, Any] = {}
    for key, value in data.items():
        line = key_lines.get(str(key), 2)
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
    return Meta(**values, lines={k: v for k, v in key_lines.items() if k in META_KEYS})


class _YamlProblem(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line  # 0-based line in the YAML text
        self.message = message


def _load_yaml(text: str, what: str) -> tuple[Any, Any]:
    """(node tree with positions, data). Raises `_YamlProblem` with the line at fault."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise _YamlProblem(_yaml_line(exc, 0) - 1, _yaml_message(what, exc)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _YamlProblem(_yaml_line(exc, 0) - 1, _yaml_message(what, exc)) from None
    except ValueError as exc:  # a well-formed scalar that cannot be built: 2026-13-45
        bad = _unbuildable(node)
        line = bad.start_mark.line if bad is not None else 0
        value = bad.value if bad is not None else ""
        raise _YamlProblem(
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


def _key_lines(node: Any, first_line: int) -> dict[str, int]:
    """Line (in the file) of each key of a YAML mapping node."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {
        str(k.value): first_line + k.start_mark.line for k, _ in node.value if hasattr(k, "value")
    }


def _value_nodes(node: Any, key: str) -> Any:
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


# --- body -----------------------------------------------------------------------------


@dataclass
class _SlideDraft:
    kind: str
    title: Inline | None
    line: int
    continued: bool = False
    blocks: list[Block] = field(default_factory=list)
    notes: list[Block] = field(default_factory=list)

    def freeze(self) -> Slide:
        return Slide(
            self.kind,  # type: ignore[arg-type]
            self.title,
            tuple(self.blocks),
            tuple(self.notes),
            self.line,
            self.continued,
        )


class _Builder:
    """Walks Python-Markdown's element tree once and builds the slides."""

    def __init__(
        self,
        path: Path,
        root: Path,
        body: list[str],
        offset: int,
        meta: Meta,
        report: Collector,
    ):
        self.path = path
        self.root = root
        self.body = body
        self.offset = offset  # lines before the body (front matter)
        self.meta = meta
        self.report = report
        self.text_line = 0  # the line of the block being read, for errors in its text
        self.slides: list[_SlideDraft] = []
        self.assets: dict[str, Asset] = {}

    def build(self) -> Document:
        tree, md, ext = mdext.parse(self.body)
        self.md = md
        self.fences = ext.fences
        for line, message in ext.problems:
            self.report.error(message, line + self.offset)
        for el in tree:
            depth = _nesting(el)
            if depth > MAX_NESTING:
                self.report.error(
                    f"lists and quotes nested {depth} levels deep; deckgen shows at most "
                    f"{MAX_NESTING} levels (PowerPoint's outline levels): flatten this block",
                    self.line(el),
                )
                continue
            self.top_level(el)
        return Document(
            self.path, self.meta, tuple(s.freeze() for s in self.slides), dict(self.assets)
        )

    def line(self, el: etree.Element, default: int = 0) -> int:
        value = el.get("data-line")
        return int(value) + self.offset if value else default

    # slides

    def current(self, line: int) -> _SlideDraft:
        if not self.slides:
            self.slides.append(_SlideDraft("content", None, line))
        return self.slides[-1]

    def top_level(self, el: etree.Element) -> None:
        line = self.line(el)
        self.text_line = line
        tag = el.tag
        if tag in HEADINGS:
            level = int(tag[1])
            # A heading right under a paragraph line shares its block: find its own line.
            line = self.find_line("#" * level + " ", line, at_start=True)
            if level < self.meta.slide_level:
                self.slides.append(_SlideDraft("section", self.inline(el), line))
                return
            if level == self.meta.slide_level:
                self.slides.append(_SlideDraft("content", self.inline(el), line))
                return
        if tag == "hr":
            self.slides.append(_SlideDraft("content", None, line, continued=True))
            return
        if tag == "div" and el.get("class") == "notes":
            self.current(line).notes.extend(self.blocks(el, line))
            return
        self.current(line).blocks.extend(self.block(el, line))

    # blocks

    def blocks(self, parent: etree.Element, line: int) -> list[Block]:
        out: list[Block] = []
        for child in parent:
            out.extend(self.block(child, self.line(child, line)))
        return out

    def block(self, el: etree.Element, line: int) -> list[Block]:
        self.text_line = line
        tag = el.tag
        if tag == "p":
            return self.paragraph(el, line)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            return [Heading(int(tag[1]), self.inline(el), line)]
        if tag in ("ul", "ol"):
            return [self.list_block(el, line)]
        if tag == "table":
            return [self.table(el, line)]
        if tag == "blockquote":
            return [Quote(tuple(self.blocks(el, line)), line)]
        if tag == "fence":
            return [self.fence(self.fences[int(el.get("index", "0"))])]
        if tag == "pre":
            code = el.find("code")
            text = (code.text if code is not None else el.text) or ""
            return [Code(text.rstrip("\n"), "", line)]
        if tag == "div":
            name = el.get("class", "")
            inner = tuple(self.blocks(el, line))
            if name in ("deck", "newsletter"):
                return [Only(name, inner, line)]  # type: ignore[arg-type]
            if name == "notes":
                self.report.error(
                    "'::: notes' must be at the top level of a slide, not inside another block",
                    line,
                )
            return list(inner)
        if tag == "hr":
            return []  # a thematic break inside a block (quote, div) carries no meaning here
        return self.paragraph(el, line)

    def paragraph(self, el: etree.Element, line: int) -> list[Block]:
        # A paragraph made only of a raw HTML block placeholder is raw HTML.
        text = (el.text or "").strip()
        if len(el) == 0 and STASH.fullmatch(text):
            raw = self.md.htmlStash.rawHtmlBlocks[int(STASH.fullmatch(text).group(1))]
            if isinstance(raw, str) and not ENTITY.match(raw.strip()):
                return [RawHtml(raw.strip(), line)]
        images = [img for img in el.iter("img")]
        runs = self.inline(el)
        out: list[Block] = []
        if "".join(r.text for r in runs).strip():
            out.append(Paragraph(runs, line))
        for img in images:
            image = self.image(img, line)
            if image is not None:
                out.append(image)
        return out

    def list_block(self, el: etree.Element, line: int) -> ListBlock:
        items: list[ListItem] = []
        for li in el.findall("li"):
            blocks: list[Block] = []
            # Tight items hold text directly; loose ones hold <p> children.
            leading = self.inline(li, stop_at_blocks=True)
            if "".join(r.text for r in leading).strip():
                blocks.append(Paragraph(leading, line))
            for child in li:
                if child.tag in (
                    "p",
                    "ul",
                    "ol",
                    "blockquote",
                    "pre",
                    "fence",
                    "table",
                    "div",
                    "h1",
                    "h2",
                    "h3",
                    "h4",
                    "h5",
                    "h6",
                ):
                    blocks.extend(self.block(child, line))
                elif child.tag == "img":
                    image = self.image(child, line)
                    if image is not None:
                        blocks.append(image)
            items.append(ListItem(tuple(blocks)))
        start = 1
        if el.tag == "ol":
            try:
                start = int(el.get("start", "1"))
            except ValueError:
                start = 1
        return ListBlock(tuple(items), el.tag == "ol", start, line)

    def table(self, el: etree.Element, line: int) -> Table:
        head = el.find("thead")
        body = el.find("tbody")
        header_cells = head.find("tr") if head is not None else None
        header = tuple(self.inline(c) for c in header_cells) if header_cells is not None else ()
        aligns = [_cell_align(c) for c in header_cells] if header_cells is not None else []
        rows = tuple(
            tuple(self.inline(c) for c in tr)
            for tr in (body.findall("tr") if body is not None else [])
        )
        self.check_table_rows(line, len(header))
        columns = max([len(header)] + [len(r) for r in rows]) if (header or rows) else 0
        aligns += [None] * (columns - len(aligns))
        final: list[Align] = []
        for k, explicit in enumerate(aligns):
            if explicit:
                final.append(explicit)
                continue
            cells = ["".join(r.text for r in row[k]).strip() for row in rows if k < len(row)]
            cells = [c for c in cells if c and c not in ("-", "–", "—")]
            numeric = bool(cells) and all(NUMBER_CELL.match(c) for c in cells)
            final.append("right" if numeric else "left")
        return Table(header, rows, tuple(final), line)

    def check_table_rows(self, line: int, columns: int) -> None:
        """Python-Markdown drops the cells of a row beyond the header's silently: say so,
        at the row's line (the source rows are read again: the tree no longer has them)."""
        if not columns:
            return
        first = max(0, line - self.offset - 1)
        for k in range(first, len(self.body)):
            text = self.body[k].strip()
            if not text:
                break
            cells = _table_cells(text)
            if len(cells) > columns and not set("".join(cells)) <= set("-: "):
                self.report.warn(
                    f"this table row has {len(cells)} cells but the header has {columns}: "
                    f"the last {len(cells) - columns} would be dropped; add header cells or "
                    "merge them",
                    k + 1 + self.offset,
                )

    def fence(self, fence: mdext.Fence) -> Block:
        line = fence.line + self.offset
        longest = max((len(part) for part in fence.text.split("\n")), default=0)
        if longest > MAX_TEXT_CHARS:
            self.report.error(
                f"a code line of {longest:,} characters; at most {MAX_TEXT_CHARS:,}: "
                "wrap it or show an excerpt",
                line,
            )
            return Code("", "", line)
        info = fence.info.split()[0] if fence.info.split() else ""
        if info.lower() == "chart":
            chart = self.chart(fence.text, line)
            if chart is not None:
                return chart
            return Code(fence.text, "yaml", line)
        return Code(fence.text, info, line)

    # charts

    def chart(self, text: str, line: int) -> Chart | None:
        err = self.report.error
        try:
            node, data = _load_yaml(text, "chart")
        except _YamlProblem as problem:
            err(problem.message, line + 1 + problem.line)
            return None
        if not isinstance(data, dict):
            err(
                "a chart block holds YAML keys: type, title, unit, and data (or categories and series)",
                line,
            )
            return None
        key_lines = _key_lines(node, line + 1)
        data_lines = _key_lines(_value_nodes(node, "data"), line + 1)
        series_lines = _key_lines(_value_nodes(node, "series"), line + 1)

        def at(key: str, inner: dict[str, int] | None = None, name: object = None) -> int:
            if inner is not None and str(name) in inner:
                return inner[str(name)]
            return key_lines.get(key, line)

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

    # images

    def image(self, el: etree.Element, line: int) -> Image | None:
        src = el.get("src", "")
        alt = el.get("alt", "") or ""
        line = self.find_line("](" + src, line)
        if not src:
            self.report.error("image without a path: write ![description](images/file.png)", line)
            return None
        if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I):
            self.report.error(
                f"image '{src}' is a URL; deckgen never downloads: save the file in the project "
                "and give its relative path",
                line,
            )
            return None
        asset = self.load_image(src, line)
        if asset is None:
            return None
        return Image(asset.key, alt.strip(), el.get("title", "") or "", line)

    def load_image(self, src: str, line: int) -> Asset | None:
        err = self.report.error
        from urllib.parse import unquote

        candidate = Path(unquote(src))
        if candidate.is_absolute():
            err(
                f"image '{src}' has an absolute path; give a path relative to the content file",
                line,
            )
            return None
        target = (self.path.resolve().parent / candidate).resolve()
        if not target.is_relative_to(self.root):
            err(
                f"image '{src}' is outside the project ({self.root}); copy it into the project",
                line,
            )
            return None
        if not target.is_file():
            err(
                f"image '{src}' not found (looked for {target}); check the path, relative to this file",
                line,
            )
            return None
        try:
            asset = read_image(target, src)
        except ImageProblem as exc:
            err(str(exc), line)
            return None
        return self.assets.setdefault(asset.key, asset)

    def find_line(self, needle: str, start: int, at_start: bool = False) -> int:
        """Refine a block's line to the line holding `needle`, searching forward from it
        (a few lines: the block's own)."""
        first = max(0, start - self.offset - 1)
        for k in range(first, min(len(self.body), first + 200)):
            line = self.body[k]
            if line.lstrip().startswith(needle) if at_start else needle in line:
                return k + 1 + self.offset
            if at_start and not line.strip():
                break  # past the block
        return start

    # inline

    def inline(self, el: etree.Element, stop_at_blocks: bool = False) -> Inline:
        runs: list[Run] = []
        self._inline(el, Run(""), runs, stop_at_blocks)
        merged = _merge(runs)
        length = sum(len(r.text) for r in merged)
        if length > MAX_TEXT_CHARS:
            self.report.error(
                f"a paragraph of {length:,} characters; at most {MAX_TEXT_CHARS:,} fit on a "
                "few slides: split it into paragraphs",
                self.text_line,
            )
            return ()
        return merged

    def _inline(self, el: etree.Element, style: Run, out: list[Run], stop_at_blocks: bool) -> None:
        if el.text:
            self._text(el.text, style, out)
        for child in el:
            tag = child.tag
            if stop_at_blocks and (tag in LIST_ITEM_BLOCKS or tag in HEADINGS):
                # Block children of a list item are read by list_block; text after them
                # (a caption after an image) is still this item's text.
                if child.tail:
                    self._text(child.tail, style, out)
                continue
            if tag in ("strong", "b"):
                self._inline(child, _with(style, bold=True), out, False)
            elif tag in ("em", "i"):
                self._inline(child, _with(style, italic=True), out, False)
            elif tag in ("del", "s"):
                self._inline(child, _with(style, strike=True), out, False)
            elif tag == "code":
                out.append(
                    _with(style, text=self._resolve(child.text or "", keep_html=True), code=True)
                )
            elif tag == "a":
                self._inline(child, _with(style, href=child.get("href", "")), out, False)
            elif tag == "br":
                out.append(_with(style, text="\n"))
            elif tag == "img":
                pass  # images become blocks (see paragraph)
            else:
                self._inline(child, style, out, False)
            if child.tail:
                self._text(child.tail, style, out)

    def _text(self, text: str, style: Run, out: list[Run]) -> None:
        # Soft line breaks are spaces; <br> in raw HTML (resolved after) stays a break.
        text = self._resolve(text.replace("\n", " "), keep_html=False)
        if text:
            out.append(_with(style, text=text))

    def _resolve(self, text: str, keep_html: bool) -> str:
        """Replace Python-Markdown's stash placeholders: entities become characters, inline
        raw HTML tags are dropped (their text stays) unless `keep_html`."""

        def sub(m: re.Match[str]) -> str:
            raw = self.md.htmlStash.rawHtmlBlocks[int(m.group(1))]
            raw = raw if isinstance(raw, str) else ""
            if ENTITY.match(raw.strip()):
                return html.unescape(raw)
            if re.fullmatch(r"<br\s*/?>", raw.strip(), re.I):
                return "\n"
            return raw if keep_html else ""

        return STASH.sub(sub, text)


def _nesting(el: etree.Element) -> int:
    """How many lists, quotes and divs are inside each other at the deepest, from `el`."""
    deepest = 0
    stack = [(el, 0)]
    while stack:
        node, depth = stack.pop()
        depth += node.tag in NESTING_TAGS
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in node)
    return deepest


def _with(style: Run, **changes: Any) -> Run:
    """`style` with some fields changed (dataclasses.replace is 5x slower: it inspects)."""
    return Run(
        changes.get("text", style.text),
        changes.get("bold", style.bold),
        changes.get("italic", style.italic),
        changes.get("code", style.code),
        changes.get("strike", style.strike),
        changes.get("href", style.href),
    )


def _merge(runs: list[Run]) -> Inline:
    """Adjacent runs with the same formatting become one; outer whitespace is trimmed."""
    merged: list[Run] = []
    for run in runs:
        if merged and _same_style(merged[-1], run):
            merged[-1] = _with(merged[-1], text=merged[-1].text + run.text)
        elif run.text:
            merged.append(run)
    # Markdown collapses spaces (an image taken out of a sentence leaves two).
    merged = [r if r.code else _with(r, text=MULTISPACE.sub(" ", r.text)) for r in merged]
    if merged:
        merged[0] = _with(merged[0], text=merged[0].text.lstrip(" "))
        merged[-1] = _with(merged[-1], text=merged[-1].text.rstrip(" "))
    return tuple(r for r in merged if r.text)


def _same_style(a: Run, b: Run) -> bool:
    return (a.bold, a.italic, a.code, a.strike, a.href) == (
        b.bold,
        b.italic,
        b.code,
        b.strike,
        b.href,
    )


def _table_cells(row: str) -> list[str]:
    """The cells of a Markdown table row as Python-Markdown splits them: on '|' outside
    code spans and not escaped, the outer pipes optional."""
    cells, current, in_code, k = [], [], False, 0
    while k < len(row):
        char = row[k]
        if char == "\\" and k + 1 < len(row):
            current.append(row[k : k + 2])
            k += 2
            continue
        if char == "`":
            in_code = not in_code
        if char == "|" and not in_code:
            cells.append("".join(current))
            current = []
        else:
            current.append(char)
        k += 1
    cells.append("".join(current))
    if row.startswith("|"):
        cells = cells[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        cells = cells[:-1]
    return cells


def _cell_align(cell: etree.Element) -> Align | None:
    style = (cell.get("style") or "") + " " + (cell.get("align") or "")
    for value in ("left", "center", "right"):
        if value in style:
            return value  # type: ignore[return-value]
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None
