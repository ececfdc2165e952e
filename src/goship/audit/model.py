"""Facts and findings of an image audit (plain dataclasses; ``to_json`` is the documented
shape, see docs/audit.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from goship.image.fsview import FileEntry

if TYPE_CHECKING:
    from goship.audit.fsview import FsView

SEVERITIES = ("info", "warning", "error")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Finding:
    """One problem. ``path`` is a path in the image ("" for the image config); ``layer`` the
    index of the layer that brought the file (None for config findings)."""

    id: str
    severity: str
    message: str
    path: str = ""
    layer: int | None = None
    dockle: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "layer": self.layer,
            "dockle": self.dockle or None,
        }


@dataclass
class LayerFacts:
    index: int
    key: str  # digest, or path inside a docker archive
    media_type: str
    compressed_size: int
    uncompressed_size: int = 0
    files: int = 0  # regular files in the layer
    entries: int = 0  # every tar member (dirs, links, whiteouts too)
    file_bytes: int = 0
    wasted_bytes: int = 0  # bytes of this layer's files hidden by later layers (or itself)
    created_by: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "digest": self.key,
            "media_type": self.media_type,
            "compressed_size": self.compressed_size,
            "uncompressed_size": self.uncompressed_size,
            "files": self.files,
            "entries": self.entries,
            "file_bytes": self.file_bytes,
            "wasted_bytes": self.wasted_bytes,
            "created_by": self.created_by,
        }


@dataclass
class GoFacts:
    """A Go executable found in the final filesystem."""

    path: str
    layer: int
    size: int
    go_version: str
    module: str
    module_version: str
    machine: str
    elfclass: int
    little_endian: bool
    interpreter: str | None
    needed: tuple[str, ...]
    rpath: tuple[str, ...]
    stripped: bool
    trimpath: bool
    cgo: str  # CGO_ENABLED build setting, "" when not recorded
    settings: tuple[tuple[str, str], ...]
    modules: tuple[tuple[str, str], ...]
    uses_x509: bool
    x509_fallback: bool
    uses_load_location: bool
    embeds_tzdata: bool
    function_table: bool
    missing: tuple[str, ...] = ()  # interpreter / libraries absent from the image

    @property
    def static(self) -> bool:
        return self.interpreter is None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "layer": self.layer,
            "size": self.size,
            "go_version": self.go_version,
            "module": self.module,
            "module_version": self.module_version,
            "machine": self.machine,
            "static": self.static,
            "interpreter": self.interpreter,
            "needed": list(self.needed),
            "missing": list(self.missing),
            "stripped": self.stripped,
            "trimpath": self.trimpath,
            "cgo_enabled": self.cgo or None,
            "settings": dict(self.settings),
            "modules": [{"path": p, "version": v} for p, v in self.modules],
            "uses": {
                "crypto_x509": self.uses_x509,
                "x509_fallback_roots": self.x509_fallback,
                "time_load_location": self.uses_load_location,
                "embedded_tzdata": self.embeds_tzdata,
            },
        }


@dataclass
class ImageAudit:
    """One platform image: facts and findings."""

    source: str
    digest: str
    platform: str
    config: dict[str, Any]
    layers: list[LayerFacts]
    view: FsView
    binaries: list[GoFacts] = field(default_factory=list)
    secrets: list[Finding] = field(default_factory=list)  # found while streaming
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    top: int = 10
    # run-time files the source opens (goship inspect of --project); None: not analysed
    project_runtime_files: list[str] | None = None

    @property
    def files(self) -> dict[str, FileEntry]:
        return self.view.files

    @property
    def runtime(self) -> dict[str, Any]:
        cfg = self.config.get("config")
        return cfg if isinstance(cfg, dict) else {}

    def env(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for item in self.runtime.get("Env") or []:
            if isinstance(item, str):
                key, _, value = item.partition("=")
                out[key] = value
        return out

    def largest(self, n: int) -> list[FileEntry]:
        regular = [f for f in self.files.values() if f.kind == "file"]
        return sorted(regular, key=lambda f: (-f.size, f.path))[:n]

    def to_json(self) -> dict[str, Any]:
        final = sum(f.size for f in self.files.values() if f.kind == "file")
        return {
            "platform": self.platform,
            "digest": self.digest,
            "user": str(self.runtime.get("User") or ""),
            "size": {
                "compressed": sum(x.compressed_size for x in self.layers),
                "uncompressed": sum(x.uncompressed_size for x in self.layers),
                "files": sum(1 for f in self.files.values() if f.kind == "file"),
                "file_bytes": final,
                "wasted_bytes": sum(x.wasted_bytes for x in self.layers),
            },
            "layers": [x.to_json() for x in self.layers],
            "largest_files": [
                {"path": f.path, "size": f.size, "layer": f.layer} for f in self.largest(self.top)
            ],
            "go_binaries": [b.to_json() for b in self.binaries],
            "findings": [f.to_json() for f in self.findings],
            "warnings": list(self.warnings),
        }
