"""``--base`` from a registry reference: single- and multi-platform bases pulled from a local
distribution registry (plain HTTP), layered under goship's own layers, annotated, and run."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest
from build_support import GoshipRunner
from helpers import DockerEngine, LocalRegistry, require_tool, write_go_module

from goship.image.blobs import BlobStore
from goship.image.config import RuntimeConfig, build_config
from goship.image.index import build_index
from goship.image.layout import write_layout
from goship.image.manifest import assemble_image
from goship.image.model import Image
from goship.image.platform import Platform
from goship.image.tarlayer import Entry, build_layer

pytestmark = pytest.mark.integration

AMD64, ARM64 = Platform("linux", "amd64"), Platform("linux", "arm64")
MAIN = (
    'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\n'
    'func main() {\n\tb, err := os.ReadFile("/etc/base-arch")\n'
    "\tfmt.Println(string(b), err)\n}\n"
)


def _base_image(store: BlobStore, platform: Platform) -> Image:
    layer = build_layer(
        [Entry.file("/etc/base-arch", platform.architecture), Entry.dir("/data", 0o755)],
        store,
        epoch=0,
        created_by="test base",
    )
    config = build_config(platform, RuntimeConfig(entrypoint=["/bin/false"]), [layer], epoch=0)
    return assemble_image(store, platform, [layer], config)


def _push(tmp: Path, registry: LocalRegistry, platforms: list[Platform], tag: str) -> dict:
    """Push a base (an index when several platforms) with skopeo; return its images."""
    skopeo = require_tool("skopeo")
    store = BlobStore(tmp / "store")
    images = [_base_image(store, p) for p in platforms]
    artifact = images[0] if len(images) == 1 else build_index(images, store)
    layout = write_layout(tmp / "layout", artifact, store, [tag])
    ref = f"{registry}/test/base:{tag}"
    subprocess.run(
        [skopeo, "copy", "--all", "--preserve-digests", "--dest-tls-verify=false",
         f"oci:{layout}:{tag}", f"docker://{ref}"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return {"ref": ref, "artifact": artifact, "images": {str(i.platform): i for i in images}}


def _blob(layout: Path, digest: str) -> dict:
    return json.loads((layout / "blobs" / "sha256" / digest.split(":")[1]).read_bytes())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_go_module(tmp_path / "svc", {"main.go": MAIN}, module="example.com/svc")


def test_registry_base_layers_first_annotated_and_runs(
    goship: GoshipRunner,
    project: Path,
    registry: LocalRegistry,
    tmp_path: Path,
    docker_engine: DockerEngine,
) -> None:
    base = _push(tmp_path / "base", registry, [AMD64], "v1")
    base_image: Image = base["images"]["linux/amd64"]
    out = tmp_path / "out"
    repo, tag = "goship-test/regbase", uuid.uuid4().hex[:10]
    result = goship(
        "build", str(project), "--base", base["ref"], "--output", str(out),
        "--platform", "linux/amd64", "--load", "--name", repo, "--tag", tag, "--json",
    ).json()  # fmt: skip
    docker_engine.track_image(f"{repo}:{tag}")
    manifest = _blob(out, result["digest"])
    assert manifest["layers"][0]["digest"] == base_image.layers[0].digest
    assert len(manifest["layers"]) == 2  # the base's layer, then the binary
    ann = manifest["annotations"]
    assert ann["org.opencontainers.image.base.name"] == base["ref"]
    assert ann["org.opencontainers.image.base.digest"] == base_image.digest
    config = _blob(out, manifest["config"]["digest"])
    assert config["config"]["Labels"]["org.opencontainers.image.base.digest"] == base_image.digest
    assert config["history"][0]["created_by"] == "test base"
    run = docker_engine.run(
        ["run", "--rm", *docker_engine.label_args, "--read-only", "--cap-drop", "ALL",
         f"{repo}:{tag}"]
    )  # fmt: skip
    assert run.stdout.strip() == "amd64 <nil>"


def test_multi_platform_registry_base_gives_each_platform_its_base(
    goship: GoshipRunner, project: Path, registry: LocalRegistry, tmp_path: Path
) -> None:
    base = _push(tmp_path / "base", registry, [AMD64, ARM64], "multi")
    out = tmp_path / "out"
    result = goship(
        "build", str(project), "--base", base["ref"], "--output", str(out),
        "--platform", "linux/arm64,linux/amd64", "--json",
    ).json()  # fmt: skip
    index = _blob(out, result["digest"])
    assert index["mediaType"] == "application/vnd.oci.image.index.v1+json"
    seen = {}
    for desc in index["manifests"]:
        plat = f"{desc['platform']['os']}/{desc['platform']['architecture']}"
        manifest = _blob(out, desc["digest"])
        want: Image = base["images"][plat]
        assert manifest["layers"][0]["digest"] == want.layers[0].digest
        assert manifest["annotations"]["org.opencontainers.image.base.digest"] == want.digest
        seen[plat] = manifest["layers"][0]["digest"]
    assert sorted(seen) == ["linux/amd64", "linux/arm64"]
    assert seen["linux/amd64"] != seen["linux/arm64"]
    # one platform of a multi-platform base: only that platform is pulled and used
    single = goship(
        "build", str(project), "--base", base["ref"], "--platform", "linux/arm64",
        "--output", str(tmp_path / "one"), "--json",
    ).json()  # fmt: skip
    manifest = _blob(tmp_path / "one", single["digest"])
    assert manifest["layers"][0]["digest"] == seen["linux/arm64"]
