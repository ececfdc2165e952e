"""Findings and the context every rule reads."""

from __future__ import annotations

from dataclasses import dataclass

from goship.lint.final import FinalImage
from goship.lint.model import Dockerfile
from goship.lint.stages import BuildFile
from goship.project.facts import ProjectFacts

SEVERITIES = ("error", "warning", "info")
RANK = {"error": 3, "warning": 2, "info": 1}


@dataclass(frozen=True)
class Finding:
    id: str
    severity: str  # error | warning | info
    message: str
    file: str
    line: int
    column: int = 1
    source: str = "goship"  # goship | hadolint

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "source": self.source,
        }


@dataclass
class LintContext:
    """Everything a rule may look at. ``facts`` is None when there is no Go project."""

    dockerfile: Dockerfile
    build: BuildFile
    final: FinalImage | None
    facts: ProjectFacts | None
