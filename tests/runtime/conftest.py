"""Fixtures for `goship verify` tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import DockerEngine
from verify_support import assert_clean, verify_images


@pytest.fixture(scope="session")
def verify_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """GOSHIP_CACHE shared by the goship builds of these tests."""
    return tmp_path_factory.mktemp("goship-verify-cache")


@pytest.fixture
def clean_engine(docker_engine: DockerEngine) -> Iterator[DockerEngine]:
    """The engine; after the test, asserts verify left no container, volume, network or tag."""
    before = verify_images(docker_engine)
    yield docker_engine
    assert_clean(docker_engine, before)


@pytest.fixture(scope="session")
def examples(repo_root: Path) -> Path:
    return repo_root / "examples"
