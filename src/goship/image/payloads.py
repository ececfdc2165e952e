"""Bridge to the registry client: an Image/ImageIndex as push payloads streaming from the store.

root, children = manifest_payloads(artifact, store)
with RegistryClient() as client:
    result = client.push(ref, root, children, tags)
"""

from __future__ import annotations

from goship.errors import BadInputError
from goship.image.blobs import BlobStore
from goship.image.model import Artifact, Descriptor, ImageIndex
from goship.registry.blobs import FileBlob, ManifestPayload


def blob_source(store: BlobStore, desc: Descriptor) -> FileBlob:
    """A registry BlobSource reading ``desc`` from the store file (no hashing, no copy)."""
    if store.size(desc.digest) != desc.size:
        raise BadInputError(f"blob {desc.digest} in {store.root} has the wrong size")
    return FileBlob(store.path(desc.digest), desc.digest, desc.size, desc.media_type)


def manifest_payloads(
    artifact: Artifact, store: BlobStore
) -> tuple[ManifestPayload, list[ManifestPayload]]:
    """``(root, children)`` for ``RegistryClient.push``: for an index, the index is the root and
    each platform image a child; for a single image, the image is the root."""
    children = [
        ManifestPayload(
            img.manifest_bytes, img.media_type, tuple(blob_source(store, d) for d in img.blobs())
        )
        for img in artifact.manifests()
    ]
    if isinstance(artifact, ImageIndex):
        return ManifestPayload(artifact.index_bytes, artifact.media_type), children
    return children[0], []
