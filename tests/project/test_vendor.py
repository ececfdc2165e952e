"""A module with a large vendor/ tree: go list runs in vendor mode and only the project's
own packages are parsed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from project_helpers import write_tree

from goship.project import analyze
from goship.project.analyze import inspect_project

N_VENDORED = 300
N_OWN = 40


def big_vendored_module(root: Path) -> Path:
    files: dict[str, str] = {
        "go.mod": "module example.com/big\n\ngo 1.22\n\nrequire example.com/dep v1.0.0\n",
    }
    txt = ["# example.com/dep v1.0.0", "## explicit; go 1.22"]
    for i in range(N_VENDORED):
        nxt = f'import _ "example.com/dep/p{i + 1}"\n' if i + 1 < N_VENDORED else ""
        files[f"vendor/example.com/dep/p{i}/p.go"] = (
            f'package p{i}\n{nxt}import "os"\n'
            f'func Get() string {{ return os.Getenv("VENDORED_{i}") }}\n'
        )
        txt.append(f"example.com/dep/p{i}")
    files["vendor/modules.txt"] = "\n".join(txt) + "\n"
    imports = "".join(f'\t_ "example.com/big/internal/pkg{i}"\n' for i in range(N_OWN))
    for i in range(N_OWN):
        files[f"internal/pkg{i}/pkg.go"] = f"package pkg{i}\n\nfunc V() int {{ return {i} }}\n"
    files["cmd/server/main.go"] = (
        'package main\n\nimport (\n\t"net/http"\n\t"os"\n\n\t_ "example.com/dep/p0"\n'
        + imports
        + ')\n\nfunc main() {\n\taddr := os.Getenv("LISTEN_ADDR")\n\tif addr == "" {\n'
        '\t\taddr = ":8443"\n\t}\n\thttp.ListenAndServe(addr, nil)\n}\n'
    )
    return write_tree(root, files)


def test_vendored_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = big_vendored_module(tmp_path / "big")
    parsed: list[str] = []
    real = analyze.parse_file

    def counting(path: Path, rel: str, *a: object, **kw: object) -> object:
        parsed.append(rel)
        return real(path, rel, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(analyze, "parse_file", counting)
    start = time.monotonic()
    facts = inspect_project(root, compile_check=False)
    elapsed = time.monotonic() - start
    assert facts.service.main == "example.com/big/cmd/server"
    assert (facts.service.port, facts.service.port_env) == (8443, "LISTEN_ADDR")
    assert [e.name for e in facts.env] == ["LISTEN_ADDR"]  # vendored getenv calls not reported
    assert not any(p.startswith("vendor/") for p in parsed)
    assert len(parsed) == N_OWN + 1
    print(f"vendored tree: {N_VENDORED} vendored + {N_OWN + 1} own packages in {elapsed:.2f}s")
