"""OCI 1.1 referrer attachment of SBOMs: OCI layouts and registries with and without the
referrers API; plus the inventory helpers (h1 hashes, purls)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from registry.fake_registry import FakeRegistry, fake_client

from goship.image.source import LayoutSource
from goship.sbom.attach import (
    ARTIFACT_TYPES,
    EMPTY_MEDIA_TYPE,
    Subject,
    attach_to_layout,
    attach_to_registry,
    layout_referrers,
    layout_subject,
    sbom_tag,
)
from goship.sbom.inventory import golang_purl, h1_to_sha256
from goship.vuln.imagewalk import walk_image

CREATED = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
SBOM = b'{"bomFormat": "CycloneDX", "specVersion": "1.6"}'


def _blob(root: Path, data: bytes) -> dict[str, object]:
    digest = hashlib.sha256(data).hexdigest()
    (root / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    (root / "blobs" / "sha256" / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def make_layout(root: Path) -> Subject:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))
    config = _blob(root, json.dumps({"os": "linux", "architecture": "amd64"}).encode())
    layer = _blob(root, buf.getvalue())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", **layer}],
    }
    m = _blob(root, json.dumps(manifest).encode())
    entry = {"mediaType": manifest["mediaType"], **m}
    (root / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [entry]}))
    return Subject(str(manifest["mediaType"]), str(m["digest"]), int(m["size"]))  # type: ignore[call-overload]


def test_attach_to_layout(tmp_path: Path) -> None:
    subject = make_layout(tmp_path / "img")
    assert layout_subject(tmp_path / "img") == subject
    result = attach_to_layout(tmp_path / "img", SBOM, "cyclonedx", CREATED)
    refs = layout_referrers(tmp_path / "img", subject.digest)
    assert len(refs) == 1
    art = refs[0]
    assert art["artifactType"] == ARTIFACT_TYPES["cyclonedx"]
    assert art["config"]["mediaType"] == EMPTY_MEDIA_TYPE and art["config"]["size"] == 2
    assert art["subject"] == subject.to_json()
    sbom_blob = tmp_path / "img" / "blobs" / "sha256" / art["layers"][0]["digest"].split(":")[1]
    assert sbom_blob.read_bytes() == SBOM
    index = json.loads((tmp_path / "img" / "index.json").read_text())
    assert [m["digest"] for m in index["manifests"]][-1] == result.digest
    # attaching again is idempotent; the image is still the layout's subject
    attach_to_layout(tmp_path / "img", SBOM, "cyclonedx", CREATED)
    assert len(json.loads((tmp_path / "img" / "index.json").read_text())["manifests"]) == 2
    assert layout_subject(tmp_path / "img") == subject
    # image readers skip the artifact
    scans = walk_image(LayoutSource(tmp_path / "img"))
    assert [s.digest for s in scans] == [subject.digest]


@pytest.mark.parametrize("referrers", [True, False])
def test_attach_to_registry(referrers: bool) -> None:
    fake = FakeRegistry(referrers=referrers)
    client = fake_client(fake)
    image = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {},
            "layers": [],
        }
    ).encode()
    image_digest = "sha256:" + hashlib.sha256(image).hexdigest()
    fake.manifests[("acme/app", "1.0")] = ("application/vnd.oci.image.manifest.v1+json", image)
    fake.manifests[("acme/app", image_digest)] = (
        "application/vnd.oci.image.manifest.v1+json",
        image,
    )
    result = attach_to_registry(client, "registry.test/acme/app:1.0", SBOM, "spdx", CREATED)
    stored = fake.manifests[("acme/app", result.digest)][1]
    doc = json.loads(stored)
    assert doc["subject"]["digest"] == image_digest
    assert doc["artifactType"] == "application/spdx+json"
    tag = sbom_tag(image_digest)
    if referrers:
        assert result.referrers_api and not result.tag
        assert ("acme/app", tag) not in fake.manifests
        listed = client.referrers("registry.test/acme/app", image_digest)
        assert [m["digest"] for m in listed.manifests] == [result.digest]
    else:
        assert not result.referrers_api and result.tag == tag
        assert fake.manifests[("acme/app", tag)][1] == stored
    assert tag == "sha256-" + image_digest.split(":")[1] + ".sbom"


def test_h1_and_purls() -> None:
    digest = hashlib.sha256(b"x").digest()
    assert h1_to_sha256("h1:" + base64.b64encode(digest).decode()) == digest.hex()
    assert h1_to_sha256("h1:not base64!") == ""
    assert h1_to_sha256("") == ""
    assert (
        golang_purl("github.com/gin-gonic/gin", "v1.6.0")
        == "pkg:golang/github.com/gin-gonic/gin@v1.6.0"
    )
    assert golang_purl("example.com/app", "(devel)") == "pkg:golang/example.com/app"
    assert golang_purl("example.com/lib", "./lib") == "pkg:golang/example.com/lib"
