"""The deterministic layer writer: byte-stable output, tar headers, gzip header, the cache."""

from __future__ import annotations

import gzip
import hashlib
import os
import random
import tarfile
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from image_helpers import layer_members, members_by_name

from goship.errors import BadInputError
from goship.image.blobs import BlobStore
from goship.image.model import OCI_LAYER_GZIP
from goship.image.tarlayer import Entry, build_layer, normalize_path, plan_entries


def _entries(src: Path) -> list[Entry]:
    return [
        Entry.file("/etc/app.conf", "key = 1\n", 0o640),
        Entry.from_disk("/app/server", src, 0o755),
        Entry.symlink("/usr/bin/server", "/app/server"),
        Entry.dir("/data", 0o700, 65532, 65532),
    ]


def test_same_inputs_give_identical_blobs(tmp_path: Path) -> None:
    src = tmp_path / "bin"
    src.write_bytes(os.urandom(300_000))
    a = build_layer(_entries(src), BlobStore(tmp_path / "a"), epoch=1_700_000_000)
    b = build_layer(_entries(src), BlobStore(tmp_path / "b"), epoch=1_700_000_000)
    assert a.digest == b.digest
    assert a.diff_id == b.diff_id
    assert a.size == b.size
    assert (tmp_path / "a/blobs/sha256" / a.digest[7:]).read_bytes() == (
        tmp_path / "b/blobs/sha256" / b.digest[7:]
    ).read_bytes()


