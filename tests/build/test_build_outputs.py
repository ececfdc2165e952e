"""Every output form read by skopeo/umoci, registry push round trip, multi-arch ELF check."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import tarfile
import zlib
from pathlib import Path

import pytest
from build_support import GoshipRunner
from elftools.elf.elffile import ELFFile
from helpers import LocalRegistry, require_tool

pytestmark = pytest.mark.integration

MACHINES = {"linux/amd64": "EM_X86_64", "linux/arm64": "EM_AARCH64", "linux/arm/v7": "EM_ARM"}


def _run(*cmd: str) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def outputs(
    goship: GoshipRunner, examples: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    out = tmp_path_factory.mktemp("outputs")
    project = str(examples / "stdlib-api")
    forms = {
        "layout": ["--output", str(out / "layout")],
        "oci": ["--output", str(out / "image.oci.tar"), "--format", "oci"],
        "docker": ["--output", str(out / "image.tar"), "--format", "docker"],
    }
    results = {
        kind: goship("build", project, *args, "--tag", "t1", "--json").json()
        for kind, args in forms.items()
    }
    return {"dir": out, "results": results}


def test_one_digest_for_every_output_form(outputs: dict) -> None:
    digests = {kind: r["digest"] for kind, r in outputs["results"].items()}
    assert len(set(digests.values())) == 1, digests


def test_skopeo_reads_every_form(outputs: dict) -> None:
    skopeo = require_tool("skopeo")
    out: Path = outputs["dir"]
    digest = outputs["results"]["layout"]["digest"]
    for ref in (f"oci:{out / 'layout'}:t1", f"oci-archive:{out / 'image.oci.tar'}:t1"):
        info = json.loads(_run(skopeo, "inspect", ref))
        assert info["Digest"] == digest
        assert info["Labels"]["org.opencontainers.image.title"] == "stdlib-api"
    config = json.loads(_run(skopeo, "inspect", "--config", f"docker-archive:{out / 'image.tar'}"))
    assert config["config"]["User"] == "65532:65532"
    assert config["config"]["Entrypoint"] == ["/app/stdlib-api"]
    assert "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt" in config["config"]["Env"]


def test_umoci_unpacks_layout_and_oci_archive(outputs: dict, tmp_path: Path) -> None:
    umoci = require_tool("umoci")
    out: Path = outputs["dir"]
    extracted = tmp_path / "from-archive"
    extracted.mkdir()
    with tarfile.open(out / "image.oci.tar") as tar:
        tar.extractall(extracted, filter="data")
    binary_sha = outputs["results"]["layout"]["binaries"][0]["sha256"]
    for layout in (out / "layout", extracted):
        stat = json.loads(_run(umoci, "stat", "--json", "--image", f"{layout}:t1"))
        assert [h["created_by"].split()[:2] for h in stat["history"]] == [
            ["goship", "base"],
            ["goship", "build"],
        ]
        bundle = tmp_path / f"bundle-{layout.name}"
        _run(umoci, "unpack", "--rootless", "--image", f"{layout}:t1", str(bundle))
        rootfs = bundle / "rootfs"
        binary = rootfs / "app/stdlib-api"
        assert binary.stat().st_mode & 0o7777 == 0o555  # r-x, like ko and distroless
        # the binary layer is many gzip members (goship.image.pgzip); umoci read them all
        assert hashlib.sha256(binary.read_bytes()).hexdigest() == binary_sha
        assert (rootfs / "usr/share/zoneinfo/zoneinfo.zip").read_bytes()[:4] == b"PK\x03\x04"
        assert (rootfs / "tmp").stat().st_mode & 0o7777 == 0o1777


def _gzip_members(blob: bytes) -> int:
    count = 0
    while blob:
        d = zlib.decompressobj(31)
        d.decompress(blob)
        assert d.eof
        blob, count = d.unused_data, count + 1
    return count


def test_skopeo_decompresses_multi_member_layers(outputs: dict, tmp_path: Path) -> None:
    skopeo = require_tool("skopeo")
    out: Path = outputs["dir"]
    result = outputs["results"]["layout"]
    last = result["layers"][-1]
    blob = (out / "layout" / "blobs" / "sha256" / last["digest"].split(":")[1]).read_bytes()
    assert _gzip_members(blob) > 2
    dest = tmp_path / "dir"
    _run(skopeo, "copy", "--dest-decompress", f"oci:{out / 'layout'}:t1", f"dir:{dest}")
    blobs = out / "layout" / "blobs" / "sha256"
    manifest = json.loads((blobs / result["digest"][7:]).read_text())
    config = json.loads((blobs / manifest["config"]["digest"][7:]).read_text())
    diff_ids = config["rootfs"]["diff_ids"]
    # skopeo wrote each layer decompressed under its diff_id: every member was read
    for diff_id in diff_ids:
        data = (dest / diff_id.split(":")[1]).read_bytes()
        assert "sha256:" + hashlib.sha256(data).hexdigest() == diff_id


def test_push_pull_round_trip_and_no_resend(
    goship: GoshipRunner, examples: Path, registry: LocalRegistry, tmp_path: Path
) -> None:
    skopeo = require_tool("skopeo")
    ref = f"{registry}/goship/stdlib-api"
    first = goship(
        "build", str(examples / "stdlib-api"), "--push", ref, "--semver", "1.4.2", "--json"
    ).json()
    digest = first["digest"]
    assert first["references"][0] == f"{ref}@{digest}"
    assert {f"{ref}:{t}" for t in ("1.4.2", "1.4", "1", "latest")} <= set(first["references"])
    assert first["bytes_pushed"] > 0
    pulled = tmp_path / "pulled"
    _run(
        skopeo,
        "copy",
        "--src-tls-verify=false",
        "--preserve-digests",
        f"docker://{ref}:1.4.2",
        f"oci:{pulled}:x",
    )
    index = json.loads((pulled / "index.json").read_text())
    assert index["manifests"][0]["digest"] == digest
    remote = json.loads(_run(skopeo, "inspect", "--tls-verify=false", f"docker://{ref}:1"))
    assert remote["Digest"] == digest
    again = goship(
        "build", str(examples / "stdlib-api"), "--push", ref, "--semver", "1.4.2", "--json"
    ).json()
    assert again["digest"] == digest
    assert again["bytes_pushed"] == 0


def _binary_machine(layout: Path, manifest_digest: str) -> str:
    blobs = layout / "blobs" / "sha256"
    manifest = json.loads((blobs / manifest_digest.split(":")[1]).read_text())
    last = manifest["layers"][-1]["digest"].split(":")[1]
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress((blobs / last).read_bytes()))) as tar:
        member = next(m for m in tar.getmembers() if m.isfile())
        data = tar.extractfile(member)
        assert data is not None
        return str(ELFFile(io.BytesIO(data.read()))["e_machine"])


def test_multi_arch_index_has_matching_elf_machines(
    goship: GoshipRunner, examples: Path, tmp_path: Path
) -> None:
    layout = tmp_path / "multi"
    result = goship(
        "build",
        str(examples / "stdlib-api"),
        "--platform",
        "linux/amd64,linux/arm64,linux/arm/v7",
        "--output",
        str(layout),
        "--json",
    ).json()
    assert result["media_type"] == "application/vnd.oci.image.index.v1+json"
    assert sorted(result["platforms"]) == sorted(MACHINES)
    index_blob = layout / "blobs" / "sha256" / result["digest"].split(":")[1]
    index = json.loads(index_blob.read_text())
    seen = {}
    for desc in index["manifests"]:
        p = desc["platform"]
        name = f"{p['os']}/{p['architecture']}" + (
            f"/{p['variant']}" if p.get("variant") and p["architecture"] == "arm" else ""
        )
        seen[name] = _binary_machine(layout, desc["digest"])
    assert seen == MACHINES
    skopeo = require_tool("skopeo")
    for arch, variant in (("arm64", None), ("arm", "v7")):
        extra = ["--override-arch", arch] + (["--override-variant", variant] if variant else [])
        cfg = json.loads(_run(skopeo, *extra, "inspect", "--config", f"oci:{layout}:latest"))
        assert cfg["architecture"] == arch


def test_multi_arch_push_is_an_index_in_the_registry(
    goship: GoshipRunner, examples: Path, registry: LocalRegistry
) -> None:
    skopeo = require_tool("skopeo")
    ref = f"{registry}/goship/stdlib-multi:v1"
    result = goship(
        "build",
        str(examples / "stdlib-api"),
        "--platform",
        "linux/amd64,linux/arm64",
        "--push",
        ref,
        "--json",
    ).json()
    raw = json.loads(_run(skopeo, "inspect", "--raw", "--tls-verify=false", f"docker://{ref}"))
    assert raw["mediaType"] == "application/vnd.oci.image.index.v1+json"
    assert sorted(m["platform"]["architecture"] for m in raw["manifests"]) == ["amd64", "arm64"]
    assert result["references"][0].endswith("@" + result["digest"])
    arm = json.loads(
        _run(skopeo, "--override-arch", "arm64", "inspect", "--tls-verify=false", f"docker://{ref}")
    )
    assert arm["Architecture"] == "arm64"
