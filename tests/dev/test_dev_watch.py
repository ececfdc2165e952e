"""What goship dev watches and what each change asks for (filter, classify, merge)."""

from __future__ import annotations

from pathlib import Path

import pytest

from goship.dev.settings import watch_spec
from goship.dev.watch import (
    Action,
    DevFilter,
    Pending,
    WatchSpec,
    classify,
    describe,
    is_code_error,
)
from goship.project.facts import Evidence, Needs, ProjectFacts


def _spec(root: Path, **kw: object) -> WatchSpec:
    base: dict[str, object] = {
        "root": root,
        "runtime": (root / "templates", root / "config.yaml"),
        "embedded": (root / "web" / "dist",),
        "env_files": (root / ".env",),
        "ignored": (root / "bin",),
    }
    base.update(kw)
    return WatchSpec(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rel", "accepted"),
    [
        ("main.go", True),
        ("vendor/github.com/x/y/y.go", True),  # vendor is part of the build
        ("templates/index.html", True),
        (".git/index", False),
        (".git/objects/ab/cdef", False),
        ("node_modules/pkg/index.js", False),
        ("tmp/main", False),
        ("bin/app", False),  # the ignored output directory
        (".main.go.swp", False),
        ("main.go.swx", False),
        ("main.go~", False),
        (".#main.go", False),
        ("#main.go#", False),
        ("4913", False),  # vim's write probe
        ("handlers.go.___jb_tmp___", False),
        ("sub/.idea/workspace.xml", False),
    ],
)
def test_filter(tmp_path: Path, rel: str, accepted: bool) -> None:
    assert DevFilter(_spec(tmp_path))(object(), str(tmp_path / rel)) is accepted


@pytest.mark.parametrize(
    ("rel", "action"),
    [
        ("main.go", Action.REBUILD),
        ("internal/db/db.go", Action.REBUILD),
        ("vendor/example.com/lib/lib.go", Action.REBUILD),
        ("go.mod", Action.REBUILD),
        ("go.sum", Action.REBUILD),
        ("web/dist/app.js", Action.REBUILD),  # embedded: compiled in
        ("main_test.go", Action.NONE),  # tests are not in the binary
        ("testdata/fixture.go", Action.NONE),
        ("_tools/gen.go", Action.NONE),
        ("templates/index.html", Action.RESTART),
        ("templates/partials/nav.html", Action.RESTART),
        ("config.yaml", Action.RESTART),
        (".env", Action.RESTART),
        ("README.md", Action.NONE),
        ("static/app.js", Action.NONE),  # not named by the facts
    ],
)
def test_classify(tmp_path: Path, rel: str, action: Action) -> None:
    assert classify(tmp_path / rel, _spec(tmp_path)) is action


def test_runtime_changes_ignored_when_restart_disabled(tmp_path: Path) -> None:
    spec = _spec(tmp_path, restart_on_runtime=False)
    assert classify(tmp_path / "templates/index.html", spec) is Action.NONE
    assert classify(tmp_path / ".env", spec) is Action.RESTART  # env reload still restarts
    assert classify(tmp_path / "main.go", spec) is Action.REBUILD


def test_pending_merges_to_the_costliest_action_and_resets(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    pending = Pending()
    assert not pending
    pending.add([str(tmp_path / "README.md")], spec)
    assert not pending  # nothing relevant
    pending.add([str(tmp_path / "templates/a.html")], spec)
    assert pending.action is Action.RESTART
    pending.add([str(tmp_path / "main.go"), str(tmp_path / ".env")], spec)
    taken = pending.take()
    assert taken.action is Action.REBUILD and taken.env_changed
    assert taken.paths == {str(tmp_path / p) for p in ("templates/a.html", "main.go", ".env")}
    assert not pending and not pending.paths and not pending.env_changed


def test_describe_is_relative_and_bounded(tmp_path: Path) -> None:
    paths = [str(tmp_path / n) for n in ("d.go", "a.go", "c.go", "b.go")]
    assert describe(paths, tmp_path) == "a.go, b.go, c.go (+1 more)"  # none exist: all shown
    (tmp_path / "b.go").write_text("package main\n")
    assert describe([*paths, str(tmp_path / "sed1x2")], tmp_path) == "b.go"  # gone temp files


def test_roots_add_paths_outside_the_module(tmp_path: Path) -> None:
    outside = tmp_path / "shared.env"
    outside.write_text("A=1\n")
    root = tmp_path / "svc"
    spec = WatchSpec(root=root, env_files=(outside,), runtime=(root / "templates",))
    assert spec.roots() == [root, outside]


def test_watch_spec_from_facts_resolves_embed_patterns_per_package(tmp_path: Path) -> None:
    facts = ProjectFacts(
        root=str(tmp_path),
        module="example.com/app",
        go_version="1.22",
        needs=Needs(runtime_files=["templates/*", "config/app.yaml", "."], embedded=["dist/*"]),
        evidence=[
            Evidence("embed", "cmd/web/main.go", 12, "//go:embed dist/* all:assets"),
            Evidence("runtime_file", "main.go", 3, "templates/*: LoadHTMLGlob"),
        ],
    )
    spec = watch_spec(facts, tmp_path, tmp_path / ".env", extra=["extra.toml"])
    root = tmp_path.resolve()
    assert spec.runtime == (root / "templates", root / "config/app.yaml", root / "extra.toml")
    assert spec.embedded == (root / "cmd/web/dist", root / "cmd/web/assets")
    assert classify(root / "cmd/web/dist/app.js", spec) is Action.REBUILD
    assert classify(root / "templates/x.html", spec) is Action.RESTART
    assert classify(root / "notes.txt", spec) is Action.NONE  # "." must not watch everything


def test_is_code_error_tells_fixable_source_errors_from_layout_errors() -> None:
    assert is_code_error("main.go does not parse:\n  main.go:3:1: expected ')'")
    assert is_code_error("package example.com/x does not compile:\n  ./a.go:1:1: ...")
    assert not is_code_error("no go.mod in /tmp/x or its parents")
    assert not is_code_error("no main package under /tmp/x")


def test_a_save_before_the_watcher_starts_is_not_lost(tmp_path: Path) -> None:
    """`goship dev` prints "waiting for a change" and then starts watching: a fix saved in
    between (an editor, or a test, reacting to the message) must still wake it up."""
    import threading

    from goship.dev.watch import source_snapshot, wait_for_source_change

    (tmp_path / "go.mod").write_text("module x\n\ngo 1.22\n")
    main = tmp_path / "main.go"
    main.write_text("package main\n\nfunc broken( {\n")
    (tmp_path / "notes.txt").write_text("not a source\n")
    before = source_snapshot(tmp_path)
    assert set(before) == {str(tmp_path / "go.mod"), str(main)}
    main.write_text("package main\n\nfunc main() {}\n")  # saved before the watcher runs
    stop = threading.Event()
    timer = threading.Timer(20, stop.set)  # a lost save would block until this fires
    timer.start()
    try:
        assert wait_for_source_change(tmp_path, stop, since=before) is True
        assert not stop.is_set()
    finally:
        timer.cancel()
    (tmp_path / "notes.txt").write_text("still not a source\n")
    stop.set()
    assert wait_for_source_change(tmp_path, stop, since=source_snapshot(tmp_path)) is False
