"""The pipeline in process: speculative compile with stale facts is discarded when the
facts changed; cached facts and binaries give the same digest."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import go_binary, write_go_module

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
