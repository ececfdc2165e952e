"""The layer tar stream: byte-for-byte what tarfile writes, with file contents read straight
into the gzip members at any offset, and the file digests right."""

from __future__ import annotations

import gzip
import hashlib
import io
import random
import tarfile
from pathlib import Path

import pytest

from goship.image.pgzip import MEMBER_SIZE, GzipTee
from goship.image.tarstream import TarStream

# sizes around block and member boundaries; the long name needs a PAX header
SIZES = [0, 1, 511, 512, 513, MEMBER_SIZE - 1500, MEMBER_SIZE, 2 * MEMBER_SIZE + 17, 70_000]


def _members(tmp_path: Path) -> list[tuple[tarfile.TarInfo, bytes | Path | None]]:
    rng = random.Random(3)
    out: list[tuple[tarfile.TarInfo, bytes | Path | None]] = []
    d = tarfile.TarInfo("app")
    d.type, d.mode = tarfile.DIRTYPE, 0o755
    out.append((d, None))
    for i, size in enumerate(SIZES):
        name = f"app/f{i}" if i % 3 else "app/" + "long-name-" * 12 + str(i)
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.uid, info.gid = size, 0o644, 65532, 65532
        data = rng.randbytes(size)
        if i % 2:
            path = tmp_path / f"src{i}"
            path.write_bytes(data)
            out.append((info, path))
        else:
            out.append((info, data))
    link = tarfile.TarInfo("app/link")
    link.type, link.linkname = tarfile.SYMTYPE, "f1"
    out.append((link, None))
    return out


def _reference(members: list[tuple[tarfile.TarInfo, bytes | Path | None]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for info, src in members:
            data = src.read_bytes() if isinstance(src, Path) else src
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_bytes_equal_tarfile_and_digests_match(tmp_path: Path, workers: int) -> None:
    members = _members(tmp_path)
    sink = io.BytesIO()
    tee = GzipTee(sink, 1, workers=workers)
    tar = TarStream(tee)
    digests = []
    for info, src in members:
        if isinstance(src, Path):
            digest = hashlib.sha256()
            with src.open("rb", buffering=0) as fh:
                tar.add(info, fh, digest)
            digests.append((digest, src))
        else:
            tar.add(info, src)
    tar.close()
    tee.finish()
    raw = gzip.decompress(sink.getvalue())
    assert raw == _reference(members)
    assert tee.diff.hexdigest() == hashlib.sha256(raw).hexdigest()
    assert tee.size == len(raw) and len(raw) % tarfile.RECORDSIZE == 0
    for digest, src in digests:
        assert digest.hexdigest() == hashlib.sha256(src.read_bytes()).hexdigest()


def test_a_file_shorter_than_its_header_says_is_an_error(tmp_path: Path) -> None:
    src = tmp_path / "short"
    src.write_bytes(b"x" * 100)
    info = tarfile.TarInfo("short")
    info.size = 5000
    tee = GzipTee(io.BytesIO(), 1, workers=2)
    with src.open("rb", buffering=0) as fh, pytest.raises(OSError, match="unexpected end"):
        TarStream(tee).add(info, fh)
    tee.close()
