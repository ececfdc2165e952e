"""Post-build checks on the produced ELF with pyelftools: the machine matches the platform and
a binary meant for a libc-less image has no dynamic interpreter (``PT_INTERP``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.segments import InterpSegment

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


def read_elf(path: Path) -> ElfInfo:
    try:
        with path.open("rb") as fh:
            elf = ELFFile(fh)
            interp: str | None = None
            for seg in elf.iter_segments():
                if isinstance(seg, InterpSegment):
                    interp = seg.get_interp_name()
            return ElfInfo(
                machine=str(elf["e_machine"]),
                elfclass=int(elf.elfclass),
                little_endian=bool(elf.little_endian),
                interpreter=interp,
            )
    except (OSError, ELFError) as exc:
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
