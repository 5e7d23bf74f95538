"""User-facing error types.

User mistakes (a bad rule set, an unreadable file, bad flags) are raised as `UserError`
subclasses; the CLI prints them without a traceback and exits 2. Anything else is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """Where something is in a text file (1-based line and column; column 0 = unknown)."""

    file: str
    line: int
    column: int = 0

    def __str__(self) -> str:
        if self.column:
            return f"{self.file}:{self.line}:{self.column}"
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a rule set: where it is, the dotted path of the key, and what is wrong."""

    location: Location | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        path = f"{self.path}: " if self.path else ""
        return f"{where}{path}{self.message}"


class UserError(Exception):
    """A mistake in what the user gave us; shown as a message, never as a traceback."""


class RuleSetError(UserError):
    """A rule set that cannot be used; carries every problem found, so all are shown at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class InputError(UserError):
    """A whole input that cannot be read (missing file, directory, corrupt archive)."""


class WorkerError(UserError):
    """A worker process ended without answering (killed by the system, out of memory)."""


class UsageError(UserError):
    """Bad flags or arguments on the command line."""


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: stop as Ctrl-C does (workers stopped, no half-written file), exit 143."""
