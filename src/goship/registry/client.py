"""The registry client façade: one object per run, one HTTP session per registry host.

Typical use by the build command::

    with RegistryClient(progress=on_event) as client:
        result = client.push_image("ghcr.io/acme/api:1.4.2", blobs, manifest_bytes,
                                   OCI_MANIFEST, tags=["1.4", "latest"])
    print(result.reference)          # ghcr.io/acme/api@sha256:...
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

import httpx

from goship.registry.blobs import BlobSource, ManifestPayload
from goship.registry.credentials import Credentials, resolve_credentials
from goship.registry.pull import (
    ACCEPT_MANIFESTS,
    FetchedManifest,
    Referrers,
    fetch_blob,
    get_manifest,
    get_referrers,
    manifest_digest,
)
from goship.registry.push import ProgressCallback, Pusher, PushResult
from goship.registry.reference import Reference, parse_reference, registry_scheme
from goship.registry.retry import RetryPolicy
from goship.registry.transport import RegistrySession, RetryHook
from goship.registry.upload import UploadOptions, blob_exists

RefLike = str | Reference


def as_reference(ref: RefLike) -> Reference:
    return ref if isinstance(ref, Reference) else parse_reference(ref)


class RegistryClient:
    """Push to and read from OCI distribution registries.

    ``credentials`` forces credentials for every registry (otherwise they are resolved per host,
    see :mod:`goship.registry.credentials`); ``insecure`` allows plain HTTP for every registry
    (loopback hosts and ``GOSHIP_INSECURE_REGISTRIES`` always may); ``transport``, ``sleep``
    and ``rng`` exist for tests.
    """

    def __init__(
        self,
        *,
        insecure: bool = False,
        credentials: Credentials | None = None,
        retry: RetryPolicy | None = None,
        upload: UploadOptions | None = None,
        progress: ProgressCallback | None = None,
        on_retry: RetryHook | None = None,
        env: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.insecure = insecure
        self.retry = retry or RetryPolicy()
        self.upload = upload or UploadOptions()
        self.progress = progress
        self._credentials = credentials
        self._on_retry = on_retry
        self._env = dict(os.environ if env is None else env)
        self._transport = transport
        self._sleep = sleep
        self._rng = rng
        self._sessions: dict[str, RegistrySession] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            session.close()

    def session(self, ref: Reference) -> RegistrySession:
        """The shared session for ``ref``'s registry (created on first use)."""
        host = ref.api_host
        with self._lock:
            found = self._sessions.get(host)
            if found is not None:
                return found
        creds = self._credentials or resolve_credentials(ref.registry, self._env)
        session = RegistrySession(
            host,
            registry_scheme(host, self.insecure, self._env),
            creds,
            self.retry,
            transport=self._transport,
            sleep=self._sleep,
            rng=self._rng,
            on_retry=self._on_retry,
        )
        with self._lock:
            return self._sessions.setdefault(host, session)

    # -- push -------------------------------------------------------------------------------

    def push_image(
        self,
        ref: RefLike,
        blobs: Sequence[BlobSource],
        manifest: bytes,
        media_type: str,
        tags: Sequence[str] = (),
    ) -> PushResult:
        """Push one image: its blobs (config and layers), then its manifest, then tags."""
        return self.push(ref, ManifestPayload(manifest, media_type, tuple(blobs)), (), tags)

    def push_index(
        self,
        ref: RefLike,
        children: Sequence[ManifestPayload],
        index: bytes,
        media_type: str,
        tags: Sequence[str] = (),
    ) -> PushResult:
        """Push a multi-platform index: each child image (blobs, then manifest by digest),
        then the index, then tags."""
        return self.push(ref, ManifestPayload(index, media_type), children, tags)

    def push(
        self,
        ref: RefLike,
        root: ManifestPayload,
        children: Sequence[ManifestPayload] = (),
        tags: Sequence[str] = (),
    ) -> PushResult:
        reference = as_reference(ref)
        pusher = Pusher(self.session(reference), reference, self.upload, self.progress)
        return pusher.push(root, children, tags)

    # -- read -------------------------------------------------------------------------------

    def get_manifest(self, ref: RefLike, accept: str = ACCEPT_MANIFESTS) -> FetchedManifest:
        reference = as_reference(ref)
        return get_manifest(self.session(reference), reference, accept)

    def manifest_digest(self, ref: RefLike) -> str | None:
        reference = as_reference(ref)
        return manifest_digest(self.session(reference), reference)

    def blob_exists(self, ref: RefLike, digest: str) -> bool:
        reference = as_reference(ref)
        return blob_exists(self.session(reference), reference.repository, digest)

    def fetch_blob(
        self,
        ref: RefLike,
        digest: str,
        dest: Path,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        reference = as_reference(ref)
        return fetch_blob(self.session(reference), reference.repository, digest, dest, progress)

    def referrers(self, ref: RefLike, digest: str, artifact_type: str | None = None) -> Referrers:
        reference = as_reference(ref)
        return get_referrers(self.session(reference), reference.repository, digest, artifact_type)
