"""The synthesized base layer: users, /tmp, nsswitch, optional CA bundle and zoneinfo."""

from __future__ import annotations

from pathlib import Path

import certifi
from image_helpers import members_by_name

from goship.image.baselayer import (
    ZONEINFO_ZIP,
    base_env,
    build_base_layer,
    ca_bundle_pem,
    zoneinfo_source,
)
from goship.image.blobs import BlobStore
from goship.image.model import Layer


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
    assert base_env() == {}


def test_ca_bundle_is_certifis_pem_blocks(store: BlobStore) -> None:
    layer = build_base_layer(store, epoch=0, ca_certificates=True)
    got = members_by_name(store, layer)
    info, data = got["etc/ssl/certs/ca-certificates.crt"]
    original = Path(certifi.where()).read_text()
    assert data == ca_bundle_pem()
    text = data.decode()
    assert "#" not in text and text.startswith("-----BEGIN CERTIFICATE-----\n")
    assert text.count("BEGIN CERTIFICATE") == original.count("BEGIN CERTIFICATE") > 100
    # every certificate's base64 body is kept line for line
    body = [ln for ln in original.splitlines() if ln and not ln.startswith("#")]
    assert text.splitlines() == body
    assert info.mode == 0o644
    assert got["etc/ssl"][0].isdir() and got["etc/ssl/certs"][0].isdir()
    assert not any(name.startswith("usr/") for name in got)
    assert base_env(ca_certificates=True) == {"SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt"}


def test_zoneinfo_is_one_zip_go_reads_via_zoneinfo_env(store: BlobStore) -> None:
    layer = build_base_layer(store, epoch=0, zoneinfo=True)
    got = members_by_name(store, layer)
    zones = [n for n in got if n.startswith("usr/share/zoneinfo/")]
    assert zones == [ZONEINFO_ZIP.lstrip("/")]
    info, data = got[ZONEINFO_ZIP.lstrip("/")]
    assert info.mode == 0o644 and data[:4] == b"PK\x03\x04"
    assert base_env(zoneinfo=True) == {"ZONEINFO": ZONEINFO_ZIP}
    assert not any(name.startswith("etc/ssl") for name in got)
    assert zoneinfo_source().is_dir()


def test_base_layer_is_reproducible_and_memoised(tmp_path: Path) -> None:
    def full(store: str, epoch: int = 7) -> Layer:
        s = BlobStore(tmp_path / store)
        return build_base_layer(s, epoch=epoch, ca_certificates=True, zoneinfo=True)

    a, b = full("a"), full("b")
    assert (a.digest, a.diff_id) == (b.digest, b.diff_id)
    assert full("a") == a
    assert full("a", epoch=8).digest != a.digest
    subset = build_base_layer(
        BlobStore(tmp_path / "a"), epoch=7, zoneinfo=True, zones={"Europe/Paris"}
    )
    assert subset.size < 10_000 and "1 zones" in subset.comment


def test_ca_bundle_is_certifis_without_importing_it() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from goship.image.baselayer import ca_bundle_source; "
        "p = ca_bundle_source(); print('certifi' in sys.modules); "
        "import certifi; print(str(p) == certifi.where())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
