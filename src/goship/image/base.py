"""User-given base images from local files (``--base``), e.g. a glibc base for a cgo build.

Accepted forms (skopeo's transport syntax, or a bare path that is sniffed):

* ``oci:DIR[:TAG]`` or a directory holding ``oci-layout``;
* ``oci-archive:FILE[:TAG]`` or a tar holding ``oci-layout``;
* ``docker-archive:FILE[:NAME:TAG]`` or a tar holding ``manifest.json`` (``docker save``).

A registry reference is not local: :func:`is_local_base` says so and the build command pulls it
with the registry client instead. From an index the image for the build platform is chosen.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
from collections.abc import Iterator
from typing import IO, Any

from goship.errors import BadInputError
from goship.image.archive import docker_ref
from goship.image.assemble import BaseImage
from goship.image.blobs import BlobStore
from goship.image.index import parse_artifact
from goship.image.layout import parse_index_json, read_layout, select_ref
from goship.image.manifest import assemble_image
from goship.image.model import OCI_LAYER_GZIP, Artifact, Descriptor, Image, Layer
from goship.image.pgzip import Gunzip
from goship.image.platform import Platform
from goship.image.tarlayer import DEFAULT_LEVEL, GzipTee

_CHUNK = 1 << 20
_TRANSPORTS = ("oci:", "oci-archive:", "docker-archive:")
_HINT = "give oci:DIR[:TAG], oci-archive:FILE[:TAG] or docker-archive:FILE"


def _split(rest: str) -> tuple[str, str | None]:
    """``PATH[:REF]`` -> (path, ref); a ``:`` inside an existing path is kept."""
    if os.path.exists(rest) or ":" not in rest:
        return rest, None
    path, _, ref = rest.partition(":")
    return path, ref or None


def _bare(source: str) -> tuple[str, str | None]:
    """A bare ``PATH`` or ``DIR:TAG`` (a layout directory and a tag in its index)."""
    if os.path.exists(source):
        return source, None
    path, sep, ref = source.rpartition(":")
    if sep and path and os.path.isdir(path) and "/" not in ref:
        return path, ref or None
    return source, None


def is_local_base(source: str) -> bool:
    """True for the local forms this module reads (transport prefix, an existing path, or an
    existing layout directory with ``:TAG``)."""
    return source.startswith(_TRANSPORTS) or os.path.exists(_bare(source)[0])


def _sniff(path: str) -> str:
    if os.path.isdir(path):
        return "oci"
    try:
        with tarfile.open(path, "r:*") as tar:
            names = set(tar.getnames())
    except (OSError, tarfile.TarError) as exc:
        raise BadInputError(f"cannot read base image {path}: {exc}", _HINT) from exc
    if "oci-layout" in names:
        return "oci-archive"
    if "manifest.json" in names:
        return "docker-archive"
    raise BadInputError(f"{path} is neither an OCI archive nor a docker archive", _HINT)


def read_local(source: str, store: BlobStore) -> tuple[Artifact, BlobStore]:
    """Read a local base image (every platform of it) and the store its blobs are readable
    from: the layout itself for a directory, ``store`` for archives (blobs copied, checked)."""
    for prefix in _TRANSPORTS:
        if source.startswith(prefix):
            kind, (path, ref) = prefix[:-1], _split(source[len(prefix) :])
            break
    else:
        path, ref = _bare(source)
        if not os.path.exists(path):
            raise BadInputError(f"base image {source} does not exist", _HINT)
        kind = _sniff(path)
    if kind == "oci":
        return read_layout(path, ref)
    if kind == "oci-archive":
        return read_oci_archive(path, store, ref), store
    return read_docker_archive(path, store, ref), store


def load_base(source: str, store: BlobStore, platform: Platform) -> BaseImage:
    """Read a local base image for ``platform`` (see :func:`read_local`)."""
    artifact, src_store = read_local(source, store)
    image = _for_platform(artifact, platform, source)
    return BaseImage(image=image, store=src_store, name=source)


def _for_platform(artifact: Artifact, platform: Platform, source: str) -> Image:
    candidates = artifact.manifests()
    for img in candidates:
        if img.platform.matches(platform):
            return img
    have = ", ".join(str(i.platform) for i in candidates)
    raise BadInputError(
        f"base image {source} has no {platform} image (it has {have})",
        "use a base built for every --platform, or build fewer platforms",
    )


def _open_tar(path: str) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:*")
    except (OSError, tarfile.TarError) as exc:
        raise BadInputError(f"cannot read {path}: {exc}", _HINT) from exc


def _member(tar: tarfile.TarFile, name: str, where: str) -> IO[bytes]:
    for cand in dict.fromkeys((name, name.removeprefix("./"), "./" + name)):
        try:
            fh = tar.extractfile(cand)
        except KeyError:
            continue
        if fh is not None:
            return fh
    raise BadInputError(f"{where} has no file {name}")


def read_oci_archive(path: str, store: BlobStore, ref: str | None = None) -> Artifact:
    """Copy an OCI archive's blobs into ``store`` (verifying each digest); return the image."""
    with _open_tar(path) as tar:
        index_raw: bytes | None = None
        for info in tar:
            name = info.name.removeprefix("./")
            if name == "index.json":
                index_raw = _member(tar, info.name, path).read()
            elif name.startswith("blobs/sha256/") and info.isfile():
                digest = "sha256:" + name.rsplit("/", 1)[1]
                if store.has(digest):
                    continue
                with store.writer() as w:
                    fh = _member(tar, info.name, path)
                    while chunk := fh.read(_CHUNK):
                        w.write(chunk)
                    if w.digest != digest:
                        raise BadInputError(f"{path}: blob {digest} does not match its name")
                    w.commit()
    if index_raw is None:
        raise BadInputError(f"{path} has no index.json", _HINT)
    chosen = select_ref(parse_index_json(index_raw, f"{path}:index.json"), ref, path)
    return parse_artifact(store, chosen)


