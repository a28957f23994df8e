"""Problems found in the sources, collected so that all are reported at once."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One problem, located at ``path:line``, with a hint on how to fix it."""

    path: Path
    line: int
    message: str
    hint: str = ""
    severity: Severity = Severity.ERROR

    def format(self, relative_to: Path | None = None) -> str:
        shown = _display_path(self.path, relative_to)
        text = f"{shown}:{self.line}: {self.severity.value}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


def _display_path(path: Path, relative_to: Path | None) -> str:
    base = relative_to or Path.cwd()
    try:
        return os.path.relpath(path, base)
    except ValueError:  # another drive on Windows
        return str(path)


def shown(path: Path) -> str:
    """A file nrbook names to the user: relative to the working folder when it lies in it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def of_severity(problems: Iterable[Problem], severity: Severity) -> list[Problem]:
    return [p for p in problems if p.severity is severity]


@dataclass
class Diagnostics:
    """Collects problems during a build; errors stop it before any output is written."""

    problems: list[Problem] = field(default_factory=list)
    strict: bool = False
    # What the machine lacks (a library, say): told once, never a problem of the sources,
    # so --strict does not fail on it. Plain text, such as machine.MachineNote.format().
    notes: list[str] = field(default_factory=list)

    def error(self, path: Path, line: int, message: str, hint: str = "") -> None:
        self.add(Problem(path, line, message, hint, Severity.ERROR))

    def warning(self, path: Path, line: int, message: str, hint: str = "") -> None:
        # With --strict every warning fails the build, as the editors asked.
        severity = Severity.ERROR if self.strict else Severity.WARNING
        self.add(Problem(path, line, message, hint, severity))

    def add(self, problem: Problem) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    @property
    def errors(self) -> list[Problem]:
        return of_severity(self.problems, Severity.ERROR)

    @property
    def warnings(self) -> list[Problem]:
        return of_severity(self.problems, Severity.WARNING)

    def sorted(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: (str(p.path), p.line, p.message))


class BuildFailed(Exception):
    """Raised when the sources have errors; the CLI reports them and exits 1."""

    def __init__(self, diagnostics: Diagnostics):
        super().__init__(f"{len(diagnostics.errors)} error(s) in the sources")
        self.diagnostics = diagnostics
