"""Against a real distribution registry on 127.0.0.1: push, pull back with skopeo, re-push,
chunked uploads, a fault-injecting proxy, bad credentials and an unreachable registry."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import free_port, require_tool
from registry_support import AuthRegistry, FaultyProxy, TestImage, build_index, random_image

from goship.errors import ExitCode
from goship.registry import (
    OCI_MANIFEST,
    PushResult,
    RegistryClient,
    RetryPolicy,
    UploadOptions,
)
from goship.registry.credentials import ANONYMOUS, Credentials
from goship.registry.errors import RegistryAuthError, RegistryUnreachableError

pytestmark = pytest.mark.integration

KiB = 1024
CHUNKY = UploadOptions(chunk_threshold=100 * KiB, chunk_size=64 * KiB)


def _client(upload: UploadOptions = CHUNKY, **kwargs: Any) -> RegistryClient:
    kwargs.setdefault("credentials", ANONYMOUS)
    kwargs.setdefault("env", {})
    return RegistryClient(upload=upload, **kwargs)


def _skopeo(*args: str) -> str:
    skopeo = require_tool("skopeo")
    proc = subprocess.run([skopeo, *args], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, f"skopeo {' '.join(args)}: {proc.stderr[-3000:]}"
    return proc.stdout


def _oci_dir_check(layout: Path, digest: str) -> dict[str, Any]:
    """The OCI layout skopeo wrote holds ``digest`` and every blob hashes to its name."""
    index = json.loads((layout / "index.json").read_text())
    assert [m["digest"] for m in index["manifests"]] == [digest]
    for blob in (layout / "blobs" / "sha256").iterdir():
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name
    return index


def _assert_complete(registry: str, repo: str, tag: str, expected: str) -> None:
    """Directly against the registry: the tag resolves to ``expected`` and every blob and
    child manifest it references exists."""
    accept = "application/vnd.oci.image.index.v1+json, " + OCI_MANIFEST
    with httpx.Client(base_url=f"http://{registry}", timeout=30) as http:
        resp = http.get(f"/v2/{repo}/manifests/{tag}", headers={"Accept": accept})
        assert resp.status_code == 200
        assert resp.headers["docker-content-digest"] == expected
        assert "sha256:" + hashlib.sha256(resp.content).hexdigest() == expected
        pending = [resp.json()]
        while pending:
            doc = pending.pop()
            for child in doc.get("manifests", []):
                got = http.get(
                    f"/v2/{repo}/manifests/{child['digest']}", headers={"Accept": accept}
                )
                assert got.status_code == 200, child["digest"]
                pending.append(got.json())
            for desc in [doc.get("config"), *doc.get("layers", [])]:
                if desc:
                    head = http.head(f"/v2/{repo}/blobs/{desc['digest']}")
                    assert head.status_code == 200, desc["digest"]
                    assert int(head.headers["content-length"]) == desc["size"]


def _push(client: RegistryClient, ref: str, image: TestImage, **kw: Any) -> PushResult:
    return client.push_image(ref, image.blobs, image.payload.manifest, OCI_MANIFEST, **kw)


def test_push_then_pull_back_with_skopeo(registry: str, tmp_path: Path) -> None:
    image = random_image([300 * KiB, 2 * KiB])  # one chunked, one monolithic layer
    ref = f"{registry}/goship/it-image:v1"
    with _client() as client:
        first = _push(client, ref, image, tags=["extra"])
        assert first.digest == image.payload.digest
        assert first.count("uploaded") == 3
        assert first.bytes_sent == sum(b.size for b in image.blobs)
        second = _push(client, ref, image)
    assert second.bytes_sent == 0 and second.count("exists") == 3

    inspected = json.loads(_skopeo("inspect", "--tls-verify=false", f"docker://{ref}"))
    assert inspected["Digest"] == first.digest
    assert set(inspected["RepoTags"]) >= {"v1", "extra"}
    assert inspected["Layers"] == [layer.digest for layer in image.layers]
    layout = tmp_path / "oci"
    _skopeo("copy", "--src-tls-verify=false", f"docker://{ref}", f"oci:{layout}:v1")
    _oci_dir_check(layout, first.digest)
    for blob in image.blobs:
        assert (layout / "blobs" / "sha256" / blob.digest.split(":")[1]).read_bytes() == blob.data
    _assert_complete(registry, "goship/it-image", "v1", first.digest)


def test_push_index_then_copy_all_with_skopeo(registry: str, tmp_path: Path) -> None:
    amd, arm = random_image([150 * KiB], "amd64"), random_image([20 * KiB], "arm64")
    index = build_index([amd, arm])
    ref = f"{registry}/goship/it-index:multi"
    with _client() as client:
        result = client.push_index(
            ref, [amd.payload, arm.payload], index.manifest, index.media_type
        )
        assert result.digest == index.digest
        fetched = client.get_manifest(ref)
        assert fetched.body == index.manifest
        assert client.referrers(ref, index.digest).supported is False  # distribution 2.8
    raw = _skopeo("inspect", "--raw", "--tls-verify=false", f"docker://{ref}")
    assert "sha256:" + hashlib.sha256(raw.encode()).hexdigest() == index.digest
    layout = tmp_path / "oci"
    _skopeo("copy", "--all", "--src-tls-verify=false", f"docker://{ref}", f"oci:{layout}:multi")
    _oci_dir_check(layout, index.digest)
    _assert_complete(registry, "goship/it-index", "multi", index.digest)


def test_pull_blob_back(registry: str, tmp_path: Path) -> None:
    image = random_image([70 * KiB])
    ref = f"{registry}/goship/it-pull:1"
    with _client() as client:
        _push(client, ref, image)
        layer = image.layers[0]
        client.fetch_blob(ref, layer.digest, tmp_path / "layer.tgz")
        assert client.manifest_digest(ref) == image.payload.digest
        assert client.blob_exists(ref, layer.digest)
    assert (tmp_path / "layer.tgz").read_bytes() == layer.data


def test_faulty_proxy_still_ends_with_a_complete_image(
    registry: str, faulty_proxy: FaultyProxy
) -> None:
    amd, arm = random_image([400 * KiB, 3 * KiB], "amd64"), random_image([150 * KiB], "arm64")
    index = build_index([amd, arm])
    retry = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05, read_timeout=30)
    upload = UploadOptions(chunk_threshold=100 * KiB, chunk_size=64 * KiB, attempts=6)
    retries: list[str] = []
    via_proxy = f"{faulty_proxy.address}/goship/it-faulty:v1"
    with _client(upload, retry=retry, on_retry=lambda r, n, d: retries.append(r)) as client:
        image_result = _push(client, f"{faulty_proxy.address}/goship/it-faulty:single", amd)
        result = client.push_index(
            via_proxy, [amd.payload, arm.payload], index.manifest, index.media_type
        )
    assert image_result.digest == amd.payload.digest
    assert result.digest == index.digest
    # The proxy really did fail requests in every way it knows.
    assert set(faulty_proxy.injected) == {
        "500",
        "forward-500",
        "forward-drop",
        "drop",
        "cut-request",
    }, faulty_proxy.injected
    assert retries, "no retries happened: the faults were not exercised"
    # No manifest or tag was ever written while something it names was missing.
    assert faulty_proxy.dangling == []
    _assert_complete(registry, "goship/it-faulty", "v1", index.digest)
    _assert_complete(registry, "goship/it-faulty", "single", amd.payload.digest)
    inspected = json.loads(
        _skopeo("inspect", "--tls-verify=false", f"docker://{registry}/goship/it-faulty:single")
    )
    assert inspected["Digest"] == amd.payload.digest


def _docker_config(home: Path, host: str, user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    path = home / ".docker" / "config.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"auths": {host: {"auth": token}}}))
    return {"HOME": str(home)}


def test_credentials_from_env_and_docker_config(
    auth_registry: AuthRegistry, tmp_path: Path
) -> None:
    image = random_image([5 * KiB])
    env = {
        "GOSHIP_REGISTRY_USER": auth_registry.user,
        "GOSHIP_REGISTRY_PASSWORD": auth_registry.password,
    }
    with RegistryClient(env=env) as client:
        pushed = _push(client, f"{auth_registry.address}/goship/auth:env", image)
    assert pushed.count("uploaded") == len(image.blobs)
    env = _docker_config(
        tmp_path, auth_registry.address, auth_registry.user, auth_registry.password
    )
    with RegistryClient(env=env) as client:
        again = _push(client, f"{auth_registry.address}/goship/auth:cfg", image)
    assert again.bytes_sent == 0


@pytest.mark.parametrize(
    "creds",
    [Credentials("goship", "wrong-password", source="env"), Credentials("nobody", "x"), ANONYMOUS],
    ids=["bad-password", "unknown-user", "anonymous"],
)
def test_bad_credentials_are_one_clear_error_exit_2(
    auth_registry: AuthRegistry, creds: Credentials
) -> None:
    image = random_image([KiB])
    started = time.monotonic()
    with (
        RegistryClient(credentials=creds, env={}) as client,
        pytest.raises(RegistryAuthError) as info,
    ):
        _push(client, f"{auth_registry.address}/goship/auth:bad", image)
    assert time.monotonic() - started < 10
    err = info.value
    assert err.exit_code == ExitCode.BAD_INPUT
    assert f"docker login {auth_registry.address}" in (err.hint or "")
    assert "GOSHIP_REGISTRY_USER" in (err.hint or "")


def test_unreachable_registry_is_exit_3_quickly() -> None:
    port = free_port()  # nothing listens there
    image = random_image([KiB])
    started = time.monotonic()
    with _client() as client, pytest.raises(RegistryUnreachableError) as info:
        _push(client, f"127.0.0.1:{port}/goship/nowhere:v1", image)
    elapsed = time.monotonic() - started
    assert info.value.exit_code == ExitCode.ENVIRONMENT
    assert f"127.0.0.1:{port}" in info.value.message
    assert elapsed < 10, f"took {elapsed:.1f}s"