def _import_layer(fh: IO[bytes], store: BlobStore, diff_id: str, level: int, where: str) -> Layer:
    """Store a docker-archive layer as a gzip blob, checking its diff_id."""
    head = fh.read(2)
    with store.writer() as w:
        if head == b"\x1f\x8b":  # already gzip: keep the bytes, hash the decompressed stream
            unz = Gunzip()
            diff = _Hasher()
            for chunk in _chunks(head, fh):
                w.write(chunk)
                diff.update(unz.decompress(chunk))
            diff.update(unz.flush())
            got, usize = diff.digest, diff.size
        else:
            tee = GzipTee(w, level)
            for chunk in _chunks(head, fh):
                tee.write(chunk)
            tee.finish()
            got, usize = "sha256:" + tee.diff.hexdigest(), tee.size
        if got != diff_id:
            raise BadInputError(f"{where}: a layer does not match its diff_id {diff_id}")
        size = w.size
        digest = w.commit()
    return Layer(Descriptor(OCI_LAYER_GZIP, digest, size), diff_id, uncompressed_size=usize)


class _Hasher:
    def __init__(self) -> None:
        self._h = hashlib.sha256()
        self.size = 0

    def update(self, data: bytes) -> None:
        self._h.update(data)
        self.size += len(data)

    @property
    def digest(self) -> str:
        return "sha256:" + self._h.hexdigest()


def _chunks(head: bytes, fh: IO[bytes]) -> Iterator[bytes]:
    yield head
    while chunk := fh.read(_CHUNK):
        yield chunk


def read_docker_archive(
    path: str, store: BlobStore, ref: str | None = None, level: int = DEFAULT_LEVEL
) -> Image:
    """Import a ``docker save`` archive into ``store`` as an OCI image (layers gzipped)."""
    with _open_tar(path) as tar:
        try:
            entries: list[dict[str, Any]] = json.loads(_member(tar, "manifest.json", path).read())
        except ValueError as exc:
            raise BadInputError(f"{path}: unreadable manifest.json: {exc}") from exc
        if ref is not None:
            want = docker_ref(ref)
            entries = [e for e in entries if want in (e.get("RepoTags") or [])]
        if len(entries) != 1:
            raise BadInputError(
                f"{path} holds {len(entries)} matching images; name one",
                "use docker-archive:FILE:NAME:TAG",
            )
        entry = entries[0]
        config: dict[str, Any] = json.loads(_member(tar, entry["Config"], path).read())
        diff_ids = list((config.get("rootfs") or {}).get("diff_ids") or [])
        if len(diff_ids) != len(entry.get("Layers") or []):
            raise BadInputError(f"{path}: config and manifest.json disagree on the layers")
        history = [h for h in config.get("history") or [] if not h.get("empty_layer")]
        layers = []
        for i, (name, diff_id) in enumerate(zip(entry["Layers"], diff_ids, strict=True)):
            layer = _import_layer(_member(tar, name, path), store, diff_id, level, path)
            if len(history) == len(diff_ids):
                hist = history[i]
                layer = Layer(
                    layer.descriptor,
                    layer.diff_id,
                    uncompressed_size=layer.uncompressed_size,
                    created_by=str(hist.get("created_by", "")),
                    comment=str(hist.get("comment", "")),
                )
            layers.append(layer)
    platform = Platform(
        str(config.get("os", "linux")),
        str(config.get("architecture", "amd64")),
        config.get("variant"),
    )
    return assemble_image(store, platform, layers, config)
