"""The pipeline in process: speculative compile with stale facts is discarded when the
facts changed; cached facts and binaries give the same digest."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import go_binary, write_go_module

from goship.build.early import start as start_early
from goship.build.pipeline import build
from goship.build.publish import OutputRequest
from goship.image.blobs import BlobStore

SERVE = (
    'package main\n\nimport "net/http"\n\nfunc main() {\n'
    '\thttp.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {})\n'
    '\t_ = http.ListenAndServe(":8080", nil)\n}\n'
)


def test_moved_main_package_is_rebuilt_not_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    go_binary()
    monkeypatch.delenv("GOSHIP_NO_FACT_CACHE", raising=False)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    root = write_go_module(tmp_path / "svc", {"main.go": SERVE}, module="example.com/svc")
    store = BlobStore(tmp_path / "cache" / "store")
    first = build(root, {}, OutputRequest(), store=store)
    assert first.name == "svc"
    (root / "main.go").unlink()
    write_go_module(root, {"cmd/api/main.go": SERVE, "go.mod": (root / "go.mod").read_text()})
    second = build(root, {}, OutputRequest(), store=store)
    assert second.name == "api"
    assert second.to_json()["layers"][-1]["files"] == ["/app/api"]
    third = build(root, {}, OutputRequest(), store=store)
    assert third.digest == second.digest


def test_early_compile_is_taken_only_when_it_is_the_same_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    go_binary()
    monkeypatch.delenv("GOSHIP_NO_EARLY_COMPILE", raising=False)
    monkeypatch.delenv("GOSHIP_NO_BUILD_CACHE", raising=False)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    root = write_go_module(tmp_path / "svc", {"main.go": SERVE}, module="example.com/svc")
    store = BlobStore(tmp_path / "cache" / "store")
    cache = store.root.parent
    first = build(root, {}, OutputRequest(), store=store)
    assert start_early(root, {}, cache) is None  # unchanged: the binary cache has it
    (root / "main.go").write_text(SERVE.replace(":8080", ":8081"))
    assert start_early(root, {"build_tags": ("other",)}, cache) is None  # no record
    early = start_early(root, {}, cache)
    assert early is not None and len(early.jobs) == 1
    second = build(root, {}, OutputRequest(), store=store, early=early)
    assert not early.jobs and not early.workdir.exists()  # taken, then cleaned up
    assert second.binaries[0].sha256 != first.binaries[0].sha256
    monkeypatch.setenv("GOSHIP_NO_EARLY_COMPILE", "1")
    fresh = build(root, {}, OutputRequest(), store=BlobStore(tmp_path / "other" / "store"))
    assert fresh.digest == second.digest


def test_early_compiles_of_two_platforms_are_both_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    go_binary()
    monkeypatch.delenv("GOSHIP_NO_EARLY_COMPILE", raising=False)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    root = write_go_module(tmp_path / "svc", {"main.go": SERVE}, module="example.com/svc")
    store = BlobStore(tmp_path / "cache" / "store")
    flags = {"platforms": ("linux/amd64,linux/arm64",)}
    build(root, flags, OutputRequest(), store=store)
    (root / "main.go").write_text(SERVE.replace(":8080", ":8082"))
    early = start_early(root, flags, store.root.parent)
    assert early is not None and len(early.jobs) == 2
    result = build(root, flags, OutputRequest(), store=store, early=early)
    assert not early.jobs
    assert sorted(str(b.platform) for b in result.binaries) == ["linux/amd64", "linux/arm64"]


def test_a_new_binary_is_read_once_and_its_hash_is_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh binary is hashed while its layer is written (no pass of its own); an unchanged
    rebuild takes binary, hash and layer from the caches without reading the binary at all.
    The reported sha256 is the binary's in both cases."""
    import hashlib

    from goship.gobuild import compile as compile_module

    go_binary()
    monkeypatch.delenv("GOSHIP_NO_BUILD_CACHE", raising=False)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    root = write_go_module(tmp_path / "svc", {"main.go": SERVE}, module="example.com/svc")
    store = BlobStore(tmp_path / "cache" / "store")

    def no_hash_pass(path: Path) -> str:
        raise AssertionError(f"{path} was hashed in a pass of its own")

    real_file_sha256 = compile_module.file_sha256
    monkeypatch.setattr(compile_module, "file_sha256", no_hash_pass)
    first = build(root, {}, OutputRequest(), store=store)
    bin_cache = store.root.parent / "bin"
    (cached,) = [p for p in bin_cache.rglob("*") if p.is_file() and p.suffix != ".sha256"]
    digest = hashlib.sha256(cached.read_bytes()).hexdigest()
    assert first.binaries[0].sha256 == digest
    assert first.to_json()["binaries"][0]["sha256"] == digest
    sidecars = list(bin_cache.rglob("*.sha256"))
    assert [p.read_text().strip() for p in sidecars] == [digest]

    second = build(root, {}, OutputRequest(), store=store)  # unchanged: caches only
    assert second.digest == first.digest
    assert second.binaries[0].sha256 == digest

    # a layer cached without its hash recorded: the binary is read then
    monkeypatch.setattr(compile_module, "file_sha256", real_file_sha256)
    for sidecar in sidecars:
        sidecar.unlink()
    third = build(root, {}, OutputRequest(), store=store)
    assert third.digest == first.digest and third.to_json()["binaries"][0]["sha256"] == digest
    assert [p.read_text().strip() for p in bin_cache.rglob("*.sha256")] == [digest]


def test_a_build_without_hash_binaries_never_hashes_the_binary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``goship build`` without ``--json`` needs no binary sha256: its layer is written without
    hashing the file (no pass of its own, no hash while the layer is written), the image is
    the same, and the JSON says null rather than a stale or made-up value."""
    from goship.gobuild import compile as compile_module
    from goship.image import tarlayer

    go_binary()
    monkeypatch.delenv("GOSHIP_NO_BUILD_CACHE", raising=False)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    root = write_go_module(tmp_path / "svc", {"main.go": SERVE}, module="example.com/svc")

    def no_hash_pass(path: Path) -> str:
        raise AssertionError(f"{path} was hashed")

    observed: list[str] = []
    real_write_tar = tarlayer.write_tar

    def spy(plan: list[tarlayer.Entry], *args: object, **kwargs: object) -> None:
        observed.extend(e.path for e in plan if e.hashed is not None)
        real_write_tar(plan, *args, **kwargs)

    monkeypatch.setattr(compile_module, "file_sha256", no_hash_pass)
    monkeypatch.setattr(tarlayer, "write_tar", spy)
    quiet = build(
        root, {}, OutputRequest(), store=BlobStore(tmp_path / "a" / "store"), hash_binaries=False
    )
    assert observed == []
    assert quiet.to_json()["binaries"][0]["sha256"] is None
    assert not list((tmp_path / "a" / "bin").rglob("*.sha256"))

    hashed = build(root, {}, OutputRequest(), store=BlobStore(tmp_path / "b" / "store"))
    assert len(observed) == 1  # the default learns it while the layer is written
    assert hashed.digest == quiet.digest
    assert len(hashed.to_json()["binaries"][0]["sha256"]) == 64
