"""Image manifests: assemble an :class:`Image` from layers + config, convert to Docker media
types, and parse a manifest back from a blob store."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from goship.errors import BadInputError
from goship.image.blobs import BlobStore
from goship.image.model import (
    DOCKER_CONFIG,
    DOCKER_LAYER_GZIP,
    DOCKER_MANIFEST,
    OCI_CONFIG,
    OCI_LAYER_GZIP,
    OCI_LAYER_TAR,
    OCI_MANIFEST,
    Descriptor,
    Image,
    Layer,
    canonical_json,
)
from goship.image.platform import Platform

_TO_DOCKER = {OCI_LAYER_GZIP: DOCKER_LAYER_GZIP, OCI_CONFIG: DOCKER_CONFIG}


def manifest_document(
    config: Descriptor,
    layers: Sequence[Descriptor],
    annotations: Mapping[str, str] | None = None,
    media_type: str = OCI_MANIFEST,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": media_type,
        "config": config.to_json(),
        "layers": [d.to_json() for d in layers],
    }
    if annotations and media_type == OCI_MANIFEST:
        doc["annotations"] = dict(annotations)
    return doc


def assemble_image(
    store: BlobStore,
    platform: Platform,
    layers: Sequence[Layer],
    config: Mapping[str, Any],
    annotations: Mapping[str, str] | None = None,
) -> Image:
    """Store the config and manifest blobs for ``layers`` + ``config`` and return the Image.

    ``config`` is the document from :func:`goship.image.config.build_config`; its diff_ids must
    end with the layers' diff_ids (base-image layers may come first and are in ``layers`` too).
    """
    diff_ids = list((config.get("rootfs") or {}).get("diff_ids") or [])
    if diff_ids != [layer.diff_id for layer in layers]:
        raise BadInputError("internal: config diff_ids do not match the image layers")
    for layer in layers:
        if not store.has(layer.digest):
            raise BadInputError(f"layer {layer.digest} is not in the blob store {store.root}")
    config_bytes = canonical_json(config)
    config_desc = store.put_bytes(config_bytes, OCI_CONFIG)
    ann = dict(annotations or {})
    doc = manifest_document(config_desc, [layer.descriptor for layer in layers], ann)
    manifest_bytes = canonical_json(doc)
    store.put_bytes(manifest_bytes, OCI_MANIFEST)
    return Image(
        platform=platform,
        manifest_bytes=manifest_bytes,
        media_type=OCI_MANIFEST,
        config_bytes=config_bytes,
        config_descriptor=config_desc,
        layers=tuple(layers),
        annotations=ann,
    )


def to_docker(image: Image, store: BlobStore) -> Image:
    """The same image with Docker schema 2 media types (same blobs, new manifest digest), for
    registries or tools that do not take OCI manifests. Manifest annotations are dropped: the
    Docker schema has none."""
    if image.media_type == DOCKER_MANIFEST:
        return image
    layers = []
    for layer in image.layers:
        mt = layer.descriptor.media_type
        if mt == OCI_LAYER_TAR:
            raise BadInputError("uncompressed OCI layers have no Docker media type")
        layers.append(
            replace(layer, descriptor=replace(layer.descriptor, media_type=_TO_DOCKER.get(mt, mt)))
        )
    config_desc = replace(image.config_descriptor, media_type=DOCKER_CONFIG)
    doc = manifest_document(
        config_desc, [layer.descriptor for layer in layers], None, DOCKER_MANIFEST
    )
    manifest_bytes = canonical_json(doc)
    store.put_bytes(manifest_bytes, DOCKER_MANIFEST)
    return Image(
        platform=image.platform,
        manifest_bytes=manifest_bytes,
        media_type=DOCKER_MANIFEST,
        config_bytes=image.config_bytes,
        config_descriptor=config_desc,
        layers=tuple(layers),
        annotations={},
    )


def parse_image(store: BlobStore, manifest_bytes: bytes, platform: Platform | None = None) -> Image:
    """An Image from raw manifest bytes whose config blob is in ``store``."""
    try:
        doc: dict[str, Any] = json.loads(manifest_bytes)
        media_type = str(doc.get("mediaType") or OCI_MANIFEST)
        config_desc = Descriptor.from_json(doc["config"])
        layer_descs = [Descriptor.from_json(d) for d in doc.get("layers", [])]
    except (ValueError, KeyError, TypeError) as exc:
        raise BadInputError(f"unreadable image manifest: {exc}") from exc
    config_bytes = store.read_bytes(config_desc.digest)
    try:
        config: dict[str, Any] = json.loads(config_bytes)
    except ValueError as exc:
        raise BadInputError(f"unreadable image config {config_desc.digest}: {exc}") from exc
    diff_ids = list((config.get("rootfs") or {}).get("diff_ids") or [])
    if len(diff_ids) != len(layer_descs):
        raise BadInputError("image config and manifest disagree on the number of layers")
    history = [h for h in config.get("history") or [] if not h.get("empty_layer")]
    layers = []
    for i, (desc, diff_id) in enumerate(zip(layer_descs, diff_ids, strict=True)):
        hist = history[i] if i < len(history) and len(history) == len(layer_descs) else {}
        layers.append(
            Layer(
                descriptor=desc,
                diff_id=diff_id,
                created_by=str(hist.get("created_by", "")),
                comment=str(hist.get("comment", "")),
            )
        )
    plat = platform or Platform(
        str(config.get("os", "linux")),
        str(config.get("architecture", "amd64")),
        config.get("variant"),
    )
    return Image(
        platform=plat,
        manifest_bytes=manifest_bytes,
        media_type=media_type,
        config_bytes=config_bytes,
        config_descriptor=config_desc,
        layers=tuple(layers),
        annotations=dict(doc.get("annotations") or {}),
    )
