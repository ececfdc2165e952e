"""Helpers for `goship build` tests (imported as ``build_support``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers import require_tool, run_goship, start_registry


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        assert self.code == 0, f"goship exited {self.code}:\n{self.stderr}"
        data: dict[str, Any] = json.loads(self.stdout)
        return data


GoshipRunner = Callable[..., Run]


def make_runner(cache: Path) -> GoshipRunner:
    """Run ``python -m goship ARGS`` with ``GOSHIP_CACHE=cache`` and no SOURCE_DATE_EPOCH."""

    def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
        proc = run_goship(cache, *args, env=env, cwd=cwd, timeout=900)
        return Run(proc.returncode, proc.stdout, proc.stderr)

    return run


AUTH_USER = "goship"
AUTH_PASSWORD = "right-password"


@contextmanager
def auth_registry(base: Path) -> Iterator[str]:
    """A registry that wants AUTH_USER/AUTH_PASSWORD; yields host:port."""
    with start_registry(require_tool("registry"), base, login=(AUTH_USER, AUTH_PASSWORD)) as reg:
        yield reg.address
