"""Mapping hadolint's JSON into goship findings, with a stand-in hadolint executable (the
real one is exercised by the corpus and init tests)."""

from __future__ import annotations

import json
from pathlib import Path

from goship.lint.hadolint import run_hadolint


def _fake(tmp_path: Path, stdout: str, code: int = 0) -> str:
    exe = tmp_path / "hadolint"
    exe.write_text(f"#!/bin/sh\ncat <<'JSON'\n{stdout}\nJSON\nexit {code}\n")
    exe.chmod(0o755)
    return str(exe)


def test_levels_and_fields(tmp_path: Path) -> None:
    df = tmp_path / "Dockerfile"
    df.write_text("FROM alpine\n")
    items = [
        {
            "code": "DL3006",
            "column": 1,
            "file": "Dockerfile",
            "level": "warning",
            "line": 1,
            "message": "Always tag",
        },
        {
            "code": "SC2086",
            "column": 3,
            "file": "Dockerfile",
            "level": "style",
            "line": 2,
            "message": "Double quote",
        },
        {
            "code": "DL3057",
            "column": 1,
            "file": "Dockerfile",
            "level": "ignore",
            "line": 1,
            "message": "ignored level",
        },
        {
            "code": "DL3000",
            "column": 1,
            "file": "Dockerfile",
            "level": "error",
            "line": 4,
            "message": "abs",
        },
    ]
    result = run_hadolint(df, "shown/Dockerfile", exe=_fake(tmp_path, json.dumps(items)))
    assert result.ran and result.note is None
    got = [(f.id, f.severity, f.line, f.column, f.file, f.source) for f in result.findings]
    assert got == [
        ("DL3006", "warning", 1, 1, "shown/Dockerfile", "hadolint"),
        ("SC2086", "info", 2, 3, "shown/Dockerfile", "hadolint"),
        ("DL3000", "error", 4, 1, "shown/Dockerfile", "hadolint"),
    ]


def test_broken_hadolint_is_a_note(tmp_path: Path) -> None:
    df = tmp_path / "Dockerfile"
    df.write_text("FROM alpine\n")
    result = run_hadolint(df, "Dockerfile", exe=_fake(tmp_path, "not json", 1))
    assert not result.ran and result.findings == []
    assert result.note and "hadolint failed" in result.note
