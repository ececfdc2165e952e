"""One error hierarchy for goship and the one place its exit codes are defined.

Exit codes (documented in the README):

* 0 — success, nothing to report
* 1 — findings or a failed check (lint findings, vulnerabilities, a failed verify)
* 2 — usage error or bad input (no go.mod, code that does not compile, bad flag)
* 3 — environment missing (no Go toolchain, no container engine, registry unreachable)

Only :mod:`goship.cli` turns these into ``sys.exit``; the rest of the code raises.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1
    BAD_INPUT = 2
    ENVIRONMENT = 3


class GoshipError(Exception):
    """Base of every error goship reports to a user.

    ``message`` names the problem, ``hint`` names the fix. Subclasses pick the exit code.
    """

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  fix: {self.hint}"
        return self.message


class BadInputError(GoshipError):
    """The input (path, go.mod, source, config, flag value) is unusable. Exit 2."""

    exit_code = ExitCode.BAD_INPUT


class UsageError(BadInputError):
    """Flags or arguments that do not fit together. Exit 2."""


class ProjectError(BadInputError):
    """The Go project cannot be analysed or built as given. Exit 2."""


class EnvironmentMissingError(GoshipError):
    """A tool or service goship needs is not there (Go, Docker, a registry). Exit 3."""

    exit_code = ExitCode.ENVIRONMENT


class FindingsError(GoshipError):
    """A check ran and failed (lint findings over threshold, vulnerabilities, verify). Exit 1."""

    exit_code = ExitCode.FINDINGS
