"""docker-archive and OCI archive files."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from goship.errors import BadInputError
from goship.image.archive import docker_ref, select_image, write_docker_archive, write_oci_archive
from goship.image.assemble import ServiceImageSpec, build_service_image
from goship.image.blobs import BlobStore
from goship.image.index import build_index
from goship.image.layout import read_layout
from goship.image.model import Image, ImageIndex
from goship.image.platform import Platform


def _index(tmp_path: Path, store: BlobStore) -> ImageIndex:
    images = []
    for plat in ("linux/amd64", "linux/arm64"):
        binary = tmp_path / plat.replace("/", "-")
        binary.write_bytes(b"\x7fELF" + plat.encode() * 1000)
        spec = ServiceImageSpec(Platform.parse(plat), binary, tmp_path, zoneinfo=True)
        images.append(build_service_image(spec, store, epoch=0))
    return build_index(images, store)


def _members(path: Path) -> dict[str, bytes]:
    out = {}
    with tarfile.open(path) as tar:
        for info in tar.getmembers():
            fh = tar.extractfile(info) if info.isfile() else None
            out[info.name] = fh.read() if fh else b""
    return out


def test_docker_archive_layout(tmp_path: Path, store: BlobStore) -> None:
    index = _index(tmp_path, store)
    target = tmp_path / "img.tar"
    img = write_docker_archive(
        target, index, store, ["shop:1.4.2", "shop"], Platform.parse("linux/arm64")
    )
    assert img.platform == Platform.parse("linux/arm64")
    files = _members(target)
    manifest = json.loads(files["manifest.json"])
    assert len(manifest) == 1
    entry = manifest[0]
    assert entry["RepoTags"] == ["shop:1.4.2", "shop:latest"]
    assert files[entry["Config"]] == img.config_bytes
    assert entry["Config"] == img.config_descriptor.digest[7:] + ".json"
    assert len(entry["Layers"]) == len(img.layers)
    for name, diff_id in zip(entry["Layers"], img.diff_ids, strict=True):
        assert "sha256:" + hashlib.sha256(files[name]).hexdigest() == diff_id
        with tarfile.open(fileobj=io.BytesIO(files[name])) as layer:
            assert layer.getmembers()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_docker_archive_platform_choice(tmp_path: Path, store: BlobStore) -> None:
    index = _index(tmp_path, store)
    host = Platform.host()
    if any(img.platform.matches(host) for img in index.images):
        assert select_image(index).platform.matches(host)
    with pytest.raises(BadInputError, match="no linux/riscv64 image"):
        write_docker_archive(tmp_path / "x.tar", index, store, [], Platform.parse("linux/riscv64"))
    assert not (tmp_path / "x.tar").exists()
    single = index.images[0]
    assert select_image(single) is single
    assert select_image(build_index([single], store)) == single
    with pytest.raises(BadInputError):
        select_image(single, Platform.parse("linux/s390x"))


@pytest.mark.parametrize("ref", ["", "a b", "app@sha256:abc"])
def test_docker_ref_rejects(ref: str) -> None:
    with pytest.raises(BadInputError):
        docker_ref(ref)


def test_docker_ref_adds_latest() -> None:
    assert docker_ref("localhost:5000/app") == "localhost:5000/app:latest"
    assert docker_ref("localhost:5000/app:v1") == "localhost:5000/app:v1"


def test_oci_archive_is_a_tarred_layout(tmp_path: Path, store: BlobStore) -> None:
    index = _index(tmp_path, store)
    target = tmp_path / "img-oci.tar"
    write_oci_archive(target, index, store, ["v1"])
    unpacked = tmp_path / "unpacked"
    with tarfile.open(target) as tar:
        names = tar.getnames()
        tar.extractall(unpacked, filter="data")
    assert names[-2:] == ["index.json", "oci-layout"]
    art, _ = read_layout(unpacked, "v1")
    assert art.digest == index.digest
    # deterministic: same bytes twice
    again = tmp_path / "again.tar"
    write_oci_archive(again, index, store, ["v1"])
    assert target.read_bytes() == again.read_bytes()


def test_archive_errors_leave_no_partial_file(tmp_path: Path, store: BlobStore) -> None:
    index = _index(tmp_path, store)
    img = index.images[0]
    store.path(img.layers[-1].digest).unlink()
    target = tmp_path / "broken.tar"
    with pytest.raises(BadInputError):
        write_docker_archive(target, img, store, ["x:y"])
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    with pytest.raises(BadInputError, match="is a directory"):
        write_oci_archive(tmp_path, index, store)


def test_layer_without_known_size_is_measured(tmp_path: Path, store: BlobStore) -> None:
    index = _index(tmp_path, store)
    # an image read back from a layout does not know uncompressed sizes
    from goship.image.layout import write_layout

    out = write_layout(tmp_path / "l", index, store, tags=["v"])
    art, reader = read_layout(out, "v")
    assert isinstance(art, ImageIndex)
    img: Image = art.images[0]
    assert img.layers[0].uncompressed_size is None
    write_docker_archive(tmp_path / "d.tar", img, reader, ["a:b"])
    entry = json.loads(_members(tmp_path / "d.tar")["manifest.json"])[0]
    assert len(entry["Layers"]) == 2
