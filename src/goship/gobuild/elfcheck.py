"""Post-build checks on the produced ELF: the machine matches the platform and a binary meant
for a libc-less image has no dynamic interpreter (``PT_INTERP``).

Only the ELF header and the program headers are read, with :mod:`struct` (32/64-bit, either
byte order): pyelftools would cost ~30 ms of import while ``go build`` links, and a warm
build's goship CPU competes with the compile. The vulnerability scanner still uses pyelftools.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from goship.errors import ProjectError
from goship.image.platform import Platform

# GOARCH -> (e_machine, ELF class, little endian)
EXPECTED_MACHINE: dict[str, tuple[str, int, bool]] = {
    "amd64": ("EM_X86_64", 64, True),
    "386": ("EM_386", 32, True),
    "arm64": ("EM_AARCH64", 64, True),
    "arm": ("EM_ARM", 32, True),
    "riscv64": ("EM_RISCV", 64, True),
    "ppc64": ("EM_PPC64", 64, False),
    "ppc64le": ("EM_PPC64", 64, True),
    "s390x": ("EM_S390", 64, False),
    "mips": ("EM_MIPS", 32, False),
    "mipsle": ("EM_MIPS", 32, True),
    "mips64": ("EM_MIPS", 64, False),
    "mips64le": ("EM_MIPS", 64, True),
    "loong64": ("EM_LOONGARCH", 64, True),
}


@dataclass(frozen=True)
class ElfInfo:
    machine: str  # e.g. EM_AARCH64
    elfclass: int
    little_endian: bool
    interpreter: str | None  # PT_INTERP contents, None for a static binary

    @property
    def static(self) -> bool:
        return self.interpreter is None


# e_machine values (ELF gABI) of the architectures Go targets, by pyelftools' names
MACHINE_NAMES: dict[int, str] = {
    2: "EM_SPARC",
    3: "EM_386",
    8: "EM_MIPS",
    20: "EM_PPC",
    21: "EM_PPC64",
    22: "EM_S390",
    40: "EM_ARM",
    43: "EM_SPARCV9",
    62: "EM_X86_64",
    183: "EM_AARCH64",
    243: "EM_RISCV",
    258: "EM_LOONGARCH",
}
PT_INTERP = 3
_PN_XNUM = 0xFFFF


class _NotElf(Exception):
    pass


def _read(fh: BinaryIO, offset: int, size: int) -> bytes:
    fh.seek(offset)
    data = fh.read(size)
    if len(data) != size:
        raise _NotElf(f"truncated at offset {offset} (wanted {size} bytes, got {len(data)})")
    return data


def _parse(fh: BinaryIO) -> ElfInfo:
    ident = _read(fh, 0, 16)
    if ident[:4] != b"\x7fELF":
        raise _NotElf(f"magic number {ident[:4]!r} is not \\x7fELF")
    if ident[4] not in (1, 2) or ident[5] not in (1, 2):
        raise _NotElf(f"unknown ELF class {ident[4]} / data encoding {ident[5]}")
    wide, little = ident[4] == 2, ident[5] == 1
    order = "<" if little else ">"
    if wide:  # e_type .. e_shstrndx
        fields = struct.unpack(order + "HHIQQQIHHHHHH", _read(fh, 16, 48))
    else:
        fields = struct.unpack(order + "HHIIIIIHHHHHH", _read(fh, 16, 36))
    machine, phoff, shoff = fields[1], fields[4], fields[5]
    phentsize, phnum = fields[8], fields[9]
    if phnum == _PN_XNUM:  # the real count is sh_info of section 0
        phnum = struct.unpack(order + "I", _read(fh, shoff + (44 if wide else 28), 4))[0]
    phdr = order + ("IIQQQQQQ" if wide else "IIIIIIII")
    if phnum and phentsize < struct.calcsize(phdr):
        raise _NotElf(f"program header entries of {phentsize} bytes are too small")
    interp: str | None = None
    table = _read(fh, phoff, phentsize * phnum) if phnum else b""
    for n in range(phnum):
        entry = struct.unpack_from(phdr, table, n * phentsize)
        p_type = entry[0]
        offset, size = (entry[2], entry[5]) if wide else (entry[1], entry[4])
        if p_type == PT_INTERP:
            interp = _read(fh, offset, size).split(b"\0", 1)[0].decode("utf-8", "replace")
    return ElfInfo(
        machine=MACHINE_NAMES.get(machine, f"EM_{machine}"),
        elfclass=64 if wide else 32,
        little_endian=little,
        interpreter=interp,
    )


def read_elf(path: Path) -> ElfInfo:
    """Machine, class, byte order and ``PT_INTERP`` of the ELF file ``path``."""
    try:
        with path.open("rb") as fh:
            return _parse(fh)
    except (OSError, _NotElf, struct.error) as exc:
        raise ProjectError(f"{path} is not a readable ELF binary: {exc}") from exc


def check_binary(path: Path, platform: Platform, *, require_static: bool) -> ElfInfo:
    """Raise ProjectError if the binary is for another machine, or dynamic when it must not be."""
    info = read_elf(path)
    expected = EXPECTED_MACHINE.get(platform.architecture)
    if expected is not None:
        machine, elfclass, little = expected
        if (info.machine, info.elfclass, info.little_endian) != (machine, elfclass, little):
            raise ProjectError(
                f"the {platform} binary is {info.machine}/{info.elfclass}-bit"
                f"{'' if info.little_endian else ' big-endian'}, expected {machine}/{elfclass}-bit",
                "check GOARCH/CC overrides in the environment",
            )
    if require_static and not info.static:
        raise ProjectError(
            f"the {platform} binary is dynamically linked (interpreter {info.interpreter}) "
            "and would not start on an image without libc",
            "build with CGO_ENABLED=0, or give --base with a matching glibc/musl image",
        )
    return info
