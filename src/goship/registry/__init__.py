"""OCI distribution registry client: push images and indexes, read manifests and blobs.

Pushes work from abstract inputs (:class:`BlobSource` + manifest bytes), so any image store can
feed them. Environment knobs (documented in the README):

* ``GOSHIP_REGISTRY_USER`` / ``GOSHIP_REGISTRY_PASSWORD`` — credentials for every registry,
  ahead of ``~/.docker/config.json`` (``$DOCKER_CONFIG``) and its credential helpers;
* ``GOSHIP_INSECURE_REGISTRIES`` — comma-separated ``host[:port]`` reached over plain HTTP
  (loopback registries always are).
"""

from goship.registry.blobs import (
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
    OCI_INDEX,
    OCI_MANIFEST,
    BlobSource,
    BytesBlob,
    FileBlob,
    ManifestPayload,
)
from goship.registry.client import RegistryClient
from goship.registry.credentials import Credentials, resolve_credentials
from goship.registry.errors import (
    ImageReferenceError,
    RegistryAuthError,
    RegistryIntegrityError,
    RegistryRequestError,
    RegistryUnavailableError,
    RegistryUnreachableError,
)
from goship.registry.pull import FetchedManifest, Referrers
from goship.registry.push import ManifestEvent, ProgressCallback, PushEvent, PushResult
from goship.registry.reference import Reference, parse_reference
from goship.registry.retry import RetryPolicy
from goship.registry.upload import BlobEvent, BlobResult, UploadOptions

__all__ = [
    "DOCKER_MANIFEST",
    "DOCKER_MANIFEST_LIST",
    "OCI_INDEX",
    "OCI_MANIFEST",
    "BlobEvent",
    "BlobResult",
    "BlobSource",
    "BytesBlob",
    "Credentials",
    "FetchedManifest",
    "FileBlob",
    "ImageReferenceError",
    "ManifestEvent",
    "ManifestPayload",
    "ProgressCallback",
    "PushEvent",
    "PushResult",
    "Reference",
    "Referrers",
    "RegistryAuthError",
    "RegistryClient",
    "RegistryIntegrityError",
    "RegistryRequestError",
    "RegistryUnavailableError",
    "RegistryUnreachableError",
    "RetryPolicy",
    "UploadOptions",
    "parse_reference",
    "resolve_credentials",
]
