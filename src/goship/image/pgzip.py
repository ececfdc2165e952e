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
import threading
import zlib
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

MEMBER_SIZE = 1 << 20
MAX_WORKERS = 4  # deflate threads (shared by the process): more buy little for a layer


def _isal_level(level: int) -> int:
    """ISA-L has levels 0-3: zlib 1 -> 1 (fast), 2-6 -> 2, 7-9 -> 3."""
    return 1 if level <= 1 else 2 if level <= 6 else 3


Bytes = bytes | bytearray | memoryview  # what hashlib, zlib and ISA-L take


class _Deflater(Protocol):
    def compress(self, data: Bytes, /) -> bytes: ...
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


def gzip_member(data: Bytes, level: int) -> bytes:
    """One gzip member: wbits 31 = gzip container; zlib writes mtime 0, no name, OS=unix."""
    gz = _new_gzip(level)
    return gz.compress(data) + gz.flush()


class Hasher(Protocol):
    def update(self, data: Bytes, /) -> None: ...


class Readable(Protocol):
    def readinto(self, buffer: bytearray | memoryview, /) -> int | None: ...


class _Threads:
    """The threads every :class:`GzipTee` of the process shares: the deflaters, and one
    thread each for the diff_id hashes, the file digests and the sink writes (one thread, so
    each stream's updates stay in order). They are started once and kept: a thread started
    in the middle of a layer waits for a CPU that the deflaters hold (~2 ms each on 2 cores),
    and a process builds several layers, or many builds (the build server)."""

    def __init__(self, deflaters: int) -> None:
        self.size = deflaters
        self.deflate = ThreadPoolExecutor(deflaters, thread_name_prefix="gzip")
        self.hash = ThreadPoolExecutor(1, thread_name_prefix="gzip-hash")
        self.digest = ThreadPoolExecutor(1, thread_name_prefix="gzip-digest")
        self.write = ThreadPoolExecutor(1, thread_name_prefix="gzip-write")


_THREADS: list[_Threads] = []
_THREADS_LOCK = threading.Lock()


def default_workers() -> int:
    """Deflate threads for this machine: one per core, at most :data:`MAX_WORKERS`."""
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def _threads() -> _Threads:
    with _THREADS_LOCK:
        if not _THREADS:
            _THREADS.append(_Threads(default_workers()))
        return _THREADS[0]


class _Pieces:
    """Reusable :data:`MEMBER_SIZE` buffers for the pieces of every stream of the process.

    ``bytearray(n)`` zero-fills its memory, and fresh memory costs a page fault per 4 KiB
    page when first written: ~2.5 us each on the development VM, so ~0.65 ms per MiB read and
    ~4 ms of stdlib-api's 6 MiB binary layer, all of it on the thread that feeds the
    deflaters. A stream takes a buffer per piece and gives it back once every job that reads
    it (diff hash, deflate, file digest) is done; :func:`warm_up` maps a few ahead of time."""

    def __init__(self, keep: int) -> None:
        self._free: list[bytearray] = []
        self._keep = keep
        self._lock = threading.Lock()

    def take(self) -> bytearray:
        with self._lock:
            if self._free:
                return self._free.pop()
        return bytearray(MEMBER_SIZE)

    def give(self, piece: bytearray) -> None:
        with self._lock:
            if len(self._free) < self._keep:
                self._free.append(piece)

    def fill(self, count: int) -> None:
        """Have at least ``count`` buffers ready (bytearray writes every page it allocates)."""
        with self._lock:
            missing = count - len(self._free)
        for _ in range(missing):
            self.give(bytearray(MEMBER_SIZE))


# enough for two streams at once (one per platform) with every piece in flight
_PIECES = [_Pieces(keep=2 * (MAX_WORKERS + 2))]


def _forget_threads() -> None:  # a forked child has none of its parent's threads
    _THREADS.clear()
    _PIECES[0] = _Pieces(keep=_PIECES[0]._keep)  # nor their lock holders


os.register_at_fork(after_in_child=_forget_threads)


def _nothing() -> None:
    """Submitted to start a single-thread pool's thread."""


def warm_up(timeout: float = 5.0) -> None:
    """Start the shared threads now, e.g. while ``go build`` compiles the binary whose layer
    comes next. Call it from a thread of normal priority: threads inherit their creator's
    scheduling policy and nice value (see :mod:`goship.build.yieldcpu`)."""
    threads = _threads()
    _PIECES[0].fill(threads.size + 2)  # the pieces one stream has in flight at most
    # a pool adds a thread per submit while none is idle: hold each until all have started
    barrier = threading.Barrier(threads.size)

    def meet() -> None:
        try:  # noqa: SIM105
            barrier.wait(timeout)
        except threading.BrokenBarrierError:  # pragma: no cover - a starved machine
            pass

    started = [threads.deflate.submit(meet) for _ in range(threads.size)]
    started += [pool.submit(_nothing) for pool in (threads.hash, threads.digest, threads.write)]
    for future in started:
        future.result()


