"""Scanning and SBOMs of images in every local form goship writes (layout, OCI archive,
docker archive, multi-arch index), with whiteouts and hand-made layers."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from helpers import DockerEngine, require_tool
from helpers.blobs import OCI_LAYER_GZIP, OCI_LAYER_TAR, raw_layout
from spdx_tools.spdx.parser.json.json_parser import parse_from_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
from vuln_support import Corpus

from goship.cli import run
from goship.image.archive import write_docker_archive, write_oci_archive
from goship.image.assemble import ServiceImageSpec, build_service_image
from goship.image.blobs import BlobStore
from goship.image.index import build_index
from goship.image.layout import write_layout
from goship.image.model import Image
from goship.image.platform import Platform
from goship.sbom import generate
from goship.vuln.scan import ScanOptions, run_scan


@pytest.fixture(scope="module")
def images(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The ginold service as a goship image (CA bundle + zoneinfo) in three forms, plus a
    two-platform index (amd64 ginold, arm64 stdlib program)."""
    root = tmp_path_factory.mktemp("images")
    store = BlobStore(root / "store")

    def image(binary: Path, platform: str) -> Image:
        spec = ServiceImageSpec(
            platform=Platform.parse(platform),
            binary=binary,
            project_root=root,
            binary_path="/app/server",
            ca_certificates=True,
            zoneinfo=True,
        )
        return build_service_image(spec, store, epoch=0)

    amd = image(corpus.get("ginold-stripped"), "linux/amd64")
    arm = image(corpus.get("stdlib-arm64"), "linux/arm64")
    write_docker_archive(root / "docker.tar", amd, store, repo_tags=["ginold:1.0"])
    return {
        "layout": write_layout(root / "layout", amd, store, tags=["1.0"]),
        "oci": write_oci_archive(root / "oci.tar", amd, store, tags=["1.0"]),
        "docker": root / "docker.tar",
        "index": write_layout(root / "index", build_index([amd, arm], store), store, tags=["x"]),
    }


@pytest.mark.parametrize("form", ["layout", "oci", "docker"])
def test_scan_image_forms(images: dict[str, Path], vulndb_zip: Path, form: str) -> None:
    report = run_scan(str(images[form]), ScanOptions(db=str(vulndb_zip)))
    assert report.kind == "image"
    assert [r.binary.location.split("//")[1] for r in report.results] == ["app/server"]
    assert report.results[0].platform == "linux/amd64"
    ids = {f.id for f in report.findings}
    assert {"GO-2021-0052", "GO-2023-1737"} <= ids


def test_scan_index_scans_every_platform(images: dict[str, Path], vulndb_zip: Path) -> None:
    report = run_scan(f"{images['index']}:x", ScanOptions(db=str(vulndb_zip)))
    assert sorted(r.platform for r in report.results) == ["linux/amd64", "linux/arm64/v8"]
    arm = next(r for r in report.results if r.platform.startswith("linux/arm64"))
    assert arm.binary.build.goarch == "arm64"


