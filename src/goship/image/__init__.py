"""Daemonless, reproducible OCI image assembly.

Images start FROM scratch: goship synthesizes every layer (base files, runtime files, the
binary), writes blobs into a content-addressed :class:`~goship.image.blobs.BlobStore` and
describes the result with :class:`~goship.image.model.Image` /
:class:`~goship.image.model.ImageIndex`. Outputs: OCI layout (:mod:`.layout`), OCI archive and
docker-archive (:mod:`.archive`); the registry client pushes from the same store
(:mod:`.payloads`).

Typical use by the build command::

    store = BlobStore.default()
    images = [
        build_service_image(ServiceImageSpec(platform, binary, root, ...), store, epoch=epoch)
        for platform, binary in compiled
    ]
    artifact = build_index(images, store, annotations) if len(images) > 1 else images[0]
    write_layout(out_dir, artifact, store, tags=["1.4.2", "latest"])
    write_docker_archive(out_tar, artifact, store, ["shop:1.4.2"], platform=None)
    root, children = manifest_payloads(artifact, store)   # -> RegistryClient.push(...)
"""

from __future__ import annotations

from goship.image.blobs import BlobStore
from goship.image.model import Descriptor, Image, ImageIndex, Layer
from goship.image.platform import Platform

__all__ = ["BlobStore", "Descriptor", "Image", "ImageIndex", "Layer", "Platform"]
