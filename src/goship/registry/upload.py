"""Uploading one blob: HEAD first, optional cross-repository mount, then a monolithic
(POST + PUT) or chunked (POST + PATCH... + PUT) upload that survives failures.

A failed request inside an upload session (5xx, 429, a dropped connection, a timeout, or the
registry no longer knowing the session) is recovered from, within ``UploadOptions.attempts``
failures in a row without progress:

1. HEAD the blob — the failed request may have completed it;
2. ask the session where it stands (GET on its Location, ``Range: 0-<last byte>``) and resume
   from there with the fresh Location;
3. otherwise drop the session and start a new one from byte 0.

A blob counts as pushed only when a HEAD after the upload finds it with the right size.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import httpx

from goship.registry.auth import repository_scope
from goship.registry.blobs import BlobSource, read_range, split_chunks
from goship.registry.errors import (
    RegistryIntegrityError,
    RegistryRequestError,
    RegistryUnavailableError,
    RegistryUnreachableError,
)
from goship.registry.transport import RegistrySession

MiB = 1024 * 1024
_RANGE_RE = re.compile(r"^(?:bytes=)?0-(\d+)$")
_SESSION_BROKEN = frozenset({400, 404, 416})
"""Statuses inside an upload session meaning "this session is unusable": start over."""

Outcome = Literal["exists", "mounted", "uploaded"]


@dataclass(frozen=True)
class UploadOptions:
    """How blobs are uploaded."""

    chunk_threshold: int = 16 * MiB
    """Blobs larger than this are uploaded in chunks; smaller ones in one PUT."""
    chunk_size: int = 8 * MiB
    attempts: int = 5
    """Failed tries per blob in a row without new bytes acknowledged (resumes and restarts
    both count). Progress renews the budget, so the total stays bounded by
    ``attempts * (chunks + 1)``."""
    concurrency: int = 3
    """Blobs uploaded at the same time."""
    mount_from: tuple[str, ...] = ()
    """Repositories on the same registry to try a cross-repository mount from."""

    def __post_init__(self) -> None:
        if self.chunk_size <= 0 or self.chunk_threshold < 0:
            raise ValueError("chunk sizes must be positive")
        if self.attempts < 1 or self.concurrency < 1:
            raise ValueError("attempts and concurrency must be at least 1")


BlobState = Literal["checking", "uploading", "retrying", "exists", "mounted", "uploaded"]


@dataclass(frozen=True)
class BlobEvent:
    """Progress of one blob: ``completed`` of ``total`` bytes, or a final state."""

    digest: str
    total: int
    completed: int
    state: BlobState


BlobProgress = Callable[[BlobEvent], None]


@dataclass(frozen=True)
class BlobResult:
    digest: str
    size: int
    outcome: Outcome
    bytes_sent: int
    sessions: int
    """Upload sessions started (0 when the blob existed or was mounted)."""


class _Counter:
    """Bytes handed to the HTTP client for one blob (including attempts that failed)."""

    def __init__(self, blob: BlobSource, progress: BlobProgress | None) -> None:
        self.sent = 0
        self.base = 0
        self.confirmed = 0
        """Highest offset the registry has acknowledged in any session of this blob."""
        self.blob = blob
        self.progress = progress
        self._lock = threading.Lock()

    def add(self, count: int) -> None:
        with self._lock:
            self.sent += count
            self.base += count
            done = self.base
        if self.progress:
            self.progress(BlobEvent(self.blob.digest, self.blob.size, done, "uploading"))

    def rewind(self, offset: int) -> None:
        with self._lock:
            self.base = offset

    def acknowledged(self, offset: int) -> None:
        with self._lock:
            self.base = offset
            self.confirmed = max(self.confirmed, offset)


def blob_url(session: RegistrySession, repository: str, digest: str) -> str:
    return session.url(f"/v2/{repository}/blobs/{digest}")


def blob_exists(
    session: RegistrySession, repository: str, blob_digest: str, size: int = -1
) -> bool:
    """HEAD the blob. A size mismatch is an integrity error (the registry holds other bytes)."""
    response = session.request(
        "HEAD",
        blob_url(session, repository, blob_digest),
        scopes=(repository_scope(repository, ("pull",)),),
        ok=(200, 404, 307, 302, 303),
    )
    if response.status_code == 404:
        return False
    length = response.headers.get("content-length")
    known = response.status_code == 200 and size >= 0 and length and length.isdigit()
    if known and int(length or 0) != size:
        raise RegistryIntegrityError(
            f"registry {session.host} holds {blob_digest} with {length} bytes, expected {size}"
        )
    return True


@dataclass
class _SessionState:
    """Where an upload session stands: the registry's latest Location and the next offset."""

    location: httpx.URL | None = None
    offset: int = 0
    chunk_size: int = 0


