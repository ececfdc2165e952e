"""Walk an image's layers and collect the Go binaries of its final filesystem.

Indexes are followed to every platform image (attestation manifests are skipped). Each layer
is streamed by the shared :func:`~goship.image.layerwalk.walk_layer` (gzip, zstd or plain;
bounded by :data:`SCAN_LIMITS`; hostile archives refused; whiteouts applied in layer order),
so a binary deleted or replaced by a later layer is not reported. Executables are read into
memory one at a time (bounded by ``max_binary``) and reduced to a :class:`GoBinary`; selected
small files (CA bundle, zoneinfo) are hashed for the SBOM.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from goship.image.fsview import FsView
from goship.image.layerstream import Budget, LimitHints, WalkLimits
from goship.image.layerwalk import LayerFile, layer_where, walk_layer
from goship.image.source import ImageSource, PlatformImage, iter_images
from goship.vuln.binary import GoBinary, analyze_bytes
from goship.vuln.buildinfo import looks_like_executable
from goship.vuln.errors import MalformedBinary, NotAGoBinary

MAX_BINARY = 1 << 30
SCAN_LIMITS = WalkLimits(max_entries=2_000_000)
_TRUSTED = "if you trust the image, scan its Go binary itself (goship scan PATH)"
SCAN_HINTS = LimitHints(size=_TRUSTED, entries=_TRUSTED, ratio=_TRUSTED)


@dataclass(frozen=True)
class ImageFile:
    path: str
    size: int
    sha256: str


@dataclass
class ImageScan:
    """One platform image: its manifest digest, platform, Go binaries and noted files."""

    source: str
    digest: str
    platform: str
    config: dict[str, Any]
    binaries: list[GoBinary] = field(default_factory=list)
    files: list[ImageFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Collector:
    """The per-file callback of the walk: Go binaries and wanted files by absolute path,
    each with the layer that wrote it (the final filesystem decides which survive)."""

    label: str
    want_file: Callable[[str], bool]
    max_binary: int
    binaries: dict[str, GoBinary] = field(default_factory=dict)
    files: dict[str, ImageFile] = field(default_factory=dict)
    layers: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __call__(self, file: LayerFile) -> None:
        path = file.path
        self.binaries.pop(path, None)  # a later entry at the path hides an earlier one
        self.files.pop(path, None)
        self.layers[path] = file.layer
        stream = file.open()
        if stream is None:
            return
        if self.want_file(path[1:]):
            digest = hashlib.sha256()
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
            self.files[path] = ImageFile(path, file.size, digest.hexdigest())
            return
        if file.size < 1024:
            return
        head = stream.read(4)
        if not looks_like_executable(head):
            return
        if file.size > self.max_binary:
            self.warnings.append(f"{path}: {file.size} bytes, larger than the scan limit")
            return
        data = head + stream.read(file.size - 4)
        try:
            found = analyze_bytes(data, f"{self.label}/{path}")
        except NotAGoBinary:
            return
        except MalformedBinary as exc:
            self.warnings.append(f"{path}: {exc.message}")
            return
        self.binaries[path] = found

    def final(self, view: FsView, path: str) -> bool:
        """Whether the file collected at ``path`` is still there in the final filesystem."""
        entry = view.files.get(path)
        return entry is not None and entry.kind == "file" and entry.layer == self.layers[path]


def _scan_layers(
    source: ImageSource,
    img: PlatformImage,
    want_file: Callable[[str], bool],
    max_binary: int,
    limits: WalkLimits,
) -> ImageScan:
    label = source.name
    view, budget = FsView(), Budget(limits, SCAN_HINTS)
    found = _Collector(label, want_file, max_binary)
    for i, ref in enumerate(img.layers):
        where = layer_where(label, i, ref.key)
        with source.open(ref.key) as fh:
            walk_layer(
                fh, view=view, budget=budget, layer=i, key=ref.key, where=where, on_file=found
            )
    scan = ImageScan(label, img.digest, img.platform, img.config, warnings=found.warnings)
    binaries = [b for p, b in found.binaries.items() if found.final(view, p)]
    scan.binaries = sorted(binaries, key=lambda b: b.location)
    scan.files = sorted(
        (f for p, f in found.files.items() if found.final(view, p)), key=lambda f: f.path
    )
    return scan


def walk_image(
    source: ImageSource,
    want_file: Callable[[str], bool] = lambda _p: False,
    max_binary: int = MAX_BINARY,
    limits: WalkLimits = SCAN_LIMITS,
) -> list[ImageScan]:
    """Scan every platform image reachable from the source's roots. ``want_file`` is asked
    about every regular file (its path without the leading ``/``): those it wants are hashed."""
    scans = [
        _scan_layers(source, img, want_file, max_binary, limits) for img in iter_images(source)
    ]
    if len(scans) > 1:  # tell the platforms' binaries apart: NAME[os/arch]//path
        for scan in scans:
            scan.binaries = [
                replace(b, location=b.location.replace("//", f"[{scan.platform}]//", 1))
                for b in scan.binaries
            ]
    return scans
