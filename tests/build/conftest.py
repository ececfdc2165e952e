"""Fixtures for `goship build` tests: the real CLI in a subprocess with a private cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from build_support import GoshipRunner, make_runner


@pytest.fixture(scope="session")
def build_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("goship-cache")


@pytest.fixture(scope="session")
def goship(build_cache: Path) -> GoshipRunner:
    """``goship(*args, env=...)`` -> Run(code, stdout, stderr), with a shared session cache."""
    return make_runner(build_cache)


@pytest.fixture
def fresh_goship(tmp_path: Path) -> GoshipRunner:
    """Like ``goship`` but with an empty cache of its own."""
    return make_runner(tmp_path / "cache")


@pytest.fixture(scope="session")
def examples(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled examples outside the git work tree: other sessions commit to
    the shared tree, and a HEAD that moves between two builds changes the revision label."""
    copy = tmp_path_factory.mktemp("examples") / "examples"
    shutil.copytree(repo_root / "examples", copy)
    return copy
