"""OCI image indexes (multi-platform) and reading any manifest/index back from a store."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from typing import Any

from goship.errors import BadInputError
from goship.image.blobs import BlobStore
from goship.image.manifest import parse_image, to_docker
from goship.image.model import (
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
    INDEX_TYPES,
    MANIFEST_TYPES,
    OCI_INDEX,
    Artifact,
    Descriptor,
    Image,
    ImageIndex,
    canonical_json,
)


def index_document(
    manifests: Sequence[Descriptor],
    annotations: Mapping[str, str] | None = None,
    media_type: str = OCI_INDEX,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": media_type,
        "manifests": [d.to_json() for d in manifests],
    }
    if annotations and media_type == OCI_INDEX:
        doc["annotations"] = dict(annotations)
    return doc


def build_index(
    images: Sequence[Image],
    store: BlobStore,
    annotations: Mapping[str, str] | None = None,
) -> ImageIndex:
    """An OCI index over ``images`` (one per platform; platforms must be distinct). Manifests are
    listed sorted by platform so the digest does not depend on build completion order."""
    if not images:
        raise BadInputError("internal: an image index needs at least one image")
    ordered = sorted(images, key=lambda img: str(img.platform))
    for a, b in itertools.pairwise(ordered):
        if a.platform == b.platform:
            raise BadInputError(f"platform {a.platform} given twice")
    docker = all(img.media_type == DOCKER_MANIFEST for img in ordered)
    media_type = DOCKER_MANIFEST_LIST if docker else OCI_INDEX
    ann = dict(annotations or {}) if media_type == OCI_INDEX else {}
    raw = canonical_json(index_document([img.descriptor for img in ordered], ann, media_type))
    store.put_bytes(raw, media_type)
    return ImageIndex(
        images=tuple(ordered), index_bytes=raw, media_type=media_type, annotations=ann
    )


def index_to_docker(index: ImageIndex, store: BlobStore) -> ImageIndex:
    """The index as a Docker manifest list over Docker schema 2 manifests."""
    return build_index([to_docker(img, store) for img in index.images], store)


def parse_artifact(store: BlobStore, descriptor: Descriptor) -> Artifact:
    """Read the manifest or index ``descriptor`` points at (and its children) from ``store``."""
    raw = store.read_bytes(descriptor.digest)
    try:
        doc: dict[str, Any] = json.loads(raw)
    except ValueError as exc:
        raise BadInputError(f"unreadable manifest {descriptor.digest}: {exc}") from exc
    media_type = str(doc.get("mediaType") or descriptor.media_type)
    if media_type in MANIFEST_TYPES or (not media_type and "config" in doc):
        return parse_image(store, raw, descriptor.platform)
    if media_type in INDEX_TYPES or "manifests" in doc:
        images = []
        for child in doc.get("manifests", []):
            cdesc = Descriptor.from_json(child)
            if cdesc.media_type in INDEX_TYPES:
                raise BadInputError("nested image indexes are not supported")
            if cdesc.platform is not None and cdesc.platform.os == "unknown":
                continue  # attestation manifests (buildx) carry unknown/unknown
            images.append(parse_image(store, store.read_bytes(cdesc.digest), cdesc.platform))
        return ImageIndex(
            images=tuple(images),
            index_bytes=raw,
            media_type=media_type or OCI_INDEX,
            annotations=dict(doc.get("annotations") or {}),
        )
    raise BadInputError(f"{descriptor.digest} has unsupported media type {media_type!r}")
