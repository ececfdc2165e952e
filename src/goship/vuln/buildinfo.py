"""Read the Go build information embedded in a binary, in pure Python (no ``go`` needed).

The Go linker writes a 32-byte header starting with ``"\\xff Go buildinf:"`` (16-byte aligned)
into the data of every binary since Go 1.13:

* byte 14: pointer size (4 or 8); byte 15: flags — bit 0 big-endian, bit 1 "inline strings";
* Go ≥ 1.18 (bit 1 set): the Go version and the module info follow the header as two
  uvarint-length-prefixed strings;
* older binaries (bit 1 clear): two pointers at offsets 16 and 16+ptrsize, each to a Go string
  header ``{data pointer, length}`` elsewhere in the image.

The header is looked for where ``debug/buildinfo`` looks (ELF ``.go.buildinfo`` or the first
writable segment, Mach-O ``__go_buildinfo``, the PE data section) and then, as a fallback, in
the whole file, so stripped binaries and unknown containers work as long as the strings are
inline. The module info is framed by two 16-byte sentinels, which are removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from goship.vuln.errors import MalformedBinary, NotAGoBinary
from goship.vuln.exe import ELF_MAGIC, Executable, open_executable
from goship.vuln.modinfo import BuildInfo, parse_modinfo

MAGIC = b"\xff Go buildinf:"
HEADER_SIZE = 32
ALIGN = 16
SEARCH_LIMIT = 64 << 10
MAX_STRING = 16 << 20  # no build-info string comes close; bounds every length we read
MAX_FILE = 1 << 31


@dataclass(frozen=True)
class RawBuildInfo:
    go_version: str
    modinfo: str
    ptr_size: int
    big_endian: bool


def read_uvarint(data: bytes, pos: int) -> tuple[int, int]:
    """Decode a Go uvarint at ``pos``: (value, position after it). Bounded to 10 bytes."""
    value = 0
    shift = 0
    for i in range(10):
        if pos + i >= len(data):
            raise MalformedBinary("build info is truncated inside a length (varint)")
        byte = data[pos + i]
        if i == 9 and byte > 1:
            raise MalformedBinary("build info has an oversized length (varint overflows 64 bits)")
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos + i + 1
        shift += 7
    raise MalformedBinary("build info has an oversized length (varint longer than 10 bytes)")


def _inline_string(data: bytes, pos: int) -> tuple[str, int]:
    length, pos = read_uvarint(data, pos)
    if length > MAX_STRING:
        raise MalformedBinary(f"build info string length {length} is implausibly large")
    if pos + length > len(data):
        raise MalformedBinary("build info is truncated inside a string")
    return data[pos : pos + length].decode("utf-8", "replace"), pos + length


def _find_header(data: bytes, start: int = 0) -> int:
    """Offset of the first 16-byte-aligned (relative to ``start``) header in ``data``."""
    pos = start
    while True:
        i = data.find(MAGIC, pos)
        if i < 0:
            return -1
        if (i - start) % ALIGN == 0:
            return i
        pos = i + 1


def _data_start(exe: Executable) -> tuple[int, int] | None:
    """Where ``debug/buildinfo`` starts looking: (virtual address, size)."""
    sec = exe.section(".go.buildinfo", "__go_buildinfo")
    if sec is not None:
        return sec.addr, sec.size
    if exe.format == "elf":
        for seg in exe.segments:
            if seg.writable and not seg.executable:
                return seg.vaddr, seg.filesz
    if exe.format in ("macho", "pe"):
        for sec in exe.sections:
            if sec.writable and sec.size and sec.name in ("__data", ".data"):
                return sec.addr, sec.size
    return None


def _string_via_pointer(exe: Executable, header: bytes, at: int, ptr: int, order: str) -> str:
    def read_ptr(raw: bytes) -> int:
        if len(raw) < ptr:
            raise MalformedBinary("build info pointer is truncated")
        return int.from_bytes(raw[:ptr], "big" if order == ">" else "little")

    hdr_addr = read_ptr(header[at : at + ptr])
    str_hdr = exe.read(hdr_addr, 2 * ptr)
    data_addr, length = read_ptr(str_hdr[:ptr]), read_ptr(str_hdr[ptr:])
    if length > MAX_STRING:
        raise MalformedBinary(f"build info string length {length} is implausibly large")
    if length == 0:
        return ""
    return exe.read(data_addr, length).decode("utf-8", "replace")


def _decode(exe: Executable, blob: bytes) -> RawBuildInfo:
    if len(blob) < HEADER_SIZE:
        raise MalformedBinary("build info header is truncated")
    ptr_size, flags = blob[14], blob[15]
    if flags & 2:
        vers, pos = _inline_string(blob, HEADER_SIZE)
        mod, _ = _inline_string(blob, pos)
        ptr = ptr_size if ptr_size in (4, 8) else exe.ptr_size
        big = bool(flags & 1)
    else:
        if ptr_size not in (4, 8):
            raise MalformedBinary(f"build info has a bad pointer size {ptr_size}")
        if exe.format == "raw" or not exe.segments:
            raise MalformedBinary(
                "build info uses the pre-Go 1.18 pointer format, which needs the executable's "
                "segments, and this file's container format is not recognised"
            )
        big = flags != 0
        order = ">" if big else "<"
        vers = _string_via_pointer(exe, blob, 16, ptr_size, order)
        mod = _string_via_pointer(exe, blob, 16 + ptr_size, ptr_size, order)
        ptr = ptr_size
    if not vers:
        raise NotAGoBinary("the build info has no Go version")
    # strip the 16-byte sentinels framing the module info (cmd/go's infoStart/infoEnd)
    mod = mod[16:-16] if len(mod) >= 33 and mod[-17] == "\n" else ""
    return RawBuildInfo(vers, mod, ptr, big)


def _blob(exe: Executable) -> bytes:
    start = _data_start(exe)
    if start is not None:
        addr, size = start
        try:
            region = exe.read_upto(addr, min(size, SEARCH_LIMIT))
        except MalformedBinary:
            region = b""
        i = _find_header(region)
        if i >= 0:
            return region[i:]
    # fallback: anywhere in the file (stripped section headers, unknown containers)
    i = exe.data.find(MAGIC)
    while i >= 0:
        blob = exe.data[i : i + SEARCH_LIMIT]
        if len(blob) >= HEADER_SIZE and (blob[15] & 2 or exe.format != "raw"):
            return blob
        i = exe.data.find(MAGIC, i + 1)
    raise NotAGoBinary("no Go build information found (not a Go binary, or built before Go 1.13)")


def read_raw(data: bytes) -> RawBuildInfo:
    """The Go version and the module-info text of the executable in ``data``."""
    if len(data) < 4:
        raise NotAGoBinary("file is too small to be an executable")
    exe = open_executable(data)
    if exe.format == "raw" and MAGIC not in data:
        raise NotAGoBinary("not an executable (no ELF, Mach-O or PE header) and no Go build info")
    return _decode(exe, _blob(exe))


def read_buildinfo(data: bytes) -> BuildInfo:
    """Parse the build information of the Go executable in ``data``.

    Raises :class:`NotAGoBinary` when there is none and :class:`MalformedBinary` when it is
    there but unreadable.
    """
    raw = read_raw(data)
    return parse_modinfo(raw.go_version, raw.modinfo)


def read_buildinfo_file(path: str | Path) -> BuildInfo:
    """:func:`read_buildinfo` for a file on disk."""
    return read_buildinfo(read_executable_bytes(path))


def read_executable_bytes(path: str | Path) -> bytes:
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE:
            raise NotAGoBinary(f"{p} is larger than 2 GiB; not scanning it")
        return p.read_bytes()
    except IsADirectoryError as exc:
        raise NotAGoBinary(f"{p} is a directory") from exc
    except OSError as exc:
        raise NotAGoBinary(f"cannot read {p}: {exc.strerror}") from exc


def looks_like_executable(head: bytes) -> bool:
    """Cheap check on the first bytes of a file (for scanning directories and layers)."""
    return (
        head[:4] == ELF_MAGIC
        or head[:2] == b"MZ"
        or head[:4]
        in (
            b"\xfe\xed\xfa\xce",
            b"\xce\xfa\xed\xfe",
            b"\xfe\xed\xfa\xcf",
            b"\xcf\xfa\xed\xfe",
        )
    )
