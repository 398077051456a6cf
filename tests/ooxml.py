"""Microsoft's Open XML SDK validator (``../shared/tools/ooxml/validate.sh``), for tests.

`validate(paths)` runs the validator once on many files (its .NET start-up costs seconds:
batch the files of a test into one call) and returns each file's problems. When the tool
is not there, or cannot set itself up, the test is skipped with the reason, or fails under
``DECKGEN_REQUIRE_CLIENTS=1`` like the other real-client tests.

The validator checks the schema (element order, declared attributes, value types,
relationship ids). It does not check that shape ids are unique on a slide nor PowerPoint's
own rules beyond the schema: a clean result is necessary, not sufficient.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from realclients import REQUIRE_ENV, clients_required

ROOT = Path(__file__).resolve().parent.parent
VALIDATOR = Path(os.environ.get("DECKGEN_OOXML", ROOT.parent / "shared/tools/ooxml/validate.sh"))
VERSION = "Microsoft365"


@dataclass(frozen=True, slots=True)
class Problem:
    """One validator error: its kind, the part and XPath at fault, and what is wrong."""

    kind: str  # ErrorType: Schema, Semantic, Package...
    id: str  # e.g. Sch_UndeclaredAttribute
    part: str  # e.g. /ppt/slides/slide3.xml
    xpath: str
    description: str

    def __str__(self) -> str:
        return f"{self.part} {self.xpath}: {self.id}: {self.description}"


def _unavailable(reason: str) -> None:
    if clients_required():
        pytest.fail(
            f"the Open XML validator is needed ({REQUIRE_ENV}=1) but {reason}", pytrace=False
        )
    pytest.skip(f"Open XML validator unavailable: {reason}; set {REQUIRE_ENV}=1 to fail instead")


def validate(paths: Iterable[Path], timeout: float = 600) -> dict[Path, list[Problem]]:
    """Every file's problems (an empty list when it is valid), in one validator run."""
    files = [Path(p).resolve() for p in paths]
    if not files:
        return {}
    if not VALIDATOR.is_file():
        _unavailable(f"{VALIDATOR} is missing")
    try:
        proc = subprocess.run(
            ["bash", str(VALIDATOR), "--version", VERSION, *map(str, files)],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        _unavailable(f"it did not finish within {timeout:g} s")
    found: dict[Path, list[Problem]] = {}
    for line in proc.stdout.splitlines():
        fields = line.split("\t")
        if fields[0] == "ERR" and len(fields) >= 7:
            found.setdefault(Path(fields[1]).resolve(), []).append(
                Problem(fields[2], fields[3], fields[4], fields[5], "\t".join(fields[6:]))
            )
        elif fields[0] == "SUMMARY" and len(fields) >= 3:
            found.setdefault(Path(fields[1]).resolve(), [])
    missing = [f for f in files if f not in found]
    if missing:
        tail = " ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        if len(missing) == len(files):
            _unavailable(f"it gave no result (exit code {proc.returncode}): {tail}")
        raise AssertionError(f"the validator gave no result for {missing}: {tail}")
    return {f: found[f] for f in files}


def describe(results: dict[Path, list[Problem]]) -> str:
    """The problems of every file, one per line, for an assertion message."""
    return "\n".join(f"{path.name}: {p}" for path, problems in results.items() for p in problems)


# --- what the validator does not check --------------------------------------------------

CONTENT_TYPES = "[Content_Types].xml"
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_PML = "application/vnd.openxmlformats-officedocument.presentationml."
# Relationship type -> the content type its target must have (the parts deckgen writes).
EXPECTED_TYPES = {
    _RT + "slide": _PML + "slide+xml",
    _RT + "slideLayout": _PML + "slideLayout+xml",
    _RT + "slideMaster": _PML + "slideMaster+xml",
    _RT + "notesSlide": _PML + "notesSlide+xml",
    _RT + "notesMaster": _PML + "notesMaster+xml",
    _RT + "theme": "application/vnd.openxmlformats-officedocument.theme+xml",
    _RT + "chart": "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
}
_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
# Parts holding a shape tree: a shape id must be unique within each.
_SHAPE_PARTS = ("ppt/slides/", "ppt/slideLayouts/", "ppt/slideMasters/", "ppt/notesSlides/",
                "ppt/notesMasters/", "ppt/handoutMasters/")  # fmt: skip


def package_problems(path: Path) -> list[str]:
    """What PowerPoint needs and the validator does not check, one line per problem:
    shape ids unique in every shape tree (slides, layouts, masters, notes), every internal
    relationship's target present, every part with a content type (and the right one for
    slides, layouts, masters, notes, themes and charts; image/* for pictures)."""
    import posixpath
    import zipfile
    from collections import Counter

    from lxml import etree

    problems: list[str] = []
    with zipfile.ZipFile(path) as package:
        members = [n for n in package.namelist() if not n.endswith("/")]
        present = set(members)
        if CONTENT_TYPES not in present:
            return [f"no {CONTENT_TYPES}: nothing has a content type"]
        types = etree.fromstring(package.read(CONTENT_TYPES))
        defaults = {
            d.get("Extension", "").lower(): d.get("ContentType")
            for d in types.iter(f"{_CT_NS}Default")
        }
        overrides = {
            o.get("PartName", "").lstrip("/"): o.get("ContentType")
            for o in types.iter(f"{_CT_NS}Override")
        }

        def content_type(name: str) -> str | None:
            return overrides.get(name) or defaults.get(name.rpartition(".")[2].lower())

        for name in members:
            if name != CONTENT_TYPES and content_type(name) is None:
                problems.append(
                    f"/{name}: no content type (no Override, no Default for its extension)"
                )
        for name in overrides:
            if name not in present:
                problems.append(
                    f"{CONTENT_TYPES}: an Override for /{name}, which is not in the package"
                )
        for name in members:
            if not name.endswith(".rels"):
                continue
            folder = posixpath.dirname(posixpath.dirname(name))  # ppt/slides/_rels -> ppt/slides
            for rel in etree.fromstring(package.read(name)).iter(f"{_RELS_NS}Relationship"):
                if rel.get("TargetMode") == "External":
                    continue
                target_ref = rel.get("Target", "")
                target = (
                    target_ref.lstrip("/")
                    if target_ref.startswith("/")
                    else posixpath.normpath(posixpath.join(folder, target_ref))
                )
                if target not in present:
                    problems.append(
                        f"/{name}: {rel.get('Id')} points at {target_ref}, which is not in the package"
                    )
                    continue
                expected = EXPECTED_TYPES.get(rel.get("Type", ""))
                actual = content_type(target) or ""
                if expected and actual != expected:
                    problems.append(f"/{target}: content type {actual!r}, expected {expected!r}")
                if rel.get("Type") == _RT + "image" and not actual.startswith("image/"):
                    problems.append(f"/{target}: a picture with content type {actual!r}")
        for name in members:
            if not (name.startswith(_SHAPE_PARTS) and name.endswith(".xml")):
                continue
            root = etree.fromstring(package.read(name))
            ids = Counter(e.get("id") for e in root.iter(f"{_P}cNvPr"))
            twice = sorted((i for i, n in ids.items() if n > 1), key=lambda i: (len(i or ""), i))
            if twice:
                problems.append(
                    f"/{name}: shape id(s) used more than once: {', '.join(map(str, twice))}"
                )
    return problems


def assert_valid(paths: Iterable[Path]) -> None:
    """Fail the test unless every deck passes the validator (one run for all of them) and
    `package_problems`; the message lists every problem of every deck. The helper to call
    on any deck a test builds."""
    files = [Path(p) for p in paths]
    assert files, "no deck to validate"
    results = validate(files)
    lines = [f"{path.name}: {p}" for path, problems in results.items() for p in problems]
    for path in files:
        lines += [f"{path.name}: {p}" for p in package_problems(path)]
    count = sum(len(v) for v in results.values())
    assert not lines, (
        f"{count} validator error(s) and {len(lines) - count} package problem(s) in "
        f"{len(files)} deck(s):\n" + "\n".join(lines)
    )