class GzipTee:
    """Receives the tar stream: hashes/counts it (diff_id) and gzips it into ``sink``, one
    member per :data:`MEMBER_SIZE` bytes. With ``workers`` 1 everything happens in the
    caller's thread (the bytes are the same either way).

    With more than one worker nothing but copying into the pieces happens on the caller's
    thread: the diff_id hash, the deflaters and the ``sink`` writes (a
    :class:`~goship.image.blobs.BlobWriter` hashes the compressed bytes too) run in the shared
    threads (:func:`warm_up`), in stream order. hashlib, zlib/ISA-L and file writes release
    the GIL, so on a warm rebuild the binary layer costs about the CPU time of its
    compression divided by the cores. The pieces are buffers of a shared pool (see
    :class:`_Pieces`), filled in place by :meth:`write` and :meth:`write_from`.
    """

    def __init__(self, sink: Writable, level: int, workers: int | None = None) -> None:
        self._sink = sink
        self._level = level
        self.diff = hashlib.sha256()
        self.size = 0
        self._workers = max(1, workers if workers is not None else default_workers())
        self._threads: _Threads | None = None
        self._pool = _PIECES[0]
        self._piece: bytearray | None = None  # being filled: ``_fill`` bytes so far
        self._fill = 0
        self._readers: list[Future[None]] = []  # digest jobs reading ``_piece``
        # submitted pieces and the jobs that read them, until those are done
        self._lent: deque[tuple[bytearray, list[Future[bytes] | Future[None]]]] = deque()
        self._pending: deque[tuple[Future[bytes], Future[None]]] = deque()
        self._hashed: deque[Future[None]] = deque()
        self._digests: deque[Future[None]] = deque()

    def write(self, data: bytes | bytearray) -> int:
        size = len(data)
        self.size += size
        piece, end = self._piece, self._fill + size
        if piece is not None and end < MEMBER_SIZE:  # most writes: a tar header, some padding
            piece[self._fill : end] = data
            self._fill = end
            return size
        view = memoryview(data)
        while view:
            piece, start = self._current()
            count = min(MEMBER_SIZE - start, len(view))
            piece[start : start + count] = view[:count]
            self._fill = start + count
            view = view[count:]
            if self._fill == MEMBER_SIZE:
                self._submit()
        return size

    def write_from(self, source: Readable, size: int, digest: Hasher | None = None) -> None:
        """Append ``size`` bytes read from ``source``, read straight into member pieces (no
        copy through a stream buffer). ``digest`` is updated with exactly those bytes, in
        order, in its own thread: :meth:`wait_digests` before reading it. Raises OSError
        when ``source`` ends early."""
        remaining = size
        while remaining:
            piece, start = self._current()
            end = start + min(MEMBER_SIZE - start, remaining)
            view = memoryview(piece)
            filled = start
            while filled < end:
                got = source.readinto(view[filled:end])
                if not got:
                    raise OSError(f"unexpected end of data: {remaining - (filled - start)} "
                                  "bytes missing")  # fmt: skip
                filled += got
            remaining -= end - start
            self.size += end - start
            self._fill = end
            if digest is not None:  # these bytes of ``piece`` are not written again
                self._digest(digest, view[start:end])
            if end == MEMBER_SIZE:
                self._submit()

    def wait_digests(self) -> None:
        """Block until every :meth:`write_from` digest update so far is done."""
        while self._digests:
            self._digests.popleft().result()

    def _current(self) -> tuple[bytearray, int]:
        """The piece being filled and how full it is; a buffer from the pool when none is."""
        if self._piece is None:
            while self._lent and all(job.done() for job in self._lent[0][1]):
                self._pool.give(self._lent.popleft()[0])
            self._piece, self._fill = self._pool.take(), 0
        return self._piece, self._fill

    def _shared(self) -> _Threads:
        if self._threads is None:
            self._threads = _threads()
        return self._threads

    def _digest(self, digest: Hasher, data: memoryview) -> None:
        if self._workers == 1:
            digest.update(data)
            return
        job = self._shared().digest.submit(digest.update, data)
        self._digests.append(job)
        self._readers.append(job)
        while len(self._digests) > self._workers + 1:  # bounded memory
            self._digests.popleft().result()

    def _write_member(self, compressed: Future[bytes]) -> None:
        self._sink.write(compressed.result())

    def _submit(self) -> None:
        """Hash, compress and write the current piece (an empty stream: an empty one)."""
        piece, fill = self._current()
        data = memoryview(piece)[:fill]
        self._piece, self._fill = None, 0
        if self._workers == 1:
            try:
                self.diff.update(data)
                self._sink.write(gzip_member(data, self._level))
            finally:
                self._pool.give(piece)
            return
        threads = self._shared()
        hashed = threads.hash.submit(self.diff.update, data)
        member = threads.deflate.submit(gzip_member, data, self._level)
        self._hashed.append(hashed)
        self._pending.append((member, threads.write.submit(self._write_member, member)))
        readers: list[Future[bytes] | Future[None]] = [hashed, member, *self._readers]
        self._lent.append((piece, readers))
        self._readers = []
        while len(self._pending) > self._workers + 1:  # bounded memory
            self._pending.popleft()[1].result()
        while len(self._hashed) > self._workers + 1:
            self._hashed.popleft().result()

    def finish(self) -> None:
        """Compress what is left and write every member in order."""
        try:
            if self._fill or self.size == 0:
                self._submit()
            while self._pending:
                self._pending.popleft()[1].result()
            while self._hashed:
                self._hashed.popleft().result()
            self.wait_digests()
        finally:
            self.close()

    def close(self) -> None:
        """Drop the work not yet started (after an error) and wait for the rest: no thread
        touches this stream, its sink or its pieces afterwards; the pieces go back to the
        pool."""
        for member, written in self._pending:
            written.cancel()
            member.cancel()
        waits: list[Future[bytes] | Future[None]] = []
        for member, written in self._pending:
            waits += [written, member]
        waits += [*self._hashed, *self._digests]  # queued hash updates finish, in order
        for future in waits:
            if not future.cancelled():
                future.exception()  # waits; the error, if any, was raised or is moot
        self._pending.clear()
        self._hashed.clear()
        self._digests.clear()
        self._readers.clear()
        for piece, _ in self._lent:  # every job that reads them is done or cancelled now
            self._pool.give(piece)
        self._lent.clear()
        if self._piece is not None:
            self._pool.give(self._piece)
            self._piece = None


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
