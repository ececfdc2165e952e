"""A real OCI distribution registry on 127.0.0.1 for push/pull tests.

Uses Debian's ``docker-registry`` binary (distribution v2) with filesystem storage in a temp
dir. :func:`start_registry` is a context manager so a test can get its own registry; the
session fixture ``registry`` in conftest shares one.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helpers.env import unavailable
from helpers.net import free_port, wait_http

CONFIG = """\
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
http:
  addr: {addr}
"""

AUTH = """\
auth:
  htpasswd:
    realm: goship-test
    path: {htpasswd}
"""


def htpasswd_line(user: str, password: str) -> str:
    """One htpasswd entry (bcrypt, as distribution requires)."""
    try:
        import bcrypt
    except ImportError:
        unavailable("python bcrypt is not installed (pip install -e '.[dev]')")
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    return f"{user}:{hashed}\n"


class LocalRegistry(str):
    """The registry's ``host:port`` (a str, so ``f"{registry}/app:1"`` just works) plus
    its ``url``, ``storage`` dir and server ``log_path``."""

    storage: Path
    log_path: Path

    def __new__(cls, address: str, storage: Path, log_path: Path) -> LocalRegistry:
        obj = super().__new__(cls, address)
        obj.storage = storage
        obj.log_path = log_path
        return obj

    @property
    def address(self) -> str:
        return str(self)

    @property
    def url(self) -> str:
        return f"http://{self}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def start_registry(
    binary: str, workdir: Path | None = None, login: tuple[str, str] | None = None
) -> Iterator[LocalRegistry]:
    """Run ``binary serve`` on a free loopback port until the context exits; with ``login``
    (user, password) the registry requires Basic auth from an htpasswd file.

    Readiness is a bounded wait (15 s) for ``GET /v2/`` → 200 (401 with ``login``); a port
    lost to a race is retried on a new port (3 tries).
    """
    with tempfile.TemporaryDirectory(prefix="goship-registry-", dir=workdir) as tmp:
        base = Path(tmp)
        storage = base / "storage"
        storage.mkdir()
        htpasswd = base / "htpasswd"
        template, ready_status = CONFIG, 200
        if login is not None:
            htpasswd.write_text(htpasswd_line(*login))
            template, ready_status = CONFIG + AUTH, 401
        last_log = ""
        for attempt in range(3):
            address = f"127.0.0.1:{free_port()}"
            config = base / f"config-{attempt}.yml"
            config.write_text(template.format(root=storage, addr=address, htpasswd=htpasswd))
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
                    ok=lambda status: status == ready_status,
                    alive=lambda p=proc: p.poll() is None,
                )
                if ready is not None:
                    yield LocalRegistry(address, storage, log_path)
                    return
                last_log = log_path.read_text(errors="replace")
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
        raise RuntimeError(f"{binary} did not become ready on 127.0.0.1:\n{last_log[-2000:]}")
