"""Fixtures for the analysis tests; the helpers themselves are in project_helpers.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from project_helpers import GoModule, write_tree


@pytest.fixture
def go_module(tmp_path: Path) -> GoModule:
    """``go_module({"main.go": src, ...}, module=..., go=...)`` -> module directory."""

    def make(
        files: dict[str, str], module: str = "example.com/svc", go: str = "1.22", sub: str = "svc"
    ) -> Path:
        root = tmp_path / sub
        root.mkdir(parents=True, exist_ok=True)
        (root / "go.mod").write_text(f"module {module}\n\ngo {go}\n", encoding="utf-8")
        return write_tree(root, files)

    return make
