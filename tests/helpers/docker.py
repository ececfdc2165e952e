"""A thin handle on the container engine for integration tests.

Everything a test creates must carry :data:`TEST_LABEL` (``engine.label_args`` gives the
``--label`` flags for ``docker run/create/build/volume create/network create``); images that
cannot be labelled (``docker load``, ``docker tag``) are registered with
:meth:`DockerEngine.track_image` or named under ``goship-test/``.
:meth:`DockerEngine.cleanup` removes all of it and runs as the ``docker_engine`` fixture's
finalizer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

TEST_LABEL_KEY = "goship.test"
# One value per pytest session, so several sessions sharing one engine (parallel developers,
# helpers) never remove each other's objects; ``cleanup()`` removes this session's only.
SESSION_ID = uuid.uuid4().hex[:12]
TEST_LABEL = f"{TEST_LABEL_KEY}={SESSION_ID}"
# Name test images goship-test/<name>:<tag>; every image in that namespace is removed too.
TEST_REPO = "goship-test"

# Debian's docker.io client builds with BuildKit without the buildx plugin; prefer it over
# another client that may lack buildx.
_PREFERRED_CLIS = ("/usr/bin/docker",)


def docker_cli() -> str | None:
    """Path of the docker client to use, or None."""
    override = os.environ.get("GOSHIP_TEST_DOCKER")
    if override:
        return override if shutil.which(override) else None
    for cand in _PREFERRED_CLIS:
        if os.access(cand, os.X_OK):
            return cand
    return shutil.which("docker")


@dataclass
class DockerEngine:
    """Runs the docker client against the engine that answered ``docker info``."""

    cli: str
    tracked_images: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("DOCKER_BUILDKIT", "1")
        return env

    @property
    def label_args(self) -> list[str]:
        """``["--label", "goship.test=<session>"]`` for commands that create labelled objects."""
        return ["--label", TEST_LABEL]

    def run(
        self,
        args: Sequence[str],
        *,
        check: bool = True,
        timeout: float = 300,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``docker ARGS``; with ``check`` a non-zero exit raises AssertionError
        carrying the command's stderr (readable in the pytest report)."""
        proc = subprocess.run(
            [self.cli, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env,
            input=input,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"docker {' '.join(args)} exited {proc.returncode}\n"
                f"stdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-4000:]}"
            )
        return proc

    def track_image(self, ref: str) -> str:
        """Remove image ``ref`` at cleanup (for images that carry no test label)."""
        self.tracked_images.append(ref)
        return ref

    def _ids(self, kind: str, selector: str) -> list[str]:
        listing = {
            "containers": ["ps", "-aq"],
            "volumes": ["volume", "ls", "-q"],
            "networks": ["network", "ls", "-q"],
            "images": ["image", "ls", "-q"],
        }[kind]
        proc = self.run([*listing, "--filter", f"label={selector}"], check=False, timeout=60)
        return sorted(set(proc.stdout.split()))

    def test_repo_images(self) -> list[str]:
        """Every ``repo:tag`` under :data:`TEST_REPO` (e.g. tags a build added by itself)."""
        proc = self.run(
            ["image", "ls", "--format", "{{.Repository}}:{{.Tag}}", "--filter",
             f"reference={TEST_REPO}/*"],
            check=False,
            timeout=60,
        )  # fmt: skip
        return sorted(ref for ref in proc.stdout.split() if not ref.endswith(":<none>"))

    def leftovers(self, selector: str = TEST_LABEL) -> dict[str, list[str]]:
        """Labelled containers, volumes and networks still present (images excluded:
        test images are expected to live until the session ends)."""
        found = {kind: self._ids(kind, selector) for kind in ("containers", "volumes", "networks")}
        return {kind: ids for kind, ids in found.items() if ids}

    def cleanup(self, selector: str = TEST_LABEL) -> None:
        """Remove every container, volume, network and image matching label ``selector``
        (default: this session's ``goship.test`` label) plus the tracked images and, unless
        ``GOSHIP_TEST_SHARED_ENGINE`` is set (other sessions use the engine), every image
        under :data:`TEST_REPO`."""
        containers = self._ids("containers", selector)
        if containers:
            self.run(["rm", "-f", "-v", *containers], check=False, timeout=120)
        volumes = self._ids("volumes", selector)
        if volumes:
            self.run(["volume", "rm", "-f", *volumes], check=False, timeout=120)
        networks = self._ids("networks", selector)
        if networks:
            self.run(["network", "rm", *networks], check=False, timeout=120)
        images = self._ids("images", selector)
        if selector == TEST_LABEL:
            images += self.tracked_images
            if not os.environ.get("GOSHIP_TEST_SHARED_ENGINE"):
                images += self.test_repo_images()
            self.tracked_images = []
        if images:
            self.run(["rmi", "-f", *images], check=False, timeout=120)
