"""The Dockerfile corpus (tests/data/dockerfiles) and its manifest of expected findings.

manifest.json maps each ``NAME`` (file ``NAME.Dockerfile``) to:
``project``: an inspect fixture under tests/fixtures/inspect, or null (no Go module: the
cross-check rules are skipped); ``expect``: goship's findings as ``"rule-id@line"`` (a
multiset, compared exactly, hadolint off); ``passes``: rules this file is a passing case
for (the coverage test needs one per registered rule).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from goship.lint.engine import LintOptions, LintReport, lint_dockerfile

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "data" / "dockerfiles"
FIXTURES = REPO / "tests" / "fixtures" / "inspect"


@cache
def manifest() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads((CORPUS / "manifest.json").read_text())
    return data


def dockerfile(name: str) -> Path:
    return CORPUS / f"{name}.Dockerfile"


def project_of(name: str) -> Path:
    proj = manifest()[name]["project"]
    return FIXTURES / proj if proj else CORPUS


def lint(name: str, hadolint: bool = False, exe: str | None = None) -> LintReport:
    options = LintOptions(project=project_of(name), hadolint=hadolint, hadolint_exe=exe)
    return lint_dockerfile(dockerfile(name), options)


def keys(report: LintReport, source: str = "goship") -> list[str]:
    return sorted(f"{f.id}@{f.line}" for f in report.findings if f.source == source)
