"""Reading from a registry: manifests (verified against their digest), blobs (streamed to a
file, verified, then moved into place) and the OCI 1.1 referrers API."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from goship.registry.auth import repository_scope
from goship.registry.blobs import (
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
    OCI_INDEX,
    OCI_MANIFEST,
    sha256_digest,
)
from goship.registry.errors import (
    RegistryIntegrityError,
    RegistryRequestError,
    RegistryUnavailableError,
)
from goship.registry.reference import Reference
from goship.registry.transport import RegistrySession

ACCEPT_MANIFESTS = ", ".join([OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST, DOCKER_MANIFEST])


@dataclass(frozen=True)
class FetchedManifest:
    reference: Reference
    digest: str
    media_type: str
    body: bytes

    def json(self) -> dict[str, Any]:
        data = json.loads(self.body)
        if not isinstance(data, dict):
            raise RegistryIntegrityError(f"manifest {self.digest} is not a JSON object")
        return data


@dataclass(frozen=True)
class Referrers:
    """Result of a referrers query. ``supported`` False means the registry has no referrers
    API: attach artifacts with the fallback tag ``fallback_tag`` (``sha256-<hex>``) instead."""

    supported: bool
    manifests: tuple[dict[str, Any], ...]
    fallback_tag: str


def _pull_scope(repository: str) -> tuple[str, ...]:
    return (repository_scope(repository, ("pull",)),)


def get_manifest(
    session: RegistrySession, ref: Reference, accept: str = ACCEPT_MANIFESTS
) -> FetchedManifest:
    """GET a manifest by tag or digest; the body must hash to the digest the registry (or the
    reference) names."""
    response = session.request(
        "GET",
        session.url(f"/v2/{ref.repository}/manifests/{ref.identifier}"),
        scopes=_pull_scope(ref.repository),
        headers={"Accept": accept},
    )
    body = response.content
    computed = sha256_digest(body)
    header = response.headers.get("docker-content-digest", "")
    expected = ref.digest or (header if header.startswith("sha256:") else computed)
    if computed != expected:
        raise RegistryIntegrityError(
            f"manifest {ref} has digest {computed}, but {expected} was expected"
        )
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    if not media_type or media_type in ("application/json", "text/plain"):
        try:
            declared = json.loads(body).get("mediaType")
        except (ValueError, AttributeError):
            declared = None
        media_type = declared if isinstance(declared, str) else media_type
    return FetchedManifest(ref.with_digest(computed), computed, media_type, body)


def manifest_digest(session: RegistrySession, ref: Reference) -> str | None:
    """HEAD a manifest: its digest, or None if it does not exist."""
    response = session.request(
        "HEAD",
        session.url(f"/v2/{ref.repository}/manifests/{ref.identifier}"),
        scopes=_pull_scope(ref.repository),
        headers={"Accept": ACCEPT_MANIFESTS},
        ok=(200, 404),
    )
    if response.status_code == 404:
        return None
    return response.headers.get("docker-content-digest") or ref.digest or ""


def fetch_blob(
    session: RegistrySession,
    repository: str,
    digest: str,
    dest: Path,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Download a blob to ``dest`` (atomically) and return its size. The content is verified
    against ``digest``; a dropped connection restarts the download, within the retry policy."""
    algo, _, _ = digest.partition(":")
    if algo != "sha256":
        raise RegistryRequestError(f"cannot verify blob digest algorithm {algo!r}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    attempt = 0
    while True:
        attempt += 1
        fd, tmp_name = tempfile.mkstemp(prefix=".goship-blob-", dir=dest.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                size, got = _download(session, repository, digest, out, progress)
            if got != digest:
                raise RegistryIntegrityError(f"blob {digest} downloaded as {got}")
            os.replace(tmp_name, dest)
            return size
        except httpx.TransportError as exc:
            if attempt >= session.policy.attempts:
                raise RegistryUnavailableError(
                    f"download of {digest} from {session.host} kept failing: {exc}"
                ) from exc
            session.wait_before_retry(f"blob download {digest[:19]}", attempt, None)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)


def _download(
    session: RegistrySession,
    repository: str,
    digest: str,
    out: BinaryIO,
    progress: Callable[[int], None] | None,
) -> tuple[int, str]:
    hasher = hashlib.sha256()
    size = 0
    response = session.request(
        "GET",
        session.url(f"/v2/{repository}/blobs/{digest}"),
        scopes=_pull_scope(repository),
        stream=True,
        follow_redirects=True,
    )
    try:
        for piece in response.iter_bytes(256 * 1024):
            out.write(piece)
            hasher.update(piece)
            size += len(piece)
            if progress:
                progress(size)
    finally:
        response.close()
    return size, "sha256:" + hasher.hexdigest()


def fallback_tag(digest: str) -> str:
    """The referrers tag schema: ``sha256:abc...`` -> ``sha256-abc...`` (max 128 chars)."""
    return digest.replace(":", "-")[:128]


def get_referrers(
    session: RegistrySession, repository: str, digest: str, artifact_type: str | None = None
) -> Referrers:
    """GET ``/v2/<name>/referrers/<digest>``. A 404 (or a non-index answer) means the
    registry does not support the API, and callers should use the fallback tag."""
    url = httpx.URL(session.url(f"/v2/{repository}/referrers/{digest}"))
    if artifact_type:
        url = url.copy_merge_params({"artifactType": artifact_type})
    response = session.request(
        "GET",
        url,
        scopes=_pull_scope(repository),
        headers={"Accept": OCI_INDEX},
        ok=(200, 404, 400, 405),
    )
    unsupported = Referrers(False, (), fallback_tag(digest))
    if response.status_code != 200:
        return unsupported
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    try:
        data = response.json()
    except ValueError:
        return unsupported
    if not isinstance(data, dict) or (
        content_type != OCI_INDEX and data.get("mediaType") != OCI_INDEX
    ):
        return unsupported
    manifests = tuple(m for m in data.get("manifests") or [] if isinstance(m, dict))
    return Referrers(True, manifests, fallback_tag(digest))
