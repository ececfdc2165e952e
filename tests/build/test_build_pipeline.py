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
