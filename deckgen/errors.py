"""Errors and warnings meant for people.

Every problem deckgen reports names the file and line at fault and says how to fix it.
`DeckgenError` and its subclasses print as ``path:line: message`` without a traceback;
the CLI maps them to exit codes (1 for bad input, 2 for bad usage).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding about an input file: where it is and what to do about it."""

    path: Path | None
    line: int | None
    message: str
    severity: str = "error"  # "error", "warning" or "info" (what deckgen decided for you)
    rule: str = ""  # what kind of problem, for deckgen check ("theme-contrast", ...)

    def __str__(self) -> str:
        prefix = {"warning": "warning: ", "info": "info: "}.get(self.severity, "")
        return f"{location(self.path, self.line)}{prefix}{self.message}"


def location(path: Path | None, line: int | None) -> str:
    """``path:line: `` (or ``path: ``, or nothing) before a message."""
    if path is None:
        return ""
    return f"{display_path(path)}:{line}: " if line else f"{display_path(path)}: "


def display_path(path: Path) -> str:
    """A path as the user typed it relative to the working directory, when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class DeckgenError(Exception):
    """Base class: an error deckgen explains to the user (no traceback)."""

    exit_code = 1

    def __init__(self, message: str, path: Path | None = None, line: int | None = None):
        super().__init__(message)
        self.diagnostics: tuple[Diagnostic, ...] = (Diagnostic(path, line, message),)

    def __str__(self) -> str:
        return "\n".join(str(d) for d in self.diagnostics)


class InputError(DeckgenError):
    """Bad input: content, theme or asset. Exit code 1."""

    @classmethod
    def many(cls, diagnostics: Iterable[Diagnostic]) -> InputError:
        found = tuple(diagnostics)
        err = cls(found[0].message, found[0].path, found[0].line)
        err.diagnostics = found
        return err


class UsageError(DeckgenError):
    """Bad command-line usage. Exit code 2."""

    exit_code = 2


class Collector:
    """Gathers every problem in a file so one run reports them all, not just the first."""

    def __init__(self, path: Path | None):
        self.path = path
        self.errors: list[Diagnostic] = []
        self.warnings: list[Diagnostic] = []
        self.infos: list[Diagnostic] = []

    def error(self, message: str, line: int | None = None) -> None:
        self.errors.append(Diagnostic(self.path, line, message))

    def warn(self, message: str, line: int | None = None, rule: str = "") -> None:
        self.warnings.append(Diagnostic(self.path, line, message, "warning", rule))

    def info(self, message: str, line: int | None = None, rule: str = "") -> None:
        """What deckgen decided for the author (a guessed language): never fails a build."""
        self.infos.append(Diagnostic(self.path, line, message, "info", rule))

    def raise_if_errors(self) -> None:
        if self.errors:
            raise InputError.many(self.errors)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean "x"?)' when a close match exists, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""
