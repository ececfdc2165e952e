"""The shared layer walker (image/layerstream + image/layerwalk) on its own: the same
filesystem from plain, gzip and zstd blobs, whiteouts in layer order, the caller's limit
hints, and a zstd process that does not outlive a refused layer."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import sys
import tarfile
from pathlib import Path

import pytest
from helpers import zstd

from goship.errors import BadInputError
from goship.image import layerstream
from goship.image.fsview import FsView
from goship.image.layerstream import Budget, LimitHints, WalkLimits
from goship.image.layerwalk import LayerFile, LayerStats, walk_layer


def tar_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def digest(blob: bytes) -> str:
    return "sha256:" + hashlib.sha256(blob).hexdigest()


def walk(
    blobs: list[bytes], budget: Budget | None = None
) -> tuple[FsView, dict[str, bytes], list[LayerStats]]:
    view, seen, stats = FsView(), {}, []
    budget = budget or Budget(WalkLimits())

    def on_file(file: LayerFile) -> None:
        stream = file.open()
        assert stream is not None
        seen[file.path] = stream.read()

    for i, blob in enumerate(blobs):
        key, where = digest(blob), f"img: layer {i}"
        stats.append(
            walk_layer(
                io.BytesIO(blob), view=view, budget=budget, layer=i, key=key, where=where,
                on_file=on_file,
            )
        )  # fmt: skip
    return view, seen, stats


@pytest.mark.parametrize("compress", ["plain", "gzip", "zstd"])
def test_every_compression_gives_the_same_filesystem(compress: str) -> None:
    pack = {"plain": lambda b: b, "gzip": gzip.compress, "zstd": zstd}[compress]
    lower = tar_bytes({"a/x": b"1", "a/y": b"2", "o/p": b"3", "keep": b"4"})
    upper = tar_bytes({"a/.wh.x": b"", "o/.wh..wh..opq": b"", "o/q": b"5", "keep": b"44"})
    view, seen, stats = walk([pack(lower), pack(upper)])
    files = {p: e.layer for p, e in view.files.items() if e.kind == "file"}
    assert files == {"/a/y": 0, "/keep": 1, "/o/q": 1}
    assert seen["/keep"] == b"44" and seen["/a/x"] == b"1"  # every file is passed on
    assert [s.files for s in stats] == [4, 2] and [s.entries for s in stats] == [4, 4]
    assert stats[0].uncompressed_size == len(lower)
    assert stats[1].compressed_size == len(pack(upper))


def test_the_callers_hints_name_its_fix() -> None:
    hints = LimitHints(size="use --big", entries="use --many", ratio="use --ratio")
    blob = tar_bytes({f"f{i}": b"" for i in range(5)})
    with pytest.raises(BadInputError) as info:
        walk([blob], Budget(WalkLimits(max_entries=3), hints))
    assert info.value.hint == "use --many" and "img: layer 0" in info.value.message
    bomb = gzip.compress(b"\0" * (3 << 20))
    with pytest.raises(BadInputError) as info:
        walk([bomb], Budget(WalkLimits(ratio_floor=1 << 20, max_ratio=10), hints))
    assert info.value.hint == "use --ratio" and "decompression bomb" in info.value.message
    with pytest.raises(BadInputError) as info:
        walk([bomb], Budget(WalkLimits(max_layer_bytes=1 << 20, max_ratio=0), hints))
    assert info.value.hint == "use --big" and "per-layer size limit" in info.value.message


def _zstd_children() -> list[int]:
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
        except (OSError, ValueError):
            continue
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :]
        if name == "zstd" and int(rest.split()[1]) == me:
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_zstd_process_ends_with_a_refused_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "zstandard", None)  # the zstd program, even if installed
    bomb = zstd(b"\0" * (8 << 20))
    with pytest.raises(BadInputError, match="per-layer size limit"):
        walk([bomb], Budget(WalkLimits(max_layer_bytes=1 << 20, max_ratio=0)))
    assert _zstd_children() == []
    with pytest.raises(BadInputError, match="truncated or corrupt"):
        walk([bomb[: len(bomb) // 2]])
    assert _zstd_children() == []


def test_zstd_without_a_decoder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "zstandard", None)
    monkeypatch.setattr(layerstream.shutil, "which", lambda _name: None)
    with pytest.raises(BadInputError) as info:
        walk([layerstream.ZSTD_MAGIC + b"\0" * 64])
    assert "zstd-compressed" in info.value.message and "apt-get install zstd" in info.value.hint
