"""Function names from a Go binary's pclntab, for symbol-level reachability.

The pclntab survives ``-ldflags=-s -w`` (the runtime needs it for stack traces). It is the
``.gopclntab`` section in ELF and ``__gopclntab`` in Mach-O; otherwise (PE, or section headers
gone) it is found by scanning for its header. Layouts by magic:

* ``0xfffffff1`` (Go ≥ 1.20), ``0xfffffff0`` (1.18-1.19), ``0xfffffffa`` (1.16-1.17): a header
  with offsets of the function-name table, cu table, file table, pc tables and func table.
  The function-name table holds the name of every function *and* of every function inlined
  into one (inline-tree entries point into it), so splitting it on NUL gives the same set
  govulncheck collects from the symbol table plus the inline trees — and it works on stripped
  binaries too;
* ``0xfffffffb`` (Go 1.2-1.15): no name table; names are read through the func table
  (inlined functions are not visible).
"""

from __future__ import annotations

import contextlib
import struct
from dataclasses import dataclass
from urllib.parse import unquote

from goship.vuln.exe import Executable

MAGIC_120 = 0xFFFFFFF1
MAGIC_118 = 0xFFFFFFF0
MAGIC_116 = 0xFFFFFFFA
MAGIC_12 = 0xFFFFFFFB
MAGICS = {MAGIC_120: "1.20", MAGIC_118: "1.18", MAGIC_116: "1.16", MAGIC_12: "1.2"}
MAX_FUNCS = 5_000_000


@dataclass(frozen=True)
class FuncTable:
    """Function names found in a binary. ``inlined`` says whether inlined functions are
    included (Go ≥ 1.16 layouts)."""

    layout: str
    names: frozenset[str]
    inlined: bool

    def symbols(self, main_path: str = "") -> dict[str, set[str]]:
        """Package path -> symbol names in the OSV form (``Func``, ``Type.Method``), computed
        exactly as govulncheck does; package ``main`` is renamed to ``main_path``."""
        out: dict[str, set[str]] = {}
        for name in self.names:
            pkg, sym = split_symbol(name)
            if not pkg:
                continue
            if pkg == "main" and main_path:
                pkg = main_path
            out.setdefault(pkg, set()).add(sym)
        return out


def _without_inst(name: str) -> str:
    start = name.find("[")
    if start < 0:
        return name
    end = name.rfind("]")
    if end < 0:
        return name
    return name[:start] + name[end + 1 :]


def split_symbol(name: str) -> tuple[str, str]:
    """(package path, OSV symbol) for a pclntab function name, following ``debug/gosym``'s
    PackageName/ReceiverName/BaseName: ``net/http.(*Server).Serve`` -> (``net/http``,
    ``Server.Serve``). Compiler-generated ``go:``/``type:`` names have no package."""
    plain = _without_inst(name)
    if plain.startswith(("go:", "type:")):
        return "", ""
    pathend = max(plain.rfind("/"), 0)
    dot = plain.find(".", pathend)
    if dot < 0:
        return "", ""
    pkg = plain[:dot]
    # base name
    i = plain.rfind(".")
    if plain != name and i > name.find("["):
        i = name.rfind(".")
    base = name[i + 1 :]
    # receiver
    last = plain.rfind(".", pathend)
    symbol = base
    if last != dot:
        r = name.rfind(".", pathend)
        receiver = name[dot + 1 : r]
        if receiver.startswith("(*"):
            receiver = receiver.strip("(*)")
        symbol = f"{receiver}.{base}"
    with contextlib.suppress(UnicodeDecodeError):
        pkg = unquote(pkg, errors="strict")
    return pkg, symbol


def _plausible(data: bytes, pos: int, order: str) -> bool:
    if pos + 8 > len(data):
        return False
    return (
        data[pos + 4] == 0
        and data[pos + 5] == 0
        and data[pos + 6] in (1, 2, 4)
        and (data[pos + 7] in (4, 8))
    )


def locate(exe: Executable) -> tuple[bytes, str] | None:
    """The pclntab bytes (from its start to the end of its section or file) and byte order."""
    sec = exe.section(".gopclntab", "__gopclntab")
    if sec is not None:
        blob = exe.section_bytes(sec)
        for order in ("<", ">"):
            if len(blob) >= 8 and struct.unpack_from(order + "I", blob)[0] in MAGICS:
                return blob, order
    data = exe.data
    orders = (">",) if exe.big_endian else ("<", ">")
    for order in orders:
        for magic in (MAGIC_120, MAGIC_118, MAGIC_116, MAGIC_12):
            needle = struct.pack(order + "I", magic)
            pos = data.find(needle)
            while pos >= 0:
                if _plausible(data, pos, order):
                    blob = data[pos:]
                    if _names(blob, order) is not None:
                        return blob, order
                pos = data.find(needle, pos + 1)
    return None


def _names(blob: bytes, order: str) -> FuncTable | None:
    """Parse a pclntab; None if its header is inconsistent (a false match while scanning)."""
    if len(blob) < 8:
        return None
    magic = struct.unpack_from(order + "I", blob)[0]
    ptr = blob[7]
    if ptr not in (4, 8) or magic not in MAGICS:
        return None
    word = order + ("Q" if ptr == 8 else "I")

    def w(index: int) -> int:
        off = 8 + index * ptr
        if off + ptr > len(blob):
            raise ValueError("truncated header")
        return int(struct.unpack_from(word, blob, off)[0])

    try:
        if magic == MAGIC_12:
            return _names_12(blob, order, ptr, w(0))
        nfunc = w(0)
        if magic == MAGIC_116:
            nameoff, cuoff = w(2), w(3)
        else:
            nameoff, cuoff = w(3), w(4)
    except ValueError:
        return None
    if not (0 < nfunc <= MAX_FUNCS) or not (0 < nameoff <= cuoff <= len(blob)):
        return None
    table = blob[nameoff:cuoff]
    names = {n.decode("utf-8", "replace") for n in table.split(b"\x00") if n}
    if not names:
        return None
    return FuncTable(MAGICS[magic], frozenset(names), inlined=True)


def _names_12(blob: bytes, order: str, ptr: int, nfunc: int) -> FuncTable | None:
    if not (0 < nfunc <= MAX_FUNCS):
        return None
    word = order + ("Q" if ptr == 8 else "I")
    start = 8 + ptr
    names: set[str] = set()
    for i in range(nfunc):
        pos = start + (2 * i + 1) * ptr
        if pos + ptr > len(blob):
            return None
        funcoff = int(struct.unpack_from(word, blob, pos)[0])
        name_pos = funcoff + ptr
        if name_pos + 4 > len(blob):
            return None
        nameoff = int(struct.unpack_from(order + "i", blob, name_pos)[0])
        if not 0 <= nameoff < len(blob):
            return None
        end = blob.find(b"\x00", nameoff, nameoff + 4096)
        if end < 0:
            return None
        names.add(blob[nameoff:end].decode("utf-8", "replace"))
    return FuncTable("1.2", frozenset(names), inlined=False)


def read_functions(exe: Executable) -> FuncTable | None:
    """Function names of a Go executable, or None when no usable pclntab is found."""
    found = locate(exe)
    if found is None:
        return None
    blob, order = found
    return _names(blob, order)
