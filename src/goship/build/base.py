"""``--base`` policy: a user-given base image (needed for cgo) from a local image (read by
:mod:`goship.image.base`, which owns the file formats) or a registry reference.

The base is resolved once into an :class:`~goship.image.model.Artifact` plus the store holding
its blobs; :func:`base_for` picks the image for each target platform. :func:`check_interpreter`
makes sure a dynamically linked binary's interpreter (``/lib/ld-musl-x86_64.so.1``,
``/lib64/ld-linux-x86-64.so.2``) exists in the base, following symlinks such as a merged-usr
``/lib64 -> usr/lib64``, so goship never ships a binary that cannot start.
"""

from __future__ import annotations

import gzip
import json
import posixpath
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from goship.errors import BadInputError, GoshipError, ProjectError
from goship.image.assemble import BaseImage
from goship.image.base import is_local_base, read_local
from goship.image.blobs import BlobStore
from goship.image.manifest import parse_image
from goship.image.model import (
    INDEX_TYPES,
    Artifact,
    Descriptor,
    Image,
    ImageIndex,
)
from goship.image.platform import Platform

_BASE_HINT = (
    "give --base as an OCI layout directory (DIR or DIR:TAG), a docker-archive or OCI archive "
    "(.tar), or a registry reference (host/repo:tag)"
)


@dataclass
class LoadedBase:
    name: str
    artifact: Artifact
    store: BlobStore

    def for_platform(self, platform: Platform) -> BaseImage:
        art = self.artifact
        if isinstance(art, ImageIndex):
            try:
                image = art.select(platform)
            except BadInputError as exc:
                raise BadInputError(f"base {self.name}: {exc.message}", exc.hint) from exc
        elif not art.platform.matches(platform):
            raise BadInputError(
                f"base {self.name} is a {art.platform} image, not {platform}",
                "use a multi-platform base or build only its platform",
            )
        else:
            image = art
        return BaseImage(image=image, store=self.store, name=self.name)


def _registry(ref_text: str, store: BlobStore, platforms: list[Platform]) -> LoadedBase:
    from goship.registry import RegistryClient, parse_reference

    ref = parse_reference(ref_text)
    with RegistryClient() as client:
        fetched = client.get_manifest(ref)
        store.put_bytes(fetched.body, fetched.media_type)
        wanted: list[Descriptor] = []
        if fetched.media_type in INDEX_TYPES or "manifests" in fetched.json():
            for child in fetched.json().get("manifests", []):
                desc = Descriptor.from_json(child)
                if desc.platform and any(desc.platform.matches(p) for p in platforms):
                    wanted.append(desc)
        else:
            wanted.append(Descriptor(fetched.media_type, fetched.digest, len(fetched.body)))
        images: list[Image] = []
        for desc in wanted:
            raw = client.get_manifest(ref.with_digest(desc.digest)).body
            store.put_bytes(raw, desc.media_type)
            doc = json.loads(raw)
            for blob in [doc["config"], *doc.get("layers", [])]:
                digest = str(blob["digest"])
                if not store.has(digest):
                    with tempfile.TemporaryDirectory(dir=store.tmp_dir) as tmp:
                        client.fetch_blob(ref, digest, Path(tmp) / "blob")
                        store.put_file(Path(tmp) / "blob", str(blob.get("mediaType", "")))
            images.append(parse_image(store, raw, desc.platform))
    if not images:
        raise BadInputError(f"base {ref_text} has no image for {', '.join(map(str, platforms))}")
    artifact: Artifact = images[0]
    if len(images) > 1 or fetched.media_type in INDEX_TYPES:
        artifact = ImageIndex(tuple(images), fetched.body, fetched.media_type)
    return LoadedBase(str(ref), artifact, store)


def load_base(text: str, store: BlobStore, platforms: list[Platform]) -> LoadedBase:
    """Resolve ``--base``: a local image (read by :mod:`goship.image.base`: ``DIR[:TAG]``,
    an archive, or skopeo-style ``oci:``/``oci-archive:``/``docker-archive:``) or a registry
    reference (pulled: the index plus the manifests of the wanted platforms)."""
    try:
        if is_local_base(text):
            artifact, src_store = read_local(text, store)
            return LoadedBase(text, artifact, src_store)
        if text.startswith((".", "/", "~")) or text.endswith(".tar"):
            raise BadInputError(f"base {text} does not exist", _BASE_HINT)
        return _registry(text, store, platforms)
    except GoshipError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BadInputError(f"cannot read base {text}: {exc}", _BASE_HINT) from exc


# --- interpreter check ---------------------------------------------------------------------


def _open_layer(store: BlobStore, desc: Descriptor) -> IO[bytes]:
    fh = store.open(desc.digest)
    magic = fh.read(2)
    fh.seek(0)
    return gzip.GzipFile(fileobj=fh) if magic == b"\x1f\x8b" else fh  # type: ignore[return-value]


def base_tree(base: BaseImage) -> dict[str, str | None]:
    """Path -> symlink target (``None`` for other entries) across the base's layers."""
    tree: dict[str, str | None] = {}
    for layer in base.image.layers:
        with (
            _open_layer(base.store, layer.descriptor) as fh,
            tarfile.open(fileobj=fh, mode="r|*") as tar,
        ):
            for member in tar:
                path = posixpath.normpath("/" + member.name)
                name = posixpath.basename(path)
                if name.startswith(".wh."):
                    tree.pop(posixpath.join(posixpath.dirname(path), name[4:]), None)
                    continue
                tree[path] = member.linkname if member.issym() else None
    return tree


def resolve_in(tree: dict[str, str | None], path: str, depth: int = 0) -> str | None:
    """Follow symlinks component by component; the final path if it exists in ``tree``."""
    if depth > 40:
        return None
    parts = [p for p in path.split("/") if p]
    current = "/"
    for i, part in enumerate(parts):
        candidate = posixpath.join(current, part)
        if candidate not in tree:
            return None
        target = tree[candidate]
        if target is not None:
            joined = target if target.startswith("/") else posixpath.join(current, target)
            rest = "/".join(parts[i + 1 :])
            return resolve_in(tree, posixpath.normpath(posixpath.join(joined, rest)), depth + 1)
        current = candidate
    return current


def check_interpreter(base: BaseImage, interpreter: str, platform: Platform) -> None:
    """ProjectError unless the base holds the dynamic loader the binary asks for."""
    if resolve_in(base_tree(base), interpreter) is None:
        raise ProjectError(
            f"the {platform} binary needs the dynamic loader {interpreter}, which the base "
            f"{base.name} does not contain: it would not start",
            "use a base with the matching C library (glibc vs musl), or avoid cgo",
        )
