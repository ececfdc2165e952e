"""elfcheck reads machine, class, byte order and PT_INTERP with struct, as pyelftools does."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.segments import InterpSegment

from goship.errors import ProjectError
from goship.gobuild.elfcheck import EXPECTED_MACHINE, MACHINE_NAMES, check_binary, read_elf
from goship.image.platform import Platform

PT_LOAD, PT_INTERP = 1, 3


def make_elf(
    *, wide: bool, little: bool, machine: int, interp: str | None = None, xnum: bool = False
) -> bytes:
    """A minimal ELF: header, program headers (a PT_LOAD and maybe a PT_INTERP), the
    interpreter string; with ``xnum`` the count lives in section 0's sh_info (PN_XNUM)."""
    order = "<" if little else ">"
    ehsize, phentsize, shentsize = (64, 56, 64) if wide else (52, 32, 40)
    phdrs = [(PT_LOAD, 0, 0)]
    interp_bytes = interp.encode() + b"\0" if interp is not None else b""
    phnum = 1 + (interp is not None)
    phoff = ehsize
    data_off = phoff + phnum * phentsize
    shoff = data_off + len(interp_bytes) if xnum else 0
    if interp is not None:
        phdrs.append((PT_INTERP, data_off, len(interp_bytes)))
    ident = b"\x7fELF" + bytes([2 if wide else 1, 1 if little else 2, 1]) + bytes(9)
    head_fmt = order + ("HHIQQQIHHHHHH" if wide else "HHIIIIIHHHHHH")
    e_phnum = 0xFFFF if xnum else phnum
    head = struct.pack(
        head_fmt, 2, machine, 1, 0, phoff, shoff, 0, ehsize, phentsize, e_phnum, shentsize, 1, 0
    )
    table = b""
    for p_type, offset, size in phdrs:
        if wide:
            table += struct.pack(order + "IIQQQQQQ", p_type, 5, offset, 0, 0, size, size, 1)
        else:
            table += struct.pack(order + "IIIIIIII", p_type, offset, 0, 0, size, size, 5, 1)
    out = ident + head + table + interp_bytes
    if xnum:
        if wide:
            sh0 = struct.pack(order + "IIQQQQIIQQ", 0, 0, 0, 0, 0, 0, 0, phnum, 0, 0)
        else:
            sh0 = struct.pack(order + "IIIIIIIIII", 0, 0, 0, 0, 0, 0, 0, phnum, 0, 0)
        out += sh0
    return out


def pyelftools_view(path: Path) -> tuple[str, int, bool, str | None]:
    with path.open("rb") as fh:
        elf = ELFFile(fh)
        interp = None
        for seg in elf.iter_segments():
            if isinstance(seg, InterpSegment):
                interp = seg.get_interp_name()
        return str(elf["e_machine"]), int(elf.elfclass), bool(elf.little_endian), interp


@pytest.mark.parametrize("wide", [True, False], ids=["64bit", "32bit"])
@pytest.mark.parametrize("little", [True, False], ids=["le", "be"])
@pytest.mark.parametrize("interp", [None, "/lib/ld-musl-x.so.1"], ids=["static", "dynamic"])
def test_crafted_headers_read_like_pyelftools(
    tmp_path: Path, wide: bool, little: bool, interp: str | None
) -> None:
    machine = 21 if wide else 8  # EM_PPC64 / EM_MIPS: both byte orders exist
    path = tmp_path / "bin"
    path.write_bytes(make_elf(wide=wide, little=little, machine=machine, interp=interp))
    info = read_elf(path)
    assert (info.machine, info.elfclass, info.little_endian, info.interpreter) == (
        MACHINE_NAMES[machine],
        64 if wide else 32,
        little,
        interp,
    )
    assert pyelftools_view(path) == (
        info.machine,
        info.elfclass,
        info.little_endian,
        info.interpreter,
    )
    assert info.static is (interp is None)


