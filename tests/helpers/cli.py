"""Running the goship CLI as a subprocess, the way a user does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def goship_env(cache: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The process env with ``GOSHIP_CACHE=cache``, no ``SOURCE_DATE_EPOCH``, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["GOSHIP_CACHE"] = str(cache)
    env.update(extra or {})
    return env


def run_goship(
    cache: Path,
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """``python -m goship ARGS`` with a private cache (see :func:`goship_env`)."""
    return subprocess.run(
        [sys.executable, "-m", "goship", *args],
        capture_output=True,
        text=True,
        env=goship_env(cache, env),
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
