"""One Go binary, analysed: build info, function table and identity (size, sha256)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goship.vuln.buildinfo import read_executable_bytes, read_raw
from goship.vuln.errors import MalformedBinary
from goship.vuln.exe import open_executable
from goship.vuln.modinfo import BuildInfo, parse_modinfo
from goship.vuln.pclntab import FuncTable, read_functions


@dataclass(frozen=True)
class GoBinary:
    """``location`` is a file path, or ``IMAGE//path/in/image`` for a binary in an image."""

    location: str
    build: BuildInfo
    functions: FuncTable | None
    size: int
    sha256: str
    format: str  # elf | macho | pe | raw
    ptr_size: int

    def symbols(self) -> dict[str, set[str]] | None:
        if self.functions is None:
            return None
        return self.functions.symbols(self.build.path)

    def to_json(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "sha256": self.sha256,
            "size": self.size,
            "format": self.format,
            "go_version": self.build.go_version,
            "path": self.build.path,
            "function_table": None if self.functions is None else self.functions.layout,
        }


def analyze_bytes(data: bytes, location: str) -> GoBinary:
    """Analyse an executable's bytes; raises NotAGoBinary / MalformedBinary."""
    raw = read_raw(data)
    build = parse_modinfo(raw.go_version, raw.modinfo)
    exe = open_executable(data)
    try:
        functions = read_functions(exe)
    except MalformedBinary:
        functions = None
    return GoBinary(
        location=location,
        build=build,
        functions=functions,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        format=exe.format,
        ptr_size=raw.ptr_size or exe.ptr_size,
    )


def analyze_file(path: str | Path) -> GoBinary:
    return analyze_bytes(read_executable_bytes(path), str(path))
