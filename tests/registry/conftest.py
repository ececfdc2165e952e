"""Fixtures for registry tests: an htpasswd-protected registry, a fault-injecting proxy, and
helpers that build a small but valid OCI image by hand.

The plain registry comes from the session fixture ``registry`` in ``tests/conftest.py``.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import free_port, require_tool, unavailable, wait_http
from registry_support import AuthRegistry, FaultyProxy

AUTH_USER = "goship"
AUTH_PASSWORD = "s3cret-pass"

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


def _htpasswd_line(user: str, password: str) -> str:
    try:
        import bcrypt
    except ImportError:
        unavailable("python bcrypt is not installed (pip install -e '.[dev]')")
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    return f"{user}:{hashed}\n"


@contextmanager
def _start_auth_registry(binary: str, base: Path) -> Iterator[AuthRegistry]:
    storage = base / "storage"
    storage.mkdir()
    htpasswd = base / "htpasswd"
    htpasswd.write_text(_htpasswd_line(AUTH_USER, AUTH_PASSWORD))
    for attempt in range(3):
        address = f"127.0.0.1:{free_port()}"
        config = base / f"config-{attempt}.yml"
        config.write_text(AUTH_CONFIG.format(root=storage, addr=address, htpasswd=htpasswd))
        log_path = base / f"registry-{attempt}.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                [binary, "serve", str(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        try:
            ready = wait_http(
                f"http://{address}/v2/",
                ok=lambda status: status == 401,
                alive=lambda p=proc: p.poll() is None,
            )
            if ready is not None:
                yield AuthRegistry(address, AUTH_USER, AUTH_PASSWORD)
                return
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
    raise RuntimeError(f"htpasswd registry did not start:\n{log_path.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def auth_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthRegistry]:
    """A registry that requires Basic auth (htpasswd) on a free 127.0.0.1 port."""
    binary = require_tool("registry")
    base = tmp_path_factory.mktemp("authreg")
    with (
        tempfile.TemporaryDirectory(dir=base) as tmp,
        _start_auth_registry(binary, Path(tmp)) as reg,
    ):
        yield reg


@pytest.fixture
def faulty_proxy(registry: str) -> Iterator[FaultyProxy]:
    """A proxy on 127.0.0.1 in front of ``registry`` that fails requests on a fixed pattern."""
    proxy = FaultyProxy(registry)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
