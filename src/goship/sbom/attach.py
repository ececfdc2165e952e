"""Attach an SBOM to an image as an OCI 1.1 referrer.

The SBOM becomes an *artifact manifest*: an OCI image manifest with ``artifactType`` (the SBOM
media type), the empty config (``application/vnd.oci.empty.v1+json``, ``{}``), one layer (the
SBOM) and ``subject`` = the image's descriptor.

* OCI layout: the blobs go into ``blobs/sha256`` and the manifest is listed in
  ``index.json`` (untagged, as ``oras attach --oci-layout`` does); index.json is replaced
  atomically.
* Registry: the artifact is pushed by digest. When the registry answers the referrers API
  (``/v2/<name>/referrers/<digest>``), that is all; when it does not, the artifact is also
  tagged ``sha256-<hex>.sbom`` (the tag convention cosign and ko use), so clients can find it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from goship.errors import BadInputError
from goship.image.model import canonical_json, sha256_digest

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
EMPTY_MEDIA_TYPE = "application/vnd.oci.empty.v1+json"
EMPTY_CONFIG = b"{}"
ARTIFACT_TYPES = {"cyclonedx": "application/vnd.cyclonedx+json", "spdx": "application/spdx+json"}
FILE_NAMES = {"cyclonedx": "sbom.cdx.json", "spdx": "sbom.spdx.json"}
ANN_TITLE = "org.opencontainers.image.title"
ANN_CREATED = "org.opencontainers.image.created"


@dataclass(frozen=True)
class Subject:
    media_type: str
    digest: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"mediaType": self.media_type, "digest": self.digest, "size": self.size}


@dataclass(frozen=True)
class Artifact:
    manifest: bytes
    digest: str
    sbom: bytes
    artifact_type: str


@dataclass(frozen=True)
class AttachResult:
    digest: str
    referrers_api: bool
    tag: str = ""


def sbom_tag(subject_digest: str) -> str:
    """``sha256:abc…`` -> ``sha256-abc….sbom``."""
    return subject_digest.replace(":", "-") + ".sbom"


def artifact_manifest(sbom: bytes, fmt: str, subject: Subject, created: datetime) -> Artifact:
    if fmt not in ARTIFACT_TYPES:
        raise BadInputError(f"unknown SBOM format {fmt!r}")
    media = ARTIFACT_TYPES[fmt]
    doc = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": media,
        "config": {
            "mediaType": EMPTY_MEDIA_TYPE,
            "digest": sha256_digest(EMPTY_CONFIG),
            "size": len(EMPTY_CONFIG),
        },
        "layers": [
            {
                "mediaType": media,
                "digest": sha256_digest(sbom),
                "size": len(sbom),
                "annotations": {ANN_TITLE: FILE_NAMES[fmt]},
            }
        ],
        "subject": subject.to_json(),
        "annotations": {ANN_CREATED: created.strftime("%Y-%m-%dT%H:%M:%SZ")},
    }
    raw = canonical_json(doc)
    return Artifact(raw, sha256_digest(raw), sbom, media)


# --- OCI layout ------------------------------------------------------------------------------


def _read_index(layout: Path) -> dict[str, Any]:
    if not (layout / "oci-layout").is_file():
        raise BadInputError(f"{layout} is not an OCI image layout (no oci-layout file)")
    try:
        data = json.loads((layout / "index.json").read_bytes())
    except (OSError, ValueError) as exc:
        raise BadInputError(f"cannot read {layout / 'index.json'}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("manifests"), list):
        raise BadInputError(f"{layout / 'index.json'} has no manifests list")
    return data


def layout_subject(layout: str | os.PathLike[str]) -> Subject:
    """The image a layout holds (the one non-artifact entry of index.json)."""
    entries = [
        m
        for m in _read_index(Path(layout))["manifests"]
        if isinstance(m, dict) and "artifactType" not in m
    ]
    digests = {m.get("digest") for m in entries}
    if len(digests) != 1:
        raise BadInputError(f"{layout} holds {len(digests)} images; give the subject explicitly")
    m = entries[0]
    return Subject(str(m["mediaType"]), str(m["digest"]), int(m["size"]))


def _put_blob(layout: Path, data: bytes) -> None:
    path = layout / "blobs" / "sha256" / sha256_digest(data).split(":", 1)[1]
    if path.exists():
        return
    fd, tmp = tempfile.mkstemp(prefix=".blob-", dir=path.parent)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def attach_to_layout(
    layout_dir: str | os.PathLike[str],
    sbom: bytes,
    fmt: str,
    created: datetime,
    subject: Subject | None = None,
) -> AttachResult:
    """Add the SBOM artifact to an OCI layout, referring to ``subject`` (default: its image)."""
    layout = Path(layout_dir)
    subject = subject or layout_subject(layout)
    art = artifact_manifest(sbom, fmt, subject, created)
    index = _read_index(layout)
    try:
        for blob in (EMPTY_CONFIG, sbom, art.manifest):
            _put_blob(layout, blob)
        entry = {
            "mediaType": OCI_MANIFEST,
            "artifactType": art.artifact_type,
            "digest": art.digest,
            "size": len(art.manifest),
        }
        manifests = [m for m in index["manifests"] if m.get("digest") != art.digest]
        index["manifests"] = [*manifests, entry]
        fd, tmp = tempfile.mkstemp(prefix=".index-", dir=layout)
        with os.fdopen(fd, "wb") as fh:
            fh.write(canonical_json(index))
        os.replace(tmp, layout / "index.json")
    except OSError as exc:
        raise BadInputError(f"cannot attach the SBOM to {layout}: {exc.strerror}") from exc
    return AttachResult(art.digest, referrers_api=True)


def layout_referrers(
    layout_dir: str | os.PathLike[str], subject_digest: str
) -> list[dict[str, Any]]:
    """Artifact manifests in a layout whose ``subject`` is ``subject_digest``."""
    layout = Path(layout_dir)
    found = []
    for m in _read_index(layout)["manifests"]:
        if not isinstance(m, dict) or "artifactType" not in m:
            continue
        blob = layout / "blobs" / "sha256" / str(m["digest"]).split(":", 1)[-1]
        doc = json.loads(blob.read_bytes())
        if (doc.get("subject") or {}).get("digest") == subject_digest:
            found.append(doc)
    return found


# --- registry --------------------------------------------------------------------------------


def attach_to_registry(
    client: Any,
    ref: str,
    sbom: bytes,
    fmt: str,
    created: datetime,
    subject: Subject | None = None,
) -> AttachResult:
    """Push the SBOM artifact for the image ``ref`` (a goship ``RegistryClient``); tag it
    ``sha256-<hex>.sbom`` when the registry has no referrers API."""
    from goship.registry import BytesBlob, ManifestPayload, parse_reference

    reference = parse_reference(ref)
    if subject is None:
        fetched = client.get_manifest(reference)
        subject = Subject(fetched.media_type, fetched.digest, len(fetched.body))
    art = artifact_manifest(sbom, fmt, subject, created)
    payload = ManifestPayload(
        art.manifest,
        OCI_MANIFEST,
        (BytesBlob(EMPTY_CONFIG, EMPTY_MEDIA_TYPE), BytesBlob(sbom, art.artifact_type)),
    )
    target = reference.with_digest(art.digest)
    referrers = client.referrers(reference, subject.digest, art.artifact_type)
    if referrers.supported:
        client.push(target, payload)
        return AttachResult(art.digest, referrers_api=True)
    tag = sbom_tag(subject.digest)
    client.push(target, payload, tags=[tag])
    return AttachResult(art.digest, referrers_api=False, tag=tag)
