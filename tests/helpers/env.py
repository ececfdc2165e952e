"""Which external tools the tests can use, and what to do when one is missing.

Outside CI a missing tool skips the test with a reason (shown by ``-ra``). With ``CI=true``
it fails the test instead: integration tests must run in CI, and ``.ci/run`` installs and
starts everything they need, so a missing tool there is a broken pipeline, not a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import NoReturn

import pytest

REGISTRY_BINARIES = ("/usr/bin/docker-registry", "docker-registry", "registry")


def in_ci() -> bool:
    """True when running under CI (``CI`` set to a true-ish value)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def unavailable(reason: str) -> NoReturn:
    """Skip (locally) or fail (in CI) the current test because ``reason``."""
    if in_ci():
        pytest.fail(
            f"{reason} — CI=true, so this is a failure (.ci/run installs it)", pytrace=False
        )
    pytest.skip(reason)


@cache
def _engine_answers(cli: str) -> str | None:
    """None when ``docker info`` answers, else a short reason."""
    try:
        proc = subprocess.run(
            [cli, "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"`{cli} info` failed: {exc}"
    if proc.returncode != 0 or not proc.stdout.strip():
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return f"no container engine answers `docker info` ({tail})"
    return None


def _find_registry() -> str | None:
    for cand in REGISTRY_BINARIES:
        found = shutil.which(cand)
        if found:
            return found
    return None


def _lookup(name: str) -> tuple[str | None, str]:
    """(path or None, reason when missing) for a tool name."""
    if name == "go":
        from goship.errors import EnvironmentMissingError
        from goship.gobuild.toolchain import find_go

        try:
            return find_go(), ""
        except EnvironmentMissingError as exc:
            return None, f"no Go toolchain: {exc.message}"
    if name in {"docker", "engine"}:
        from helpers.docker import docker_cli

        cli = docker_cli()
        if cli is None:
            return None, "no docker client on PATH (apt-get install docker.io)"
        problem = _engine_answers(cli)
        return (None, problem) if problem else (cli, "")
    if name in {"registry", "docker-registry"}:
        found = _find_registry()
        return found, "" if found else "no docker-registry binary (apt-get install docker-registry)"
    found = shutil.which(name) or shutil.which(name, path=str(tools_bin()))
    return found, "" if found else f"`{name}` is not installed"


def tools_bin() -> Path:
    """Where scripts/install-validators.sh and .ci/run put Go-built tools."""
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "goship-tools"
    return Path(os.environ.get("GOSHIP_TOOLS_BIN") or default / "bin")


def require_tool(name: str) -> str:
    """Path of tool ``name`` (``go``, ``docker`` = a client whose engine answers,
    ``registry``, ``skopeo``, ``umoci``, or any executable on PATH).

    When it is missing: skip the test outside CI, fail it in CI.
    """
    path, reason = _lookup(name)
    if path is None:
        unavailable(reason)
    return path


def tool_report() -> str:
    """One line saying which tools are available (for the pytest header)."""
    parts = []
    for name in ("go", "docker", "registry", "skopeo", "umoci", "podman", "dlv"):
        path, _reason = _lookup(name)
        parts.append(f"{name}={'yes' if path else 'no'}")
    return f"goship test tools: {', '.join(parts)}; CI={'true' if in_ci() else 'false'}"
