"""One root exception; every error a user can act on is a subclass.

Messages carry file names, line numbers, column names and ids, never the
names of people or free text from the records (those are about victims).
"""

from __future__ import annotations

from pathlib import Path


class PerpGraphError(Exception):
    """Root of every error perp-graph reports to a user."""

    exit_code = 1


class InputFileError(PerpGraphError):
    """A whole input file cannot be used: the load stops (exit code 2)."""

    exit_code = 2

    def __init__(
        self,
        path: Path | str,
        problem: str,
        fix: str,
        *,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.problem = problem
        self.fix = fix
        self.line = line
        self.column = column
        where = str(self.path)
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {problem}. Fix: {fix}")


class ConfigError(PerpGraphError):
    """The configuration file or a command-line value is wrong (exit code 2)."""

    exit_code = 2


class StoreError(PerpGraphError):
    """The graph store cannot do what was asked (missing, incomplete, unreachable)."""

    exit_code = 3


class OutputError(PerpGraphError):
    """An output file cannot be written (exists, or outside the output folder)."""

    exit_code = 2


class AuditError(PerpGraphError):
    """The audit log cannot be written or does not verify: nothing is output (exit code 4)."""

    exit_code = 4
