"""The image data model: descriptors, layers, images and indexes, plus canonical JSON.

Every object here is immutable and already serialised: ``Image.manifest_bytes`` and
``ImageIndex.index_bytes`` are the exact bytes whose sha256 is the digest, so a registry
client pushes them as-is and never re-serialises.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from goship.errors import BadInputError
from goship.image.platform import Platform

# --- media types ---------------------------------------------------------------------------
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"

MANIFEST_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_MANIFEST_LIST})

# --- annotation keys -----------------------------------------------------------------------
ANN_REF_NAME = "org.opencontainers.image.ref.name"
ANN_CREATED = "org.opencontainers.image.created"
ANN_SOURCE = "org.opencontainers.image.source"
ANN_REVISION = "org.opencontainers.image.revision"
ANN_VERSION = "org.opencontainers.image.version"
ANN_TITLE = "org.opencontainers.image.title"
ANN_BASE_NAME = "org.opencontainers.image.base.name"
ANN_BASE_DIGEST = "org.opencontainers.image.base.digest"


def canonical_json(obj: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8: the bytes we hash and ship."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def digest_hex(digest: str) -> str:
    """``sha256:abc...`` -> ``abc...``; rejects other algorithms and malformed values."""
    algo, _, hexpart = digest.partition(":")
    if algo != "sha256" or len(hexpart) != 64 or any(c not in "0123456789abcdef" for c in hexpart):
        raise BadInputError(f"unsupported or malformed digest {digest!r}")
    return hexpart


@dataclass(frozen=True)
class Descriptor:
    """An OCI content descriptor."""

    media_type: str
    digest: str
    size: int
    platform: Platform | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "mediaType": self.media_type,
            "digest": self.digest,
            "size": self.size,
        }
        if self.platform is not None:
            data["platform"] = self.platform.to_json()
        if self.annotations:
            data["annotations"] = dict(self.annotations)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Descriptor:
        plat = data.get("platform")
        return cls(
            media_type=str(data.get("mediaType", "")),
            digest=str(data["digest"]),
            size=int(data["size"]),
            platform=Platform.from_json(plat) if plat else None,
            annotations=dict(data.get("annotations") or {}),
        )

    @classmethod
    def of_bytes(cls, media_type: str, data: bytes) -> Descriptor:
        return cls(media_type, sha256_digest(data), len(data))


@dataclass(frozen=True)
class Layer:
    """One layer blob. ``diff_id`` is the sha256 of the uncompressed tar (goes into the config's
    rootfs), ``descriptor.digest`` the sha256 of the blob as stored and pushed."""

    descriptor: Descriptor
    diff_id: str
    files: tuple[str, ...] = ()  # absolute in-image paths of files and symlinks
    uncompressed_size: int | None = None
    created_by: str = ""  # history entry for this layer
    comment: str = ""

    @property
    def digest(self) -> str:
        return self.descriptor.digest

    @property
    def size(self) -> int:
        return self.descriptor.size

    def to_record(self) -> dict[str, Any]:
        """A JSON record (for the layer cache and ``--json`` output)."""
        return {
            "descriptor": self.descriptor.to_json(),
            "diff_id": self.diff_id,
            "files": list(self.files),
            "uncompressed_size": self.uncompressed_size,
            "created_by": self.created_by,
            "comment": self.comment,
        }

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> Layer:
        size = data.get("uncompressed_size")
        return cls(
            descriptor=Descriptor.from_json(data["descriptor"]),
            diff_id=str(data["diff_id"]),
            files=tuple(data.get("files", ())),
            uncompressed_size=int(size) if size is not None else None,
            created_by=str(data.get("created_by", "")),
            comment=str(data.get("comment", "")),
        )


@dataclass(frozen=True)
class Image:
    """A single-platform image: manifest + config + layers, all blobs in some BlobStore."""

    platform: Platform
    manifest_bytes: bytes
    media_type: str
    config_bytes: bytes
    config_descriptor: Descriptor
    layers: tuple[Layer, ...]
    annotations: Mapping[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        return sha256_digest(self.manifest_bytes)

    @property
    def descriptor(self) -> Descriptor:
        """The manifest's descriptor, with platform (the shape an index lists)."""
        return Descriptor(
            self.media_type, self.digest, len(self.manifest_bytes), platform=self.platform
        )

    @property
    def raw(self) -> bytes:
        return self.manifest_bytes

    @property
    def config(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.config_bytes)
        return parsed

    @property
    def diff_ids(self) -> list[str]:
        return [layer.diff_id for layer in self.layers]

    def blobs(self) -> list[Descriptor]:
        """Blobs the manifest references: layers first, then the config (push order)."""
        return [*(layer.descriptor for layer in self.layers), self.config_descriptor]

    def manifests(self) -> list[Image]:
        return [self]

    def size_bytes(self) -> int:
        """Manifest + config + compressed layers: what a registry stores for this image."""
        return (
            len(self.manifest_bytes)
            + self.config_descriptor.size
            + sum(layer.size for layer in self.layers)
        )


@dataclass(frozen=True)
class ImageIndex:
    """A multi-platform image index over :class:`Image` manifests."""

    images: tuple[Image, ...]
    index_bytes: bytes
    media_type: str = OCI_INDEX
    annotations: Mapping[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        return sha256_digest(self.index_bytes)

    @property
    def descriptor(self) -> Descriptor:
        return Descriptor(self.media_type, self.digest, len(self.index_bytes))

    @property
    def raw(self) -> bytes:
        return self.index_bytes

    @property
    def platforms(self) -> list[Platform]:
        return [img.platform for img in self.images]

    def blobs(self) -> list[Descriptor]:
        """Every layer and config blob of every image, each digest once."""
        seen: dict[str, Descriptor] = {}
        for img in self.images:
            for desc in img.blobs():
                seen.setdefault(desc.digest, desc)
        return list(seen.values())

    def manifests(self) -> list[Image]:
        return list(self.images)

    def select(self, platform: Platform) -> Image:
        """The image for ``platform``; BadInputError naming the available ones otherwise."""
        for img in self.images:
            if img.platform.matches(platform):
                return img
        have = ", ".join(str(p) for p in self.platforms)
        raise BadInputError(
            f"the image index has no {platform} image (it has {have})",
            "choose one of the built platforms",
        )

    def size_bytes(self) -> int:
        unique = {d.digest: d.size for d in self.blobs()}
        return (
            len(self.index_bytes)
            + sum(len(i.manifest_bytes) for i in self.images)
            + sum(unique.values())
        )


Artifact = Image | ImageIndex


def all_descriptors(artifact: Artifact) -> Iterator[Descriptor]:
    """Layers and configs, then image manifests, then the index (if any): every blob an OCI
    layout holds, in the order a registry push must follow (blobs before the manifests that
    reference them). Digests may repeat across images; callers dedupe."""
    yield from artifact.blobs()
    for img in artifact.manifests():
        yield img.descriptor
    if isinstance(artifact, ImageIndex):
        yield artifact.descriptor
