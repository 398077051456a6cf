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
