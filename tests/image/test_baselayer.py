"""The synthesized base layer: users, /tmp, nsswitch, optional CA bundle and zoneinfo."""

from __future__ import annotations

import posixpath
from pathlib import Path

import certifi
from image_helpers import members_by_name

from goship.image.baselayer import build_base_layer, zoneinfo_source
from goship.image.blobs import BlobStore


def test_minimal_base_layer_content(store: BlobStore) -> None:
    layer = build_base_layer(store, epoch=0)
    got = members_by_name(store, layer)
    assert sorted(got) == [
        "etc", "etc/group", "etc/nsswitch.conf", "etc/passwd", "home", "home/nonroot", "tmp",
    ]  # fmt: skip
    passwd = got["etc/passwd"][1].decode().splitlines()
    assert passwd == [
        "root:x:0:0:root:/root:/sbin/nologin",
        "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin",
    ]
    assert got["etc/group"][1].decode().splitlines() == ["root:x:0:", "nonroot:x:65532:"]
    assert "hosts: files dns" in got["etc/nsswitch.conf"][1].decode().splitlines()
    tmp = got["tmp"][0]
    assert tmp.isdir() and tmp.mode == 0o1777 and tmp.uid == 0
    home = got["home/nonroot"][0]
    assert (home.mode, home.uid, home.gid) == (0o700, 65532, 65532)
    for name in ("etc/passwd", "etc/group", "etc/nsswitch.conf"):
        info = got[name][0]
        assert (info.mode, info.uid, info.gid) == (0o644, 0, 0)
    # tiny: far below the 0.5 MiB overhead budget
    assert layer.size < 1024


def test_ca_bundle_is_certifis(store: BlobStore) -> None:
    layer = build_base_layer(store, epoch=0, ca_certificates=True)
    got = members_by_name(store, layer)
    info, data = got["etc/ssl/certs/ca-certificates.crt"]
    assert data == Path(certifi.where()).read_bytes()
    assert info.mode == 0o644
    assert got["etc/ssl"][0].isdir() and got["etc/ssl/certs"][0].isdir()
    assert not any(name.startswith("usr/") for name in got)


def test_zoneinfo_tree_from_tzdata(store: BlobStore) -> None:
    layer = build_base_layer(store, epoch=0, zoneinfo=True)
    got = members_by_name(store, layer)
    ny = got["usr/share/zoneinfo/America/New_York"]
    assert ny[1].startswith(b"TZif")
    assert ny[1] == (zoneinfo_source() / "America" / "New_York").read_bytes()
    assert got["usr/share/zoneinfo/Etc/UTC"][1].startswith(b"TZif")
    assert got["usr/share/zoneinfo/UTC"][0].linkname == "Etc/UTC"
    assert "usr/share/zoneinfo/zone1970.tab" in got
    assert not [n for n in got if n.endswith((".py", ".pyc")) or "__pycache__" in n]
    zone_files = [n for n, (i, _) in got.items() if (i.isfile() or i.issym()) and "/zoneinfo/" in n]
    assert len(zone_files) > 500
    # duplicates (aliases) are relative symlinks that resolve to a regular file in the layer
    links = {n: i.linkname for n, (i, _) in got.items() if i.issym()}
    assert links, "the tzdata package has alias zones stored as copies"
    for name, target in links.items():
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
        assert not target.startswith("/") and got[resolved][0].isfile(), name
        source = zoneinfo_source() / name.removeprefix("usr/share/zoneinfo/")
        assert got[resolved][1] == source.read_bytes()
    eastern = posixpath.join("usr/share/zoneinfo/US", links["usr/share/zoneinfo/US/Eastern"])
    assert posixpath.normpath(eastern) == "usr/share/zoneinfo/America/New_York"
    assert not any(name.startswith("etc/ssl") for name in got)


def test_base_layer_is_reproducible_across_stores(tmp_path: Path) -> None:
    a = build_base_layer(BlobStore(tmp_path / "a"), epoch=7, ca_certificates=True, zoneinfo=True)
    b = build_base_layer(BlobStore(tmp_path / "b"), epoch=7, ca_certificates=True, zoneinfo=True)
    assert (a.digest, a.diff_id) == (b.digest, b.diff_id)
