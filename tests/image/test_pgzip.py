"""Parallel multi-member gzip: same bytes for any worker count, readable as one stream."""

from __future__ import annotations

import gzip
import io
import random
import zlib

import pytest

from goship.image.pgzip import COMPRESSOR, MEMBER_SIZE, Gunzip, GzipTee, gzip_member, warm_up


def members(blob: bytes) -> list[bytes]:
    """Split a gzip stream into its members' decompressed contents."""
    out = []
    while blob:
        d = zlib.decompressobj(31)
        out.append(d.decompress(blob))
        assert d.eof, "truncated member"
        blob = d.unused_data
    return out


def _compress(data: bytes, workers: int, write_size: int = 100_003) -> bytes:
    sink = io.BytesIO()
    tee = GzipTee(sink, 1, workers=workers)
    for i in range(0, len(data), write_size):
        tee.write(data[i : i + write_size])
    tee.finish()
    assert tee.size == len(data)
    return sink.getvalue()


@pytest.fixture(scope="module")
def data() -> bytes:
    rng = random.Random(7)
    # compressible but not trivial: words plus some noise, 3.5 members long
    words = [bytes(rng.choices(b"abcdefgh", k=rng.randint(2, 9))) for _ in range(500)]
    body = b" ".join(rng.choice(words) for _ in range(700_000))
    return body[: 3 * MEMBER_SIZE + MEMBER_SIZE // 2]


def test_bytes_do_not_depend_on_workers_or_write_sizes(data: bytes) -> None:
    one = _compress(data, 1)
    assert _compress(data, 4) == one
    assert _compress(data, 2, write_size=MEMBER_SIZE + 1) == one
    assert _compress(data, 3, write_size=4096) == one


def test_one_member_per_mebibyte_and_a_valid_stream(data: bytes) -> None:
    blob = _compress(data, 2)
    parts = members(blob)
    assert [len(p) for p in parts] == [MEMBER_SIZE] * 3 + [MEMBER_SIZE // 2]
    assert gzip.decompress(blob) == data
    assert blob[:10] == gzip_member(b"", 1)[:10]  # fixed header: no name, mtime 0


def test_small_stream_is_a_plain_single_member(data: bytes) -> None:
    small = data[:5000]
    assert _compress(small, 4) == gzip_member(small, 1)
    assert gzip.decompress(gzip_member(small, 1)) == small
    # gzip header: magic, deflate, no flags, mtime 0 (so the bytes do not depend on the clock)
    assert gzip_member(small, 1)[:8] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00"


def test_isal_is_the_engine_with_zlib_like_ratio(data: bytes) -> None:
    assert COMPRESSOR.startswith("isal-")
    ours = gzip_member(data, 1)
    gz = zlib.compressobj(1, zlib.DEFLATED, 31)
    plain = gz.compress(data) + gz.flush()
    assert gzip.decompress(ours) == data
    assert len(ours) <= len(plain) * 1.1


def test_empty_stream_is_one_empty_member() -> None:
    blob = _compress(b"", 2)
    assert gzip.decompress(blob) == b"" and len(members(blob)) == 1


def test_diff_hash_covers_the_uncompressed_stream(data: bytes) -> None:
    import hashlib

    tee = GzipTee(io.BytesIO(), 1, workers=2)
    tee.write(data)
    tee.finish()
    assert tee.diff.hexdigest() == hashlib.sha256(data).hexdigest()


def test_gunzip_reads_every_member_in_any_chunking(data: bytes) -> None:
    blob = _compress(data, 2)
    for step in (1 << 16, 4099, len(blob)):
        g = Gunzip()
        out = b"".join(g.decompress(blob[i : i + step]) for i in range(0, len(blob), step))
        assert out + g.flush() == data


class _FailingSink:
    """Accepts ``ok`` writes, then fails like a full disk."""

    def __init__(self, ok: int) -> None:
        self.ok = ok

    def write(self, data: bytes) -> int:
        if self.ok == 0:
            raise OSError(28, "No space left on device")
        self.ok -= 1
        return len(data)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_sink_fails_the_stream_and_stops_the_threads(data: bytes, workers: int) -> None:
    import threading

    warm_up()  # the shared threads stay; a stream must leave none of its own
    before = threading.active_count()
    _fail_a_stream(data, workers)
    assert threading.active_count() == before


def _fail_a_stream(data: bytes, workers: int) -> None:
    """Write ``data`` into a sink that fails on its second write, closing as callers do."""
    tee = GzipTee(_FailingSink(ok=1), 1, workers=workers)
    with pytest.raises(OSError, match="No space left"):
        try:
            tee.write(data)
            tee.finish()
        finally:
            tee.close()


def test_write_from_reads_into_members_at_any_offset(data: bytes) -> None:
    """A file's bytes read straight into the members equal the same bytes written."""
    import hashlib

    for head in (0, 700, MEMBER_SIZE - 10):
        sink = io.BytesIO()
        tee = GzipTee(sink, 1, workers=2)
        digest = hashlib.sha256()
        tee.write(data[:head])
        tee.write_from(io.BytesIO(data[head:]), len(data) - head, digest)
        tee.wait_digests()
        assert digest.hexdigest() == hashlib.sha256(data[head:]).hexdigest()
        tee.finish()
        assert tee.diff.hexdigest() == hashlib.sha256(data).hexdigest()
        assert sink.getvalue() == _compress(data, 2)


def test_warm_up_starts_every_shared_thread_once() -> None:
    import threading

    from goship.image import pgzip

    warm_up()
    names = sorted(t.name for t in threading.enumerate() if t.name.startswith("gzip"))
    deflaters = [n for n in names if n.startswith("gzip_")]
    assert len(deflaters) == pgzip._threads().size
    assert {"gzip-hash_0", "gzip-digest_0", "gzip-write_0"} <= set(names)
    warm_up()
    assert sorted(t.name for t in threading.enumerate() if t.name.startswith("gzip")) == names


def test_streams_sharing_the_threads_keep_their_own_order(data: bytes) -> None:
    """Several layers at once (one per platform) interleave on the shared threads."""
    from concurrent.futures import ThreadPoolExecutor

    inputs = [data, data[::-1], data[: MEMBER_SIZE + 7], bytes(reversed(data[: MEMBER_SIZE * 2]))]
    expected = [_compress(d, 1) for d in inputs]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda d: _compress(d, 2, write_size=65_537), inputs))
    assert got == expected


@pytest.mark.parametrize("workers", [1, 2])
def test_pieces_come_back_to_the_pool_and_are_reused(data: bytes, workers: int) -> None:
    """Every piece buffer goes back to the shared pool when a stream is done (or failed),
    and the next stream fills the same buffers instead of fresh memory."""
    from goship.image import pgzip

    pool = pgzip._PIECES[0]
    warm_up()
    before = {id(b) for b in pool._free}
    assert len(before) >= pgzip._threads().size + 2  # warm_up mapped them ahead of time
    taken: list[int] = []
    real_take = pool.take

    def take() -> bytearray:
        piece = real_take()
        taken.append(id(piece))
        return piece

    pool.take = take  # type: ignore[method-assign]
    try:
        assert _compress(data, workers) == _compress(data, 1)
        _fail_a_stream(data, workers)
    finally:
        del pool.take
    assert {id(b) for b in pool._free} == before
    assert set(taken) <= before
