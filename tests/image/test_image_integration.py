"""Our outputs read by real tools: umoci, skopeo, a distribution registry and docker.

The image holds a static Go program (compiled here) that reports what a service would rely
on at runtime: its uid/gid, the user name from /etc/passwd, the CA pool, a time zone, the
working directory and a runtime file.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import DockerEngine, LocalRegistry, build_go_program, require_tool

from goship.image.archive import write_docker_archive, write_oci_archive
from goship.image.assemble import ServiceImageSpec, build_service_image
from goship.image.blobs import BlobStore
from goship.image.config import RuntimeConfig
from goship.image.files import FileSpec
from goship.image.index import build_index
from goship.image.layout import write_layout
from goship.image.model import ImageIndex
from goship.image.platform import Platform

pytestmark = pytest.mark.integration

PROBE = """\
package main

import (
	"crypto/x509"
	"fmt"
	"os"
	"os/user"
	"time"
)

func main() {
	_, tzErr := time.LoadLocation("America/New_York")
	pool, _ := x509.SystemCertPool()
	certs := pool != nil && len(pool.Subjects()) > 0
	name := "?"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	wd, _ := os.Getwd()
	tmpl, _ := os.ReadFile("templates/index.tmpl")
	fmt.Printf("uid=%d gid=%d user=%s tz=%v certs=%v wd=%s tmpl=%q\\n",
		os.Getuid(), os.Getgid(), name, tzErr == nil, certs, wd, string(tmpl))
}
"""
EXPECTED = 'uid=65532 gid=65532 user=nonroot tz=true certs=true wd=/app tmpl="<h1>hi</h1>"'
TAG = "v1"


@dataclass
class Built:
    index: ImageIndex
    store: BlobStore
    layout: Path
    docker_archive: Path
    oci_archive: Path
    host: Platform
    repo_tag: str


def _run(*cmd: str, timeout: float = 120) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("probe")
    (root / "templates").mkdir()
    (root / "templates" / "index.tmpl").write_text("<h1>hi</h1>")
    host = Platform.host()
    other = Platform.parse("linux/arm64" if host.architecture != "arm64" else "linux/amd64")
    store = BlobStore(root / "store")
    images = []
    for plat in (host, other):
        env = {k: v for k, v in plat.go_env().items() if k != "GOARCH"}
        binary = build_go_program(
            root, PROBE, name=f"probe-{plat.slug}", goarch=plat.architecture, env=env
        )
        spec = ServiceImageSpec(
            platform=plat,
            binary=binary,
            project_root=root,
            files=[FileSpec("templates", "/app/templates")],
            ca_certificates=True,
            zoneinfo=True,
            runtime=RuntimeConfig(entrypoint=["/app/server"], working_dir="/app"),
        )
        images.append(build_service_image(spec, store, epoch=0))
    index = build_index(images, store, {"org.opencontainers.image.version": "1.0.0"})
    repo_tag = f"goship-test/image:{uuid.uuid4().hex[:10]}"
    out = root / "out"
    docker_archive = out / "docker.tar"
    write_docker_archive(docker_archive, index, store, [repo_tag])
    return Built(
        index=index,
        store=store,
        layout=write_layout(out / "layout", index, store, [TAG], platform_refs=True),
        docker_archive=docker_archive,
        oci_archive=write_oci_archive(out / "oci.tar", index, store, [TAG]),
        host=host,
        repo_tag=repo_tag,
    )


def test_umoci_stats_and_unpacks_each_platform(built: Built, tmp_path: Path) -> None:
    umoci = require_tool("umoci")
    for img in built.index.images:
        ref = f"{built.layout}:{TAG}-{img.platform.slug}"
        stat = _run(umoci, "stat", "--json", "--image", ref)
        history = json.loads(stat)["history"]
        assert [h["created_by"] for h in history] == ["goship base", "goship files", "goship build"]
        bundle = tmp_path / img.platform.slug
        _run(umoci, "unpack", "--rootless", "--image", ref, str(bundle))
        rootfs = bundle / "rootfs"
        assert (rootfs / "etc/passwd").read_text().startswith("root:x:0:0:")
        assert (rootfs / "tmp").stat().st_mode & 0o7777 == 0o1777
        assert (rootfs / "app/server").stat().st_mode & 0o777 == 0o555
        assert (rootfs / "app/templates/index.tmpl").read_text() == "<h1>hi</h1>"
        assert (rootfs / "etc/ssl/certs/ca-certificates.crt").stat().st_size > 100_000
        assert (rootfs / "usr/share/zoneinfo/zoneinfo.zip").read_bytes()[:4] == b"PK\x03\x04"
        process = json.loads((bundle / "config.json").read_text())["process"]
        assert process["user"]["uid"] == 65532 and process["user"]["gid"] == 65532
        assert process["args"] == ["/app/server"] and process["cwd"] == "/app"


def test_skopeo_reads_layout_and_archives(built: Built) -> None:
    skopeo = require_tool("skopeo")
    raw = _run(skopeo, "inspect", "--raw", f"oci:{built.layout}:{TAG}")
    assert raw.encode() == built.index.index_bytes
    for img in built.index.images:
        arch = ["--override-arch", img.platform.architecture]
        info = json.loads(_run(skopeo, *arch, "inspect", f"oci:{built.layout}:{TAG}"))
        assert info["Architecture"] == img.platform.architecture
        assert info["Layers"] == [la.digest for la in img.layers]
        cfg = json.loads(_run(skopeo, *arch, "inspect", "--config", f"oci:{built.layout}:{TAG}"))
        assert cfg["config"]["User"] == "65532:65532"
    info = json.loads(_run(skopeo, "inspect", f"oci-archive:{built.oci_archive}:{TAG}"))
    assert info["Digest"] == built.index.digest
    host_img = built.index.select(built.host)
    cfg = json.loads(_run(skopeo, "inspect", "--config", f"docker-archive:{built.docker_archive}"))
    assert cfg["rootfs"]["diff_ids"] == host_img.diff_ids
    assert cfg["architecture"] == built.host.architecture


def test_skopeo_copies_layout_to_every_form(built: Built, tmp_path: Path) -> None:
    skopeo = require_tool("skopeo")
    src = f"oci:{built.layout}:{TAG}"
    _run(skopeo, "copy", "--all", src, f"oci-archive:{tmp_path / 'copy-oci.tar'}:{TAG}")
    raw = _run(skopeo, "inspect", "--raw", f"oci-archive:{tmp_path / 'copy-oci.tar'}:{TAG}")
    assert raw.encode() == built.index.index_bytes  # copied verbatim: same digest
    dst = f"docker-archive:{tmp_path / 'copy-docker.tar'}:goship-test/copy:1"
    _run(skopeo, "copy", src, dst)
    cfg = json.loads(_run(skopeo, "inspect", "--config", dst))
    assert cfg["rootfs"]["diff_ids"] == built.index.select(built.host).diff_ids
    # and our own docker-archive converts back to an OCI layout
    _run(skopeo, "copy", f"docker-archive:{built.docker_archive}", f"oci:{tmp_path / 'back'}:x")
    cfg = json.loads(_run(skopeo, "inspect", "--config", f"oci:{tmp_path / 'back'}:x"))
    assert cfg["config"]["Entrypoint"] == ["/app/server"]


def test_registry_accepts_the_index_unchanged(built: Built, registry: LocalRegistry) -> None:
    skopeo = require_tool("skopeo")
    ref = f"docker://{registry}/goship-test/image:{TAG}"
    # --preserve-digests: without it skopeo may substitute a blob with the same diff_id that
    # another test pushed at another gzip level (its blob-info cache) and rewrite the index
    _run(
        skopeo, "copy", "--all", "--preserve-digests", "--dest-tls-verify=false",
        f"oci:{built.layout}:{TAG}", ref,
    )  # fmt: skip
    raw = _run(skopeo, "inspect", "--raw", "--tls-verify=false", ref)
    assert raw.encode() == built.index.index_bytes


def test_docker_loads_and_runs_hardened_as_nonroot(
    built: Built, docker_engine: DockerEngine
) -> None:
    docker_engine.track_image(built.repo_tag)
    out = docker_engine.run(["load", "-i", str(built.docker_archive)]).stdout
    assert built.repo_tag in out
    proc = docker_engine.run(
        [
            "run", "--rm", *docker_engine.label_args, "--read-only", "--cap-drop", "ALL",
            "--security-opt", "no-new-privileges", built.repo_tag,
        ]
    )  # fmt: skip
    assert proc.stdout.strip() == EXPECTED
    inspect = json.loads(docker_engine.run(["image", "inspect", built.repo_tag]).stdout)[0]
    assert inspect["Config"]["User"] == "65532:65532"
    assert inspect["RootFS"]["Layers"] == built.index.select(built.host).diff_ids


def test_registry_client_pushes_from_the_store(built: Built, registry: LocalRegistry) -> None:
    from goship.image.payloads import manifest_payloads
    from goship.registry import RegistryClient

    skopeo = require_tool("skopeo")
    ref = f"{registry}/goship-test/pushed:{TAG}"
    root, children = manifest_payloads(built.index, built.store)
    with RegistryClient() as client:
        first = client.push(ref, root, children, [TAG])
        again = client.push(ref, root, children, [TAG])
    assert first.digest == built.index.digest
    assert first.bytes_sent == sum(d.size for d in built.index.blobs())
    assert again.bytes_sent == 0
    raw = _run(skopeo, "inspect", "--raw", "--tls-verify=false", f"docker://{ref}")
    assert raw.encode() == built.index.index_bytes
    host_img = built.index.select(built.host)
    cfg = json.loads(_run(skopeo, "inspect", "--config", "--tls-verify=false", f"docker://{ref}"))
    assert cfg["rootfs"]["diff_ids"] == host_img.diff_ids


def test_docker_load_helper(built: Built, docker_engine: DockerEngine) -> None:
    from goship.image.load import docker_load

    tag = docker_engine.track_image(f"goship-test/loaded:{uuid.uuid4().hex[:10]}")
    image = docker_load(built.index, built.store, [tag], docker=docker_engine.cli)
    assert image.platform.matches(built.host)
    inspect = json.loads(docker_engine.run(["image", "inspect", tag]).stdout)[0]
    assert inspect["RootFS"]["Layers"] == image.diff_ids
    assert inspect["Architecture"] == built.host.architecture


def test_docker_load_reports_a_missing_engine(built: Built, tmp_path: Path) -> None:
    from goship.errors import EnvironmentMissingError
    from goship.image.load import docker_load

    docker = require_tool("docker")
    fake = tmp_path / "docker"
    fake.write_text(f'#!/bin/sh\nDOCKER_HOST=unix://{tmp_path}/nope.sock exec {docker} "$@"\n')
    fake.chmod(0o755)
    with pytest.raises(EnvironmentMissingError, match="no Docker engine answers"):
        docker_load(built.index, built.store, ["x:y"], docker=str(fake))
