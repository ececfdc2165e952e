"""Walk an image's layers as tar streams and collect the Go binaries of its final filesystem.

Indexes are followed to every platform image (attestation manifests are skipped). Layers are
read in order with whiteouts applied (``.wh.NAME`` deletes, ``.wh..wh..opq`` empties a
directory of lower layers), so a binary deleted or replaced by a later layer is not reported.
Executables are read into memory one at a time (bounded by ``max_binary``) and reduced to a
:class:`GoBinary`; selected small files (CA bundle, zoneinfo) are hashed for the SBOM.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import IO, Any, cast

from goship.errors import BadInputError
from goship.image.source import ImageSource, PlatformImage, iter_images
from goship.vuln.binary import GoBinary, analyze_bytes
from goship.vuln.buildinfo import looks_like_executable
from goship.vuln.errors import MalformedBinary, NotAGoBinary

MAX_BINARY = 1 << 30
MAX_MEMBERS = 2_000_000


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


def _decompressed(fh: IO[bytes]) -> IO[bytes]:
    buffered = io.BufferedReader(cast(io.RawIOBase, fh), 1 << 16)
    head = buffered.peek(4)[:4]
    if head[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[return-value]
    if head == b"\x28\xb5\x2f\xfd":
        raise BadInputError("zstd-compressed layers are not supported yet")
    return buffered


@dataclass
class _State:
    binaries: dict[str, tuple[int, GoBinary]] = field(default_factory=dict)
    files: dict[str, tuple[int, ImageFile]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def overwrite(self, path: str) -> None:
        """A later entry at ``path`` hides what lower layers had there."""
        self.binaries.pop(path, None)
        self.files.pop(path, None)

    def whiteout(self, path: str, below: int) -> None:
        """Delete ``path`` and everything under it from layers below ``below`` (an empty
        ``path`` is the root)."""
        prefix = path + "/" if path else ""

        def gone(key: str, layer: int) -> bool:
            return layer < below and (key == path or key.startswith(prefix))

        self.binaries = {k: v for k, v in self.binaries.items() if not gone(k, v[0])}
        self.files = {k: v for k, v in self.files.items() if not gone(k, v[0])}


def _norm(name: str) -> str:
    name = name.removeprefix("./").lstrip("/")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise BadInputError(f"layer entry {name!r} escapes the image root")
    return "/".join(parts)


def _read_layer(
    fh: IO[bytes],
    index: int,
    state: _State,
    label: str,
    want_file: Callable[[str], bool],
    max_binary: int,
) -> None:
    try:
        tar = tarfile.open(fileobj=_decompressed(fh), mode="r|")  # noqa: SIM115 - a stream
        count = 0
        for member in tar:
            count += 1
            if count > MAX_MEMBERS:
                raise BadInputError(f"{label}: layer {index} has too many entries")
            path = _norm(member.name)
            base = path.rsplit("/", 1)[-1]
            parent = path[: -len(base)].rstrip("/")
            if base == ".wh..wh..opq":
                state.whiteout(parent, index)
                continue
            if base.startswith(".wh."):
                state.whiteout(f"{parent}/{base[4:]}".lstrip("/"), index)
                continue
            if member.isdir():
                continue
            state.overwrite(path)
            if not member.isreg():
                continue
            _member(tar, member, path, index, state, label, want_file, max_binary)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
        raise BadInputError(f"{label}: layer {index} is not a readable tar stream: {exc}") from exc


def _member(
    tar: tarfile.TarFile,
    member: tarfile.TarInfo,
    path: str,
    index: int,
    state: _State,
    label: str,
    want_file: Callable[[str], bool],
    max_binary: int,
) -> None:
    stream = tar.extractfile(member)
    if stream is None:
        return
    if want_file(path):
        digest = hashlib.sha256()
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
        state.files[path] = (index, ImageFile("/" + path, member.size, digest.hexdigest()))
        return
    if member.size < 1024:
        return
    head = stream.read(4)
    if not looks_like_executable(head):
        return
    if member.size > max_binary:
        state.warnings.append(f"/{path}: {member.size} bytes, larger than the scan limit")
        return
    data = head + stream.read(member.size - 4)
    try:
        found = analyze_bytes(data, f"{label}//{path}")
    except NotAGoBinary:
        return
    except MalformedBinary as exc:
        state.warnings.append(f"/{path}: {exc.message}")
        return
    state.binaries[path] = (index, found)


def _scan_layers(
    source: ImageSource,
    img: PlatformImage,
    want_file: Callable[[str], bool],
    max_binary: int,
) -> ImageScan:
    state = _State()
    label = source.name
    for i, ref in enumerate(img.layers):
        with source.open(ref.key) as fh:
            _read_layer(fh, i, state, label, want_file, max_binary)
    scan = ImageScan(label, img.digest, img.platform, img.config, warnings=state.warnings)
    scan.binaries = [b for _, b in sorted(state.binaries.values(), key=lambda x: x[1].location)]
    scan.files = sorted((f for _, f in state.files.values()), key=lambda f: f.path)
    return scan


def walk_image(
    source: ImageSource,
    want_file: Callable[[str], bool] = lambda _p: False,
    max_binary: int = MAX_BINARY,
) -> list[ImageScan]:
    """Scan every platform image reachable from the source's roots."""
    scans = [_scan_layers(source, img, want_file, max_binary) for img in iter_images(source)]
    if len(scans) > 1:  # tell the platforms' binaries apart: NAME[os/arch]//path
        for scan in scans:
            scan.binaries = [
                replace(b, location=b.location.replace("//", f"[{scan.platform}]//", 1))
                for b in scan.binaries
            ]
    return scans