@pytest.mark.parametrize("wide", [True, False], ids=["64bit", "32bit"])
def test_program_header_count_from_section_zero(tmp_path: Path, wide: bool) -> None:
    path = tmp_path / "bin"
    path.write_bytes(make_elf(wide=wide, little=True, machine=62, interp="/i", xnum=True))
    assert read_elf(path).interpreter == "/i"


def test_check_binary_names_the_wrong_machine_and_the_interpreter(tmp_path: Path) -> None:
    arm64 = tmp_path / "arm64"
    arm64.write_bytes(make_elf(wide=True, little=True, machine=183))
    assert check_binary(arm64, Platform.parse("linux/arm64"), require_static=True).static
    with pytest.raises(ProjectError, match="EM_AARCH64/64-bit, expected EM_X86_64"):
        check_binary(arm64, Platform.parse("linux/amd64"), require_static=True)
    s390 = tmp_path / "s390x"
    s390.write_bytes(make_elf(wide=True, little=False, machine=22))
    assert (read_elf(s390).machine, 64, False) == EXPECTED_MACHINE["s390x"]
    dyn = tmp_path / "dyn"
    dyn.write_bytes(make_elf(wide=True, little=True, machine=62, interp="/lib64/ld.so"))
    with pytest.raises(ProjectError, match=r"dynamically linked \(interpreter /lib64/ld.so\)"):
        check_binary(dyn, Platform.parse("linux/amd64"), require_static=True)
    assert check_binary(dyn, Platform.parse("linux/amd64"), require_static=False).interpreter


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"#!/bin/sh\necho hi\n",
        b"\x7fELF",  # ident cut short
        b"\x7fELF\x03\x01" + bytes(10),  # unknown class
        make_elf(wide=True, little=True, machine=62)[:40],  # header cut short
        make_elf(wide=True, little=True, machine=62, interp="/ld")[:100],  # phdrs cut short
        make_elf(wide=False, little=False, machine=8, interp="/ld")[:-3],  # interp cut short
    ],
    ids=["empty", "script", "ident", "class", "header", "phdrs", "interp"],
)
def test_non_elf_and_truncated_input_is_a_project_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bin"
    path.write_bytes(data)
    with pytest.raises(ProjectError, match="is not a readable ELF binary"):
        read_elf(path)


def test_missing_file_is_a_project_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="is not a readable ELF binary"):
        read_elf(tmp_path / "absent")


@pytest.mark.parametrize(("goarch", "goarm"), [("amd64", ""), ("arm64", ""), ("arm", "7")])
def test_example_binaries_match_pyelftools(
    repo_root: Path, tmp_path: Path, goarch: str, goarm: str
) -> None:
    go = shutil.which("go")
    if go is None:
        pytest.skip("needs go")
    out = tmp_path / "app"
    env = {**os.environ, "CGO_ENABLED": "0", "GOOS": "linux", "GOARCH": goarch}
    env.update({"GOARM": goarm, "GOFLAGS": "", "GOAMD64": "", "GOARM64": ""})
    subprocess.run(
        [go, "build", "-trimpath", "-ldflags=-s -w", "-o", str(out), "."],
        cwd=repo_root / "examples" / "stdlib-api",
        env=env,
        check=True,
        capture_output=True,
    )
    info = read_elf(out)
    assert pyelftools_view(out) == (
        info.machine,
        info.elfclass,
        info.little_endian,
        info.interpreter,
    )
    assert (info.machine, info.elfclass, info.little_endian) == EXPECTED_MACHINE[goarch]
    assert info.static


def test_a_dynamic_system_binary_matches_pyelftools() -> None:
    path = Path("/bin/ls").resolve()
    if not path.is_file():
        pytest.skip("no /bin/ls")
    info = read_elf(path)
    assert info.interpreter is not None
    assert pyelftools_view(path)[3] == info.interpreter
