"""What the registry client pushes: abstract blobs and manifests.

The client does not know how images are stored; a caller hands it :class:`BlobSource` objects
(digest, size, media type and an ``open()`` giving a fresh binary stream each call) and the
manifest bytes. :class:`FileBlob` and :class:`BytesBlob` are ready-made sources.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable

from goship.errors import BadInputError

READ_SIZE = 256 * 1024

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_MANIFEST_LIST})
MANIFEST_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST}) | INDEX_TYPES


@runtime_checkable
class BlobSource(Protocol):
    """A blob to upload. ``open()`` must return a new stream positioned at the start."""

    @property
    def digest(self) -> str: ...

    @property
    def size(self) -> int: ...

    @property
    def media_type(self) -> str: ...

    def open(self) -> BinaryIO: ...


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class FileBlob:
    """A blob stored in a file whose digest is already known."""

    path: Path
    digest: str
    size: int
    media_type: str = "application/octet-stream"

    def open(self) -> BinaryIO:
        return self.path.open("rb")

    @classmethod
    def from_path(cls, path: Path, media_type: str = "application/octet-stream") -> FileBlob:
        """Hash ``path`` to build its source (for tests and small tools)."""
        hasher = hashlib.sha256()
        size = 0
        with path.open("rb") as fh:
            while chunk := fh.read(1024 * 1024):
                hasher.update(chunk)
                size += len(chunk)
        return cls(path, "sha256:" + hasher.hexdigest(), size, media_type)


@dataclass(frozen=True)
class BytesBlob:
    """A blob held in memory (configs, small layers, tests)."""

    data: bytes
    media_type: str = "application/octet-stream"
    digest: str = field(init=False)
    size: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digest", sha256_digest(self.data))
        object.__setattr__(self, "size", len(self.data))

    def open(self) -> BinaryIO:
        return io.BytesIO(self.data)


@dataclass(frozen=True)
class ManifestPayload:
    """A manifest (image or index) with the blobs it needs uploaded before it."""

    manifest: bytes
    media_type: str
    blobs: Sequence[BlobSource] = ()

    @property
    def digest(self) -> str:
        return sha256_digest(self.manifest)

    def parsed(self) -> dict[str, Any]:
        try:
            data = json.loads(self.manifest)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadInputError(f"manifest {self.digest} is not valid JSON") from exc
        if not isinstance(data, dict):
            raise BadInputError(f"manifest {self.digest} is not a JSON object")
        declared = data.get("mediaType")
        if declared and declared != self.media_type:
            raise BadInputError(
                f"manifest {self.digest} declares mediaType {declared} but is pushed as "
                f"{self.media_type}"
            )
        return data

    def referenced_blobs(self) -> list[str]:
        """Digests of config and layers (image manifests); empty for an index."""
        if self.media_type in INDEX_TYPES:
            return []
        data = self.parsed()
        found: list[str] = []
        for desc in [data.get("config"), *(data.get("layers") or [])]:
            digest = desc.get("digest") if isinstance(desc, dict) else None
            if isinstance(digest, str) and digest not in found:
                found.append(digest)
        return found

    def referenced_manifests(self) -> list[str]:
        """Digests of child manifests (indexes); empty for an image manifest."""
        if self.media_type not in INDEX_TYPES:
            return []
        data = self.parsed()
        return [
            m["digest"]
            for m in data.get("manifests") or []
            if isinstance(m, dict) and isinstance(m.get("digest"), str)
        ]


def split_chunks(size: int, chunk_size: int, start: int = 0) -> list[tuple[int, int]]:
    """``[start, end)`` byte ranges covering ``start..size`` in pieces of ``chunk_size``."""
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    if not 0 <= start <= size:
        raise ValueError("start must be within the blob")
    return [(pos, min(pos + chunk_size, size)) for pos in range(start, size, chunk_size)]


def read_range(
    blob: BlobSource, start: int, end: int, on_bytes: Callable[[int], None]
) -> Callable[[], Iterator[bytes]]:
    """A body factory streaming ``blob[start:end]``; each call reopens the blob.

    ``on_bytes`` is told the size of every piece handed to the HTTP client, so callers can count
    bytes actually sent and report progress.
    """

    def body() -> Iterator[bytes]:
        with blob.open() as fh:
            if start:
                try:
                    fh.seek(start)
                except (OSError, io.UnsupportedOperation):
                    _skip(fh, start)
            remaining = end - start
            while remaining > 0:
                piece = fh.read(min(READ_SIZE, remaining))
                if not piece:
                    raise BadInputError(
                        f"blob {blob.digest} is shorter than its declared size {blob.size}"
                    )
                remaining -= len(piece)
                on_bytes(len(piece))
                yield piece

    return body


def _skip(fh: BinaryIO, count: int) -> None:
    while count > 0:
        piece = fh.read(min(READ_SIZE, count))
        if not piece:
            return
        count -= len(piece)
