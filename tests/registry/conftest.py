"""Fixtures for registry tests: an htpasswd-protected registry, a fault-injecting proxy, and
helpers that build a small but valid OCI image by hand.

The plain registry comes from the session fixture ``registry`` in ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers import require_tool, start_registry
from registry_support import AuthRegistry, FaultyProxy

AUTH_USER = "goship"
AUTH_PASSWORD = "s3cret-pass"


@pytest.fixture(scope="session")
def auth_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthRegistry]:
    """A registry that requires Basic auth (htpasswd) on a free 127.0.0.1 port."""
    binary = require_tool("registry")
    base = tmp_path_factory.mktemp("authreg")
    with start_registry(binary, base, login=(AUTH_USER, AUTH_PASSWORD)) as reg:
        yield AuthRegistry(reg.address, AUTH_USER, AUTH_PASSWORD)


@pytest.fixture
def faulty_proxy(registry: str) -> Iterator[FaultyProxy]:
    """A proxy on 127.0.0.1 in front of ``registry`` that fails requests on a fixed pattern."""
    proxy = FaultyProxy(registry)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
