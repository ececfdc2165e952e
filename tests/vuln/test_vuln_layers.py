"""scan/sbom read image layers through the shared layer walker: zstd layers are scanned, and
hostile layers (bombs, traversal, escaping links, too many entries, a wrong digest) make
``goship scan`` fail with exit 2 and a message naming the layer, before reading them whole."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from helpers import zstd
from helpers.blobs import OCI_LAYER_TAR, raw_layout
from vuln_support import Corpus

from goship.cli import run
from goship.errors import BadInputError
from goship.image.layerstream import WalkLimits
from goship.image.source import LayoutSource
from goship.sbom import generate
from goship.vuln.imagewalk import SCAN_HINTS, walk_image
from goship.vuln.scan import ScanOptions, run_scan

Member = tuple[str, bytes | None, str]  # name, data (None: no data), link target


def tar_bytes(members: list[Member]) -> bytes:
    """A tar of regular files (data), directories (data None, no link) and symlinks."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, link in members:
            info = tarfile.TarInfo(name)
            info.mode = 0o755
            if link:
                info.type, info.linkname = tarfile.SYMTYPE, link
                tar.addfile(info)
            elif data is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def layout(root: Path, blobs: list[bytes], *, digests: list[str] | None = None) -> Path:
    """An OCI layout whose layers are the given blobs, as they are (already compressed);
    ``digests`` overrides the layer digests the manifest names."""
    return raw_layout(root, blobs, layer_media_type=OCI_LAYER_TAR, layer_digests=digests)


def scan_refused(img: Path, vulndb_zip: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """``goship scan IMAGE`` exits 2; its error output (message and fix)."""
    capsys.readouterr()
    assert run(["scan", str(img), "--db", str(vulndb_zip)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "fix:" in err
    return " ".join(err.split())  # the console wraps long lines


def test_zstd_layers_are_scanned(corpus: Corpus, vulndb_zip: Path, tmp_path: Path) -> None:
    gin = corpus.get("ginold-stripped").read_bytes()
    std = corpus.get("stdlib-trimpath-sw").read_bytes()
    lower = gzip.compress(tar_bytes([("bin/a", gin, ""), ("bin/b", std, "")]))
    upper = zstd(tar_bytes([("bin/.wh.a", b"", ""), ("opt/c", gin, "")]))
    img = layout(tmp_path / "img", [lower, upper])
    report = run_scan(str(img), ScanOptions(db=str(vulndb_zip)))
    found = {r.binary.location.split("//")[1]: r.binary.build.path for r in report.results}
    assert found == {"bin/b": "example.com/app", "opt/c": "example.com/ginold"}
    assert "GO-2021-0052" in {f.id for f in report.findings}  # gin's, from the zstd layer


def test_zstd_layer_files_in_the_sbom(corpus: Corpus, tmp_path: Path) -> None:
    ca = b"-----BEGIN CERTIFICATE-----\n"
    std = corpus.get("stdlib-trimpath-sw").read_bytes()
    blob = zstd(tar_bytes([("etc/ssl/certs/ca-certificates.crt", ca, ""), ("app", std, "")]))
    sbom = generate(str(layout(tmp_path / "img", [blob])), "cyclonedx")
    comps = {c["name"]: c for c in json.loads(sbom.text)["components"]}
    digest = comps["/etc/ssl/certs/ca-certificates.crt"]["hashes"][0]["content"]
    assert digest == hashlib.sha256(ca).hexdigest()


def test_binary_written_through_a_directory_link(corpus: Corpus, tmp_path: Path) -> None:
    std = corpus.get("stdlib-trimpath-sw").read_bytes()
    layer = tar_bytes([("usr/lib", None, ""), ("lib", None, "usr/lib"), ("lib/app", std, "")])
    (scan,) = walk_image(LayoutSource(layout(tmp_path / "img", [layer])))
    assert [b.location.split("//")[1] for b in scan.binaries] == ["usr/lib/app"]


@pytest.mark.parametrize("compress", ["gzip", "zstd"])
def test_decompression_bomb(
    tmp_path: Path, vulndb_zip: Path, capsys: pytest.CaptureFixture[str], compress: str
) -> None:
    zeros = b"\0" * (80 << 20)  # past the 64 MiB floor of the ratio check, at ~1000x
    blob = gzip.compress(zeros) if compress == "gzip" else zstd(zeros)
    assert len(blob) < 1 << 20
    err = scan_refused(layout(tmp_path / "img", [blob]), vulndb_zip, capsys)
    assert "layer 0" in err and "decompression bomb" in err and "goship scan PATH" in err


def test_declared_size_bomb_is_refused_before_reading(tmp_path: Path) -> None:
    info = tarfile.TarInfo("zeros")
    info.size = 20 << 30  # 20 GB declared, no data behind it
    img = layout(tmp_path / "img", [gzip.compress(info.tobuf(tarfile.GNU_FORMAT))])
    with pytest.raises(BadInputError) as exc:
        walk_image(LayoutSource(img))
    assert "sparse bomb" in exc.value.message and "'zeros'" in exc.value.message
    assert exc.value.hint == SCAN_HINTS.size


@pytest.mark.parametrize(
    ("members", "words"),
    [
        ([("../../escape", b"x", "")], ["path traversal", "../../escape"]),
        ([("link", None, "../../../etc")], ["link", "outside the image root"]),
        ([("s", None, "/"), ("b", None, "s/.."), ("b/evil", b"x", "")], ["written through"]),
    ],
)
def test_traversal_and_escaping_links(
    tmp_path: Path,
    vulndb_zip: Path,
    capsys: pytest.CaptureFixture[str],
    members: list[Member],
    words: list[str],
) -> None:
    img = layout(tmp_path / "img", [gzip.compress(tar_bytes(members))])
    before = {str(p) for p in tmp_path.rglob("*")}
    err = scan_refused(img, vulndb_zip, capsys)
    assert "layer 0" in err and all(w in err for w in words), err
    assert {str(p) for p in tmp_path.rglob("*")} == before


def test_too_many_entries(tmp_path: Path) -> None:
    img = layout(tmp_path / "img", [tar_bytes([(f"f{i}", b"", "") for i in range(30)])])
    with pytest.raises(BadInputError) as exc:
        walk_image(LayoutSource(img), limits=WalkLimits(max_entries=20))
    assert "more than 20 entries" in exc.value.message
    assert len(walk_image(LayoutSource(img), limits=WalkLimits(max_entries=30))) == 1


def test_blob_not_matching_its_digest(
    tmp_path: Path, vulndb_zip: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blob = gzip.compress(tar_bytes([("a", b"tampered", "")]))
    other = "sha256:" + hashlib.sha256(b"original").hexdigest()
    img = layout(tmp_path / "img", [blob], digests=[other])
    (Path(img) / "blobs" / "sha256" / other.split(":")[1]).write_bytes(blob)
    assert "does not match its digest" in scan_refused(img, vulndb_zip, capsys)


@pytest.mark.parametrize("compress", ["gzip", "zstd"])
def test_truncated_layer(
    tmp_path: Path, vulndb_zip: Path, capsys: pytest.CaptureFixture[str], compress: str
) -> None:
    data = tar_bytes([("app/data", bytes(range(256)) * 800, "")])
    whole = gzip.compress(data) if compress == "gzip" else zstd(data)
    err = scan_refused(layout(tmp_path / "img", [whole[: len(whole) // 2]]), vulndb_zip, capsys)
    assert "layer 0" in err and "truncated or corrupt" in err
