"""Parallel, deterministic gzip for layer blobs.

The uncompressed stream is cut into fixed 1 MiB pieces and each piece becomes one complete gzip
member (RFC 1952 section 2.2: a gzip file is a series of members; every reader used with
images — Go's compress/gzip in containerd and docker, pgzip in skopeo/umoci, Python's gzip —
reads them back as one stream). The pieces are compressed in threads (zlib releases the GIL), and
the members are written in stream order, so the bytes depend only on the input, the level and
the compressor (:data:`COMPRESSOR`), never on thread scheduling.

The deflate engine is Intel's ISA-L (the ``isal`` package) when it is installed: at its level 1
it is ~5x faster than zlib's level 1 for the same ratio, which is most of the cost of a warm
rebuild after an edit (the binary layer). zlib is the fallback. A stream of at most one piece
is one member.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

MEMBER_SIZE = 1 << 20
MAX_WORKERS = 4  # more threads buy little for one layer and cost 2 MiB of memory each


def _isal_level(level: int) -> int:
    """ISA-L has levels 0-3: zlib 1 -> 1 (fast), 2-6 -> 2, 7-9 -> 3."""
    return 1 if level <= 1 else 2 if level <= 6 else 3


class _Deflater(Protocol):
    def compress(self, data: bytes, /) -> bytes: ...
    def flush(self) -> bytes: ...


def _compressor() -> tuple[str, Callable[[int], _Deflater]]:
    try:
        from isal import __version__ as isal_version
        from isal import isal_zlib
    except ImportError:  # pragma: no cover - isal is a dependency; zlib keeps goship working
        return f"zlib-{zlib.ZLIB_RUNTIME_VERSION}", lambda lvl: zlib.compressobj(
            lvl, zlib.DEFLATED, 31
        )
    return f"isal-{isal_version}", lambda lvl: isal_zlib.compressobj(
        _isal_level(lvl), isal_zlib.DEFLATED, 31
    )


# Part of every layer cache key: another engine or version may give other bytes.
COMPRESSOR, _new_gzip = _compressor()


class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


def gzip_member(data: bytes, level: int) -> bytes:
    """One gzip member: wbits 31 = gzip container; zlib writes mtime 0, no name, OS=unix."""
    gz = _new_gzip(level)
    return gz.compress(data) + gz.flush()


class GzipTee:
    """Receives the tar stream: hashes/counts it (diff_id) and gzips it into ``sink``, one
    member per :data:`MEMBER_SIZE` bytes, compressed by up to ``workers`` threads."""

    def __init__(self, sink: Writable, level: int, workers: int | None = None) -> None:
        self._sink = sink
        self._level = level
        self.diff = hashlib.sha256()
        self.size = 0
        self._buf = bytearray()
        n = workers if workers is not None else min(os.cpu_count() or 1, MAX_WORKERS)
        self._workers = max(1, n)
        self._pool: ThreadPoolExecutor | None = None
        self._pending: deque[Future[bytes]] = deque()
        self._hasher: ThreadPoolExecutor | None = None
        self._hashed: deque[Future[None]] = deque()

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if not self._buf and len(data) == MEMBER_SIZE:  # tarfile's 1 MiB chunks: no copy
            self._submit(bytes(data))
            return len(data)
        self._buf += data
        while len(self._buf) >= MEMBER_SIZE:
            piece = bytes(self._buf[:MEMBER_SIZE])
            del self._buf[:MEMBER_SIZE]
            self._submit(piece)
        return len(data)

    def _submit(self, piece: bytes) -> None:
        if self._workers == 1:
            self.diff.update(piece)
            self._sink.write(gzip_member(piece, self._level))
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="gzip")
        if self._hasher is None:
            # the diff_id hash runs in its own thread, in stream order, next to the deflaters
            self._hasher = ThreadPoolExecutor(1, thread_name_prefix="gzip-hash")
        self._hashed.append(self._hasher.submit(self.diff.update, piece))
        self._pending.append(self._pool.submit(gzip_member, piece, self._level))
        while len(self._pending) > self._workers:  # bounded memory
            self._sink.write(self._pending.popleft().result())
        while len(self._hashed) > self._workers:
            self._hashed.popleft().result()

    def finish(self) -> None:
        """Compress what is left and write every member in order."""
        try:
            if self._buf or self.size == 0:
                self._submit(bytes(self._buf))
                self._buf.clear()
            while self._pending:
                self._sink.write(self._pending.popleft().result())
            while self._hashed:
                self._hashed.popleft().result()
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            for fut in self._pending:
                fut.cancel()
            self._pending.clear()
            self._pool.shutdown(wait=True)
            self._pool = None
        if self._hasher is not None:
            self._hasher.shutdown(wait=True)  # updates already queued finish, in order
            self._hashed.clear()
            self._hasher = None


class Gunzip:
    """Incremental decompression of a gzip stream of any number of members (a zlib-wrapped
    stream works too), for readers that stream layers."""

    def __init__(self) -> None:
        self._z = zlib.decompressobj(47)  # 32 + 15: gzip or zlib header, auto-detected

    def decompress(self, data: bytes) -> bytes:
        out = []
        while data:
            out.append(self._z.decompress(data))
            if not self._z.eof:
                break
            data = self._z.unused_data  # the start of the next member
            self._z = zlib.decompressobj(47)
        return b"".join(out)

    def flush(self) -> bytes:
        return self._z.flush()