class BlobUploader:
    """Uploads blobs to one repository; safe to use from several threads."""

    def __init__(
        self,
        session: RegistrySession,
        repository: str,
        options: UploadOptions,
        progress: BlobProgress | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.session = session
        self.repository = repository
        self.options = options
        self.progress = progress
        self._rng = rng or random.Random()
        self._push_scope = repository_scope(repository)

    def _emit(self, blob: BlobSource, completed: int, state: BlobState) -> None:
        if self.progress:
            self.progress(BlobEvent(blob.digest, blob.size, completed, state))

    def push(self, blob: BlobSource) -> BlobResult:
        """Make sure ``blob`` is in the repository; upload it only if it is not."""
        self._emit(blob, 0, "checking")
        if blob_exists(self.session, self.repository, blob.digest, blob.size):
            self._emit(blob, blob.size, "exists")
            return BlobResult(blob.digest, blob.size, "exists", 0, 0)
        for source in self.options.mount_from:
            if source != self.repository and self._mount(blob, source):
                self._emit(blob, blob.size, "mounted")
                return BlobResult(blob.digest, blob.size, "mounted", 0, 0)
        counter = _Counter(blob, self.progress)
        sessions = self._upload(blob, counter)
        if not blob_exists(self.session, self.repository, blob.digest, blob.size):
            raise RegistryIntegrityError(
                f"registry {self.session.host} accepted {blob.digest} but does not have it",
            )
        self._emit(blob, blob.size, "uploaded")
        return BlobResult(blob.digest, blob.size, "uploaded", counter.sent, sessions)

    # -- sessions ---------------------------------------------------------------------------

    def _start(self, state: _SessionState) -> httpx.URL:
        """Open a session; honour the registry's ``OCI-Chunk-Min-Length`` for chunk sizes."""
        url = self.session.url(f"/v2/{self.repository}/blobs/uploads/")
        response = self.session.request(
            "POST",
            url,
            scopes=(self._push_scope,),
            headers={"Content-Length": "0"},
            ok=(202,),
        )
        state.location, state.offset = self._location(response), 0
        minimum = response.headers.get("oci-chunk-min-length", "")
        state.chunk_size = self.options.chunk_size
        if minimum.isdigit():
            state.chunk_size = max(state.chunk_size, int(minimum))
        return state.location

    def _mount(self, blob: BlobSource, source: str) -> bool:
        url = httpx.URL(
            self.session.url(f"/v2/{self.repository}/blobs/uploads/")
        ).copy_merge_params({"mount": blob.digest, "from": source})
        scopes = (self._push_scope, repository_scope(source, ("pull",)))
        try:
            response = self.session.request(
                "POST", url, scopes=scopes, headers={"Content-Length": "0"}, ok=(201, 202)
            )
        except RegistryRequestError:
            return False
        if response.status_code == 202:
            # Not mountable: the registry opened an ordinary session. Let it expire unused.
            return False
        return blob_exists(self.session, self.repository, blob.digest, blob.size)

    def _location(self, response: httpx.Response) -> httpx.URL:
        location = response.headers.get("location")
        if not location:
            raise RegistryRequestError(
                f"registry {self.session.host} answered {response.request.method} "
                f"{response.request.url.path} without a Location header",
                response.status_code,
            )
        return response.request.url.join(location)

    def _status(self, location: httpx.URL) -> tuple[httpx.URL, int] | None:
        """Where an open session stands: (fresh location, next offset), or None if unknown."""
        try:
            response = self.session.request(
                "GET", location, scopes=(self._push_scope,), ok=(204, 200), retry=False
            )
        except (RegistryRequestError, RegistryUnavailableError, RegistryUnreachableError):
            return None
        match = _RANGE_RE.match(response.headers.get("range", "").strip())
        if not match or not response.headers.get("location"):
            return None
        last = int(match.group(1))
        if last == 0:
            return None  # "0-0" means 0 or 1 bytes in some registries: start over instead
        return self._location(response), last + 1

    def _upload(self, blob: BlobSource, counter: _Counter) -> int:
        sessions = 0
        failures = 0
        best = 0
        state = _SessionState()
        while True:
            try:
                if state.location is None:
                    self._start(state)
                    sessions += 1
                counter.rewind(state.offset)
                if state.offset == 0 and blob.size <= self.options.chunk_threshold:
                    self._put(blob, state, 0, counter)
                else:
                    self._patch_all(blob, state, counter)
                    self._put(blob, state, blob.size, counter)
                return sessions
            except (
                RegistryUnavailableError,
                RegistryUnreachableError,
                RegistryRequestError,
            ) as exc:
                if isinstance(exc, RegistryRequestError) and exc.status not in _SESSION_BROKEN:
                    raise
                if counter.confirmed > best:
                    best, failures = counter.confirmed, 0  # progress: a fresh budget
                failures += 1
                if failures >= self.options.attempts:
                    raise
                self._emit(blob, counter.base, "retrying")
                self.session.wait_before_retry(
                    f"blob upload {blob.digest[:19]}: {exc.message}",
                    failures,
                    None,
                )
                if blob_exists(self.session, self.repository, blob.digest, blob.size):
                    return sessions
                status = self._status(state.location) if state.location is not None else None
                state.location, state.offset = status if status else (None, 0)

    def _patch_all(self, blob: BlobSource, state: _SessionState, counter: _Counter) -> None:
        """PATCH the chunks from ``state.offset`` on; ``state`` follows every acknowledged
        chunk, so a failure leaves it at the registry's latest Location."""
        assert state.location is not None
        size = state.chunk_size or self.options.chunk_size
        for start, end in split_chunks(blob.size, size, state.offset):
            response = self.session.request(
                "PATCH",
                state.location,
                scopes=(self._push_scope,),
                headers={
                    "Content-Type": "application/octet-stream",
                    "Content-Length": str(end - start),
                    "Content-Range": f"{start}-{end - 1}",
                },
                body=read_range(blob, start, end, counter.add),
                ok=(202, 204),
                retry=False,
            )
            state.location, state.offset = self._location(response), end
            counter.acknowledged(end)

    def _put(self, blob: BlobSource, state: _SessionState, start: int, counter: _Counter) -> None:
        """Close the session with ``PUT ?digest=``, sending ``blob[start:]`` as its body."""
        assert state.location is not None
        end = blob.size
        url = state.location.copy_merge_params({"digest": blob.digest})
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(end - start)}
        body = read_range(blob, start, end, counter.add) if end > start else None
        response = self.session.request(
            "PUT",
            url,
            scopes=(self._push_scope,),
            headers=headers,
            body=body,
            ok=(201, 204),
            retry=False,
        )
        returned = response.headers.get("docker-content-digest")
        if returned and returned != blob.digest:
            raise RegistryIntegrityError(
                f"registry {self.session.host} stored {returned} for blob {blob.digest}"
            )
