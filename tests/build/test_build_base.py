"""cgo with a user-given libc base (OCI layout or docker-archive), and the loader check."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from build_support import GoshipRunner
from helpers import DockerEngine, write_go_module

from goship.image.archive import write_docker_archive
from goship.image.blobs import BlobStore
from goship.image.config import RuntimeConfig, build_config
from goship.image.layout import write_layout
from goship.image.manifest import assemble_image
from goship.image.platform import Platform
from goship.image.tarlayer import Entry, build_layer

LOADER = Path("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
LIBC = Path("/usr/lib/x86_64-linux-gnu/libc.so.6")
CGO_MAIN = (
    'package main\n\n// static int answer(void) { return 42; }\nimport "C"\n\nimport "fmt"\n\n'
    "func main() { fmt.Println(int(C.answer())) }\n"
)

pytestmark = pytest.mark.skipif(
    Platform.host() != Platform("linux", "amd64") or not (LOADER.is_file() and LIBC.is_file()),
    reason="needs an amd64 glibc host to make a base image from",
)


def _base(tmp: Path, with_libc: bool) -> tuple[Path, Path]:
    """A tiny merged-usr glibc base (or one without libc) as a layout and a docker-archive."""
    store = BlobStore(tmp / "store")
    entries = [Entry.dir("/etc"), Entry.file("/etc/os-release", "ID=test\n")]
    if with_libc:
        entries += [
            Entry.symlink("/lib", "usr/lib"),
            Entry.symlink("/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/" + LOADER.name),
            Entry.from_disk(str(LOADER), LOADER, 0o755),
            Entry.from_disk(str(LIBC), LIBC, 0o755),
        ]
    layer = build_layer(entries, store, epoch=0, created_by="test base")
    plat = Platform("linux", "amd64")
    config = build_config(plat, RuntimeConfig(entrypoint=["/bin/true"]), [layer], epoch=0)
    image = assemble_image(store, plat, [layer], config)
    layout = write_layout(tmp / "layout", image, store, ["glibc"])
    archive = tmp / "base.tar"
    write_docker_archive(archive, image, store, ["test/glibc:1"])
    return layout, archive


@pytest.fixture
def cgo_project(tmp_path: Path) -> Path:
    return write_go_module(tmp_path / "svc", {"main.go": CGO_MAIN}, module="example.com/svc")


@pytest.mark.integration
def test_cgo_on_glibc_layout_base_runs(
    goship: GoshipRunner, cgo_project: Path, tmp_path: Path, docker_engine: DockerEngine
) -> None:
    layout, _ = _base(tmp_path / "base", with_libc=True)
    repo, tag = "goship-test/cgo", uuid.uuid4().hex[:10]
    run = goship(
        "build",
        str(cgo_project),
        "--base",
        f"{layout}:glibc",
        "--load",
        "--name",
        repo,
        "--tag",
        tag,
        "--json",
    )
    result = run.json()
    docker_engine.track_image(f"{repo}:{tag}")
    assert result["binaries"][0]["cgo"] is True
    out = docker_engine.run(
        [
            "run",
            "--rm",
            *docker_engine.label_args,
            "--read-only",
            "--cap-drop",
            "ALL",
            f"{repo}:{tag}",
        ]
    )
    assert out.stdout.strip() == "42"
    labels = json.loads(docker_engine.run(["image", "inspect", f"{repo}:{tag}"]).stdout)[0][
        "Config"
    ]["Labels"]
    assert labels["org.opencontainers.image.base.name"] == f"{layout}:glibc"
    assert labels["org.opencontainers.image.base.digest"].startswith("sha256:")


def test_cgo_on_docker_archive_base(
    goship: GoshipRunner, cgo_project: Path, tmp_path: Path
) -> None:
    _, archive = _base(tmp_path / "base", with_libc=True)
    out = tmp_path / "out"
    result = goship(
        "build", str(cgo_project), "--base", str(archive), "--output", str(out), "--json"
    ).json()
    assert result["binaries"][0]["cgo"] is True
    assert len(result["layers"]) == 2  # base layer + binary


def test_base_without_the_loader_is_refused(
    goship: GoshipRunner, cgo_project: Path, tmp_path: Path
) -> None:
    layout, _ = _base(tmp_path / "base", with_libc=False)
    out = tmp_path / "out"
    run = goship("build", str(cgo_project), "--base", str(layout), "--output", str(out))
    assert run.code == 2, run.stderr
    assert "/lib64/ld-linux-x86-64.so.2" in run.stderr and "does not contain" in run.stderr
    assert not out.exists()


def test_cgo_cross_platform_needs_a_cross_compiler(
    goship: GoshipRunner, cgo_project: Path, tmp_path: Path
) -> None:
    layout, _ = _base(tmp_path / "base", with_libc=True)
    run = goship(
        "build", str(cgo_project), "--base", str(layout), "--platform", "linux/amd64,linux/arm64"
    )
    assert run.code == 2
    assert "CC_linux_arm64" in run.stderr
