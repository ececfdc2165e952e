"""Push/pull logic against an in-memory registry: upload paths, Location handling, resume
and restart after failures, ordering, bounded retries and error mapping."""

from __future__ import annotations

import httpx
import pytest
from fake_registry import HOST, FakeRegistry, fake_client
from registry_support import random_image

from goship.errors import BadInputError, ExitCode, UsageError
from goship.registry import (
    OCI_MANIFEST,
    RetryPolicy,
    UploadOptions,
)
from goship.registry.errors import (
    RegistryIntegrityError,
    RegistryUnavailableError,
    RegistryUnreachableError,
)
from goship.registry.upload import BlobEvent

REF = f"{HOST}/acme/api:1.0"


@pytest.mark.parametrize("absolute", [False, True])
def test_push_monolithic_and_chunked(absolute: bool) -> None:
    fake = FakeRegistry(absolute_locations=absolute)
    image = random_image([200, 3000])  # one layer under, one over the threshold
    events: list[object] = []
    with fake_client(fake, events=events) as client:
        result = client.push_image(REF, image.blobs, image.payload.manifest, OCI_MANIFEST)
    assert result.digest == image.payload.digest
    assert str(result.reference) == f"{HOST}/acme/api@{image.payload.digest}"
    assert result.tags == ("1.0",)
    for blob in image.blobs:
        assert fake.blobs[blob.digest] == blob.data
    big = image.layers[1]
    chunks = -(-big.size // 700)
    assert len(fake.requests("PATCH")) == chunks
    assert result.bytes_sent == sum(b.size for b in image.blobs)
    assert result.count("uploaded") == 3
    done = [e for e in events if isinstance(e, BlobEvent) and e.state == "uploaded"]
    assert {e.digest for e in done} == {b.digest for b in image.blobs}
    assert all(e.completed == e.total for e in done)


def test_second_push_sends_no_blob_bytes() -> None:
    fake = FakeRegistry()
    image = random_image([500, 2500])
    with fake_client(fake) as client:
        client.push_image(REF, image.blobs, image.payload.manifest, OCI_MANIFEST)
        fake.log.clear()
        again = client.push_image(REF, image.blobs, image.payload.manifest, OCI_MANIFEST)
    assert again.bytes_sent == 0
    assert again.count("exists") == 3
    assert not fake.requests("POST") and not fake.requests("PATCH")
    assert all("/blobs/" not in p for p in fake.requests("PUT"))


def test_order_blobs_then_manifest_then_tags_then_read_back() -> None:
    fake = FakeRegistry()
    image = random_image([100])
    with fake_client(fake) as client:
        client.push_image(REF, image.blobs, image.payload.manifest, OCI_MANIFEST, tags=["x", "y"])
    puts = [(m, p) for m, p, _ in fake.log if m in ("PUT", "GET") and "/manifests/" in p]
    digest = image.payload.digest
    assert puts == [
        ("PUT", f"/v2/acme/api/manifests/{digest}"),
        ("PUT", "/v2/acme/api/manifests/1.0"),
        ("PUT", "/v2/acme/api/manifests/x"),
        ("PUT", "/v2/acme/api/manifests/y"),
        ("GET", "/v2/acme/api/manifests/1.0"),
        ("GET", "/v2/acme/api/manifests/x"),
        ("GET", "/v2/acme/api/manifests/y"),
    ]
    first_manifest = next(i for i, (m, p, _) in enumerate(fake.log) if "/manifests/" in p)
    assert all("/manifests/" not in p for _, p, _ in fake.log[:first_manifest])
    assert fake.log[first_manifest - 1][0] == "HEAD"  # blobs confirmed just before


def test_chunked_upload_resumes_from_registry_range() -> None:
    fake = FakeRegistry()
    image = random_image([5000])
    layer = image.layers[0]
    patches = {"n": 0}

    def fault(request: httpx.Request, _n: int) -> Exception | None:
        if request.method == "PATCH":
            patches["n"] += 1
            if patches["n"] == 3:  # the connection drops before the registry sees the chunk
                return httpx.WriteError("connection reset by peer")
        return None

    fake.fault = fault
    with fake_client(fake) as client:
        result = client.push_image(REF, image.blobs, image.payload.manifest, OCI_MANIFEST)
    assert fake.blobs[layer.digest] == layer.data
    status_gets = [p for p in fake.requests("GET") if "/blobs/uploads/" in p]
    assert len(status_gets) == 1
    layer_result = next(b for b in result.blobs if b.digest == layer.digest)
    assert layer_result.sessions == 1  # resumed at the registry's Range, not restarted
    assert layer_result.bytes_sent == layer.size + 700  # only the failed chunk went twice


def test_lost_chunk_answer_restarts_cleanly() -> None:
    fake = FakeRegistry()
    image = random_image([5000])
    layer = image.layers[0]
    patches = {"n": 0}

    def lose(request: httpx.Request, _n: int) -> bool:
        if request.method == "PATCH":
            patches["n"] += 1
            return patches["n"] == 3  # the chunk lands, its answer (new Location) is lost
        return False

    fake.lose_response = lose
    with fake_client(fake) as client:
        result = client.push_image(REF, image.blobs, image.payload.manifest, OCI_MANIFEST)
    assert fake.blobs[layer.digest] == layer.data
    layer_result = next(b for b in result.blobs if b.digest == layer.digest)
    # The stale Location cancelled the session on the registry: a fresh one finished it.
    assert layer_result.sessions == 2
    assert not fake.uploads  # no half-finished session left behind


def test_upload_restarts_when_session_is_gone() -> None:
    fake = FakeRegistry()
    image = random_image([3000])
    layer = image.layers[0]
    state = {"patch": 0}

    def fault(request: httpx.Request, _n: int) -> httpx.Response | Exception | None:
        if request.method == "PATCH":
            state["patch"] += 1
            if state["patch"] == 2:
                return httpx.Response(502)
        if request.method == "GET" and "/blobs/uploads/" in request.url.path:
            return httpx.Response(404)  # the registry forgot the session
        return None

    fake.fault = fault
    with fake_client(fake) as client:
        result = client.push_image(REF, image.blobs, image.payload.manifest, OCI_MANIFEST)
    layer_result = next(b for b in result.blobs if b.digest == layer.digest)
    assert layer_result.sessions == 2
    assert fake.blobs[layer.digest] == layer.data
    assert result.bytes_sent > sum(b.size for b in image.blobs)


def test_monolithic_put_whose_answer_is_lost_is_not_resent() -> None:
    fake = FakeRegistry()
    image = random_image([300])
    fake.lose_response = lambda req, _n: req.method == "PUT" and "/blobs/uploads/" in req.url.path
    with fake_client(fake) as client:
        result = client.push_image(REF, image.blobs, image.payload.manifest, OCI_MANIFEST)
    # Every blob PUT "failed", but the HEAD after the failure found the blob.
    assert result.bytes_sent == sum(b.size for b in image.blobs)


def test_manifest_put_retried_on_5xx_and_429() -> None:
    fake = FakeRegistry()
    image = random_image([100])
    seen = {"n": 0}

    def fault(request: httpx.Request, _n: int) -> httpx.Response | None:
        if request.method == "PUT" and "/manifests/" in request.url.path and seen["n"] < 2:
            seen["n"] += 1
            if seen["n"] == 1:
                return httpx.Response(429, headers={"Retry-After": "2"})
            return httpx.Response(503)
        return None

    fake.fault = fault
    sleeps: list[float] = []
    with fake_client(fake, sleeps=sleeps) as client:
        client.push_image(REF, image.blobs, image.payload.manifest, OCI_MANIFEST)
    assert sleeps[0] == 2.0 and len(sleeps) == 2


def test_persistent_5xx_is_bounded_and_exit_3() -> None:
    fake = FakeRegistry()
    fake.fault = lambda req, _n: httpx.Response(503) if req.method == "HEAD" else None
    image = random_image([100])
    sleeps: list[float] = []
    with (
        fake_client(fake, sleeps=sleeps) as client,
        pytest.raises(RegistryUnavailableError) as info,
    ):
        client.push_image(REF, image.blobs, image.payload.manifest, OCI_MANIFEST)
    assert info.value.exit_code == ExitCode.ENVIRONMENT
    assert len(fake.requests("HEAD")) == 4 and len(sleeps) == 3


def test_connection_refused_is_unreachable_after_connect_attempts() -> None:
    fake = FakeRegistry()
    fake.fault = lambda _req, _n: httpx.ConnectError("[Errno 111] Connection refused")
    image = random_image([100])
    retry = RetryPolicy(attempts=6, connect_attempts=2, base_delay=0.01)
    with fake_client(fake, retry=retry) as client, pytest.raises(RegistryUnreachableError) as info:
        client.push_image(REF, image.blobs, image.payload.manifest, OCI_MANIFEST)
    assert info.value.exit_code == ExitCode.ENVIRONMENT
    assert "Connection refused" in info.value.message
    assert len(fake.log) == 2


def test_tls_error_hints_at_insecure() -> None:
    fake = FakeRegistry()
    fake.fault = lambda _req, _n: httpx.ConnectError("[SSL: WRONG_VERSION_NUMBER] wrong version")
    with fake_client(fake) as client, pytest.raises(RegistryUnreachableError) as info:
        client.blob_exists(REF, "sha256:" + "0" * 64)
    assert "GOSHIP_INSECURE_REGISTRIES" in (info.value.hint or "")


def test_upload_gives_up_after_bounded_attempts() -> None:
    fake = FakeRegistry()
    fake.fault = lambda req, _n: httpx.Response(500) if req.method == "PATCH" else None
    image = random_image([3000])
    upload = UploadOptions(chunk_threshold=1000, chunk_size=700, attempts=3, concurrency=1)
    with fake_client(fake, upload=upload) as client, pytest.raises(RegistryUnavailableError):
        client.push_image(REF, image.blobs, image.payload.manifest, OCI_MANIFEST)
    assert len(fake.requests("PATCH")) == 3
    assert not any("/manifests/" in p for p in fake.requests("PUT"))


def test_read_back_mismatch_is_integrity_error() -> None:
    fake = FakeRegistry()
    image = random_image([100])

    def fault(request: httpx.Request, _n: int) -> httpx.Response | None:
        if request.method == "GET" and request.url.path.endswith("/manifests/1.0"):
            return httpx.Response(200, content=b'{"rewritten": true}')
        return None

    fake.fault = fault
    with fake_client(fake) as client, pytest.raises(RegistryIntegrityError) as info:
        client.push_image(REF, image.blobs, image.payload.manifest, OCI_MANIFEST)
    assert info.value.exit_code == ExitCode.ENVIRONMENT


def test_manifest_naming_unknown_blob_is_refused_before_any_manifest_put() -> None:
    fake = FakeRegistry()
    image = random_image([100])
    with fake_client(fake) as client, pytest.raises(BadInputError, match="neither given"):
        client.push_image(REF, [image.config], image.payload.manifest, OCI_MANIFEST)
    assert not any("/manifests/" in p for p in fake.requests("PUT"))


def test_pinned_digest_must_match() -> None:
    fake = FakeRegistry()
    image = random_image([10])
    with fake_client(fake) as client, pytest.raises(UsageError):
        client.push_image(
            f"{HOST}/acme/api@sha256:{'1' * 64}", image.blobs, image.payload.manifest, OCI_MANIFEST
        )


def test_default_tag_is_latest_and_digest_ref_pushes_no_tag() -> None:
    fake = FakeRegistry()
    image = random_image([10])
    with fake_client(fake) as client:
        assert client.push_image(
            f"{HOST}/a", image.blobs, image.payload.manifest, OCI_MANIFEST
        ).tags == ("latest",)
        pinned = f"{HOST}/b@{image.payload.digest}"
        assert (
            client.push_image(pinned, image.blobs, image.payload.manifest, OCI_MANIFEST).tags == ()
        )


def test_registry_minimum_chunk_length_is_honoured() -> None:
    fake = FakeRegistry(chunk_min_length=2000)
    image = random_image([5000])
    with fake_client(fake) as client:
        client.push_image(REF, image.blobs, image.payload.manifest, OCI_MANIFEST)
    layer = image.layers[0]
    assert fake.blobs[layer.digest] == layer.data
    assert len(fake.requests("PATCH")) == -(-layer.size // 2000)


def test_rejected_request_names_the_registry_code_and_a_fix() -> None:
    fake = FakeRegistry()
    fake.fault = lambda req, _n: (
        httpx.Response(404, json={"errors": [{"code": "NAME_UNKNOWN", "message": "no such repo"}]})
        if req.method == "POST"
        else None
    )
    image = random_image([100])
    with fake_client(fake) as client, pytest.raises(BadInputError) as info:
        client.push_image(REF, image.blobs, image.payload.manifest, OCI_MANIFEST)
    assert "NAME_UNKNOWN: no such repo" in info.value.message
    assert info.value.exit_code == ExitCode.BAD_INPUT
    assert "repository name" in (info.value.hint or "")
