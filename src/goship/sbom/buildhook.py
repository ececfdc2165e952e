"""``goship build --sbom FORMAT``: the SBOM of the image just built, written next to it and
attached as an OCI 1.1 referrer.

* ``--output DIR`` (OCI layout): ``DIR.sbom.cdx.json`` (or ``.spdx.json``) beside the layout,
  and the artifact added to the layout's index.json;
* ``--output FILE.tar`` (OCI or docker archive): ``FILE.tar.sbom.cdx.json`` beside it (an
  archive is not rewritten to hold the referrer);
* ``--push REF``: attached in the registry (referrers API, else the ``sha256-<hex>.sbom`` tag).

The SBOM is generated from what was written (or pushed), so it describes the real output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from goship.errors import UsageError
from goship.fsutil import write_atomic
from goship.image.model import Artifact
from goship.sbom import creation_time, generate
from goship.sbom.attach import Subject, attach_to_layout, attach_to_registry

SUFFIX = {"cyclonedx": ".sbom.cdx.json", "spdx": ".sbom.spdx.json"}


def check_request(fmt: str | None, output: Path | None, push: str | None) -> None:
    """Fail before building when ``--sbom`` has nowhere to go."""
    if fmt and output is None and not push:
        raise UsageError("--sbom needs --output or --push", "add --output DIR or --push REF")


def sidecar_path(output: Path, fmt: str) -> Path:
    return output.with_name(output.name.rstrip("/") + SUFFIX[fmt])


def attach_build_sbom(
    artifact: Artifact,
    fmt: str,
    *,
    output: Path | None,
    kind: str | None,
    pushed: str | None,
) -> dict[str, Any]:
    """Generate, write and attach; returns what was done (for ``--json``)."""
    created = creation_time()
    subject = Subject(artifact.descriptor.media_type, artifact.digest, artifact.descriptor.size)
    source = str(output) if output is not None else pushed
    if source is None:
        raise UsageError("--sbom needs --output or --push")
    sbom = generate(source, fmt, created)
    done: dict[str, Any] = {"format": fmt, "media_type": sbom.media_type}
    if output is not None:
        path = write_atomic(sidecar_path(output, fmt), sbom.data)
        done["path"] = str(path)
        if kind == "layout":
            done["layout_referrer"] = attach_to_layout(
                output, sbom.data, fmt, created, subject
            ).digest
    if pushed:
        from goship.registry import RegistryClient

        with RegistryClient() as client:
            result = attach_to_registry(client, pushed, sbom.data, fmt, created, subject)
        done["registry_referrer"] = result.digest
        done["referrers_api"] = result.referrers_api
        if result.tag:
            done["tag"] = result.tag
    return done
