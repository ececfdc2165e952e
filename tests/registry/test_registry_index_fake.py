"""Indexes, cross-repository mounts, shared blobs, blob download and the referrers API
against the in-memory registry."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest
from fake_registry import HOST, FakeRegistry, fake_client
from registry_support import build_image, build_index, random_image

from goship.errors import BadInputError
from goship.registry import OCI_MANIFEST, BytesBlob, ManifestPayload, UploadOptions
from goship.registry.errors import RegistryIntegrityError

REF = f"{HOST}/acme/api:1.0"


def test_index_push_children_first() -> None:
    fake = FakeRegistry()
    amd, arm = random_image([300], "amd64"), random_image([400], "arm64")
    index = build_index([amd, arm])
    with fake_client(fake, upload=UploadOptions(concurrency=3)) as client:
        result = client.push_index(
            REF, [amd.payload, arm.payload], index.manifest, index.media_type
        )
    assert result.manifests == (amd.payload.digest, arm.payload.digest, index.digest)
    manifest_puts = [p for p in fake.requests("PUT") if "/manifests/" in p]
    assert manifest_puts[-1].endswith("/1.0")
    with fake_client(fake) as client:
        fetched = client.get_manifest(REF)
    assert fetched.digest == index.digest and fetched.media_type == index.media_type
    assert [m["digest"] for m in fetched.json()["manifests"]] == [
        amd.payload.digest,
        arm.payload.digest,
    ]


def test_index_with_unknown_child_is_refused() -> None:
    fake = FakeRegistry()
    amd, arm = random_image([30]), random_image([40], "arm64")
    index = build_index([amd, arm])
    with fake_client(fake) as client, pytest.raises(BadInputError, match="lists manifest"):
        client.push_index(REF, [amd.payload], index.manifest, index.media_type)


def test_cross_repo_mount() -> None:
    fake = FakeRegistry()
    image = random_image([100, 200])
    with fake_client(fake) as client:
        client.push_image(f"{HOST}/base/img:1", image.blobs, image.payload.manifest, OCI_MANIFEST)
    upload = UploadOptions(concurrency=1, mount_from=("base/img",))
    with fake_client(fake, upload=upload) as client:
        result = client.push_image(REF, image.blobs, image.payload.manifest, OCI_MANIFEST)
    assert result.count("mounted") == 3 and result.bytes_sent == 0


def test_shared_blob_uploaded_once_across_children() -> None:
    fake = FakeRegistry()
    shared = BytesBlob(os.urandom(500), "application/vnd.oci.image.layer.v1.tar")
    imgs = []
    for arch in ("amd64", "arm64"):
        img = random_image([50], arch)
        manifest = json.loads(img.payload.manifest)
        manifest["layers"].append(
            {"mediaType": shared.media_type, "digest": shared.digest, "size": shared.size}
        )
        imgs.append(
            ManifestPayload(json.dumps(manifest).encode(), OCI_MANIFEST, (*img.blobs, shared))
        )
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": OCI_MANIFEST, "digest": p.digest, "size": len(p.manifest)} for p in imgs
        ],
    }
    idx = json.dumps(index).encode()
    with fake_client(fake) as client:
        result = client.push_index(REF, imgs, idx, "application/vnd.oci.image.index.v1+json")
    uploads_of_shared = [b for b in result.blobs if b.digest == shared.digest]
    assert len(uploads_of_shared) == 1
    assert result.bytes_sent == sum({b.digest: b.size for p in imgs for b in p.blobs}.values())


def test_fetch_blob_and_referrers(tmp_path: Path) -> None:
    fake = FakeRegistry(referrers=True)
    image = build_image([{"a.txt": b"hello"}])
    with fake_client(fake) as client:
        client.push_image(REF, image.blobs, image.payload.manifest, OCI_MANIFEST)
        dest = tmp_path / "out" / "layer.tgz"
        size = client.fetch_blob(REF, image.layers[0].digest, dest)
        assert dest.read_bytes() == image.layers[0].data and size == image.layers[0].size
        refs = client.referrers(REF, image.payload.digest)
        assert refs.supported and refs.manifests == ()
    fake.referrers = False
    with fake_client(fake) as client:
        refs = client.referrers(REF, image.payload.digest)
    assert not refs.supported
    assert refs.fallback_tag == image.payload.digest.replace(":", "-")


def test_fetch_blob_corrupted_leaves_nothing(tmp_path: Path) -> None:
    fake = FakeRegistry()
    image = build_image([{"a.txt": b"hello"}])
    digest = image.layers[0].digest
    fake.fault = lambda req, _n: (
        httpx.Response(200, content=b"evil")
        if req.method == "GET" and digest in req.url.path
        else None
    )
    with fake_client(fake) as client:
        client.push_image(REF, image.blobs, image.payload.manifest, OCI_MANIFEST)
        with pytest.raises(RegistryIntegrityError):
            client.fetch_blob(REF, digest, tmp_path / "layer")
    assert list(tmp_path.iterdir()) == []
