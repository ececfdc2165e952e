"""OCI layout writing/reading: shape, tags, atomic replacement, refusal to clobber."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from goship.errors import BadInputError
from goship.image.assemble import ServiceImageSpec, build_service_image
from goship.image.blobs import BlobStore
from goship.image.index import build_index
from goship.image.layout import layout_refs, read_layout, write_layout
from goship.image.model import ANN_REF_NAME, OCI_INDEX, Image, ImageIndex
from goship.image.platform import Platform


def _image(tmp_path: Path, store: BlobStore, plat: str = "linux/amd64") -> Image:
    binary = tmp_path / f"bin-{plat.replace('/', '-')}"
    binary.write_bytes(b"\x7fELF " + plat.encode())
    return build_service_image(
        ServiceImageSpec(Platform.parse(plat), binary, tmp_path), store, epoch=0
    )


def _index(tmp_path: Path, store: BlobStore) -> ImageIndex:
    return build_index([_image(tmp_path, store), _image(tmp_path, store, "linux/arm64")], store)


def _no_temp_dirs(parent: Path) -> bool:
    return not [p for p in parent.iterdir() if p.name.startswith(".")]


def test_layout_shape_and_blobs(tmp_path: Path, store: BlobStore) -> None:
    index = _index(tmp_path, store)
    out = write_layout(tmp_path / "out", index, store, tags=["1.4.2", "latest", "1.4.2"])
    assert json.loads((out / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
    doc = json.loads((out / "index.json").read_text())
    assert doc["schemaVersion"] == 2 and doc["mediaType"] == OCI_INDEX
    assert [m["annotations"][ANN_REF_NAME] for m in doc["manifests"]] == ["1.4.2", "latest"]
    assert {m["digest"] for m in doc["manifests"]} == {index.digest}
    blobs = sorted(p.name for p in (out / "blobs" / "sha256").iterdir())
    expected = {d.digest[7:] for d in index.blobs()}
    expected |= {img.digest[7:] for img in index.images} | {index.digest[7:]}
    assert blobs == sorted(expected)
    for name in blobs:  # every blob matches its name
        assert hashlib.sha256((out / "blobs" / "sha256" / name).read_bytes()).hexdigest() == name
    assert layout_refs(out) == ["1.4.2", "latest"]
    assert _no_temp_dirs(tmp_path)


def test_untagged_and_platform_refs(tmp_path: Path, store: BlobStore) -> None:
    index = _index(tmp_path, store)
    out = write_layout(tmp_path / "u", index, store)
    doc = json.loads((out / "index.json").read_text())
    assert len(doc["manifests"]) == 1 and "annotations" not in doc["manifests"][0]
    out = write_layout(tmp_path / "p", index, store, tags=["v1"], platform_refs=True)
    assert layout_refs(out) == ["v1", "v1-linux-amd64", "v1-linux-arm64"]
    art, _ = read_layout(out, "v1-linux-arm64")
    assert isinstance(art, Image) and art.platform == Platform.parse("linux/arm64")


def test_read_layout_round_trip(tmp_path: Path, store: BlobStore) -> None:
    index = _index(tmp_path, store)
    out = write_layout(tmp_path / "out", index, store, tags=["v1"])
    art, reader = read_layout(out, "v1")
    assert isinstance(art, ImageIndex) and art.digest == index.digest
    assert [i.digest for i in art.images] == [i.digest for i in index.images]
    assert all(reader.verify(d.digest) for d in art.blobs())
    art2, _ = read_layout(out)  # the only image
    assert art2.digest == index.digest
    with pytest.raises(BadInputError, match="no image tagged"):
        read_layout(out, "v2")
    with pytest.raises(BadInputError, match="not an OCI image layout"):
        read_layout(tmp_path)


def test_existing_layout_is_replaced_atomically(tmp_path: Path, store: BlobStore) -> None:
    first = _image(tmp_path, store)
    target = write_layout(tmp_path / "out", first, store, tags=["a"])
    (target / "stale-marker").write_text("x")
    second = _index(tmp_path, store)
    write_layout(target, second, store, tags=["b"])
    assert layout_refs(target) == ["b"]
    assert not (target / "stale-marker").exists()
    assert _no_temp_dirs(tmp_path)
    # an empty directory is fine too
    empty = tmp_path / "empty"
    empty.mkdir()
    write_layout(empty, first, store)
    assert (empty / "oci-layout").is_file()


def test_refuses_to_clobber_other_things(tmp_path: Path, store: BlobStore) -> None:
    img = _image(tmp_path, store)
    src = tmp_path / "src"
    src.mkdir()
    (src / "main.go").write_text("package main")
    with pytest.raises(BadInputError, match="not an OCI image layout"):
        write_layout(src, img, store)
    assert (src / "main.go").read_text() == "package main"
    afile = tmp_path / "file"
    afile.write_text("x")
    with pytest.raises(BadInputError, match="not a directory"):
        write_layout(afile, img, store)


def test_unwritable_output_is_bad_input(tmp_path: Path, store: BlobStore) -> None:
    img = _image(tmp_path, store)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a directory should be")
    with pytest.raises(BadInputError, match="cannot create"):
        write_layout(blocker / "out", img, store)
    if os.geteuid() != 0:  # root ignores directory permissions; the case above covers it
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o555)
        with pytest.raises(BadInputError, match="not writable"):
            write_layout(ro / "out", img, store)


def test_missing_blob_leaves_nothing(tmp_path: Path, store: BlobStore) -> None:
    img = _image(tmp_path, store)
    store.path(img.layers[-1].digest).unlink()
    with pytest.raises(BadInputError, match="missing"):
        write_layout(tmp_path / "out", img, store, tags=["x"])
    assert not (tmp_path / "out").exists()
    assert _no_temp_dirs(tmp_path)
