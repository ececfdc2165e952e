"""Image config, manifest, index and the one-call service image assembly."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from goship.errors import BadInputError
from goship.image.assemble import (
    ServiceImageSpec,
    build_service_image,
    lower_layers,
    summary_json,
)
from goship.image.blobs import BlobStore
from goship.image.config import RuntimeConfig, build_config, port_key, rfc3339
from goship.image.files import FileSpec
from goship.image.index import build_index, index_to_docker, parse_artifact
from goship.image.manifest import parse_image, to_docker
from goship.image.model import (
    DOCKER_CONFIG,
    DOCKER_LAYER_GZIP,
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
    OCI_CONFIG,
    OCI_INDEX,
    OCI_LAYER_GZIP,
    OCI_MANIFEST,
    Image,
    canonical_json,
)
from goship.image.platform import Platform

EPOCH = 1_700_000_000


def _spec(tmp_path: Path, plat: str = "linux/amd64", **kw: object) -> ServiceImageSpec:
    binary = tmp_path / f"server-{plat.replace('/', '-')}"
    binary.write_bytes(b"\x7fELF" + plat.encode())
    runtime = RuntimeConfig(
        entrypoint=["/app/server"],
        working_dir="/app",
        env={"GIN_MODE": "release", "PORT": "8080"},
        exposed_ports=[8080],
        labels={"org.opencontainers.image.source": "https://example.com/shop"},
    )
    return ServiceImageSpec(
        platform=Platform.parse(plat),
        binary=binary,
        project_root=tmp_path,
        runtime=runtime,
        annotations={"org.opencontainers.image.revision": "abc123"},
        **kw,  # type: ignore[arg-type]
    )


def test_rfc3339_and_ports() -> None:
    assert rfc3339(0) == "1970-01-01T00:00:00Z"
    assert rfc3339(EPOCH) == "2023-11-14T22:13:20Z"
    assert port_key(8080) == "8080/tcp"
    assert port_key("53/UDP") == "53/udp"
    for bad in (0, 70000, "http", "80/icmp"):
        with pytest.raises(BadInputError):
            port_key(bad)


def test_service_image_config(tmp_path: Path, store: BlobStore) -> None:
    img = build_service_image(_spec(tmp_path, ca_certificates=True), store, epoch=EPOCH)
    cfg = json.loads(store.read_bytes(img.config_descriptor.digest))
    assert cfg["architecture"] == "amd64" and cfg["os"] == "linux" and "variant" not in cfg
    assert cfg["created"] == "2023-11-14T22:13:20Z"
    run = cfg["config"]
    assert run["Entrypoint"] == ["/app/server"]
    assert "Cmd" not in run
    assert run["User"] == "65532:65532"
    assert run["WorkingDir"] == "/app"
    assert run["ExposedPorts"] == {"8080/tcp": {}}
    assert run["Labels"] == {"org.opencontainers.image.source": "https://example.com/shop"}
    env = run["Env"]
    assert env == sorted(env)
    assert "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt" in env
    assert "GIN_MODE=release" in env and any(e.startswith("PATH=") for e in env)
    assert cfg["rootfs"] == {"type": "layers", "diff_ids": [la.diff_id for la in img.layers]}
    assert len(cfg["history"]) == len(img.layers) == 2  # base + binary (no runtime files)
    for h in cfg["history"]:
        assert h["created"] == "2023-11-14T22:13:20Z" and h["created_by"].startswith("goship")
    assert cfg["history"][-1]["comment"] == "go build output at /app/server"
    # the config blob is canonical JSON
    assert img.config_bytes == canonical_json(cfg)
    assert b'": ' not in img.config_bytes and b', "' not in img.config_bytes


def test_manifest_document(tmp_path: Path, store: BlobStore) -> None:
    img = build_service_image(_spec(tmp_path), store, epoch=EPOCH)
    doc = json.loads(img.manifest_bytes)
    assert doc["schemaVersion"] == 2 and doc["mediaType"] == OCI_MANIFEST
    assert doc["config"] == {
        "mediaType": OCI_CONFIG,
        "digest": img.config_descriptor.digest,
        "size": len(img.config_bytes),
    }
    assert [la["mediaType"] for la in doc["layers"]] == [OCI_LAYER_GZIP, OCI_LAYER_GZIP]
    for desc in doc["layers"]:
        assert store.size(desc["digest"]) == desc["size"]
    assert doc["annotations"] == {"org.opencontainers.image.revision": "abc123"}
    assert img.digest == "sha256:" + hashlib.sha256(img.manifest_bytes).hexdigest()
    assert store.read_bytes(img.digest) == img.manifest_bytes
    assert img.blobs()[-1] == img.config_descriptor


def test_runtime_files_layer_sits_between_base_and_binary(tmp_path: Path, store: BlobStore) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "index.tmpl").write_text("hi")
    spec = _spec(tmp_path, files=[FileSpec("templates", "/app/templates")])
    img = build_service_image(spec, store, epoch=0)
    assert [la.created_by for la in img.layers] == ["goship base", "goship files", "goship build"]
    assert img.layers[1].files == ("/app/templates/index.tmpl",)
    assert img.layers[2].files == ("/app/server",)


def test_lower_layers_made_ahead_give_the_same_image(tmp_path: Path) -> None:
    """A build makes the layers under the binary's while it compiles (lower_layers): the
    image is the one made in one call, for the synthesized base with files and writable dirs."""
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "app.css").write_text("body{}")
    spec = _spec(
        tmp_path,
        files=[FileSpec("static", "/app/static")],
        writable_dirs=["/app/data"],
        ca_certificates=True,
    )
    whole = build_service_image(spec, BlobStore(tmp_path / "a"), epoch=EPOCH)
    store = BlobStore(tmp_path / "b")
    lower = lower_layers(spec, store, epoch=EPOCH)
    assert [la.created_by for la in lower.layers] == ["goship base", "goship files"]
    assert "/app/data" in lower.dirs and "/app/static" in lower.dirs
    ahead = build_service_image(spec, store, epoch=EPOCH, lower=lower)
    assert ahead.digest == whole.digest


def test_image_digest_is_reproducible_and_binary_only_changes_last_layer(tmp_path: Path) -> None:
    a = build_service_image(_spec(tmp_path), BlobStore(tmp_path / "a"), epoch=EPOCH)
    b = build_service_image(_spec(tmp_path), BlobStore(tmp_path / "b"), epoch=EPOCH)
    assert a.digest == b.digest
    spec = _spec(tmp_path)
    spec.binary.write_bytes(b"\x7fELF changed")
    c = build_service_image(spec, BlobStore(tmp_path / "c"), epoch=EPOCH)
    assert c.digest != a.digest
    assert c.layers[0].digest == a.layers[0].digest
    assert c.layers[-1].digest != a.layers[-1].digest


def test_bad_runtime_config_is_rejected() -> None:
    plat = Platform.parse("linux/amd64")
    for runtime in (
        RuntimeConfig(entrypoint=[]),
        RuntimeConfig(entrypoint=["server"]),
        RuntimeConfig(entrypoint=["/s"], working_dir="app"),
        RuntimeConfig(entrypoint=["/s"], env={"A=B": "c"}),
    ):
        with pytest.raises(BadInputError):
            build_config(plat, runtime, [], epoch=0)


def test_index_with_two_platforms(tmp_path: Path, store: BlobStore) -> None:
    arm = build_service_image(_spec(tmp_path, "linux/arm64"), store, epoch=EPOCH)
    amd = build_service_image(_spec(tmp_path, "linux/amd64"), store, epoch=EPOCH)
    ann = {"org.opencontainers.image.version": "1.4.2"}
    index = build_index([arm, amd], store, ann)
    doc = json.loads(index.index_bytes)
    assert doc["schemaVersion"] == 2 and doc["mediaType"] == OCI_INDEX
    assert doc["annotations"] == ann
    assert [m["platform"] for m in doc["manifests"]] == [
        {"architecture": "amd64", "os": "linux"},
        {"architecture": "arm64", "os": "linux", "variant": "v8"},
    ]
    assert [m["digest"] for m in doc["manifests"]] == [amd.digest, arm.digest]
    assert all(m["mediaType"] == OCI_MANIFEST for m in doc["manifests"])
    # order of the inputs does not matter
    assert build_index([amd, arm], store, ann).digest == index.digest
    # base layer shared: listed once in blobs()
    digests = [d.digest for d in index.blobs()]
    assert len(digests) == len(set(digests)) == 5  # 1 shared base + 2 binaries + 2 configs
    assert index.select(Platform.parse("linux/arm64")) is arm
    with pytest.raises(BadInputError, match="no linux/arm/v7 image"):
        index.select(Platform.parse("linux/arm/v7"))
    with pytest.raises(BadInputError, match="given twice"):
        build_index([amd, amd], store)
    summary = summary_json(index)
    assert summary["digest"] == index.digest
    assert summary["platforms"] == ["linux/amd64", "linux/arm64"]
    assert len(summary["layers"]) == 3
    assert summary["size_bytes"] == index.size_bytes() > 0


def test_parse_round_trip(tmp_path: Path, store: BlobStore) -> None:
    img = build_service_image(_spec(tmp_path, "linux/arm/v7"), store, epoch=0)
    again = parse_image(store, img.manifest_bytes)
    assert again.digest == img.digest
    assert again.platform == Platform.parse("linux/arm/v7")
    assert again.diff_ids == img.diff_ids
    assert [la.comment for la in again.layers] == [la.comment for la in img.layers]
    index = build_index([img], store)
    parsed = parse_artifact(store, index.descriptor)
    assert parsed.digest == index.digest
    assert [i.digest for i in parsed.manifests()] == [img.digest]


def test_docker_media_types(tmp_path: Path, store: BlobStore) -> None:
    img = build_service_image(_spec(tmp_path), store, epoch=0)
    docker = to_docker(img, store)
    doc = json.loads(docker.manifest_bytes)
    assert doc["mediaType"] == DOCKER_MANIFEST
    assert doc["config"]["mediaType"] == DOCKER_CONFIG
    assert {la["mediaType"] for la in doc["layers"]} == {DOCKER_LAYER_GZIP}
    assert "annotations" not in doc
    assert [la["digest"] for la in doc["layers"]] == [la.digest for la in img.layers]
    assert docker.config_bytes == img.config_bytes
    assert docker.digest != img.digest and store.has(docker.digest)
    assert to_docker(docker, store) is docker
    lst = index_to_docker(build_index([img], store), store)
    assert lst.media_type == DOCKER_MANIFEST_LIST
    assert json.loads(lst.index_bytes)["mediaType"] == DOCKER_MANIFEST_LIST


def test_assemble_checks_layers_exist(tmp_path: Path, store: BlobStore) -> None:
    img = build_service_image(_spec(tmp_path), store, epoch=0)
    other = BlobStore(tmp_path / "other")
    from goship.image.manifest import assemble_image

    with pytest.raises(BadInputError, match="not in the blob store"):
        assemble_image(other, img.platform, img.layers, img.config)
    assert isinstance(assemble_image(store, img.platform, img.layers, img.config), Image)
