"""Fixtures for the image tests: a fresh blob store."""

from __future__ import annotations

from pathlib import Path

import pytest

from goship.image.blobs import BlobStore


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "store")
