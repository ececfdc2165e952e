"""The generated Dockerfile of each example builds on the real engine and its container
serves the health endpoint as uid 65532 on a read-only root filesystem.

No registry is reachable here, so the base images are stand-ins passed by ``--build-arg``:
a Go builder imported from a rootfs assembled on this machine (static busybox, the local
Go toolchain, the CA bundle and zoneinfo); the final stage is ``scratch``. Modules come
through the Go proxy this machine uses (``--build-arg GOPROXY``). The ``# syntax=`` line
is dropped before building: it makes BuildKit fetch the docker/dockerfile frontend image
from a registry; the engine's built-in frontend reads the rest of the file the same way.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import (
    TEST_LABEL,
    DockerEngine,
    free_port,
    go_binary,
    go_env,
    unavailable,
    wait_http,
)
from init_support import EXAMPLES, FIXTURES, copy_project

from goship.cli import run

pytestmark = pytest.mark.integration

GO_IMAGE = "goship-test/golang:local"
BUSYBOX = ("/bin/busybox", "/usr/bin/busybox")
BUILD_TIMEOUT = 1500  # cold module and build caches on 2 cores


def _go_value(name: str) -> str:
    out = subprocess.run(
        [go_binary(), "env", name], capture_output=True, text=True, env=go_env(), check=True
    )
    return out.stdout.strip()


def _zoneinfo() -> Path:
    host = Path("/usr/share/zoneinfo")
    if (host / "Europe" / "Paris").is_file():
        return host
    import tzdata  # the Python package ships the IANA files

    return Path(tzdata.__file__).parent / "zoneinfo"


def _ca_bundle() -> Path:
    host = Path("/etc/ssl/certs/ca-certificates.crt")
    if host.is_file():
        return host
    import certifi

    return Path(certifi.where())


def _rootfs_tar(dest: Path) -> Path:
    """busybox + Go toolchain + CA bundle + zoneinfo: enough for the generated build stage."""
    busybox = next((b for b in BUSYBOX if _is_static(b)), None)
    if busybox is None:
        unavailable("no static busybox (apt-get install busybox-static)")
    goroot = Path(_go_value("GOROOT"))
    tar_path = dest / "golang-rootfs.tar"
    with tarfile.open(tar_path, "w") as tar:

        def add_dir(name: str, mode: int = 0o755) -> None:
            info = tarfile.TarInfo(name)
            info.type, info.mode = tarfile.DIRTYPE, mode
            tar.addfile(info)

        def add_text(name: str, text: str) -> None:
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))

        for d in (
            "bin",
            "etc",
            "etc/ssl",
            "etc/ssl/certs",
            "root",
            "go",
            "go/bin",
            "usr",
            "usr/local",
            "usr/share",
        ):
            add_dir(d)
        add_dir("tmp", 0o1777)
        tar.add(busybox, arcname="bin/busybox")
        applets = subprocess.run(
            [busybox, "--list"], capture_output=True, text=True, check=True
        ).stdout.split()
        for applet in applets:
            if applet != "busybox":
                info = tarfile.TarInfo(f"bin/{applet}")
                info.type, info.linkname = tarfile.SYMTYPE, "busybox"
                tar.addfile(info)
        add_text("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
        add_text("etc/group", "root:x:0:\n")
        tar.add(_ca_bundle(), arcname="etc/ssl/certs/ca-certificates.crt")
        tar.add(_zoneinfo(), arcname="usr/share/zoneinfo")
        skip = {"test", "doc", "misc", "api"}
        tar.add(
            goroot,
            arcname="usr/local/go",
            filter=lambda ti: (
                None if ti.name.split("/")[3:4] and ti.name.split("/")[3] in skip else ti
            ),
        )
    return tar_path


def _is_static(path: str) -> bool:
    if not os.access(path, os.X_OK):
        return False
    with open(path, "rb") as fh:
        head = fh.read(4096)
    return b"/lib64/ld-linux" not in head and b"/lib/ld-" not in head


@pytest.fixture(scope="module")
def go_builder(docker_engine: DockerEngine, tmp_path_factory: pytest.TempPathFactory) -> str:
    tar_path = _rootfs_tar(tmp_path_factory.mktemp("standin"))
    changes = [
        "ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "ENV GOPATH=/go",
        "ENV GOTOOLCHAIN=local",
        "WORKDIR /go",
        f"LABEL {TEST_LABEL}",
    ]
    args = ["import"]
    for change in changes:
        args += ["--change", change]
    docker_engine.run([*args, str(tar_path), GO_IMAGE], timeout=600)
    docker_engine.track_image(GO_IMAGE)
    return GO_IMAGE


@pytest.fixture
def container(docker_engine: DockerEngine) -> Iterator[list[str]]:
    started: list[str] = []
    yield started
    for cid in started:
        docker_engine.run(["rm", "-f", cid], check=False)


def _build(
    engine: DockerEngine, project: Path, tag: str, go_builder: str, target: str | None = None
) -> None:
    assert run(["init", str(project), "--only", "dockerfile,dockerignore"]) == 0
    dockerfile = project / "Dockerfile"
    text = dockerfile.read_text()
    assert text.startswith("# syntax=docker/dockerfile:1\n")
    dockerfile.write_text(text.split("\n", 1)[1])
    proxy = _go_value("GOPROXY") or "https://proxy.golang.org,direct"
    engine.run(
        [
            "build",
            *engine.label_args,
            "--build-arg",
            f"GO_IMAGE={go_builder}",
            "--build-arg",
            f"GOPROXY={proxy}",
            *(["--target", target] if target else []),
            "-t",
            tag,
            str(project),
        ],
        timeout=BUILD_TIMEOUT,
    )
    engine.track_image(tag)


def _start(engine: DockerEngine, tag: str, port: int, started: list[str]) -> str:
    host_port = free_port()
    cid = engine.run(
        ["run", "-d", *engine.label_args, "--read-only", "-p", f"127.0.0.1:{host_port}:{port}", tag]
    ).stdout.strip()
    started.append(cid)
    config_user = engine.run(["inspect", "-f", "{{.Config.User}}", tag]).stdout.strip()
    assert config_user == "65532:65532"
    return f"http://127.0.0.1:{host_port}"


def _uids(engine: DockerEngine, cid: str) -> list[str]:
    lines = engine.run(["top", cid, "-o", "pid,uid"]).stdout.splitlines()
    return [line.split()[1] for line in lines[1:] if line.strip()]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.read().decode()


def test_gin_notes_image(
    docker_engine: DockerEngine, go_builder: str, tmp_path: Path, container: list[str]
) -> None:
    project = copy_project(EXAMPLES / "gin-notes", tmp_path / "gin-notes")
    tag = "goship-test/init-gin-notes:1"
    _build(docker_engine, project, tag, go_builder)
    base = _start(docker_engine, tag, 8080, container)
    wait_http(f"{base}/healthz", timeout=60)
    status, body = _get(f"{base}/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"
    assert _uids(docker_engine, container[0]) == ["65532"]
    status, page = _get(f"{base}/")
    assert status == 200 and "<title>Notes</title>" in page  # templates/ was copied
    status, css = _get(f"{base}/static/style.css")
    assert status == 200 and css.strip()  # static/ too


def test_stdlib_api_image(
    docker_engine: DockerEngine, go_builder: str, tmp_path: Path, container: list[str]
) -> None:
    project = copy_project(EXAMPLES / "stdlib-api", tmp_path / "stdlib-api")
    tag = "goship-test/init-stdlib-api:1"
    _build(docker_engine, project, tag, go_builder)
    base = _start(docker_engine, tag, 8080, container)
    wait_http(f"{base}/healthz", timeout=60)
    assert _get(f"{base}/healthz")[0] == 200
    assert _uids(docker_engine, container[0]) == ["65532"]
    status, body = _get(f"{base}/api/time?tz=Europe/Paris")
    assert status == 200 and json.loads(body)["tz"] == "Europe/Paris"  # zoneinfo was copied


def test_workspace_fixture_image(
    docker_engine: DockerEngine, go_builder: str, tmp_path: Path, container: list[str]
) -> None:
    """A go.work project (modules resolved through the workspace, not the proxy)."""
    project = copy_project(FIXTURES / "workspace", tmp_path / "workspace")
    tag = "goship-test/init-workspace:1"
    _build(docker_engine, project, tag, go_builder)
    base = _start(docker_engine, tag, 8080, container)
    wait_http(f"{base}/healthz", timeout=60)
    assert _uids(docker_engine, container[0]) == ["65532"]


def test_debug_target_runs_under_delve(
    docker_engine: DockerEngine, go_builder: str, tmp_path: Path, container: list[str]
) -> None:
    project = copy_project(EXAMPLES / "stdlib-api", tmp_path / "stdlib-api")
    tag = "goship-test/init-stdlib-api:debug"
    _build(docker_engine, project, tag, go_builder, target="debug")
    port = free_port()
    cid = docker_engine.run(
        [
            "run",
            "-d",
            *docker_engine.label_args,
            "--security-opt",
            "seccomp=unconfined",
            "-p",
            f"127.0.0.1:{port}:8080",
            tag,
        ]
    ).stdout.strip()
    container.append(cid)
    wait_http(f"http://127.0.0.1:{port}/healthz", timeout=120)  # --continue: the app runs
    processes = docker_engine.run(["top", cid, "-o", "pid,args"]).stdout
    assert "dlv --headless --listen :2345" in processes, processes
