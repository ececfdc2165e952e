"""Blob sources, chunk splitting, ranged reads and manifest inspection."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goship.errors import BadInputError
from goship.registry.blobs import (
    OCI_INDEX,
    OCI_MANIFEST,
    BytesBlob,
    FileBlob,
    ManifestPayload,
    read_range,
    sha256_digest,
    split_chunks,
)


def test_split_chunks_examples() -> None:
    assert split_chunks(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert split_chunks(8, 4) == [(0, 4), (4, 8)]
    assert split_chunks(10, 4, start=5) == [(5, 9), (9, 10)]
    assert split_chunks(0, 4) == []
    assert split_chunks(10, 4, start=10) == []
    with pytest.raises(ValueError):
        split_chunks(10, 0)
    with pytest.raises(ValueError):
        split_chunks(10, 4, start=11)


@given(size=st.integers(0, 10_000), chunk=st.integers(1, 3000), data=st.data())
def test_split_chunks_cover_exactly(size: int, chunk: int, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, size))
    chunks = split_chunks(size, chunk, start)
    pos = start
    for begin, end in chunks:
        assert begin == pos and 0 < end - begin <= chunk
        pos = end
    assert pos == size


def test_file_blob_from_path(tmp_path: Path) -> None:
    path = tmp_path / "layer"
    path.write_bytes(b"x" * 3_000_000)
    blob = FileBlob.from_path(path, "application/x")
    assert blob.digest == sha256_digest(b"x" * 3_000_000)
    assert blob.size == 3_000_000
    with blob.open() as fh:
        assert fh.read(3) == b"xxx"


def test_read_range_counts_and_reopens() -> None:
    blob = BytesBlob(bytes(range(256)) * 4000)
    seen: list[int] = []
    body = read_range(blob, 1000, 600_000, seen.append)
    first = b"".join(body())
    assert first == blob.data[1000:600_000]
    assert sum(seen) == len(first)
    assert b"".join(body()) == first  # a retry gets the same bytes again


class _Unseekable(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._buf = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        chunk = self._buf.read(len(b))
        b[: len(chunk)] = chunk
        return len(chunk)

    def seekable(self) -> bool:
        return False

    def seek(self, *_: object) -> int:
        raise io.UnsupportedOperation("seek")


class _StreamBlob:
    def __init__(self, data: bytes, declared: int | None = None) -> None:
        self.data = data
        self.digest = sha256_digest(data)
        self.size = len(data) if declared is None else declared
        self.media_type = "application/octet-stream"

    def open(self) -> _Unseekable:
        return _Unseekable(self.data)


def test_read_range_on_unseekable_stream() -> None:
    blob = _StreamBlob(b"0123456789" * 100)
    assert b"".join(read_range(blob, 995, 1000, lambda n: None)()) == b"56789"


def test_read_range_short_blob_is_an_error() -> None:
    blob = _StreamBlob(b"abc", declared=10)
    with pytest.raises(BadInputError, match="shorter"):
        b"".join(read_range(blob, 0, 10, lambda n: None)())


def test_manifest_payload_references() -> None:
    cfg, layer = BytesBlob(b"{}"), BytesBlob(b"layer")
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"digest": cfg.digest, "size": cfg.size},
        "layers": [{"digest": layer.digest}, {"digest": layer.digest}],
    }
    payload = ManifestPayload(json.dumps(manifest).encode(), OCI_MANIFEST, (cfg, layer))
    assert payload.referenced_blobs() == [cfg.digest, layer.digest]
    assert payload.referenced_manifests() == []
    index = {"schemaVersion": 2, "manifests": [{"digest": payload.digest}]}
    idx = ManifestPayload(json.dumps(index).encode(), OCI_INDEX)
    assert idx.referenced_manifests() == [payload.digest]
    assert idx.referenced_blobs() == []


def test_manifest_payload_rejects_bad_input() -> None:
    with pytest.raises(BadInputError, match="JSON"):
        ManifestPayload(b"not json", OCI_MANIFEST).parsed()
    wrong = json.dumps({"mediaType": OCI_INDEX}).encode()
    with pytest.raises(BadInputError, match="mediaType"):
        ManifestPayload(wrong, OCI_MANIFEST).parsed()
