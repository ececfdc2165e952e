"""``--load``: hand an image to a local Docker engine through ``docker load``.

The docker-archive is written to a temp file (so a failure never leaves a partial image in the
engine) and loaded with the docker CLI. docker-archive is single-platform: from an index the
requested platform (default: the host's) is loaded and returned.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from goship.errors import BadInputError, EnvironmentMissingError
from goship.image.archive import write_docker_archive
from goship.image.blobs import BlobStore
from goship.image.model import Artifact, Image
from goship.image.platform import Platform

_HINT = "start Docker (or point DOCKER_HOST at an engine), or use --output instead of --load"


def find_docker() -> str:
    """The docker CLI (``$GOSHIP_DOCKER`` or PATH)."""
    candidate = os.environ.get("GOSHIP_DOCKER") or shutil.which("docker")
    if not candidate:
        raise EnvironmentMissingError("no docker CLI found for --load", _HINT)
    return candidate


def docker_load(
    artifact: Artifact,
    store: BlobStore,
    repo_tags: Sequence[str],
    *,
    platform: Platform | None = None,
    docker: str | None = None,
    timeout: float = 600,
) -> Image:
    """Load ``artifact`` (one platform of it) into the engine as each of ``repo_tags``."""
    if not repo_tags:
        raise BadInputError("--load needs at least one --tag", "e.g. --tag shop:dev")
    cli = docker or find_docker()
    with tempfile.TemporaryDirectory(prefix="goship-load-") as tmp:
        archive = Path(tmp) / "image.tar"
        image = write_docker_archive(archive, artifact, store, repo_tags, platform)
        try:
            proc = subprocess.run(
                [cli, "load", "-i", str(archive)],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EnvironmentMissingError(f"`docker load` failed: {exc}", _HINT) from exc
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        if "daemon" in detail.lower() or "connect" in detail.lower():
            raise EnvironmentMissingError(f"no Docker engine answers: {detail}", _HINT)
        raise BadInputError(f"`docker load` rejected the image: {detail}")
    return image
