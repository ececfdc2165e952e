"""Hostile and broken input: a clear BadInputError (exit 2) naming what and where, never a
crash, never a file written outside the test's tmp dir."""

from __future__ import annotations

import io
import json
import os
import sys
import tarfile
from pathlib import Path

import pytest
from audit_support import default_config, gz, member, raw_layout, tar_bytes, write_zero_bomb
from helpers import require_tool

from goship.audit.limits import Limits
from goship.audit.run import AuditOptions, run_audit
from goship.cli import run
from goship.errors import BadInputError

GB = 1 << 30


def audit(path: Path, **limits: int) -> None:
    run_audit(str(path), AuditOptions(limits=Limits(**limits)))


def refused(path: Path, *words: str, **limits: int) -> str:
    with pytest.raises(BadInputError) as info:
        audit(path, **limits)
    message = info.value.message
    for word in words:
        assert word in message, message
    assert info.value.hint
    return message


def _snapshot(d: Path) -> set[str]:
    return {str(p) for p in d.rglob("*")}


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory next to the test's own: nothing may appear in it."""
    d = tmp_path / "outside"
    d.mkdir()
    return d


def test_path_traversal(tmp_path: Path, outside: Path) -> None:
    layer = gz(tar_bytes([member("app/ok"), member("../../outside/evil", data=b"pwned")]))
    img = raw_layout(tmp_path / "img", [layer])
    before = _snapshot(tmp_path)
    message = refused(img, "path traversal", "layer 0", "../../outside/evil")
    assert _snapshot(tmp_path) == before and not any(outside.iterdir())
    assert "Traceback" not in message
    assert run(["audit", str(img)]) == 2


def test_absolute_member_names_stay_inside(tmp_path: Path) -> None:
    img = raw_layout(tmp_path / "img", [gz(tar_bytes([member("/etc/motd", data=b"hi")]))])
    report = run_audit(str(img), AuditOptions())
    assert "/etc/motd" in report.images[0].files


@pytest.mark.parametrize(
    ("members", "words"),
    [
        ([member("link", "symlink", link="../../../../etc")], ["link", "outside the image root"]),
        ([member("a/b", "symlink", link="../../..")], ["a/b", "outside the image root"]),
        ([member("abs", "symlink", link="/../../etc/shadow")], ["outside the image root"]),
        # passes the lexical check, escapes when resolved: s -> /, b -> s/.. , then b/evil
        (
            [
                member("s", "symlink", link="/"),
                member("b", "symlink", link="s/.."),
                member("b/evil", data=b"x"),
            ],
            ["b/evil", "written through a link"],
        ),
        ([member("h", "hardlink", link="../../etc/passwd")], ["path traversal"]),
        ([member("h", "hardlink", link="missing/file")], ["hard link", "not a file"]),
    ],
)
def test_link_escapes(tmp_path: Path, outside: Path, members: list, words: list[str]) -> None:  # type: ignore[type-arg]
    img = raw_layout(tmp_path / "img", [gz(tar_bytes(members))])
    refused(img, *words)
    assert not any(outside.iterdir())


def test_links_inside_the_image_are_resolved(tmp_path: Path) -> None:
    layer = gz(tar_bytes([
        member("usr/lib", "dir", mode=0o755),
        member("lib", "symlink", link="usr/lib"),
        member("lib/libx.so", data=b"lib"),  # written through the link: lands in /usr/lib
        member("etc/localtime", "symlink", link="/usr/share/zoneinfo/UTC"),
        member("data", "hardlink", link="usr/lib/libx.so"),
    ]))  # fmt: skip
    report = run_audit(str(raw_layout(tmp_path / "img", [layer])), AuditOptions())
    files = report.images[0].files
    assert files["/usr/lib/libx.so"].kind == "file" and "/lib/libx.so" not in files
    assert files["/data"].kind == "hardlink" and files["/data"].target == "/usr/lib/libx.so"
    assert report.images[0].view.lookup("/lib/libx.so") is files["/usr/lib/libx.so"]


def test_ten_gigabyte_zero_bomb_stops_at_the_ratio_limit(tmp_path: Path) -> None:
    info = tarfile.TarInfo("zeros")
    info.size = 10 * GB
    bomb = write_zero_bomb(tmp_path / "bomb.gz", 10 * GB, header=info.tobuf(tarfile.GNU_FORMAT))
    assert bomb.stat().st_size < 16 << 20  # the test stays small
    img = raw_layout(tmp_path / "img", [bomb])
    # the declared 10 GB member is refused by its apparent size before its data is read...
    refused(img, "sparse bomb", "layer 0")
    # ...and a member-less stream of zeros by the ratio, then by the size limit
    plain = write_zero_bomb(tmp_path / "plain.gz", 10 * GB)
    img2 = raw_layout(tmp_path / "img2", [plain])
    refused(img2, "decompresses", "100x", "decompression bomb")
    refused(img2, "per-layer size limit", max_ratio=0, max_layer_bytes=256 << 20)


