"""An in-memory OCI distribution registry behind ``httpx.MockTransport`` for unit tests.

It implements what goship uses (HEAD/GET blobs, POST/PATCH/PUT/GET upload sessions with
``Content-Range`` checks and ``Range`` status, mount, PUT/GET/HEAD manifests, referrers) and
lets a test inject failures per request through ``fault``. Like distribution, each upload
Location carries the session offset in ``_state``; using a stale Location cancels the upload.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from goship.registry import RegistryClient, RetryPolicy, UploadOptions
from goship.registry.credentials import ANONYMOUS

HOST = "registry.test"
_ROUTE = re.compile(
    r"^/v2/(?P<name>.+?)/(?P<kind>blobs/uploads|blobs|manifests|referrers)/?(?P<rest>[^/]*)$"
)

Fault = Callable[[httpx.Request, int], "httpx.Response | Exception | None"]
"""Called with (request, request number); a Response short-circuits, an Exception is raised
before handling, and the string "after" in ``after_faults`` processes then raises."""


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _error(status: int, code: str, message: str = "") -> httpx.Response:
    body = {"errors": [{"code": code, "message": message or code.lower()}]}
    return httpx.Response(status, json=body)


@dataclass
class FakeRegistry:
    absolute_locations: bool = False
    referrers: bool = False
    chunk_min_length: int = 0
    blobs: dict[str, bytes] = field(default_factory=dict)
    repo_blobs: dict[str, set[str]] = field(default_factory=dict)
    manifests: dict[tuple[str, str], tuple[str, bytes]] = field(default_factory=dict)
    uploads: dict[str, bytearray] = field(default_factory=dict)
    log: list[tuple[str, str, int]] = field(default_factory=list)
    fault: Fault | None = None
    lose_response: Callable[[httpx.Request, int], bool] | None = None
    """Process the request, then raise ReadError instead of answering (response lost)."""
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _n: int = 0

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self._n += 1
        n = self._n
        if self.fault is not None:
            injected = self.fault(request, n)
            if isinstance(injected, Exception):
                self.log.append((request.method, request.url.path, -1))
                raise injected
            if isinstance(injected, httpx.Response):
                self.log.append((request.method, request.url.path, injected.status_code))
                return injected
        response = self._route(request)
        self.log.append((request.method, request.url.path, response.status_code))
        if self.lose_response is not None and self.lose_response(request, n):
            raise httpx.ReadError("connection lost after the request was processed")
        return response

    def requests(self, method: str) -> list[str]:
        return [path for m, path, _ in self.log if m == method]

    # -- routing ----------------------------------------------------------------------------

    def _location(self, path: str) -> str:
        return f"https://{HOST}{path}" if self.absolute_locations else path

    def _route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path in ("/v2/", "/v2"):
            return httpx.Response(200, json={})
        match = _ROUTE.match(path)
        if not match:
            return _error(404, "NOT_FOUND")
        name, kind, rest = match["name"], match["kind"], match["rest"]
        handler = {
            "blobs": self._blob,
            "blobs/uploads": self._upload,
            "manifests": self._manifest,
            "referrers": self._referrers,
        }[kind]
        return handler(request, name, rest)

    def _blob(self, request: httpx.Request, name: str, digest: str) -> httpx.Response:
        if digest not in self.repo_blobs.get(name, set()):
            return _error(404, "BLOB_UNKNOWN")
        data = self.blobs[digest]
        headers = {"Docker-Content-Digest": digest, "Content-Length": str(len(data))}
        if request.method == "HEAD":
            return httpx.Response(200, headers=headers)
        return httpx.Response(200, headers=headers, content=data)

    def _upload(self, request: httpx.Request, name: str, uid: str) -> httpx.Response:
        params = request.url.params
        if request.method == "POST":
            mount, source = params.get("mount"), params.get("from")
            if mount and source and mount in self.repo_blobs.get(source, set()):
                self.repo_blobs.setdefault(name, set()).add(mount)
                loc = self._location(f"/v2/{name}/blobs/{mount}")
                return httpx.Response(201, headers={"Location": loc})
            uid = f"u{next(self._ids)}"
            self.uploads[uid] = bytearray()
            started = self._upload_status(name, uid, 202)
            if self.chunk_min_length:
                started.headers["OCI-Chunk-Min-Length"] = str(self.chunk_min_length)
            return started
        if uid not in self.uploads:
            return _error(404, "BLOB_UPLOAD_UNKNOWN")
        data = self.uploads[uid]
        state = params.get("_state", "")
        if state and int(state.rsplit(".", 1)[1]) != len(data):
            # Like distribution: a Location whose state is behind the upload cancels it.
            del self.uploads[uid]
            return _error(404, "BLOB_UPLOAD_INVALID", "upload resumed at wrong offset")
        if request.method == "GET":
            return self._upload_status(name, uid, 204)
        if request.method == "PATCH":
            content_range = request.headers.get("content-range")
            if content_range:
                start = int(content_range.split("-")[0])
                if start != len(data):
                    return _error(416, "BLOB_UPLOAD_INVALID", "range mismatch")
            data.extend(request.content)
            return self._upload_status(name, uid, 202)
        if request.method == "PUT":
            data.extend(request.content)
            digest = params.get("digest", "")
            if _digest(bytes(data)) != digest:
                del self.uploads[uid]
                return _error(400, "DIGEST_INVALID")
            self.blobs[digest] = bytes(data)
            self.repo_blobs.setdefault(name, set()).add(digest)
            del self.uploads[uid]
            return httpx.Response(
                201,
                headers={
                    "Location": self._location(f"/v2/{name}/blobs/{digest}"),
                    "Docker-Content-Digest": digest,
                },
            )
        return _error(405, "UNSUPPORTED")

    def _upload_status(self, name: str, uid: str, status: int) -> httpx.Response:
        size = len(self.uploads[uid])
        headers = {
            "Location": self._location(f"/v2/{name}/blobs/uploads/{uid}?_state={uid}.{size}"),
            "Range": f"0-{max(size - 1, 0)}",
            "Docker-Upload-UUID": uid,
        }
        return httpx.Response(status, headers=headers)

    def _manifest(self, request: httpx.Request, name: str, ref: str) -> httpx.Response:
        if request.method == "PUT":
            body = request.content
            digest = _digest(body)
            doc = json.loads(body)
            for desc in [doc.get("config"), *doc.get("layers", [])]:
                if desc and desc["digest"] not in self.repo_blobs.get(name, set()):
                    return _error(400, "MANIFEST_BLOB_UNKNOWN")
            for desc in doc.get("manifests", []):
                if (name, desc["digest"]) not in self.manifests:
                    return _error(400, "MANIFEST_UNKNOWN")
            media_type = request.headers.get("content-type", "")
            self.manifests[(name, digest)] = (media_type, body)
            self.manifests[(name, ref)] = (media_type, body)
            return httpx.Response(201, headers={"Docker-Content-Digest": digest})
        found = self.manifests.get((name, ref))
        if found is None:
            return _error(404, "MANIFEST_UNKNOWN")
        media_type, body = found
        headers = {"Docker-Content-Digest": _digest(body), "Content-Type": media_type}
        if request.method == "HEAD":
            return httpx.Response(200, headers={**headers, "Content-Length": str(len(body))})
        return httpx.Response(200, headers=headers, content=body)

    def _referrers(self, request: httpx.Request, name: str, digest: str) -> httpx.Response:
        if not self.referrers:
            return _error(404, "NOT_FOUND")
        found = []
        for (repo, ref), (media_type, body) in self.manifests.items():
            doc = json.loads(body)
            subject = doc.get("subject") or {}
            if repo == name and ref == _digest(body) and subject.get("digest") == digest:
                found.append({"mediaType": media_type, "digest": _digest(body), "size": len(body)})
        index = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": found,
        }
        return httpx.Response(
            200,
            headers={"Content-Type": "application/vnd.oci.image.index.v1+json"},
            content=json.dumps(index).encode(),
        )


SMALL_UPLOADS = UploadOptions(chunk_threshold=1000, chunk_size=700, concurrency=1)
"""Tiny thresholds so a few KiB exercise chunked uploads."""


def fake_client(
    fake: FakeRegistry,
    upload: UploadOptions = SMALL_UPLOADS,
    retry: RetryPolicy | None = None,
    sleeps: list[float] | None = None,
    events: list[object] | None = None,
) -> RegistryClient:
    """A client wired to ``fake``: anonymous, no env, recorded (not real) sleeps."""
    return RegistryClient(
        credentials=ANONYMOUS,
        retry=retry or RetryPolicy(attempts=4, base_delay=0.01),
        upload=upload,
        env={},
        transport=fake.transport(),
        sleep=(sleeps.append if sleeps is not None else lambda _s: None),
        rng=random.Random(0),
        progress=events.append if events is not None else None,
    )
