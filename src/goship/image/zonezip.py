"""The zone database as one uncompressed zip, the form Go's ``time`` package reads itself.

``time.LoadLocation`` reads ``$ZONEINFO`` as a zip when the name ends in ``.zip``
(``time/zoneinfo_read.go``: ``loadTzinfoFromDirOrZip``/``loadTzinfoFromZip``), the same format as
``$GOROOT/lib/time/zoneinfo.zip``. In a tar layer every one of the ~600 zone files costs a
512-byte header plus padding to 512 bytes (~450 KB of overhead for ~350 KB of data); in a zip an
entry costs 76 bytes plus twice its name.

Go's reader (not a general zip reader) needs: the end-of-central-directory record in the last
22 bytes (no archive comment), method 0 (stored), and a local header whose name equals the
central entry's; it reads ``size`` bytes at ``offset + 30 + namelen + extralen`` and checks no
CRC. So identical zones (links such as ``US/Eastern`` -> ``America/New_York``; 598 names, 345
distinct contents) share one copy of the data: each alias's local header sits just before the
canonical header and its extra-field length spans the headers in between, ending exactly at
the shared data. CRCs and sizes are still correct in every header. General-purpose unzip tools
may call such overlapping entries suspicious; the file is meant for Go only.

Output is deterministic: names sorted, fixed DOS date 1980-01-01, no extra data of its own.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Collection
from pathlib import Path

_LOCAL = struct.Struct("<IHHHHHIIIHH")  # 30 bytes
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")  # 46 bytes
_END = struct.Struct("<IHHHHIIH")  # 22 bytes
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01
_MAX_EXTRA = 0xFFFF


def zone_files(root: Path, only: Collection[str] | None = None) -> list[tuple[str, bytes]]:
    """``(name, TZif data)`` for every zone under ``root`` (sorted; metadata such as
    ``zone.tab`` or ``tzdata.zi``, which Go never reads, is left out), or only the names in
    ``only``."""
    out: list[tuple[str, bytes]] = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        name = path.relative_to(root).as_posix()
        if only is not None and name not in only:
            continue
        data = path.read_bytes()
        if data[:4] == b"TZif":
            out.append((name, data))
    return out


def _local(name: bytes, crc: int, size: int, extra: int) -> bytes:
    return _LOCAL.pack(0x04034B50, 10, 0, 0, 0, _DOS_DATE, crc, size, size, len(name), extra) + name


def build_zip(files: list[tuple[str, bytes]]) -> bytes:
    """A stored zip of ``files`` with identical contents sharing their data (see above)."""
    groups: dict[bytes, list[str]] = {}
    content: dict[bytes, bytes] = {}
    for name, data in sorted(files):
        digest = hashlib.sha256(data).digest()
        groups.setdefault(digest, []).append(name)
        content[digest] = data
    body = bytearray()
    offsets: dict[str, int] = {}
    crcs: dict[str, tuple[int, int]] = {}
    for digest in sorted(groups, key=lambda d: groups[d][0]):
        data = content[digest]
        crc = zlib.crc32(data)
        names = groups[digest]
        while names:  # aliases first, then the canonical (first) name and the data
            batch, names = _batch(names)
            *aliases, canonical = batch[1:] + batch[:1]
            heads = [len(n.encode()) + _LOCAL.size for n in batch]
            gap = sum(heads)
            for alias in aliases:
                raw = alias.encode()
                gap -= len(raw) + _LOCAL.size
                offsets[alias] = len(body)
                body += _local(raw, crc, len(data), gap)
            offsets[canonical] = len(body)
            body += _local(canonical.encode(), crc, len(data), 0) + data
            for n in batch:
                crcs[n] = (crc, len(data))
    central = bytearray()
    for name in sorted(offsets):
        raw = name.encode()
        crc, size = crcs[name]
        central += _CENTRAL.pack(
            0x02014B50,
            20,
            10,
            0,
            0,
            0,
            _DOS_DATE,
            crc,
            size,
            size,
            len(raw),
            0,
            0,
            0,
            0,
            0,
            offsets[name],
        )
        central += raw
    count = len(offsets)
    end = _END.pack(0x06054B50, 0, 0, count, count, len(central), len(body), 0)
    return bytes(body + central + end)


def _batch(names: list[str]) -> tuple[list[str], list[str]]:
    """As many names (the first one is the canonical) as one 64 KiB extra field can span."""
    total = 0
    for i, name in enumerate(names):
        total += len(name.encode()) + _LOCAL.size
        if total > _MAX_EXTRA:
            return names[:i], names[i:]
    return names, []
