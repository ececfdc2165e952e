"""The publish half of ``goship build``: OCI layout / docker-archive / OCI archive files,
``--load`` into a Docker daemon and ``--push`` to a registry.

Order: every target is checked before anything is compiled (:func:`precheck`); the push runs
before local files are written, so a failed push leaves no local output behind either; all
file outputs are written to a temp path and renamed into place by :mod:`goship.image`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goship.build import FORMATS
from goship.build.progress import BuildProgress
from goship.errors import BadInputError, EnvironmentMissingError, UsageError
from goship.image.blobs import BlobStore
from goship.image.layout import write_layout
from goship.image.model import Artifact, ImageIndex

_DOCKER_HINT = "start a Docker daemon (or set DOCKER_HOST), or write a file with --output X.tar"


@dataclass(frozen=True)
class OutputRequest:
    output: Path | None = None
    format: str | None = None  # layout | oci | docker; inferred from --output when None
    load: bool = False
    push: str | None = None
    name: str | None = None  # repository name for docker-archive / --load (default: binary)

    @property
    def kind(self) -> str | None:
        """The file output kind, or None when no --output was given."""
        if self.output is None:
            return None
        if self.format:
            return self.format
        return "docker" if self.output.suffix == ".tar" else "layout"


@dataclass
class Published:
    references: list[str] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    bytes_sent: int | None = None


def _writable_ancestor(path: Path) -> None:
    probe = path.parent
    while not probe.exists():
        if probe == probe.parent:
            break
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise BadInputError(
            f"cannot write {path}: {probe} is not a writable directory",
            "choose a writable --output path",
        )


def precheck(out: OutputRequest) -> None:
    """Reject bad combinations and unwritable targets before any work is done."""
    if out.format and out.output is None:
        raise UsageError("--format needs --output", "add --output FILE.tar or --output DIR")
    if out.format and out.format not in FORMATS:
        raise UsageError(f"unknown --format {out.format!r}", "use layout, oci or docker")
    if out.output is not None:
        target = out.output.absolute()
        if out.kind == "layout":
            if target.suffix == ".tar":
                raise UsageError(
                    f"--format layout writes a directory, not {target.name}",
                    "drop .tar from the path, or use --format oci / docker",
                )
            if target.exists() and not target.is_dir():
                raise BadInputError(f"{target} exists and is not a directory")
            if target.is_dir() and any(target.iterdir()) and not (target / "oci-layout").exists():
                raise BadInputError(
                    f"{target} exists and is not an OCI image layout; refusing to overwrite it",
                    "point --output at a new or empty directory, or an earlier goship output",
                )
        elif target.is_dir():
            raise BadInputError(f"{target} is a directory", "give a file name ending in .tar")
        _writable_ancestor(target)
    if out.push:
        from goship.registry import parse_reference

        parse_reference(out.push)
    if out.load:
        docker_available()


def docker_available() -> str:
    docker = shutil.which("docker")
    if docker is None:
        raise EnvironmentMissingError(
            "--load needs the docker CLI, which is not installed", _DOCKER_HINT
        )
    try:
        proc = subprocess.run(
            [docker, "version", "--format", "{{.Server.Version}}"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EnvironmentMissingError(
            f"the Docker daemon does not answer: {exc}", _DOCKER_HINT
        ) from exc
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["no answer"])[-1]
        raise EnvironmentMissingError(f"no Docker daemon for --load: {detail}", _DOCKER_HINT)
    return docker


def repo_name(out: OutputRequest, default: str) -> str:
    """A lower-case repository name for docker-archive RepoTags and --load."""
    if out.name:
        return out.name
    if out.push:
        from goship.registry import parse_reference

        return parse_reference(out.push).name
    return re.sub(r"[^a-z0-9._/-]", "-", default.lower()).strip("-._") or "app"


def _push(
    artifact: Artifact, store: BlobStore, ref_text: str, tags: list[str], progress: BuildProgress
) -> Published:
    from goship.image.payloads import manifest_payloads
    from goship.registry import RegistryClient, parse_reference

    ref = parse_reference(ref_text)
    root, children = manifest_payloads(artifact, store)
    with RegistryClient(progress=progress.upload_event) as client:
        result = client.push(ref, root, children, tags)
    return Published(
        references=[str(result.reference), *result.references],
        outputs=[{"kind": "registry", "reference": str(result.reference)}],
        bytes_sent=result.bytes_sent,
    )


def _load(artifact: Artifact, store: BlobStore, repo_tags: list[str], epoch: int) -> dict[str, Any]:
    from goship.image.archive import write_docker_archive

    docker = docker_available()
    with tempfile.TemporaryDirectory(prefix="goship-load-") as tmp:
        archive = Path(tmp) / "image.tar"
        image = write_docker_archive(archive, artifact, store, repo_tags, None, epoch)
        proc = subprocess.run(
            [docker, "load", "-i", str(archive)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    if proc.returncode != 0:
        raise EnvironmentMissingError(
            f"docker load failed: {proc.stderr.strip() or proc.stdout.strip()}", _DOCKER_HINT
        )
    return {"kind": "docker-daemon", "platform": str(image.platform), "tags": repo_tags}


def publish(
    artifact: Artifact,
    store: BlobStore,
    out: OutputRequest,
    *,
    tags: list[str],
    name: str,
    epoch: int,
    progress: BuildProgress,
) -> Published:
    """Write/push/load ``artifact``; returns references (digest-pinned first) and outputs."""
    result = Published()
    repo = repo_name(out, name)
    repo_tags = [f"{repo}:{t}" for t in tags]
    if out.push:
        with progress.step("push", f"push {out.push}"):
            result = _push(artifact, store, out.push, tags, progress)
    else:
        result.references = [f"{repo}@{artifact.digest}", *repo_tags]
    kind = out.kind
    if out.output is not None:
        with progress.step("write", f"write {kind} {out.output}"):
            entry: dict[str, Any] = {"kind": kind, "path": str(out.output.absolute())}
            if kind == "layout":
                multi = isinstance(artifact, ImageIndex)
                write_layout(out.output, artifact, store, tags, platform_refs=multi)
            elif kind == "oci":
                from goship.image.archive import write_oci_archive

                write_oci_archive(out.output, artifact, store, tags, epoch)
            else:
                from goship.image.archive import write_docker_archive

                image = write_docker_archive(out.output, artifact, store, repo_tags, None, epoch)
                entry["platform"] = str(image.platform)
                if isinstance(artifact, ImageIndex):
                    progress.warn(
                        f"a docker-archive holds one platform: wrote {image.platform} of "
                        f"{len(artifact.images)}; use --format oci or a directory for all"
                    )
        result.outputs.append(entry)
    if out.load:
        with progress.step("load", "docker load"):
            result.outputs.append(_load(artifact, store, repo_tags, epoch))
    return result
