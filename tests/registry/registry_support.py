"""Support code for registry tests: a hand-built OCI image and a fault-injecting proxy.

The proxy sits on 127.0.0.1 in front of a real registry and, on a fixed per-method pattern,
answers 500 without forwarding, forwards and then answers 500 (the work happened, the answer
is lost), forwards and then drops the connection, or drops the connection after reading part
of the request body. Before forwarding a manifest PUT it checks, straight against the
registry, that every blob and child manifest the manifest names exists — so a test can prove
no tag (or manifest) ever pointed at something missing.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import io
import json
import os
import socket
import tarfile
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from goship.registry import OCI_INDEX, OCI_MANIFEST, BytesBlob, ManifestPayload
from goship.registry.blobs import sha256_digest

LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"
CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"


@dataclass(frozen=True)
class AuthRegistry:
    """An htpasswd-protected registry (the ``auth_registry`` fixture's value)."""

    address: str
    user: str
    password: str


@dataclass(frozen=True)
class TestImage:
    """A minimal valid OCI image: config + gzip tar layers, with its manifest."""

    __test__ = False  # not a pytest class

    config: BytesBlob
    layers: tuple[BytesBlob, ...]
    payload: ManifestPayload
    platform: dict[str, str]

    @property
    def blobs(self) -> list[BytesBlob]:
        return [self.config, *self.layers]

    def descriptor(self) -> dict[str, Any]:
        return {
            "mediaType": OCI_MANIFEST,
            "digest": self.payload.digest,
            "size": len(self.payload.manifest),
            "platform": self.platform,
        }


def tar_gz(files: dict[str, bytes]) -> tuple[bytes, str]:
    """A deterministic gzip tar of ``files``; returns (compressed, diff_id)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            info.mtime = 0
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(files[name]))
    data = raw.getvalue()
    return gzip.compress(data, mtime=0), sha256_digest(data)


def build_image(
    files_per_layer: list[dict[str, bytes]], arch: str = "amd64", label: str = "x"
) -> TestImage:
    layers, diff_ids = [], []
    for files in files_per_layer:
        compressed, diff_id = tar_gz(files)
        layers.append(BytesBlob(compressed, LAYER_TYPE))
        diff_ids.append(diff_id)
    config_doc = {
        "architecture": arch,
        "os": "linux",
        "config": {"Labels": {"test": label}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }
    config = BytesBlob(json.dumps(config_doc, sort_keys=True).encode(), CONFIG_TYPE)
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": CONFIG_TYPE, "digest": config.digest, "size": config.size},
        "layers": [{"mediaType": LAYER_TYPE, "digest": b.digest, "size": b.size} for b in layers],
    }
    payload = ManifestPayload(
        json.dumps(manifest, sort_keys=True).encode(), OCI_MANIFEST, (config, *layers)
    )
    return TestImage(config, tuple(layers), payload, {"architecture": arch, "os": "linux"})


def random_image(layer_sizes: list[int], arch: str = "amd64") -> TestImage:
    """An image whose layers hold random (incompressible) files of the given sizes."""
    return build_image(
        [{f"data/{i}.bin": os.urandom(size)} for i, size in enumerate(layer_sizes)], arch
    )


def build_index(images: list[TestImage]) -> ManifestPayload:
    index = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [img.descriptor() for img in images],
    }
    return ManifestPayload(json.dumps(index, sort_keys=True).encode(), OCI_INDEX)


# -- the faulty proxy ---------------------------------------------------------------------

Fault = str  # "500", "forward-500", "forward-drop", "drop", "cut-request"


def request_kind(method: str, path: str) -> str:
    """The counter a request falls under: blob-upload PUTs and manifest PUTs apart."""
    if method == "PUT":
        return "PUT-manifest" if "/manifests/" in path else "PUT-blob"
    if method == "GET" and "/blobs/uploads/" in path:
        return "GET-status"
    return method


# (kind, nth request of that kind) -> fault. Every fault kind hits every stage at least once
# on a push of a few images; a chunk whose answer is lost ("forward-500" on PATCH) forces a
# fresh upload session, because the registry's session state moved on.
SCHEDULE: dict[tuple[str, int], Fault] = {
    ("POST", 2): "500",
    ("POST", 4): "drop",
    ("PATCH", 2): "cut-request",
    ("PATCH", 4): "forward-500",
    ("PATCH", 7): "drop",
    ("PUT-blob", 1): "forward-drop",
    ("PUT-blob", 3): "cut-request",
    ("PUT-blob", 5): "500",
    ("PUT-manifest", 1): "forward-500",
    ("PUT-manifest", 2): "drop",
    ("PUT-manifest", 4): "forward-drop",
    ("HEAD", 3): "drop",
    ("HEAD", 6): "500",
    ("GET", 1): "500",
    ("GET", 3): "drop",
    ("GET-status", 1): "500",
}
PERIODIC: tuple[Fault, ...] = ("500", "drop", "cut-request")


def default_faults(kind: str, count: int) -> Fault | None:
    """The fixed pattern: the schedule above, then every 7th request of a kind (from the
    14th on) fails with 500 / drop / cut-request in turn."""
    if (kind, count) in SCHEDULE:
        return SCHEDULE[(kind, count)]
    if count >= 14 and count % 7 == 0:
        return PERIODIC[(count // 7) % len(PERIODIC)]
    return None


_HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


@dataclass
class FaultyProxy:
    upstream: str
    faults: Callable[[str, int], Fault | None] = default_faults
    counts: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)
    log: list[str] = field(default_factory=list)
    """One line per request: kind, count, fault, method, path (for failure messages)."""
    dangling: list[str] = field(default_factory=list)
    """Manifest PUTs that named something missing at the moment they were forwarded."""
    address: str = ""
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        proxy = self

        class Handler(_ProxyHandler):
            owner = proxy

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self.address = f"127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def next_fault(self, method: str, path: str) -> Fault | None:
        kind = request_kind(method, path)
        with self._lock:
            self.counts[kind] += 1
            fault = self.faults(kind, self.counts[kind])
            self.log.append(f"{kind}#{self.counts[kind]} {fault or 'ok'} {method} {path[:90]}")
            if fault:
                self.injected[fault] += 1
            return fault

    def upstream_request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        host, port = self.upstream.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.getheaders(), data
        finally:
            conn.close()

    def check_manifest_targets(self, path: str, body: bytes) -> None:
        """Record a manifest PUT that names a blob or manifest the registry lacks."""
        repo = path[len("/v2/") : path.index("/manifests/")]
        try:
            doc = json.loads(body)
        except ValueError:
            return
        wanted = [(d, "blobs") for d in _digests([doc.get("config"), *doc.get("layers", [])])]
        wanted += [(d, "manifests") for d in _digests(doc.get("manifests", []))]
        accept = {"Accept": f"{OCI_MANIFEST}, {OCI_INDEX}"}
        for digest, kind in wanted:
            status, _, _ = self.upstream_request(
                "HEAD", f"/v2/{repo}/{kind}/{digest}", accept, None
            )
            if status != 200:
                with self._lock:
                    self.dangling.append(f"{path} -> {kind}/{digest} ({status})")


def _digests(descs: list[Any]) -> list[str]:
    return [d["digest"] for d in descs if isinstance(d, dict) and "digest" in d]


class _ProxyHandler(BaseHTTPRequestHandler):
    owner: FaultyProxy
    protocol_version = "HTTP/1.1"
    timeout = 60

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _handle(self) -> None:
        method, path = self.command, self.path
        fault = self.owner.next_fault(method, path)
        length = int(self.headers.get("Content-Length") or 0)
        if fault == "cut-request":
            self.rfile.read(length // 2)
            self._drop()
            return
        body = self.rfile.read(length) if length else None
        if fault == "drop":
            self._drop()
            return
        if fault == "500":
            self._reply(500, [("Content-Type", "text/plain")], b"injected failure\n")
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS}
        if method == "PUT" and "/manifests/" in path and body:
            self.owner.check_manifest_targets(path, body)
        status, resp_headers, data = self.owner.upstream_request(method, path, headers, body)
        if fault == "forward-500":
            self._reply(500, [("Content-Type", "text/plain")], b"injected after forwarding\n")
            return
        if fault == "forward-drop":
            self._drop()
            return
        kept = [(k, v) for k, v in resp_headers if k.lower() not in _HOP_HEADERS]
        self._reply(status, kept, data)

    def _reply(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
        self.send_response(status)
        has_length = False
        for key, value in headers:
            if key.lower() == "content-length":
                has_length = True
                if self.command != "HEAD":
                    value = str(len(data))
            self.send_header(key, value)
        if not has_length:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD" and data:
            self.wfile.write(data)
