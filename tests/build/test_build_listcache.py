"""The `go list` cache of `goship build`: keyed on file headers, file names and go.mod/go.sum,
so an in-body edit reuses the package graph and an import, file or dependency change does not;
and the facts after each change are the facts of a fresh analysis."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import go_binary, write_go_module

from goship.project import golist
from goship.project.analyze import inspect_project
from goship.project.listcache import go_header, listing_key

MAIN = (
    "//go:build linux\n\n/* func in a comment */\npackage main\n\n"
    'import (\n\t"fmt"\n\t"net/http"\n)\n\n'
    "func main() {\n\tfmt.Println(1)\n"
    '\thttp.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {})\n'
    '\t_ = http.ListenAndServe(":8080", nil)\n}\n'
)
ARGS = ["list", "-e", "-json", "-deps", "./..."]


def test_header_stops_at_the_first_declaration_not_inside_comments() -> None:
    head = go_header(MAIN.encode())
    assert b'"net/http"' in head and b"/* func in a comment */" in head
    assert b"fmt.Println" not in head
    body_edit = MAIN.replace("Println(1)", "Println(2)")
    assert go_header(body_edit.encode()) == head
    embed = MAIN + "\n//go:embed static\nvar files string\n"
    assert go_header(embed.encode()) != head
    assert go_header(b"package x\n") == b"package x\n\0"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    go_binary()
    return write_go_module(tmp_path / "svc", {"main.go": MAIN}, module="example.com/svc")


def test_key_changes_exactly_when_go_list_could_change(project: Path) -> None:
    main = project / "main.go"
    key = listing_key(project, ARGS, {})
    assert key is not None and listing_key(project, ARGS, {}) == key
    main.write_text(MAIN.replace("Println(1)", "Println(2)"))  # body edit
    assert listing_key(project, ARGS, {}) == key
    main.write_text(MAIN.replace('"fmt"\n', '"fmt"\n\t"os"\n'))  # new import
    assert listing_key(project, ARGS, {}) != key
    main.write_text(MAIN)
    (project / "extra.go").write_text("package main\n")  # new file
    assert listing_key(project, ARGS, {}) != key
    (project / "extra.go").unlink()
    assert listing_key(project, ARGS, {}) == key
    (project / "go.sum").write_text("")  # dependency pins
    assert listing_key(project, ARGS, {}) != key
    (project / "go.sum").unlink()
    assert listing_key(project, ARGS, {"CGO_ENABLED": "1"}) != key
    assert listing_key(project, [*ARGS, "-tags=x"], {}) != key


def test_cached_listing_is_reused_and_facts_follow_the_source(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOSHIP_NO_FACT_CACHE", raising=False)
    cache = tmp_path / "golist"
    runs: list[list[str]] = []
    real = golist.run_go

    def counting(args, cwd, env=None, timeout=600):  # type: ignore[no-untyped-def]
        if args[0] == "list":
            runs.append(list(args))
        return real(args, cwd, env, timeout)

    monkeypatch.setattr(golist, "run_go", counting)

    def facts() -> dict:
        return inspect_project(project, compile_check=False, list_cache=cache).to_json()

    first = facts()
    assert len(runs) == 1 and list(cache.iterdir())
    main = project / "main.go"
    main.write_text(MAIN.replace(":8080", ":9090"))  # in-body edit: graph reused
    edited = facts()
    assert len(runs) == 1
    assert edited["service"]["port"] != first["service"]["port"]
    main.write_text(
        MAIN.replace('"fmt"\n', '"fmt"\n\t"crypto/tls"\n').replace(
            "fmt.Println(1)", "fmt.Println(1, tls.VersionTLS13)"
        )
    )  # new import: listed again, and the facts see it
    imported = facts()
    assert len(runs) == 2
    fresh = inspect_project(project, compile_check=False).to_json()
    assert imported == fresh
    (project / "util.go").write_text("package main\n\nfunc helper() int { return 1 }\n")
    assert facts() == inspect_project(project, compile_check=False).to_json()
    assert len(runs) == 5  # the new file made a new key; plus the two uncached analyses
