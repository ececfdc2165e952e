"""`goship lint` on the Dockerfile `goship init` writes, for every fixture init supports and
both examples: zero findings, goship's and hadolint's (cross-checked with the project)."""

from __future__ import annotations

from pathlib import Path

import pytest
from generate.init_support import copy_project, project_dirs, render_project, write_files
from helpers import require_tool

from goship.lint.engine import LintOptions, lint_dockerfile
from goship.lint.hadolint import find_hadolint

KEYS = sorted(project_dirs())


@pytest.fixture(scope="module")
def hadolint() -> str:
    return find_hadolint() or require_tool("hadolint")


def test_init_keys_cover_fixtures_and_examples() -> None:
    assert "example-gin-notes" in KEYS and "example-stdlib-api" in KEYS
    assert {"cgo-sqlite", "gin-templates-static", "tz-loadlocation"} <= set(KEYS)


@pytest.mark.parametrize("key", KEYS)
def test_init_dockerfile_has_zero_findings(key: str, tmp_path: Path, hadolint: str) -> None:
    root = copy_project(project_dirs()[key], tmp_path / key)
    write_files(root, render_project(key, only="dockerfile"))
    report = lint_dockerfile(
        root / "Dockerfile", LintOptions(project=root, hadolint=True, hadolint_exe=hadolint)
    )
    assert report.project_checked and report.hadolint_ran, report.notes
    assert report.findings == [], [f"{f.id}@{f.line}: {f.message}" for f in report.findings]
