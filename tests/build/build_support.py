"""Helpers for `goship build` tests (imported as ``build_support``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import free_port, require_tool, unavailable, wait_http


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
        full = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
        full["GOSHIP_CACHE"] = str(cache)
        full.update(env or {})
        proc = subprocess.run(
            [sys.executable, "-m", "goship", *args],
            capture_output=True,
            text=True,
            env=full,
            cwd=cwd,
            timeout=900,
            check=False,
        )
        return Run(proc.returncode, proc.stdout, proc.stderr)

    return run


AUTH_USER = "goship"
AUTH_PASSWORD = "right-password"
AUTH_CONFIG = """\
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {root}
http:
  addr: {addr}
auth:
  htpasswd:
    realm: goship-test
    path: {htpasswd}
"""


@contextmanager
def auth_registry(base: Path) -> Iterator[str]:
    """A registry that wants AUTH_USER/AUTH_PASSWORD; yields host:port."""
    binary = require_tool("registry")
    try:
        import bcrypt
    except ImportError:
        unavailable("python bcrypt is not installed (pip install -e '.[dev]')")
    (base / "storage").mkdir()
    hashed = bcrypt.hashpw(AUTH_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    (base / "htpasswd").write_text(f"{AUTH_USER}:{hashed}\n")
    address = f"127.0.0.1:{free_port()}"
    config = base / "config.yml"
    config.write_text(
        AUTH_CONFIG.format(root=base / "storage", addr=address, htpasswd=base / "htpasswd")
    )
    with (base / "registry.log").open("wb") as log:
        proc = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=log)
    try:
        if wait_http(f"http://{address}/v2/", ok=lambda s: s == 401) is None:
            pytest.fail(
                "the htpasswd registry did not start:\n" + (base / "registry.log").read_text()
            )
        yield address
    finally:
        proc.terminate()
        proc.wait(timeout=10)
