"""The binary cache: hits on unchanged source, misses on any source or embedded-file change."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import go_binary, write_go_module

from goship.gobuild.cgo import CgoPlan
from goship.gobuild.compile import CompileRequest, compile_all
from goship.gobuild.ldflags import StampValues, build_ldflags
from goship.gobuild.sourcehash import cacheable_root
from goship.image.platform import Platform

MAIN = """package main

import (
	_ "embed"
	"fmt"
)

//go:embed greeting.txt
var greeting string

func main() { fmt.Print(greeting + "/" + suffix) }
"""
HOST = Platform.host()


def _req(root: Path, out: Path, cache: Path) -> CompileRequest:
    go_binary()
    stamp = StampValues("1", "c", "c", "d", 0)
    return CompileRequest(
        root=root,
        package=".",
        name="app",
        platforms=(HOST,),
        tags=(),
        ldflags=build_ldflags((), "", stamp),
        cgo=CgoPlan(),
        out_dir=out,
        cache_dir=cache,
    )


def _run(binary: Path) -> str:
    return subprocess.run([str(binary)], capture_output=True, text=True, check=True).stdout


def test_cache_hits_and_invalidates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOSHIP_NO_BUILD_CACHE", raising=False)
    root = write_go_module(
        tmp_path / "src",
        {
            "main.go": MAIN,
            "greeting.txt": "hello",
            "suffix.go": 'package main\n\nconst suffix = "a"\n',
        },
        module="example.com/app",
    )
    cache = tmp_path / "cache"
    req = _req(root, tmp_path / "out", cache)
    first = compile_all(req)[0]
    assert _run(first.path) == "hello/a"
    entries = list(cache.rglob("*"))
    assert any(p.is_file() for p in entries)
    # a hit: no new cache entry, same bytes
    again = compile_all(replace(req, out_dir=tmp_path / "out2"))[0]
    assert again.sha256 == first.sha256 and list(cache.rglob("*")) == entries
    (root / "greeting.txt").write_text("bye")
    assert _run(compile_all(replace(req, out_dir=tmp_path / "out3"))[0].path) == "bye/a"
    (root / "suffix.go").write_text('package main\n\nconst suffix = "b"\n')
    assert _run(compile_all(replace(req, out_dir=tmp_path / "out4"))[0].path) == "bye/b"
    other_flags = replace(req, out_dir=tmp_path / "out5", ldflags=req.ldflags + " -X main.x=1")
    assert compile_all(other_flags)[0].path.is_file()
    assert len([p for p in cache.rglob("*") if p.is_file()]) == 4


def test_trees_outside_replace_are_not_cacheable(tmp_path: Path) -> None:
    inside = write_go_module(tmp_path / "a", {"main.go": "package main\n"})
    assert cacheable_root(inside)
    (inside / "go.mod").write_text(
        "module example.com/app\n\ngo 1.22\n\nreplace example.com/lib => ../lib\n"
    )
    assert not cacheable_root(inside)
    (inside / "go.mod").write_text(
        "module example.com/app\n\ngo 1.22\n\nreplace example.com/lib => ./third_party/lib\n"
    )
    assert cacheable_root(inside)