def test_too_many_entries(tmp_path: Path) -> None:
    layer = gz(tar_bytes([member(f"f{i}") for i in range(50)]))
    img = raw_layout(tmp_path / "img", [layer])
    refused(img, "more than 20 entries", max_entries=20)
    assert run(["audit", str(img), "--max-files", "20"]) == 2
    assert run(["audit", str(img), "--max-files", "100", "--format", "json"]) == 0


def test_max_size_flag(tmp_path: Path) -> None:
    layer = gz(tar_bytes([member("big", data=b"\0" * (3 << 20))]))
    img = raw_layout(tmp_path / "img", [layer])
    assert run(["audit", str(img), "--max-size", "1M"]) == 2
    assert run(["audit", str(img), "--max-size", "64M", "--format", "json"]) == 0
    assert run(["audit", str(img), "--max-size", "lots"]) == 2


def test_truncated_gzip(tmp_path: Path) -> None:
    whole = gz(tar_bytes([member("app/data", data=os.urandom(200_000))]))
    img = raw_layout(tmp_path / "img", [whole[: len(whole) // 2]])
    refused(img, "truncated or corrupt", "layer 0")


def test_corrupt_gzip_and_tar(tmp_path: Path) -> None:
    whole = bytearray(gz(tar_bytes([member("a", data=os.urandom(5000))])))
    whole[len(whole) // 2] ^= 0xFF
    refused(raw_layout(tmp_path / "a", [bytes(whole)]), "layer 0")
    refused(raw_layout(tmp_path / "b", [gz(b"this is not a tar archive" * 40)]), "layer 0")


def test_blob_not_matching_its_digest(tmp_path: Path) -> None:
    img = raw_layout(tmp_path / "img", [gz(tar_bytes([member("a", data=b"original")]))])
    blob = next(
        p for p in (img / "blobs" / "sha256").iterdir() if p.read_bytes()[:2] == b"\x1f\x8b"
    )
    blob.write_bytes(gz(tar_bytes([member("a", data=b"tampered")])))
    refused(img, "does not match its digest")


@pytest.mark.parametrize("decoder", ["zstandard", "zstd program"])
def test_corrupt_zstd_layer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, decoder: str) -> None:
    if decoder == "zstd program":  # the fallback when the zstandard package is missing
        require_tool("zstd")
        monkeypatch.setitem(sys.modules, "zstandard", None)
    img = raw_layout(tmp_path / "img", [b"\x28\xb5\x2f\xfd" + b"\0" * 64])
    refused(img, "zstd")


BAD_JSON = {
    "index-garbage": {"index": b"{not json"},
    "index-no-manifests": {"index": b'{"schemaVersion": 2}'},
    "manifest-garbage": {"manifest": b"\x00\x01garbage"},
    "manifest-array": {"manifest": b"[1, 2]"},
    "manifest-no-config": {"manifest": json.dumps({"schemaVersion": 2, "layers": []}).encode()},
    "config-garbage": {"config": b"{]"},
    "config-array": {"config": b"[]"},
}


@pytest.mark.parametrize("case", sorted(BAD_JSON))
def test_bad_json(tmp_path: Path, case: str) -> None:
    img = raw_layout(tmp_path / "img", [gz(tar_bytes([member("a")]))], **BAD_JSON[case])  # type: ignore[arg-type]
    with pytest.raises(BadInputError) as info:
        audit(img)
    assert str(img) in info.value.message
    assert run(["audit", str(img)]) == 2


def test_docker_archive_bad_manifest(tmp_path: Path) -> None:
    path = tmp_path / "bad.tar"
    with tarfile.open(path, "w") as tar:
        for name, data in (("manifest.json", b'[{"Config": 3}]'), ("x.json", b"{}")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    refused(path, "manifest.json")
    assert run(["audit", str(path)]) == 2


def test_manifest_pointing_at_missing_layer(tmp_path: Path) -> None:
    img = raw_layout(tmp_path / "img", [gz(tar_bytes([member("a")]))], default_config())
    for blob in (img / "blobs" / "sha256").iterdir():
        if blob.read_bytes()[:2] == b"\x1f\x8b":
            blob.unlink()
    refused(img, "cannot open")
