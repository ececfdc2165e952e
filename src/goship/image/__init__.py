"""Daemonless, reproducible OCI image assembly.

Images start FROM scratch: goship synthesizes every layer (base files, runtime files, the
binary), writes blobs into a content-addressed :class:`~goship.image.blobs.BlobStore` and
describes the result with :class:`~goship.image.model.Image` /
:class:`~goship.image.model.ImageIndex`. Outputs: OCI layout (:mod:`.layout`), OCI archive and
docker-archive (:mod:`.archive`); the registry client pushes from the same store.

Typical use by the build command::

    store = BlobStore.default()
    img = build_service_image(ServiceImageSpec(...), store, epoch=epoch)
    index = build_index([img_amd64, img_arm64], store)
    write_layout(out_dir, index, store, tags=["1.4.2"])
"""

from __future__ import annotations

from goship.image.blobs import BlobStore
from goship.image.model import Descriptor, Image, ImageIndex, Layer
from goship.image.platform import Platform

__all__ = ["BlobStore", "Descriptor", "Image", "ImageIndex", "Layer", "Platform"]