def test_cli_scan_image(images: dict[str, Path], vulndb_zip: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code = run(
        ["scan", str(images["docker"]), "--db", str(vulndb_zip), "--format", "json", "-o", str(out)]
    )
    assert code == 1  # GO-2021-0052 is called
    data = json.loads(out.read_text())
    assert data["kind"] == "image" and data["binaries"][0]["platform"] == "linux/amd64"


# --- hand-made layers: whiteouts, overwrites, gzip and plain tar ---------------------------


def _tar(entries: list[tuple[str, bytes | None]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(data)
                info.mode = 0o755
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _layout(root: Path, layers: list[bytes]) -> Path:
    """Layers alternate gzip (even) and uncompressed (odd), each with its media type."""
    blobs = [gzip.compress(layer) if i % 2 == 0 else layer for i, layer in enumerate(layers)]
    media = [OCI_LAYER_GZIP if i % 2 == 0 else OCI_LAYER_TAR for i in range(len(layers))]
    return raw_layout(root, blobs, layer_media_type=media)


def test_whiteouts_and_overwrites(corpus: Corpus, vulndb_zip: Path, tmp_path: Path) -> None:
    gin = corpus.get("ginold-stripped").read_bytes()
    std = corpus.get("stdlib-trimpath-sw").read_bytes()
    layers = [
        _tar(
            [
                ("bin", None),
                ("bin/a", gin),
                ("bin/b", gin),
                ("opt", None),
                ("opt/c", gin),
                ("opt/d", std),
            ]
        ),
        _tar([("bin/.wh.a", b""), ("bin/b", std), ("opt/.wh..wh..opq", b""), ("opt/e", std)]),
    ]
    report = run_scan(str(_layout(tmp_path / "img", layers)), ScanOptions(db=str(vulndb_zip)))
    found = {r.binary.location.split("//")[1]: r.binary.build.path for r in report.results}
    assert found == {"bin/b": "example.com/app", "opt/e": "example.com/app"}


def test_path_traversal_in_layer(tmp_path: Path, vulndb_zip: Path) -> None:
    layout = _layout(tmp_path / "img", [_tar([("../escape", b"x" * 10)])])
    assert run(["scan", str(layout), "--db", str(vulndb_zip)]) == 2


# --- SBOMs ---------------------------------------------------------------------------------


def test_cyclonedx_for_image(images: dict[str, Path]) -> None:
    sbom = generate(str(images["layout"]), "cyclonedx")
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(sbom.text) is None
    doc = json.loads(sbom.text)
    assert doc["specVersion"] == "1.6"
    assert doc["metadata"]["component"]["type"] == "container"
    comps = {c["name"]: c for c in doc["components"]}
    gin = comps["github.com/gin-gonic/gin"]
    assert gin["purl"] == "pkg:golang/github.com/gin-gonic/gin@v1.6.0"
    assert gin["hashes"][0]["alg"] == "SHA-256" and len(gin["hashes"][0]["content"]) == 64
    assert {"name": "goship:hash:kind", "value": "go-dirhash-h1"} in gin["properties"]
    assert comps["stdlib"]["purl"].startswith("pkg:golang/stdlib@v1.")
    assert "/etc/ssl/certs/ca-certificates.crt" in comps
    assert "/usr/share/zoneinfo" in comps
    assert comps["/app/server"]["type"] == "application"
    refs = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    main_ref = comps["example.com/ginold"]["bom-ref"]
    assert gin["bom-ref"] in refs[main_ref]


def test_spdx_for_image(images: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "sbom.spdx.json"
    assert run(["sbom", str(images["oci"]), "--format", "spdx", "-o", str(out)]) == 0
    doc = parse_from_file(str(out))
    assert validate_full_spdx_document(doc) == []
    names = {p.name for p in doc.packages}
    assert {
        "github.com/gin-gonic/gin",
        "stdlib",
        "/app/server",
        "/etc/ssl/certs/ca-certificates.crt",
    } <= names
    raw = json.loads(out.read_text())
    gin = next(p for p in raw["packages"] if p["name"] == "github.com/gin-gonic/gin")
    assert (
        gin["externalRefs"][0]["referenceLocator"] == "pkg:golang/github.com/gin-gonic/gin@v1.6.0"
    )


def test_sbom_of_binary_is_reproducible(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    binary = str(corpus.get("replaced"))
    for fmt in ("cyclonedx", "spdx"):
        a, b = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
        assert run(["sbom", binary, "--format", fmt, "-o", str(a)]) == 0
        assert run(["sbom", binary, "--format", fmt, "-o", str(b)]) == 0
        assert a.read_bytes() == b.read_bytes()
    doc = json.loads((tmp_path / "a.cyclonedx").read_text())
    text = next(c for c in doc["components"] if c["name"] == "golang.org/x/text")
    assert text["version"] == "v0.3.6"  # the replacement is what was built
    assert {"name": "goship:module:replaces", "value": "golang.org/x/text@v0.3.0"} in text[
        "properties"
    ]
    assert doc["metadata"]["timestamp"].startswith("2023-11-14")


def test_sbom_bad_target(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("no\n")
    assert run(["sbom", str(tmp_path / "x.txt")]) == 2
    assert run(["sbom", str(tmp_path)]) == 2  # a directory without Go binaries


# --- image forms that need a registry or a Docker engine (integration) ---------------------


def test_scan_registry_reference(images: dict[str, Path], vulndb_zip: Path, registry: str) -> None:
    skopeo = require_tool("skopeo")
    ref = f"{registry}/goship-test/scan:1"
    subprocess.run(
        [
            skopeo,
            "copy",
            "--dest-tls-verify=false",
            f"oci:{images['layout']}:1.0",
            f"docker://{ref}",
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    report = run_scan(ref, ScanOptions(db=str(vulndb_zip)))
    assert report.kind == "image"
    assert "GO-2021-0052" in {f.id for f in report.findings}
    sbom = generate(ref, "cyclonedx")
    assert any(c["name"] == "github.com/gin-gonic/gin" for c in json.loads(sbom.text)["components"])


def test_scan_docker_daemon(
    images: dict[str, Path], vulndb_zip: Path, docker_engine: DockerEngine
) -> None:
    docker_engine.run(["load", "-i", str(images["docker"])])
    docker_engine.track_image("ginold:1.0")
    report = run_scan("docker-daemon:ginold:1.0", ScanOptions(db=str(vulndb_zip)))
    assert report.kind == "image"
    assert [r.binary.location.split("//")[1] for r in report.results] == ["app/server"]
    assert "GO-2021-0052" in {f.id for f in report.findings}
