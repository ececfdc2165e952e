"""A content-addressed blob store on disk (``<root>/blobs/sha256/<hex>``, the OCI layout shape).

Blobs are written through :meth:`BlobStore.writer`, which hashes while streaming into a temp
file and renames it into place only when complete, so a blob at its digest path is always whole.
The same directory layout is used by OCI image layouts, so ``BlobStore(layout_dir)`` reads one.

The store also keeps a small layer cache (``<root>/layers/<key>.json``): a layer recipe key ->
the :class:`~goship.image.model.Layer` record, so unchanged layers are not re-tarred/gzipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from goship.cachedir import cache_root
from goship.errors import BadInputError, EnvironmentMissingError
from goship.image.model import Descriptor, Layer, digest_hex, sha256_digest

_CHUNK = 1 << 20


class BlobWriter:
    """A write-only sink that hashes and counts; :meth:`commit` moves it into the store."""

    def __init__(self, store: BlobStore) -> None:
        self._store = store
        fd, name = tempfile.mkstemp(prefix=".tmp-", dir=store.tmp_dir)
        self._file: IO[bytes] = os.fdopen(fd, "wb")
        self._tmp = Path(name)
        self._hash = hashlib.sha256()
        self.size = 0
        self._done = False

    def write(self, data: bytes) -> int:
        self._file.write(data)
        self._hash.update(data)
        self.size += len(data)
        return len(data)

    @property
    def digest(self) -> str:
        return "sha256:" + self._hash.hexdigest()

    def commit(self) -> str:
        """Flush, fsync-free rename into ``blobs/sha256/<hex>``; returns the digest."""
        self._file.close()
        digest = self.digest
        target = self._store.path(digest)
        if target.exists():
            self._tmp.unlink(missing_ok=True)
        else:
            os.chmod(self._tmp, 0o444)
            os.replace(self._tmp, target)
        self._done = True
        return digest

    def abort(self) -> None:
        if not self._done:
            self._file.close()
            self._tmp.unlink(missing_ok=True)
            self._done = True


class BlobStore:
    """Blobs by digest under ``root``. Safe for concurrent writers of the same content."""

    def __init__(self, root: str | os.PathLike[str], *, create: bool = True) -> None:
        self.root = Path(root)
        self.blob_dir = self.root / "blobs" / "sha256"
        self.tmp_dir = self.root / "tmp"
        self.layer_dir = self.root / "layers"
        if create:
            try:
                for d in (self.blob_dir, self.tmp_dir, self.layer_dir):
                    d.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise EnvironmentMissingError(
                    f"cannot create the blob store at {self.root}: {exc.strerror}",
                    "set GOSHIP_CACHE to a writable directory",
                ) from exc

    @classmethod
    def default(cls) -> BlobStore:
        """``store/`` under goship's cache directory (:func:`goship.cachedir.cache_root`)."""
        return cls(Path(cache_root()) / "store")

    # --- reading ---------------------------------------------------------------------------
    def path(self, digest: str) -> Path:
        """Where the blob lives (it may not exist; see :meth:`has`)."""
        return self.blob_dir / digest_hex(digest)

    def has(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def size(self, digest: str) -> int:
        return self._existing(digest).stat().st_size

    def open(self, digest: str) -> IO[bytes]:
        return self._existing(digest).open("rb")

    def read_bytes(self, digest: str) -> bytes:
        return self._existing(digest).read_bytes()

    def iter_chunks(self, digest: str, chunk_size: int = _CHUNK) -> Iterator[bytes]:
        with self.open(digest) as fh:
            while chunk := fh.read(chunk_size):
                yield chunk

    def verify(self, digest: str) -> bool:
        """Re-hash the blob; False when its content does not match its name."""
        h = hashlib.sha256()
        for chunk in self.iter_chunks(digest):
            h.update(chunk)
        return "sha256:" + h.hexdigest() == digest

    def _existing(self, digest: str) -> Path:
        p = self.path(digest)
        if not p.is_file():
            raise BadInputError(f"blob {digest} is missing from {self.root}")
        return p

    # --- writing ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def writer(self) -> Iterator[BlobWriter]:
        """``with store.writer() as w: w.write(...)``; commit explicitly with ``w.commit()``.
        Leaving the block without a commit (or with an exception) discards the temp file."""
        w = BlobWriter(self)
        try:
            yield w
        finally:
            w.abort()

    def put_bytes(self, data: bytes, media_type: str = "application/octet-stream") -> Descriptor:
        digest = sha256_digest(data)
        if not self.has(digest):
            with self.writer() as w:
                w.write(data)
                w.commit()
        return Descriptor(media_type, digest, len(data))

    def put_file(self, src: str | os.PathLike[str], media_type: str) -> Descriptor:
        """Copy a file in, streaming, hashing as it goes."""
        with self.writer() as w, open(src, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                w.write(chunk)
            size = w.size
            digest = w.commit()
        return Descriptor(media_type, digest, size)

    def copy_from(self, other: BlobStore, digest: str) -> None:
        """Bring one blob over from another store (a base image's layout, say)."""
        if self.has(digest):
            return
        with self.writer() as w:
            for chunk in other.iter_chunks(digest):
                w.write(chunk)
            if w.digest != digest:
                raise BadInputError(f"blob {digest} in {other.root} is corrupt")
            w.commit()

    def link_into(self, digest: str, dest: Path) -> None:
        """Place the blob at ``dest``: a hard link when possible, else a copy."""
        src = self._existing(digest)
        try:
            os.link(src, dest)
        except OSError:
            shutil.copyfile(src, dest)

    # --- layer cache ------------------------------------------------------------------------
    def cached_layer(self, key: str) -> Layer | None:
        """The Layer stored under ``key`` if its blob is still present."""
        record = self.layer_dir / f"{key}.json"
        try:
            data: dict[str, Any] = json.loads(record.read_text())
            layer = Layer.from_record(data)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return layer if self.has(layer.digest) else None

    def remember_layer(self, key: str, layer: Layer) -> None:
        record = self.layer_dir / f"{key}.json"
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.tmp_dir)
        with os.fdopen(fd, "w") as fh:
            json.dump(layer.to_record(), fh, sort_keys=True)
        os.replace(tmp, record)
