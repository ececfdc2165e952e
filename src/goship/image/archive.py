"""Single-file outputs: docker-archive (``docker load``) and OCI archive (a tarred OCI layout).

Both are written to a temp file next to the target and renamed into place (``os.replace``).
A docker-archive holds exactly one platform: from an index, the requested platform (default:
the host's) is chosen and returned so the caller can say which one was written.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from goship.errors import BadInputError
from goship.fsutil import atomic_output
from goship.image.blobs import BlobStore
from goship.image.layout import layout_blobs, layout_index
from goship.image.model import (
    OCI_LAYER_TAR,
    Artifact,
    Image,
    ImageIndex,
    Layer,
    canonical_json,
    digest_hex,
)
from goship.image.pgzip import Gunzip
from goship.image.platform import Platform

_CHUNK = 1 << 20


def select_image(artifact: Artifact, platform: Platform | None = None) -> Image:
    """The image to put in a single-platform output: the only one, or the one for ``platform``
    (default: the host's)."""
    if isinstance(artifact, Image):
        if platform is not None and not artifact.platform.matches(platform):
            raise BadInputError(f"the image is {artifact.platform}, not {platform}")
        return artifact
    if platform is None and len(artifact.images) == 1:
        return artifact.images[0]
    return artifact.select(platform or Platform.host())


def docker_ref(tag: str) -> str:
    """A RepoTags entry: ``name[:tag]`` with ``:latest`` added when the tag is missing."""
    if not tag or "@" in tag or any(c.isspace() for c in tag):
        raise BadInputError(f"bad image reference {tag!r} for a docker archive", "use name:tag")
    last = tag.rsplit("/", 1)[-1]
    return tag if ":" in last else f"{tag}:latest"


class _GunzipReader(io.RawIOBase):
    """Streams a gzip blob decompressed, hashing the output to check the diff_id. ``read(n)``
    returns exactly ``n`` bytes until the end (tarfile insists on full reads)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self._z = Gunzip()  # every member (goship writes one per MiB)
        self._buf = bytearray()
        self._pos = 0
        self._eof = False
        self.hash = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        if self._pos:
            del self._buf[: self._pos]
            self._pos = 0
        chunk = self._fh.read(_CHUNK)
        if chunk:
            self._buf += self._z.decompress(chunk)
        else:
            self._buf += self._z.flush()
            self._eof = True

    def read(self, size: int = -1) -> bytes:
        while not self._eof and (size < 0 or len(self._buf) - self._pos < size):
            self._fill()
        end = len(self._buf) if size < 0 else self._pos + size
        out = bytes(self._buf[self._pos : end])
        self._pos += len(out)
        self.hash.update(out)
        self.size += len(out)
        return out


def _uncompressed_size(store: BlobStore, layer: Layer) -> int:
    if layer.uncompressed_size is not None:
        return layer.uncompressed_size
    with store.open(layer.digest) as fh:
        reader = _GunzipReader(fh)
        while reader.read(_CHUNK):
            pass
        return reader.size


def _member(name: str, size: int, epoch: int, is_dir: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mtime = epoch
    info.uname = info.gname = ""
    if is_dir:
        info.type, info.mode = tarfile.DIRTYPE, 0o755
    else:
        info.size, info.mode = size, 0o644
    return info


def _atomic_tar(target: str | os.PathLike[str], fill: Callable[[tarfile.TarFile], None]) -> Path:
    with (
        atomic_output(target, hint="choose a writable --output path ending in .tar") as fh,
        tarfile.open(fileobj=fh, mode="w|", format=tarfile.PAX_FORMAT) as tar,
    ):
        fill(tar)
    return Path(target).absolute()


def write_docker_archive(
    target: str | os.PathLike[str],
    artifact: Artifact,
    store: BlobStore,
    repo_tags: Sequence[str] = (),
    platform: Platform | None = None,
    epoch: int = 0,
) -> Image:
    """Write a ``docker load`` / ``docker-archive:`` tarball; returns the image written.

    Layout (the classic ``docker save`` shape): ``manifest.json``, ``<config-hex>.json``, and
    ``<diff_id-hex>/layer.tar`` holding each layer uncompressed, so the file digest equals the
    config's diff_id.
    """
    image = select_image(artifact, platform)
    tags = [docker_ref(t) for t in dict.fromkeys(repo_tags)]
    config_name = f"{digest_hex(image.config_descriptor.digest)}.json"
    layer_names: list[str] = []
    for layer in image.layers:
        name = f"{digest_hex(layer.diff_id)}/layer.tar"
        layer_names.append(name)
    manifest = [{"Config": config_name, "RepoTags": tags, "Layers": layer_names}]

    def fill(tar: tarfile.TarFile) -> None:
        raw = canonical_json(manifest)
        tar.addfile(_member("manifest.json", len(raw), epoch), io.BytesIO(raw))
        tar.addfile(
            _member(config_name, len(image.config_bytes), epoch), io.BytesIO(image.config_bytes)
        )
        done: set[str] = set()
        for layer, name in zip(image.layers, layer_names, strict=True):
            if name in done:
                continue
            done.add(name)
            tar.addfile(_member(name.split("/")[0], 0, epoch, is_dir=True))
            if layer.descriptor.media_type == OCI_LAYER_TAR:
                with store.open(layer.digest) as fh:
                    tar.addfile(_member(name, layer.size, epoch), fh)
                continue
            size = _uncompressed_size(store, layer)
            with store.open(layer.digest) as fh:
                reader = _GunzipReader(fh)
                tar.addfile(_member(name, size, epoch), reader)
            if "sha256:" + reader.hash.hexdigest() != layer.diff_id:
                raise BadInputError(
                    f"layer {layer.digest} does not match its diff_id {layer.diff_id}"
                )

    _atomic_tar(target, fill)
    return image


def write_oci_archive(
    target: str | os.PathLike[str],
    artifact: Artifact,
    store: BlobStore,
    tags: Sequence[str] = (),
    epoch: int = 0,
    *,
    platform_refs: bool = False,
) -> Path:
    """Write an OCI archive: the OCI layout of :func:`goship.image.layout.write_layout` as a tar
    (``oci-archive:FILE``). All platforms of an index are kept."""
    index = canonical_json(layout_index(artifact, tags, platform_refs))
    blobs = sorted(layout_blobs(artifact), key=lambda d: d.digest)

    def fill(tar: tarfile.TarFile) -> None:
        for d in ("blobs", "blobs/sha256"):
            tar.addfile(_member(d, 0, epoch, is_dir=True))
        for desc in blobs:
            name = f"blobs/sha256/{digest_hex(desc.digest)}"
            with store.open(desc.digest) as fh:
                tar.addfile(_member(name, store.size(desc.digest), epoch), fh)
        tar.addfile(_member("index.json", len(index), epoch), io.BytesIO(index))
        layout = canonical_json({"imageLayoutVersion": "1.0.0"})
        tar.addfile(_member("oci-layout", len(layout), epoch), io.BytesIO(layout))

    return _atomic_tar(target, fill)


def archive_platforms(artifact: Artifact) -> list[Platform]:
    """Platforms an artifact holds (for messages like "docker-archive holds linux/amd64 only")."""
    return (
        [img.platform for img in artifact.manifests()]
        if isinstance(artifact, ImageIndex)
        else [artifact.platform]
    )
