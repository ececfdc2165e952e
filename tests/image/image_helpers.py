"""Readers for layer blobs, shared by the image tests (a uniquely named module: every test
directory's conftest is called ``conftest``, so helpers are not imported from there)."""

from __future__ import annotations

import gzip
import io
import tarfile

from goship.image.blobs import BlobStore
from goship.image.model import Layer


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
