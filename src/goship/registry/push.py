"""Pushing an image or an index, in the order that never leaves a tag dangling:

1. every blob of a manifest is confirmed present (HEAD; uploaded first only if missing);
2. the manifest is PUT by digest — children of an index before the index;
3. tags are PUT last, all pointing at the root manifest;
4. every tag is read back (GET): ``Docker-Content-Digest`` and the body's sha256 must both equal
   the pushed digest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Literal

from goship.errors import BadInputError, UsageError
from goship.registry.auth import repository_scope
from goship.registry.blobs import MANIFEST_TYPES, BlobSource, ManifestPayload, sha256_digest
from goship.registry.errors import RegistryIntegrityError
from goship.registry.reference import DEFAULT_TAG, Reference, validate_tag
from goship.registry.transport import RegistrySession
from goship.registry.upload import (
    BlobEvent,
    BlobResult,
    BlobUploader,
    UploadOptions,
    blob_exists,
)


@dataclass(frozen=True)
class ManifestEvent:
    """A manifest step: ``pushed`` (by digest), ``tagged`` or ``verified`` (read back)."""

    digest: str
    state: Literal["pushed", "tagged", "verified"]
    tag: str = ""


PushEvent = BlobEvent | ManifestEvent
ProgressCallback = Callable[[PushEvent], None]
"""Progress hook. Called from worker threads when blobs upload concurrently."""


@dataclass(frozen=True)
class PushResult:
    """What a push did. ``bytes_sent`` counts blob bytes handed to the network, including
    bytes of attempts that failed; it is 0 when every blob was already there."""

    reference: Reference
    """The digest-pinned reference ``registry/repo@sha256:...``."""
    digest: str
    media_type: str
    tags: tuple[str, ...]
    bytes_sent: int
    manifest_bytes_sent: int
    blobs: tuple[BlobResult, ...]
    manifests: tuple[str, ...]
    """Digests of the manifests PUT, children first, the root last."""

    @property
    def references(self) -> tuple[str, ...]:
        """``registry/repo:tag`` for every tag pushed."""
        return tuple(str(self.reference.with_tag(tag)) for tag in self.tags)

    def count(self, outcome: str) -> int:
        return sum(1 for b in self.blobs if b.outcome == outcome)


def resolve_tags(ref: Reference, tags: Sequence[str], root_digest: str) -> tuple[str, ...]:
    """Tags to push: the reference's tag then ``tags`` (deduplicated, validated); ``latest``
    when there are none and the reference has no digest."""
    if ref.digest and ref.digest != root_digest:
        raise UsageError(
            f"{ref} pins digest {ref.digest} but the image to push is {root_digest}",
            "drop the @digest from the push reference",
        )
    wanted = ([ref.tag] if ref.tag else []) + [validate_tag(t) for t in tags]
    result = tuple(dict.fromkeys(wanted))
    if not result and not ref.digest:
        result = (DEFAULT_TAG,)
    return result


class Pusher:
    """Pushes manifest trees to the repository of ``ref``."""

    def __init__(
        self,
        session: RegistrySession,
        ref: Reference,
        options: UploadOptions,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.session = session
        self.ref = ref
        self.repository = ref.repository
        self.options = options
        self.progress = progress
        self._uploader = BlobUploader(session, ref.repository, options, progress)
        self._blobs: dict[str, BlobResult] = {}
        self._lock = threading.Lock()
        self._manifest_bytes = 0
        self._pushed: list[str] = []

    def push(
        self,
        root: ManifestPayload,
        children: Sequence[ManifestPayload] = (),
        tags: Sequence[str] = (),
    ) -> PushResult:
        final_tags = resolve_tags(self.ref, tags, root.digest)
        by_digest = {child.digest: child for child in children}
        for child_digest in root.referenced_manifests():
            child = by_digest.pop(child_digest, None)
            if child is not None:
                self._push_manifest(child)
            elif not self._manifest_exists(child_digest):
                raise BadInputError(
                    f"index {root.digest} lists manifest {child_digest}, which was neither "
                    f"given nor found in {self.ref.name}"
                )
        for extra in by_digest.values():
            self._push_manifest(extra)
        self._push_manifest(root)
        for tag in final_tags:
            self._put_manifest(root, tag)
            self._emit(ManifestEvent(root.digest, "tagged", tag))
        for tag in final_tags:
            self.verify(tag, root.digest, root.media_type)
        blobs = tuple(self._blobs.values())
        return PushResult(
            reference=self.ref.with_digest(root.digest),
            digest=root.digest,
            media_type=root.media_type,
            tags=final_tags,
            bytes_sent=sum(b.bytes_sent for b in blobs),
            manifest_bytes_sent=self._manifest_bytes,
            blobs=blobs,
            manifests=tuple(self._pushed),
        )

    def _emit(self, event: PushEvent) -> None:
        if self.progress:
            self.progress(event)

    # -- blobs ------------------------------------------------------------------------------

    def _push_blobs(self, payload: ManifestPayload) -> None:
        referenced = payload.referenced_blobs()
        pending = [b for b in dict((b.digest, b) for b in payload.blobs).values()]
        pending = [b for b in pending if b.digest not in self._blobs]
        self._run_uploads(pending)
        provided = {b.digest for b in payload.blobs} | set(self._blobs)
        for digest in referenced:
            if digest in provided:
                continue
            if not blob_exists(self.session, self.repository, digest):
                raise BadInputError(
                    f"manifest {payload.digest} references blob {digest}, which was neither "
                    f"given nor found in {self.ref.name}"
                )

    def _run_uploads(self, blobs: list[BlobSource]) -> None:
        if not blobs:
            return
        if self.options.concurrency == 1 or len(blobs) == 1:
            for blob in blobs:
                self._record(self._uploader.push(blob))
            return
        workers = min(self.options.concurrency, len(blobs))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="goship-push") as pool:
            futures: list[Future[BlobResult]] = [pool.submit(self._uploader.push, b) for b in blobs]
            done, not_done = wait(futures, return_when=FIRST_EXCEPTION)
            for future in not_done:
                future.cancel()
            for future in futures:
                if future.done() and not future.cancelled() and future.exception() is None:
                    self._record(future.result())
            for future in done:
                error = future.exception()
                if error is not None:
                    raise error

    def _record(self, result: BlobResult) -> None:
        with self._lock:
            self._blobs[result.digest] = result

    # -- manifests --------------------------------------------------------------------------

    def _manifest_url(self, identifier: str) -> str:
        return self.session.url(f"/v2/{self.repository}/manifests/{identifier}")

    def _manifest_exists(self, digest: str) -> bool:
        response = self.session.request(
            "HEAD",
            self._manifest_url(digest),
            scopes=(repository_scope(self.repository, ("pull",)),),
            headers={"Accept": ", ".join(sorted(MANIFEST_TYPES))},
            ok=(200, 404),
        )
        return response.status_code == 200

    def _push_manifest(self, payload: ManifestPayload) -> None:
        if payload.digest in self._pushed:
            return
        payload.parsed()  # fail early on a manifest that is not JSON
        self._push_blobs(payload)
        self._put_manifest(payload, payload.digest)
        self._pushed.append(payload.digest)
        self._emit(ManifestEvent(payload.digest, "pushed"))

    def _put_manifest(self, payload: ManifestPayload, identifier: str) -> None:
        response = self.session.request(
            "PUT",
            self._manifest_url(identifier),
            scopes=(repository_scope(self.repository),),
            headers={"Content-Type": payload.media_type},
            body=payload.manifest,
            ok=(200, 201, 202, 204),
        )
        self._manifest_bytes += len(payload.manifest)
        returned = response.headers.get("docker-content-digest")
        if returned and returned != payload.digest:
            raise RegistryIntegrityError(
                f"registry {self.session.host} stored manifest {identifier} as {returned}, "
                f"expected {payload.digest}"
            )

    def verify(self, tag: str, digest: str, media_type: str) -> None:
        """Read ``tag`` back; its header digest and body hash must both be ``digest``."""
        response = self.session.request(
            "GET",
            self._manifest_url(tag),
            scopes=(repository_scope(self.repository, ("pull",)),),
            headers={"Accept": media_type},
            ok=(200,),
        )
        header = response.headers.get("docker-content-digest")
        body_digest = sha256_digest(response.content)
        if body_digest != digest or (header and header != digest):
            raise RegistryIntegrityError(
                f"{self.ref.name}:{tag} reads back as {header or body_digest}, expected {digest}",
                "the registry or a proxy in between rewrote the manifest; push again",
            )
        self._emit(ManifestEvent(digest, "verified", tag))
