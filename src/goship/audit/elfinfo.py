"""Reduce an executable found in a layer to :class:`~goship.audit.model.GoFacts`.

Build info and function names come from goship's own readers (:mod:`goship.vuln.binary`: Go
version, modules, build settings, the pclntab); ELF program headers and the dynamic section
from pyelftools (interpreter, ``DT_NEEDED``, ``DT_RPATH``/``DT_RUNPATH``, ``.symtab``).
Anything unreadable is "not a Go binary" or a warning, never an exception.
"""

from __future__ import annotations

import io

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.segments import InterpSegment

from goship.audit.model import GoFacts
from goship.vuln.binary import GoBinary, analyze_bytes
from goship.vuln.errors import MalformedBinary, NotAGoBinary

X509 = "crypto/x509."
FALLBACK_ROOTS = "golang.org/x/crypto/x509roots/fallback"
LOAD_LOCATION = "time.LoadLocation"
TZDATA = "time/tzdata."


class NotAnalysable(Exception):
    """The executable could not be read; ``str()`` says why (becomes a report warning)."""


def _elf_parts(data: bytes) -> tuple[str, int, bool, str | None, list[str], list[str], bool]:
    elf = ELFFile(io.BytesIO(data))
    interp: str | None = None
    needed: list[str] = []
    rpath: list[str] = []
    for seg in elf.iter_segments():
        if isinstance(seg, InterpSegment):
            interp = seg.get_interp_name()
    for section in elf.iter_sections():
        if isinstance(section, DynamicSection):
            for tag in section.iter_tags():
                if tag.entry.d_tag == "DT_NEEDED":
                    needed.append(str(getattr(tag, "needed", "")))
                elif tag.entry.d_tag == "DT_RPATH":
                    rpath.extend(str(getattr(tag, "rpath", "")).split(":"))
                elif tag.entry.d_tag == "DT_RUNPATH":
                    rpath.extend(str(getattr(tag, "runpath", "")).split(":"))
    stripped = elf.get_section_by_name(".symtab") is None
    return (
        str(elf["e_machine"]),
        int(elf.elfclass),
        bool(elf.little_endian),
        interp,
        needed,
        [p for p in rpath if p],
        stripped,
    )


def _go(data: bytes, location: str) -> GoBinary | None:
    try:
        return analyze_bytes(data, location)
    except NotAGoBinary:
        return None
    except MalformedBinary as exc:
        raise NotAnalysable(exc.message) from exc


def go_facts(data: bytes, path: str, layer: int) -> GoFacts | None:
    """Facts for a Go ELF executable; None for anything else. Raises NotAnalysable."""
    if not data.startswith(b"\x7fELF"):
        return None
    try:
        binary = _go(data, path)
    except (ValueError, IndexError, KeyError, OverflowError) as exc:  # defensive: fuzzed input
        raise NotAnalysable(f"unreadable executable ({type(exc).__name__})") from exc
    if binary is None:
        return None
    try:
        machine, elfclass, little, interp, needed, rpath, stripped = _elf_parts(data)
    except (ELFError, ValueError, IndexError, KeyError, UnicodeDecodeError, OSError) as exc:
        raise NotAnalysable(f"unreadable ELF headers: {exc}") from exc
    build = binary.build
    names = binary.functions.names if binary.functions is not None else frozenset()
    tags = (build.setting("-tags") or "").split(",")
    return GoFacts(
        path=path,
        layer=layer,
        size=len(data),
        go_version=build.go_version,
        module=build.path,
        module_version=build.main.version if build.main else "",
        machine=machine,
        elfclass=elfclass,
        little_endian=little,
        interpreter=interp,
        needed=tuple(needed),
        rpath=tuple(rpath),
        stripped=stripped,
        trimpath=build.trimpath,
        cgo=build.setting("CGO_ENABLED") or "",
        settings=build.settings,
        modules=tuple((m.path, m.version) for m in build.deps),
        uses_x509=any(n.startswith(X509) for n in names),
        x509_fallback=any(n.startswith(FALLBACK_ROOTS) for n in names),
        uses_load_location=LOAD_LOCATION in names,
        embeds_tzdata="timetzdata" in tags or any(n.startswith(TZDATA) for n in names),
        function_table=binary.functions is not None,
    )