def test_entry_order_and_file_metadata_do_not_matter(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.write_bytes(b"payload")
    os.utime(one, (1, 1))
    two.write_bytes(b"payload")
    two.chmod(0o600)  # disk mode must not leak: the entry's mode is explicit
    os.utime(two, (2_000_000_000, 2_000_000_000))
    store = BlobStore(tmp_path / "s")
    a = build_layer(_entries(one), store, epoch=5, use_cache=False)
    b = build_layer(list(reversed(_entries(two))), store, epoch=5, use_cache=False)
    assert a.digest == b.digest


def test_epoch_and_content_change_the_digest(tmp_path: Path, store: BlobStore) -> None:
    src = tmp_path / "bin"
    src.write_bytes(b"v1")
    base = build_layer(_entries(src), store, epoch=0)
    assert build_layer(_entries(src), store, epoch=1).digest != base.digest
    src.write_bytes(b"v2")
    assert build_layer(_entries(src), store, epoch=0).digest != base.digest


def test_tar_headers_are_normalised(tmp_path: Path, store: BlobStore) -> None:
    src = tmp_path / "bin"
    src.write_bytes(b"\x7fELF binary")
    layer = build_layer(_entries(src), store, epoch=1_234_567)
    members = layer_members(store, layer)
    names = [info.name for info, _ in members]
    # parents present, sorted, relative names, no duplicates
    assert names == sorted(names)
    assert names == [
        "app", "app/server", "data", "etc", "etc/app.conf", "usr", "usr/bin", "usr/bin/server",
    ]  # fmt: skip
    for info, _ in members:
        assert info.mtime == 1_234_567
        assert info.uname == "" and info.gname == ""
        assert not info.pax_headers
    got = {info.name: info for info, _ in members}
    assert got["app"].isdir() and got["app"].mode == 0o755 and got["app"].uid == 0
    assert got["app/server"].mode == 0o755 and got["app/server"].isfile()
    assert (got["data"].mode, got["data"].uid, got["data"].gid) == (0o700, 65532, 65532)
    assert got["etc/app.conf"].mode == 0o640
    assert got["usr/bin/server"].issym() and got["usr/bin/server"].linkname == "/app/server"
    data = members_by_name(store, layer)
    assert data["app/server"][1] == b"\x7fELF binary"
    assert data["etc/app.conf"][1] == b"key = 1\n"
    assert layer.files == ("/app/server", "/etc/app.conf", "/usr/bin/server")


def test_tar_is_posix_ustar(tmp_path: Path, store: BlobStore) -> None:
    layer = build_layer([Entry.file("/a", "x")], store, epoch=0)
    raw = gzip.decompress(store.read_bytes(layer.digest))
    assert raw[257:265] == b"ustar\x0000"  # POSIX magic + version, not GNU "ustar  \0"
    assert len(raw) % 10240 == 0  # padded to whole records
    assert "sha256:" + hashlib.sha256(raw).hexdigest() == layer.diff_id
    assert layer.uncompressed_size == len(raw)


def test_long_and_unicode_paths_use_pax_records(store: BlobStore) -> None:
    long_path = "/srv/" + "/".join(["deeply-nested-directory"] * 8) + "/file.txt"
    layer = build_layer(
        [Entry.file(long_path, "x"), Entry.file("/srv/café.txt", "y")], store, epoch=0
    )
    names = {info.name for info, _ in layer_members(store, layer)}
    assert long_path.lstrip("/") in names
    assert "srv/café.txt" in names


def test_gzip_header_has_no_name_and_zero_mtime(store: BlobStore) -> None:
    layer = build_layer([Entry.file("/a", "x")], store, epoch=99)
    blob = store.read_bytes(layer.digest)
    assert blob[:3] == b"\x1f\x8b\x08"
    assert blob[3] == 0  # FLG: no FNAME, no FCOMMENT, no FEXTRA
    assert blob[4:8] == b"\0\0\0\0"  # MTIME 0
    assert layer.descriptor.media_type == OCI_LAYER_GZIP
    assert "sha256:" + hashlib.sha256(blob).hexdigest() == layer.digest


def test_layer_cache_reuses_blob_and_keeps_history(tmp_path: Path, store: BlobStore) -> None:
    src = tmp_path / "bin"
    src.write_bytes(b"abc" * 1000)
    first = build_layer(_entries(src), store, epoch=0, comment="one")
    records = list((store.root / "layers").glob("*.json"))
    assert len(records) == 1
    second = build_layer(_entries(src), store, epoch=0, comment="two")
    assert second.digest == first.digest and second.comment == "two"
    # a deleted blob is not served from the cache: it is rebuilt
    store.path(first.digest).unlink()
    third = build_layer(_entries(src), store, epoch=0)
    assert third.digest == first.digest and store.has(third.digest)


def test_big_file_is_streamed(tmp_path: Path, store: BlobStore) -> None:
    big = tmp_path / "big"
    with big.open("wb") as fh:
        block = os.urandom(1 << 20)
        for i in range(32):
            fh.write(block[i:] + block[:i])
    tracemalloc.start()
    try:
        layer = build_layer([Entry.from_disk("/app/big", big, 0o755)], store, epoch=0, level=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # a few 1 MiB pieces per gzip thread (goship.image.pgzip), never the whole file
    assert peak < 16 << 20, f"building a 32 MiB layer held {peak >> 20} MiB at once"
    assert layer.uncompressed_size is not None and layer.uncompressed_size > 32 << 20
    with tarfile.open(store.path(layer.digest), "r:gz") as tar:
        fh = tar.extractfile("app/big")
        assert fh is not None
        digest = hashlib.sha256()
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(big.read_bytes()).hexdigest()
    assert not list((store.root / "tmp").iterdir())


@pytest.mark.parametrize("path", ["", "/", "..", "/a/../../etc", "a\\b", "a\x00b"])
def test_bad_paths_are_rejected(path: str) -> None:
    with pytest.raises(BadInputError):
        normalize_path(path)


def test_conflicting_entries_are_rejected() -> None:
    with pytest.raises(BadInputError, match="two different entries"):
        plan_entries([Entry.file("/a", "x"), Entry.file("/a", "y")])
    with pytest.raises(BadInputError, match="needs it to be a directory"):
        plan_entries([Entry.file("/a", "x"), Entry.file("/a/b", "y")])
    # identical duplicates are fine
    assert len(plan_entries([Entry.dir("/d"), Entry.dir("/d")])) == 1


def test_missing_parents_inherit_lower_layer_directories() -> None:
    lower = {"/home/nonroot": Entry.dir("/home/nonroot", 0o700, 65532, 65532)}
    plan = plan_entries([Entry.file("/home/nonroot/app/x", "1")], lower)
    by_path = {e.path: e for e in plan}
    assert by_path["/home/nonroot"].uid == 65532 and by_path["/home/nonroot"].mode == 0o700
    assert by_path["/home"].mode == 0o755 and by_path["/home"].uid == 0


def test_bad_epoch_and_level(store: BlobStore) -> None:
    with pytest.raises(BadInputError):
        build_layer([Entry.file("/a", "x")], store, epoch=-1)
    with pytest.raises(BadInputError):
        build_layer([Entry.file("/a", "x")], store, epoch=0, level=0)


def test_unreadable_source_is_bad_input(tmp_path: Path, store: BlobStore) -> None:
    with pytest.raises(BadInputError, match="cannot read"):
        build_layer([Entry.from_disk("/a", tmp_path / "missing")], store, epoch=0)
    assert not list((store.root / "tmp").iterdir())


def test_a_source_changed_after_its_recipe_was_hashed_is_bad_input(
    tmp_path: Path, store: BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from goship.image import tarlayer

    src = tmp_path / "big"
    src.write_bytes(os.urandom(3 * (1 << 20) + 5))
    real = tarlayer._hash_source

    def hash_then_change(source: Path) -> str:  # the file changes right after it is hashed
        digest = real(source)
        source.write_bytes(os.urandom(3 * (1 << 20) + 5))
        return digest

    monkeypatch.setattr(tarlayer, "_hash_source", hash_then_change)
    with pytest.raises(BadInputError, match="changed while the image was being built"):
        build_layer([Entry.from_disk("/a", src)], store, epoch=0)
    assert not list((store.root / "tmp").iterdir())
    assert not list(store.blob_dir.iterdir())


def test_a_file_keyed_by_identity_is_hashed_while_written(tmp_path: Path, store: BlobStore) -> None:
    src = tmp_path / "bin"
    src.write_bytes(os.urandom((1 << 20) + 777))
    seen: list[str] = []
    entry = Entry.from_disk("/app/server", src, 0o555, identity="go-binary:k1", hashed=seen.append)
    build_layer([entry], store, epoch=0)
    assert seen == [hashlib.sha256(src.read_bytes()).hexdigest()]
    known = Entry.from_disk(
        "/app/server", src, 0o555, sha256=seen[0], identity="go-binary:k2", hashed=seen.append
    )
    build_layer([known], store, epoch=0)
    assert len(seen) == 1  # a known hash is not taken again


_names = st.text(alphabet="abcxyz-_.", min_size=1, max_size=6).filter(
    lambda s: s not in {".", ".."}
)


@settings(max_examples=30, deadline=None)
@given(
    files=st.dictionaries(
        st.lists(_names, min_size=1, max_size=3).map(lambda parts: "/" + "/".join(parts)),
        st.binary(max_size=64),
        min_size=1,
        max_size=8,
    ),
    seed=st.randoms(use_true_random=False),
)
def test_any_entry_order_gives_the_same_layer(
    files: dict[str, bytes], seed: random.Random, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # drop paths that are a prefix directory of another (a file cannot also be a directory)
    paths = [p for p in files if not any(q.startswith(p + "/") for q in files)]
    entries = [Entry.file(p, files[p]) for p in paths]
    shuffled = entries[:]
    seed.shuffle(shuffled)
    store = BlobStore(tmp_path_factory.mktemp("prop"))
    a = build_layer(entries, store, epoch=3, use_cache=False)
    b = build_layer(shuffled, store, epoch=3, use_cache=False)
    assert a.digest == b.digest
    assert set(a.files) == set(paths)
