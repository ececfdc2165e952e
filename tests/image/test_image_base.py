"""User-given base images read from an OCI layout, an OCI archive or a docker archive."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from goship.errors import BadInputError
from goship.image.archive import write_docker_archive, write_oci_archive
from goship.image.assemble import ServiceImageSpec, build_service_image
from goship.image.base import is_local_base, load_base, read_docker_archive
from goship.image.blobs import BlobStore
from goship.image.config import RuntimeConfig
from goship.image.index import build_index
from goship.image.layout import write_layout
from goship.image.model import ANN_BASE_DIGEST, ANN_BASE_NAME, Image
from goship.image.platform import Platform

AMD64 = Platform.parse("linux/amd64")


def _base_image(tmp_path: Path, store: BlobStore) -> Image:
    """A stand-in for a libc base: goship's own base layer plus a fake /lib file."""
    lib = tmp_path / "libc.so.6"
    lib.write_bytes(b"\x7fELF libc" * 100)
    runtime = RuntimeConfig(entrypoint=["/lib/libc.so.6"], env={"BASE_VAR": "1", "LANG": "C"})
    spec = ServiceImageSpec(AMD64, lib, tmp_path, binary_path="/lib/libc.so.6", runtime=runtime)
    return build_service_image(spec, store, epoch=0)


def _on_base(tmp_path: Path, source: str, store: BlobStore) -> Image:
    app = tmp_path / "app-bin"
    app.write_bytes(b"\x7fELF app")
    base = load_base(source, store, AMD64)
    spec = ServiceImageSpec(AMD64, app, tmp_path, runtime=RuntimeConfig(["/app/server"]), base=base)
    return build_service_image(spec, store, epoch=0)


def test_base_from_every_local_form_gives_the_same_image(tmp_path: Path) -> None:
    base_store = BlobStore(tmp_path / "base-store")
    base = _base_image(tmp_path, base_store)
    layout = write_layout(tmp_path / "layout", base, base_store, ["v1"])
    write_oci_archive(tmp_path / "oci.tar", base, base_store, ["v1"])
    write_docker_archive(tmp_path / "docker.tar", base, base_store, ["base:v1"])
    built = {}
    for source in (
        f"oci:{layout}:v1",
        str(layout),
        f"oci-archive:{tmp_path / 'oci.tar'}:v1",
        str(tmp_path / "oci.tar"),
        f"docker-archive:{tmp_path / 'docker.tar'}",
        str(tmp_path / "docker.tar"),
    ):
        img = _on_base(tmp_path, source, BlobStore(tmp_path / f"s{len(built)}"))
        built[source] = img
        own = [la.digest for la in img.layers[: len(base.layers)]]
        assert own == [la.digest for la in base.layers]
        assert len(img.layers) == len(base.layers) + 1
        assert img.annotations[ANN_BASE_NAME] == source
        assert img.annotations[ANN_BASE_DIGEST] == base.digest
        cfg = img.config
        assert "BASE_VAR=1" in cfg["config"]["Env"]
        assert cfg["config"]["Entrypoint"] == ["/app/server"]
        assert cfg["rootfs"]["diff_ids"][: len(base.layers)] == base.diff_ids
        assert len(cfg["history"]) == len(img.layers)
    # the layers are byte-identical whichever form the base came in
    layer_sets = {tuple(la.digest for la in img.layers) for img in built.values()}
    assert len(layer_sets) == 1


def test_base_must_have_the_platform(tmp_path: Path, store: BlobStore) -> None:
    base = _base_image(tmp_path, store)
    layout = write_layout(tmp_path / "layout", build_index([base], store), store, ["v1"])
    with pytest.raises(BadInputError, match="no linux/arm64 image"):
        load_base(f"oci:{layout}:v1", store, Platform.parse("linux/arm64"))


def test_bad_base_sources(tmp_path: Path, store: BlobStore) -> None:
    with pytest.raises(BadInputError, match="does not exist"):
        load_base(str(tmp_path / "nope"), store, AMD64)
    junk = tmp_path / "junk.tar"
    with tarfile.open(junk, "w") as tar:
        tar.add(__file__, arcname="README")
    with pytest.raises(BadInputError, match="neither an OCI archive nor a docker archive"):
        load_base(str(junk), store, AMD64)
    assert is_local_base(f"oci:{tmp_path}") and is_local_base(str(junk))
    assert not is_local_base("ghcr.io/acme/base:1")


def test_docker_archive_with_wrong_diff_id_is_rejected(tmp_path: Path, store: BlobStore) -> None:
    base = _base_image(tmp_path, store)
    good = tmp_path / "good.tar"
    write_docker_archive(good, base, store, ["b:1"])
    bad = tmp_path / "bad.tar"
    with tarfile.open(good) as src, tarfile.open(bad, "w") as dst:
        for info in src.getmembers():
            fh = src.extractfile(info) if info.isfile() else None
            if info.name == "manifest.json":
                assert fh is not None
                entry = json.loads(fh.read())
                entry[0]["Layers"].reverse()  # layers no longer match the config's diff_ids
                data = json.dumps(entry).encode()
                info.size = len(data)
                dst.addfile(info, io.BytesIO(data))
            else:
                dst.addfile(info, fh)
    with pytest.raises(BadInputError, match="does not match its diff_id"):
        read_docker_archive(str(bad), BlobStore(tmp_path / "other"))
