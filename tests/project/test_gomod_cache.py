"""The parsed go.mod / go.work is cached by content: a warm build starts no `go mod edit`."""

from __future__ import annotations

from pathlib import Path

import pytest

from goship.gobuild import toolchain
from goship.project import gomod
from goship.project.gomod import locate, read_gomod


@pytest.fixture
def go_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    real = toolchain.run_go

    def spy(args: list[str], *rest: object, **kw: object) -> toolchain.GoResult:
        calls.append(list(args))
        return real(args, *rest, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(gomod, "run_go", spy)
    return calls


def test_gomod_parse_is_cached_by_content(
    go_toolchain: str, tmp_path: Path, go_calls: list[list[str]]
) -> None:
    mod = tmp_path / "svc" / "go.mod"
    mod.parent.mkdir()
    mod.write_text("module example.com/a\n\ngo 1.22\n")
    cache = tmp_path / "cache"
    first = read_gomod(mod, cache)
    assert (first.module, first.go_version) == ("example.com/a", "1.22")
    assert len(go_calls) == 1 and len(list(cache.iterdir())) == 1
    assert read_gomod(mod, cache) == first
    assert len(go_calls) == 1  # answered from the cache
    mod.write_text("module example.com/b\n\ngo 1.23\n\nreplace example.com/x => ../x\n")
    second = read_gomod(mod, cache)
    assert (second.module, second.go_version) == ("example.com/b", "1.23")
    assert [r.new for r in second.replaces] == ["../x"]
    assert len(go_calls) == 2  # new content, parsed again
    read_gomod(mod)  # no cache directory: always parsed
    assert len(go_calls) == 3


def test_gomod_cache_off_and_errors_not_cached(
    go_toolchain: str,
    tmp_path: Path,
    go_calls: list[list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mod = tmp_path / "go.mod"
    mod.write_text("module example.com/a\n\ngo 1.22\n")
    cache = tmp_path / "cache"
    (tmp_path / "main.go").write_text("package main\n\nfunc main() {}\n")
    monkeypatch.setenv("GOSHIP_NO_FACT_CACHE", "1")
    locate(tmp_path, cache)
    assert not cache.exists() and len(go_calls) == 1
    monkeypatch.delenv("GOSHIP_NO_FACT_CACHE")
    mod.write_text("module\n")  # does not parse
    for _ in range(2):
        with pytest.raises(gomod.ProjectError, match="does not parse"):
            read_gomod(mod, cache)
    assert len(go_calls) == 3 and not cache.exists()
