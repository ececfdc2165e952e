"""Fixtures for the image tests: a fresh blob store and a reader for layer blobs."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from goship.image.blobs import BlobStore
from goship.image.model import Layer


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "store")


def layer_members(store: BlobStore, layer: Layer) -> list[tuple[tarfile.TarInfo, bytes]]:
    """(header, content) of every member of a gzip layer blob, in archive order."""
    raw = gzip.decompress(store.read_bytes(layer.digest))
    out = []
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
        for info in tar.getmembers():
            fh = tar.extractfile(info) if info.isfile() else None
            out.append((info, fh.read() if fh else b""))
    return out


def members_by_name(store: BlobStore, layer: Layer) -> dict[str, tuple[tarfile.TarInfo, bytes]]:
    return {info.name: (info, data) for info, data in layer_members(store, layer)}
