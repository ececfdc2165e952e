"""What audit takes from each regular file while :mod:`goship.image.layerwalk` streams a layer:
content-check hits on small files, and Go facts of ELF executables (read one at a time).

The walk itself (limits, whiteouts, links, refusals of hostile archives) is the shared
:func:`~goship.image.layerwalk.walk_layer`; this module is its per-file callback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from goship.audit.checks.base import Check
from goship.audit.elfinfo import NotAnalysable, go_facts
from goship.audit.limits import Limits
from goship.audit.model import GoFacts
from goship.image.layerwalk import LayerFile

ELF_MAGIC = b"\x7fELF"
MIN_EXECUTABLE = 1024


@dataclass(frozen=True)
class ContentHit:
    check: Check
    message: str
    path: str
    layer: int


@dataclass
class Collected:
    """What streaming found beyond the filesystem: Go binaries (by path, latest wins) and
    content-check hits, plus warnings."""

    binaries: dict[str, GoFacts] = field(default_factory=dict)
    hits: list[ContentHit] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class ContentReader:
    """The per-file callback of the layer walk: runs the content checks that want a file and
    analyses executables, into ``collected``."""

    def __init__(self, limits: Limits, checks: Sequence[Check], collected: Collected) -> None:
        self.limits = limits
        self.checks = checks
        self.collected = collected

    def __call__(self, file: LayerFile) -> None:
        path, size, layer = file.path, file.size, file.layer
        wanted = [c for c in self.checks if c.wants is not None and c.wants(path, size)]
        executable = size >= MIN_EXECUTABLE and bool(file.mode & 0o111)
        if not wanted and not executable:
            return
        stream = file.open()
        if stream is None:
            return
        limits = self.limits
        if wanted and size <= limits.max_scan_file:
            data = stream.read(size)
            for check in wanted:
                assert check.scan is not None
                for message in check.scan(path, data):
                    self.collected.hits.append(ContentHit(check, message, path, layer))
        else:
            data = stream.read(4)
        if not executable or not data.startswith(ELF_MAGIC):
            self.collected.binaries.pop(path, None)
            return
        if size > limits.max_binary:
            self.collected.warnings.append(f"{path}: {size} bytes, larger than the binary limit")
            return
        if len(data) < size:
            data += stream.read(size - len(data))
        try:
            found = go_facts(data, path, layer)
        except NotAnalysable as exc:
            self.collected.warnings.append(f"{path}: {exc}")
            return
        if found is None:
            self.collected.binaries.pop(path, None)
        else:
            self.collected.binaries[path] = found
