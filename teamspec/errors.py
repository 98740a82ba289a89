"""Diagnostics and the exception hierarchy.

Every problem a user can cause is a :class:`Diagnostic` (gcc style,
``FILE:LINE:COL: error: MESSAGE``). Library functions raise
:class:`TeamspecError` subclasses carrying diagnostics; only ``cli.py``
prints them or turns them into exit codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, located in a file.

    ``line`` and ``col`` are 1-based; 0 means "the whole file" (a file that
    cannot be read, a document built in memory): it is shown as ``FILE:``
    alone, as mypy does, not as a line 0 that editors cannot jump to.
    ``path`` is the location inside the document (``contracts[2].depends_on[0]``),
    empty for the document itself.
    """

    file: str
    line: int
    col: int
    severity: Severity
    message: str
    path: str = ""

    def format(self) -> str:
        """Render as ``FILE:LINE:COL: severity: [path: ]message`` (``FILE:
        severity: ...`` for the whole file)."""
        where = f"{self.file}:{self.line}:{self.col}" if self.line > 0 else self.file
        text = f"{self.path}: {self.message}" if self.path else self.message
        return f"{where}: {self.severity}: {text}"

    def as_error(self) -> Diagnostic:
        """The same diagnostic promoted to an error (``--strict``)."""
        return Diagnostic(self.file, self.line, self.col, "error", self.message, self.path)


def sort_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sort by file, then line and column; drop exact duplicates."""
    return sorted(set(diags), key=lambda d: (d.file, d.line, d.col, d.path, d.message))


class TeamspecError(Exception):
    """Base of every error teamspec raises on purpose.

    The CLI turns these into messages and exit codes; anything else escaping
    is a bug in teamspec.
    """

    exit_code = 2

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)

    def lines(self) -> list[str]:
        """The lines the CLI prints for this error."""
        if self.diagnostics:
            return [d.format() for d in self.diagnostics]
        return [f"error: {self.message}"]


class SpecError(TeamspecError):
    """Raised when a spec file cannot be read, parsed or fails validation.

    ``diagnostics`` holds every problem found in the file, sorted by line.
    """


class InterfaceError(TeamspecError):
    """Raised when a contract's interface document (OpenAPI, GraphQL SDL,
    JSON Schema) cannot be read or parsed."""


class UsageError(TeamspecError):
    """Raised when a command line or library call is invalid (bad option
    value, unknown contract id, missing output directory)."""


class ConfigurationError(TeamspecError):
    """Raised when the environment cannot run what was asked: a missing API
    key for the claude executor, a missing optional dependency, no node."""


class BuildInterrupted(TeamspecError):
    """Raised by ``build`` after Ctrl-C or SIGTERM, once state is saved."""

    exit_code = 130
