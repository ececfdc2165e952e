"""cgo planning: refusal without a libc base, native-only with a base, tags re-check."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import go_binary, write_go_module

from goship.errors import ExitCode, ProjectError
from goship.gobuild.cgo import cgo_packages, plan_cgo
from goship.image.platform import Platform
from goship.project.facts import Needs, ProjectFacts

HOST = Platform.host()
OTHER = Platform("linux", "arm64") if HOST.architecture != "arm64" else Platform("linux", "amd64")


def _facts(root: Path, cgo: bool = True) -> ProjectFacts:
    pkgs = ["github.com/mattn/go-sqlite3"] if cgo else []
    return ProjectFacts(
        root=str(root), module="m", go_version="1.22", needs=Needs(cgo=cgo, cgo_packages=pkgs)
    )


def test_cgo_without_base_is_refused_with_package_and_options(tmp_path: Path) -> None:
    with pytest.raises(ProjectError) as exc:
        plan_cgo(_facts(tmp_path), mode="auto", base=None, platforms=[HOST], package=".", tags=())
    err = exc.value
    assert err.exit_code == ExitCode.BAD_INPUT
    assert "github.com/mattn/go-sqlite3" in err.message
    assert "needs cgo" in err.message
    hint = err.hint or ""
    assert "--base" in hint and "modernc.org/sqlite" in hint and "build tags" in hint


def test_no_cgo_needed_gives_static_plan(tmp_path: Path) -> None:
    plan = plan_cgo(
        _facts(tmp_path, cgo=False), mode="auto", base=None, platforms=[HOST], package=".", tags=()
    )
    assert not plan.enabled


def test_cgo_off_forces_static(tmp_path: Path) -> None:
    plan = plan_cgo(_facts(tmp_path), mode="off", base=None, platforms=[HOST], package=".", tags=())
    assert not plan.enabled


def test_cgo_with_base_is_native_only_unless_cross_cc(tmp_path: Path) -> None:
    facts = _facts(tmp_path)
    plan = plan_cgo(
        facts, mode="auto", base="b.tar", platforms=[HOST], package=".", tags=(), environ={}
    )
    assert plan.enabled and plan.packages == ("github.com/mattn/go-sqlite3",)
    with pytest.raises(ProjectError, match=f"CC_linux_{OTHER.architecture}"):
        plan_cgo(
            facts,
            mode="auto",
            base="b.tar",
            platforms=[HOST, OTHER],
            package=".",
            tags=(),
            environ={},
        )
    cross = plan_cgo(
        facts,
        mode="auto",
        base="b.tar",
        platforms=[HOST, OTHER],
        package=".",
        tags=(),
        environ={f"CC_linux_{OTHER.architecture}": "cross-gcc"},
    )
    assert cross.compilers == {OTHER: "cross-gcc"}


CGO_WITH_FALLBACK = {
    "main.go": 'package main\n\nimport "m/db"\n\nfunc main() { db.Open() }\n',
    "db/cgo.go": '//go:build !purego\n\npackage db\n\n// int one() { return 1; }\nimport "C"\n\n'
    "func Open() int { return int(C.one()) }\n",
    "db/pure.go": "//go:build purego\n\npackage db\n\nfunc Open() int { return 1 }\n",
}


def test_build_tags_that_disable_cgo_are_rechecked(tmp_path: Path) -> None:
    go_binary()
    root = write_go_module(tmp_path, CGO_WITH_FALLBACK, module="m")
    assert cgo_packages(root, ".", (), HOST) == ("m/db",)
    facts = ProjectFacts(
        root=str(root), module="m", go_version="1.22", needs=Needs(cgo=True, cgo_packages=["m/db"])
    )
    with pytest.raises(ProjectError, match="m/db"):
        plan_cgo(facts, mode="auto", base=None, platforms=[HOST], package=".", tags=("x",))
    plan = plan_cgo(facts, mode="auto", base=None, platforms=[HOST], package=".", tags=("purego",))
    assert not plan.enabled
