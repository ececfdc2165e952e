"""`goship verify --engine podman`: the same run, figures and diagnoses on Podman, and nothing
left behind in Podman's store.

Podman as root asks for nofile/nproc limits that a sandbox without CAP_SYS_RESOURCE may not
grant ("error setting rlimit"); the tests point ``CONTAINERS_CONF`` at a file with lower
default ulimits, which changes nothing else (and is what the `engine-rlimits` diagnosis
tells users to do).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import require_tool
from verify_support import VERIFY_LABEL, assert_healthy_figures, goship, tiny_project, verify_args

pytestmark = pytest.mark.integration

CONF = """[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
"""


def _podman(podman: str, *args: str) -> list[str]:
    proc = subprocess.run([podman, *args], capture_output=True, text=True, timeout=60, check=True)
    return proc.stdout.split()


@pytest.fixture
def podman_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Env for goship with a Podman ulimit config; afterwards asserts that Podman holds no
    container of goship verify's and no ``goship-verify/*`` image."""
    podman = require_tool("podman")
    conf = tmp_path_factory.mktemp("podman") / "containers.conf"
    conf.write_text(CONF)
    env = {"CONTAINERS_CONF": str(conf)}
    yield env
    assert _podman(podman, "ps", "-aq", "--filter", f"label={VERIFY_LABEL}") == []
    tags = _podman(podman, "images", "--format", "{{.Repository}}:{{.Tag}}")
    assert [t for t in tags if "goship-verify/" in t] == []


def test_example_passes_on_podman(
    podman_env: dict[str, str], examples: Path, verify_cache: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "api.tar"
    api = str(examples / "stdlib-api")
    assert goship(verify_cache, "build", api, "--output", str(archive)).code == 0
    run = goship(verify_cache, *verify_args(str(archive), "--engine", "podman"), env=podman_env)
    assert run.code == 0, run.stdout + run.stderr
    report = run.json()
    assert report["engine"] == "podman"
    assert_healthy_figures(report)


def test_privileged_port_is_diagnosed_on_podman(
    podman_env: dict[str, str], verify_cache: Path, tmp_path: Path
) -> None:
    project = tiny_project(tmp_path / "p80", '":80"')
    layout = tmp_path / "p80-image"
    assert goship(verify_cache, "build", str(project), "--output", str(layout)).code == 0
    run = goship(
        verify_cache, *verify_args(str(layout), "--engine", "podman", "--port", "80"),
        env=podman_env,
    )  # fmt: skip
    assert run.code == 1, run.stdout + run.stderr
    assert "privileged-port" in run.error_ids(), run.stdout


def test_engine_rlimit_failure_is_diagnosed(
    podman_env: dict[str, str], verify_cache: Path, examples: Path, tmp_path: Path
) -> None:
    """A config asking for more than the kernel grants: the engine's error is reported with
    the engine-rlimits diagnosis, not blamed on the image."""
    greedy = tmp_path / "greedy.conf"
    greedy.write_text('[containers]\ndefault_ulimits = ["nofile=1048576000:1048576000"]\n')
    archive = tmp_path / "api.tar"
    assert goship(verify_cache, "build", str(examples / "stdlib-api"), "--output",
                  str(archive)).code == 0  # fmt: skip
    run = goship(
        verify_cache, *verify_args(str(archive), "--engine", "podman"),
        env={"CONTAINERS_CONF": str(greedy)},
    )  # fmt: skip
    assert run.code == 1, run.stdout + run.stderr
    report = run.json()
    assert report["started"] is False
    assert {"start-failed", "engine-rlimits"} <= run.error_ids(), json.dumps(report)[:2000]
