"""A read-only view of an executable: sections, loadable segments and virtual-address reads.

ELF is read with pyelftools; Mach-O and PE headers are small enough to read with ``struct``.
Everything else becomes a ``raw`` executable (no sections) so callers can fall back to a byte
scan. Every offset and size taken from the file is checked against the file's length before
use: a malformed file raises :class:`MalformedBinary`, never ``IndexError``.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from typing import Any

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from goship.vuln.errors import MalformedBinary

ELF_MAGIC = b"\x7fELF"
_MACHO_MAGICS = {
    b"\xfe\xed\xfa\xce": (">", 4),
    b"\xce\xfa\xed\xfe": ("<", 4),
    b"\xfe\xed\xfa\xcf": (">", 8),
    b"\xcf\xfa\xed\xfe": ("<", 8),
}
_PF_X, _PF_W = 1, 2


@dataclass(frozen=True)
class Section:
    name: str
    addr: int
    offset: int
    size: int
    writable: bool = False


@dataclass(frozen=True)
class Segment:
    """A loadable region: ``filesz`` bytes at file ``offset`` appear at ``vaddr``."""

    vaddr: int
    offset: int
    filesz: int
    writable: bool
    executable: bool


@dataclass
class Executable:
    """The parts of an executable file that the Go readers need."""

    data: bytes
    format: str  # "elf" | "macho" | "pe" | "raw"
    sections: list[Section] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    ptr_size: int = 0  # 0 = unknown
    big_endian: bool = False
    machine: str = ""
    symtab: tuple[int, int, int, int] | None = None  # ELF: symtab off, size, strtab off, size

    def section(self, *names: str) -> Section | None:
        for name in names:
            for sec in self.sections:
                if sec.name == name:
                    return sec
        return None

    def section_bytes(self, sec: Section) -> bytes:
        end = sec.offset + sec.size
        if sec.offset < 0 or sec.size < 0 or end > len(self.data):
            raise MalformedBinary(f"section {sec.name} lies outside the file (truncated?)")
        return self.data[sec.offset : end]

    def read(self, addr: int, size: int) -> bytes:
        """``size`` bytes at virtual address ``addr`` (must be backed by file content)."""
        if size < 0:
            raise MalformedBinary("negative read size")
        for seg in self.segments:
            if seg.vaddr <= addr and addr + size <= seg.vaddr + seg.filesz:
                start = seg.offset + (addr - seg.vaddr)
                if start + size > len(self.data):
                    break
                return self.data[start : start + size]
        raise MalformedBinary(f"address {addr:#x} (+{size}) is not in the file (truncated?)")

    def read_upto(self, addr: int, limit: int) -> bytes:
        """Up to ``limit`` bytes from ``addr`` to the end of its segment."""
        for seg in self.segments:
            if seg.vaddr <= addr < seg.vaddr + seg.filesz:
                start = seg.offset + (addr - seg.vaddr)
                end = min(seg.offset + seg.filesz, start + limit, len(self.data))
                return self.data[start:end]
        raise MalformedBinary(f"address {addr:#x} is not in the file (truncated?)")

    def elf_symbol(self, name: str) -> int | None:
        """Value of ELF symbol ``name`` from ``.symtab`` (None when stripped or absent)."""
        if self.symtab is None:
            return None
        sym_off, sym_size, str_off, str_size = self.symtab
        strtab = self.data[str_off : str_off + str_size]
        pos = strtab.find(b"\x00" + name.encode() + b"\x00")
        if pos < 0:
            return None
        name_off = pos + 1
        order = ">" if self.big_endian else "<"
        if self.ptr_size == 8:
            fmt, entry = order + "IBBHQQ", 24
            value_index = 4
        else:
            fmt, entry = order + "IIIBBH", 16
            value_index = 1
        table = self.data[sym_off : sym_off + sym_size - sym_size % entry]
        for rec in struct.iter_unpack(fmt, table):
            if rec[0] == name_off:
                return int(rec[value_index])
        return None


def open_executable(data: bytes) -> Executable:
    """Parse the headers of ``data``; formats other than ELF, Mach-O and PE become ``raw``."""
    head = data[:4]
    if head == ELF_MAGIC:
        return _elf(data)
    if head in _MACHO_MAGICS:
        return _macho(data)
    if head[:2] == b"MZ":
        return _pe(data)
    return Executable(data, "raw")


def _elf(data: bytes) -> Executable:
    try:
        elf = ELFFile(io.BytesIO(data))
        ptr = 8 if elf.elfclass == 64 else 4
        exe = Executable(
            data,
            "elf",
            ptr_size=ptr,
            big_endian=not elf.little_endian,
            machine=str(elf["e_machine"]),
        )
        for seg in elf.iter_segments():
            if seg["p_type"] == "PT_LOAD":
                flags = int(seg["p_flags"])
                exe.segments.append(
                    Segment(
                        int(seg["p_vaddr"]),
                        int(seg["p_offset"]),
                        int(seg["p_filesz"]),
                        bool(flags & _PF_W),
                        bool(flags & _PF_X),
                    )
                )
        sections = list(elf.iter_sections())
        for sec in sections:
            if sec["sh_type"] == "SHT_NOBITS":
                continue
            exe.sections.append(
                Section(
                    sec.name,
                    int(sec["sh_addr"]),
                    int(sec["sh_offset"]),
                    int(sec["sh_size"]),
                    bool(int(sec["sh_flags"]) & 1),
                )
            )
        symtab = elf.get_section_by_name(".symtab")
        if symtab is not None and 0 <= symtab["sh_link"] < len(sections):
            strtab = sections[symtab["sh_link"]]
            exe.symtab = (
                int(symtab["sh_offset"]),
                int(symtab["sh_size"]),
                int(strtab["sh_offset"]),
                int(strtab["sh_size"]),
            )
    except MalformedBinary:
        raise
    except (
        ELFError,
        struct.error,
        ValueError,
        KeyError,
        AttributeError,
        TypeError,
        OverflowError,
        UnicodeDecodeError,
        AssertionError,
        IndexError,
    ) as exc:
        raise MalformedBinary(f"malformed ELF file: {exc or type(exc).__name__}") from exc
    return exe


def _unpack(fmt: str, data: bytes, offset: int) -> tuple[Any, ...]:
    size = struct.calcsize(fmt)
    if offset < 0 or offset + size > len(data):
        raise MalformedBinary("executable header is truncated")
    return struct.unpack_from(fmt, data, offset)


def _cstr(raw: bytes) -> str:
    return raw.split(b"\x00", 1)[0].decode("latin-1")


def _macho(data: bytes) -> Executable:
    order, ptr = _MACHO_MAGICS[data[:4]]
    cputype, _sub, _ftype, ncmds, _size, _flags = _unpack(order + "iiiIII", data, 4)
    exe = Executable(data, "macho", ptr_size=ptr, big_endian=order == ">", machine=str(cputype))
    off = 32 if ptr == 8 else 28
    for _ in range(min(ncmds, 4096)):
        cmd, cmdsize = _unpack(order + "II", data, off)
        if cmdsize < 8:
            raise MalformedBinary("Mach-O load command with a bad size")
        if cmd in (0x1, 0x19):  # LC_SEGMENT, LC_SEGMENT_64
            _parse_macho_segment(exe, data, order, off, cmd == 0x19)
        off += cmdsize
    return exe


def _parse_macho_segment(exe: Executable, data: bytes, order: str, off: int, is64: bool) -> None:
    if is64:
        fields = _unpack(order + "II16sQQQQiiII", data, off)
        sect_off, sect_fmt, sect_size = off + 72, order + "16s16sQQIIIIIIII", 80
    else:
        fields = _unpack(order + "II16sIIIIiiII", data, off)
        sect_off, sect_fmt, sect_size = off + 56, order + "16s16sIIIIIIIII", 68
    # cmd, cmdsize, segname, vmaddr, vmsize, fileoff, filesize, maxprot, initprot, nsects, flags
    vmaddr, _vmsize, fileoff, filesize, _maxprot, initprot, nsects = fields[3:10]
    exe.segments.append(
        Segment(int(vmaddr), int(fileoff), int(filesize), bool(initprot & 2), bool(initprot & 4))
    )
    for i in range(min(int(nsects), 4096)):
        sect = (
            struct.unpack_from(sect_fmt, data, sect_off + i * sect_size)
            if (sect_off + (i + 1) * sect_size <= len(data))
            else None
        )
        if sect is None:
            raise MalformedBinary("Mach-O section table is truncated")
        name = _cstr(sect[0])
        addr, size, offset = int(sect[2]), int(sect[3]), int(sect[4])
        exe.sections.append(Section(name, addr, offset, size, bool(initprot & 2)))


def _pe(data: bytes) -> Executable:
    (lfanew,) = _unpack("<I", data, 0x3C)
    if data[lfanew : lfanew + 4] != b"PE\x00\x00":
        return Executable(data, "raw")
    machine, nsect, _ts, _sym, _nsym, opt_size, _chars = _unpack("<HHIIIHH", data, lfanew + 4)
    opt = lfanew + 24
    (magic,) = _unpack("<H", data, opt)
    if magic == 0x20B:
        (image_base,) = _unpack("<Q", data, opt + 24)
        ptr = 8
    else:
        (image_base,) = _unpack("<I", data, opt + 28)
        ptr = 4
    exe = Executable(data, "pe", ptr_size=ptr, machine=f"{machine:#x}")
    table = opt + opt_size
    for i in range(min(nsect, 4096)):
        name, vsize, vaddr, rawsize, rawptr, _a, _b, _c, _d, chars = _unpack(
            "<8sIIIIIIHHI", data, table + i * 40
        )
        writable = bool(chars & 0x80000000)
        exe.sections.append(
            Section(_cstr(name), image_base + vaddr, rawptr, min(vsize, rawsize), writable)
        )
        exe.segments.append(
            Segment(image_base + vaddr, rawptr, min(vsize, rawsize), writable, bool(chars & 0x20))
        )
    return exe
