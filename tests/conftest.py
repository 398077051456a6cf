"""Shared test options: ``--update-golden`` rewrites golden files instead of comparing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = FIXTURES / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/fixtures/golden/* from the current output instead of comparing",
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """Compare a JSON-able value with tests/fixtures/golden/<name>, or rewrite it."""
    update = request.config.getoption("--update-golden")

    def check(name: str, value) -> None:
        path = GOLDEN / name
        text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        if update or not path.exists():
            if not update:
                pytest.fail(f"no golden file {path}; run pytest --update-golden to create it")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        expected = path.read_text(encoding="utf-8")
        assert text == expected, (
            f"{name} differs from its golden file; if the change is intended, refresh with "
            "pytest --update-golden and review the diff"
        )

    return check


@pytest.fixture
def golden_text(request: pytest.FixtureRequest):
    """Compare a text with tests/fixtures/golden/<name> (UTF-8, as is), or rewrite it."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update or not path.exists():
            if not update:
                pytest.fail(f"no golden file {path}; run pytest --update-golden to create it")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))  # bytes: no newline translation
            return
        expected = path.read_bytes().decode("utf-8")
        assert text == expected, (
            f"{name} differs from its golden file; if the change is intended, refresh with "
            "pytest --update-golden and review the diff"
        )

    return check
