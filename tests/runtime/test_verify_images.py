"""`goship verify` on images goship builds: the bundled examples pass with their figures,
every input form works (layout, docker-archive, OCI archive, engine name, `build --verify`),
multi-arch verifies the native platform, and a foreign-only image is refused up front."""

from __future__ import annotations

import platform
import uuid
from pathlib import Path

from helpers import TEST_REPO, DockerEngine
from verify_support import assert_healthy_figures, goship, tiny_project, verify_args

HOST_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
    platform.machine().lower(), platform.machine().lower()
)
OTHER_ARCH = "arm64" if HOST_ARCH == "amd64" else "amd64"


def test_gin_notes_layout(
    clean_engine: DockerEngine, examples: Path, verify_cache: Path, tmp_path: Path
) -> None:
    out = tmp_path / "gin"
    built = goship(verify_cache, "build", str(examples / "gin-notes"), "--output", str(out))
    assert built.code == 0, built.stderr
    run = goship(verify_cache, *verify_args(str(out)))
    assert run.code == 0, run.stdout + run.stderr
    report = run.json()
    assert_healthy_figures(report)
    assert report["port"] == 8080 and report["health_path"] == "/healthz"
    assert report["sources"] == {"port": "label", "health_path": "label"}
    assert report["response"]["content_type"].startswith("application/json")
    assert report["skipped_platforms"] == []
    assert report["platform"] == f"linux/{HOST_ARCH}"


def test_stdlib_api_build_verify_and_archives(
    clean_engine: DockerEngine, examples: Path, verify_cache: Path, tmp_path: Path
) -> None:
    api = str(examples / "stdlib-api")
    archive = tmp_path / "api.tar"
    built = goship(verify_cache, "build", api, "--output", str(archive), "--verify", "--json")
    assert built.code == 0, built.stderr
    assert_healthy_figures(built.json()["verify"])
    oci = tmp_path / "api.oci.tar"
    assert goship(verify_cache, "build", api, "--output", str(oci), "--format", "oci").code == 0
    for target in (archive, oci):
        run = goship(verify_cache, *verify_args(str(target)))
        assert run.code == 0, run.stdout + run.stderr
        assert_healthy_figures(run.json())


def test_engine_image_by_name_text_output(
    clean_engine: DockerEngine, examples: Path, verify_cache: Path
) -> None:
    name = f"{TEST_REPO}/verify-stdlib"
    tag = uuid.uuid4().hex[:8]
    built = goship(
        verify_cache, "build", str(examples / "stdlib-api"), "--load", "--name", name, "--tag", tag
    )
    assert built.code == 0, built.stderr
    clean_engine.track_image(f"{name}:{tag}")
    args = [a for a in verify_args(f"{name}:{tag}") if a != "--json"]
    run = goship(verify_cache, *args)
    assert run.code == 0, run.stdout + run.stderr
    assert "OK" in run.stdout and "65532:65532" in run.stdout and "graceful" in run.stdout


def test_multi_arch_verifies_the_native_platform(
    clean_engine: DockerEngine, verify_cache: Path, tmp_path: Path
) -> None:
    project = tiny_project(tmp_path / "tiny")
    out = tmp_path / "multi"
    platforms = f"linux/{HOST_ARCH},linux/{OTHER_ARCH}"
    built = goship(verify_cache, "build", str(project), "--platform", platforms, "-o", str(out))
    assert built.code == 0, built.stderr
    run = goship(verify_cache, *verify_args(str(out), "--health", "/healthz"))
    assert run.code == 0, run.stdout + run.stderr
    report = run.json()
    assert report["platform"] == f"linux/{HOST_ARCH}"
    assert report["skipped_platforms"] == [f"linux/{OTHER_ARCH}"]


def test_foreign_only_image_is_refused_up_front(
    clean_engine: DockerEngine, verify_cache: Path, tmp_path: Path
) -> None:
    project = tiny_project(tmp_path / "tiny")
    out = tmp_path / "foreign"
    built = goship(
        verify_cache, "build", str(project), "--platform", f"linux/{OTHER_ARCH}", "-o", str(out)
    )
    assert built.code == 0, built.stderr
    run = goship(verify_cache, *verify_args(str(out)))
    assert run.code == 1
    report = run.json()
    assert run.error_ids() == {"exec-format"}
    assert report["started"] is False and report["stop"] is None
    assert report["skipped_platforms"] == [f"linux/{OTHER_ARCH}"]
    assert "--platform" in report["findings"][0]["fix"]


def test_build_verify_fails_the_build(
    clean_engine: DockerEngine, verify_cache: Path, tmp_path: Path
) -> None:
    project = tiny_project(tmp_path / "port80", addr='":80"')
    built = goship(verify_cache, "build", str(project), "-o", str(tmp_path / "o"), "--verify")
    assert built.code == 1, built.stdout + built.stderr
    assert "privileged-port" in built.stderr
    assert (tmp_path / "o" / "index.json").is_file()  # the build itself succeeded
