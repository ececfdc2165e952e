"""The container engine ``goship verify`` drives: Docker or Podman, through its CLI.

Detection tries ``docker`` (``$GOSHIP_DOCKER`` or PATH) then ``podman`` and keeps the first
whose ``info`` answers; ``--engine`` forces one. None answering is an
:class:`~goship.errors.EnvironmentMissingError` (exit 3) with the install/start hint.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from goship.errors import EnvironmentMissingError, GoshipError

ENGINES = ("docker", "podman")
INSTALL_HINT = (
    "install Docker (https://docs.docker.com/engine/install/) or Podman and start it "
    "(e.g. `sudo systemctl start docker`), or point DOCKER_HOST at a running engine; "
    "pick one with --engine docker|podman"
)
_DOWN_MARKERS = ("cannot connect", "is the docker daemon running", "connection refused")


class EngineError(GoshipError):
    """An engine command failed (exit 2 unless the engine itself went away)."""


@dataclass(frozen=True)
class Engine:
    """One engine CLI (``name`` is docker or podman)."""

    name: str
    cli: str

    def run(
        self, args: Sequence[str], *, timeout: float = 60, merge_output: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """Run ``CLI ARGS`` and return the process (never raises on a non-zero exit)."""
        try:
            return subprocess.run(
                [self.cli, *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT if merge_output else subprocess.PIPE,
                text=True,
                errors="replace",
                timeout=timeout,
                check=False,
            )
        except OSError as exc:
            raise EnvironmentMissingError(f"cannot run {self.cli}: {exc}", INSTALL_HINT) from exc

    def check(self, args: Sequence[str], *, timeout: float = 60) -> str:
        """Run ``CLI ARGS``; return stdout, raise a GoshipError naming stderr on failure."""
        proc = self.run(args, timeout=timeout)
        if proc.returncode != 0:
            detail = (proc.stderr or "").strip().splitlines()
            last = detail[-1] if detail else f"exit {proc.returncode}"
            if any(m in last.lower() for m in _DOWN_MARKERS):
                raise EnvironmentMissingError(f"the {self.name} engine stopped answering: {last}")
            raise EngineError(f"`{self.name} {' '.join(args[:2])}` failed: {last}")
        return proc.stdout


def _cli_for(name: str) -> str | None:
    if name == "docker":
        return os.environ.get("GOSHIP_DOCKER") or shutil.which("docker")
    return shutil.which(name)


def _answers(cli: str) -> str | None:
    """None when ``CLI info`` answers, else the reason it does not."""
    try:
        proc = subprocess.run(
            [cli, "info"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if proc.returncode == 0:
        return None
    lines = (proc.stderr or proc.stdout).strip().splitlines()
    return lines[-1] if lines else f"`info` exited {proc.returncode}"


def detect_engine(forced: str | None = None) -> Engine:
    """The first engine (or the ``forced`` one) whose ``info`` answers."""
    tried: list[str] = []
    for name in (forced,) if forced else ENGINES:
        cli = _cli_for(name)
        if cli is None:
            tried.append(f"{name}: not installed")
            continue
        reason = _answers(cli)
        if reason is None:
            return Engine(name, cli)
        tried.append(f"{name}: {reason}")
    raise EnvironmentMissingError(
        "no container engine answers (" + "; ".join(tried) + ")", INSTALL_HINT
    )
