"""The stored zone zip: layout per Go's reader, shared data for identical zones, and Go's
time.LoadLocation reading it through ZONEINFO."""

from __future__ import annotations

import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from helpers import go_binary, go_env, write_go_module

from goship.image.baselayer import zoneinfo_source, zoneinfo_zip
from goship.image.zonezip import build_zip, zone_files


def go_read(blob: bytes, name: str) -> bytes:
    """What Go's time/zoneinfo_read.go loadTzinfoFromZip returns for ``name``."""
    n, size, off = struct.unpack("<10xHII2x", blob[-22:])
    cd = blob[off : off + size]
    for _ in range(n):
        assert cd[:4] == b"PK\x01\x02"
        meth, crc, usize, namelen, xlen, fclen = struct.unpack("<10xH4xI4xIHHH", cd[:34])
        (loff,) = struct.unpack("<I", cd[42:46])
        zname = cd[46 : 46 + namelen].decode()
        cd = cd[46 + namelen + xlen + fclen :]
        if zname != name:
            continue
        assert meth == 0
        head = blob[loff : loff + 30 + namelen]
        assert head[:4] == b"PK\x03\x04" and head[30:].decode() == name
        (lxlen,) = struct.unpack("<H", head[28:30])
        start = loff + 30 + namelen + lxlen
        data = blob[start : start + usize]
        assert zlib.crc32(data) == crc
        return data
    raise KeyError(name)


def test_every_zone_reads_back_and_identical_zones_share_data() -> None:
    files = zone_files(zoneinfo_source())
    assert len(files) > 500 and all(d[:4] == b"TZif" for _, d in files)
    assert not [n for n, _ in files if n.endswith((".tab", ".zi", ".py")) or "leap" in n]
    blob = build_zip(files)
    for name, data in files:
        assert go_read(blob, name) == data, name
    unique = sum(len(d) for d in {d for _, d in files})
    per_entry = (len(blob) - unique) / len(files)
    assert per_entry < 76 + 2 * 40  # headers only: shared data is stored once
    assert len(blob) < sum(len(d) for _, d in files)
    assert build_zip(list(reversed(files))) == blob  # order-independent, deterministic


def test_aliases_beyond_one_extra_field_still_resolve() -> None:
    data = b"TZif2" + b"x" * 100
    files = [(f"Alias/Zone_with_a_long_name_{i:05d}", data) for i in range(2000)]
    blob = build_zip(files)
    for name, _ in files[::97]:
        assert go_read(blob, name) == data
    assert blob.count(data) == 2  # 2000 local headers of ~60 bytes need two 64 KiB spans


def test_subset_has_only_the_named_zones() -> None:
    blob = zoneinfo_zip(zones={"Europe/Paris", "America/New_York", "Nowhere/Else"})
    assert go_read(blob, "Europe/Paris")[:4] == b"TZif"
    assert go_read(blob, "America/New_York")[:4] == b"TZif"
    with pytest.raises(KeyError):
        go_read(blob, "Asia/Tokyo")


READER = """package main

import (
\t"fmt"
\t"os"
\t"time"
)

func main() {
\tfor _, name := range os.Args[1:] {
\t\tloc, err := time.LoadLocation(name)
\t\tif err != nil {
\t\t\tfmt.Println(name, "ERR")
\t\t\tcontinue
\t\t}
\t\tt := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC).In(loc)
\t\tfmt.Println(name, t.Format("-0700 MST"))
\t}
}
"""


@pytest.mark.integration
def test_go_loads_zones_from_the_zip(tmp_path: Path) -> None:
    go = go_binary()
    src = zoneinfo_source()
    paris = (src / "Europe/Paris").read_bytes()
    tokyo = (src / "Asia/Tokyo").read_bytes()
    # zones that exist only in the zip prove Go read it (not the host's /usr/share/zoneinfo)
    files = [
        ("Goship/Paris", paris), ("Goship/ParisAlias", paris), ("Goship/Tokyo", tokyo),
        *zone_files(src, {"US/Eastern", "America/New_York"}),
    ]  # fmt: skip
    archive = tmp_path / "zoneinfo.zip"
    archive.write_bytes(build_zip(files))
    root = write_go_module(tmp_path / "reader", {"main.go": READER}, module="example.com/r")
    exe = tmp_path / "reader.bin"
    env = go_env()
    subprocess.run([go, "build", "-o", str(exe), "."], cwd=root, env=env, check=True)
    names = ["Goship/Paris", "Goship/ParisAlias", "Goship/Tokyo", "US/Eastern", "Goship/None"]
    out = subprocess.run(
        [str(exe), *names],
        env={"ZONEINFO": str(archive)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out == [
        "Goship/Paris +0200 CEST",
        "Goship/ParisAlias +0200 CEST",
        "Goship/Tokyo +0900 JST",
        "US/Eastern -0400 EDT",
        "Goship/None ERR",
    ]
