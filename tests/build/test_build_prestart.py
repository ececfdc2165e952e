"""goship.build.prestart: the recorded `go build` started from the raw command line, before the
CLI is imported, and handed over only when it is exactly the build the pipeline runs."""

from __future__ import annotations

import marshal
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import go_binary, write_go_module

from goship.build import prestart
from goship.cli import run
from goship.gobuild import compile as gocompile
from goship.gobuild.toolchain import GoResult

SERVE = (
    'package main\n\nimport "net/http"\n\nfunc main() {\n'
    '\thttp.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {})\n'
    '\t_ = http.ListenAndServe(":8080", nil)\n}\n'
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    go_binary()
    for var in ("GOSHIP_NO_EARLY_COMPILE", "GOSHIP_NO_BUILD_CACHE", "SOURCE_DATE_EPOCH"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GOSHIP_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    yield write_go_module(tmp_path / "svc", {"main.go": SERVE}, module="example.com/svc")
    prestart._close_pending()


@pytest.fixture
def go_runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The `go build`s the pipeline ran itself (not taken from an early start)."""
    calls: list[list[str]] = []
    real = gocompile.run_go

    def spy(args: list[str], *rest: object, **kw: object) -> GoResult:
        calls.append(list(args))
        return real(args, *rest, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(gocompile, "run_go", spy)
    return calls


def edit(root: Path, port: int) -> None:
    (root / "main.go").write_text(SERVE.replace(":8080", f":{port}"))


def launch(argv: list[str]) -> tuple[prestart.Prestarted | None, int]:
    """What goship.launch does: prestart, then the CLI; returns the prestart and the code."""
    prestart.prestart(argv)
    started = prestart.pending()
    return started, run(argv)


def _record_file(argv: list[str]) -> Path:
    """Where the prestart record of ``goship ARGV`` run here lives."""
    return Path(prestart.record_path(argv[1:], os.getcwd(), prestart.cache_root()))


def _read_record(argv: list[str]) -> dict[str, Any]:
    return dict(marshal.loads(_record_file(argv).read_bytes()))


def _write_record(argv: list[str], data: dict[str, Any]) -> None:
    _record_file(argv).write_bytes(marshal.dumps(data))


def test_record_written_then_started_and_taken(project: Path, go_runs: list[list[str]]) -> None:
    argv = ["build", "svc", "--json"]
    first, code = launch(argv)
    assert code == 0 and first is not None and not first.found  # no record yet
    assert Path(first.record).is_file() and len(go_runs) == 1
    assert prestart.pending() is None  # the build took it

    unchanged, code = launch(argv)
    assert code == 0 and unchanged is not None and unchanged.found
    assert unchanged.jobs == [] and len(go_runs) == 1  # binary cache: nothing started

    edit(project, 8081)
    edited, code = launch(argv)
    assert code == 0 and edited is not None and edited.found
    assert len(go_runs) == 1  # the prestarted go build was taken, none run by the pipeline
    assert edited.jobs == [] and edited.workdir == ""  # handed over to the EarlyCompile
    assert not [
        p for p in Path(os.environ.get("TMPDIR", "/tmp")).glob(f"goship-early-{os.getpid()}-*")
    ]


@pytest.mark.parametrize(
    "change",
    ["flag", "env", "config", "cwd"],
)
def test_other_flags_env_config_or_cwd_start_nothing(
    project: Path, change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["build", str(project)]
    launch(argv)
    edit(project, 8083)
    if change == "flag":
        argv = [*argv, "--build-tags", "extra"]
    elif change == "env":
        monkeypatch.setenv("GOFLAGS", "-mod=mod")
    elif change == "config":
        (project / "goship.toml").write_text("[build]\nworkdir = '/srv'\n")
    else:
        monkeypatch.chdir(project)
    prestart.prestart(argv)
    started = prestart.take()
    assert started is not None and not started.found and started.jobs == []


@pytest.mark.parametrize(
    "argv",
    [[], ["inspect", "."], ["build", "--help"], ["build", "-h"], ["--version"], ["bu1ld", "x"]],
)
def test_non_build_argv_does_nothing(project: Path, argv: list[str]) -> None:
    prestart.prestart(argv)
    assert prestart.take() is None


@pytest.mark.parametrize("garbage", [b"", b"not marshal", marshal.dumps([1, 2]), None])
def test_garbage_record_or_argv_starts_nothing_and_the_build_still_works(
    project: Path, garbage: bytes | None, go_runs: list[list[str]]
) -> None:
    argv = ["build", "svc", "--no-such-flag"] if garbage is None else ["build", "svc"]
    if garbage is not None:
        launch(argv)
        _record_file(argv).write_bytes(garbage)
        edit(project, 8084)
    prestart.prestart(argv)
    started = prestart.pending()
    assert started is not None and started.jobs == []
    assert run(argv) == (2 if garbage is None else 0)
    if garbage is None:  # click refused the flag: the slot is left for the exit handler
        prestart._close_pending()
    else:
        assert go_runs


def test_handover_is_exact(project: Path, go_runs: list[list[str]]) -> None:
    """A record whose job differs from the real request (here: a build tag) is started but
    never taken: the pipeline compiles itself and the stray process is killed."""
    argv = ["build", "svc"]
    launch(argv)
    data = _read_record(argv)
    data["jobs"][0]["args"].insert(1, "-tags=stray")
    _write_record(argv, data)
    edit(project, 8085)
    prestart.prestart(argv)
    started = prestart.pending()
    assert started is not None and len(started.jobs) == 1
    proc = started.jobs[0].proc
    runs_before = len(go_runs)
    assert run(argv) == 0
    assert len(go_runs) == runs_before + 1  # compiled by the pipeline
    assert proc.returncode is not None or proc.lost  # killed and reaped
    assert started.jobs == []


def test_go_binary_must_match(project: Path) -> None:
    """A record naming another `go` is not used (here: Python, which would fail the build)."""
    argv = ["build", "svc"]
    launch(argv)
    data = _read_record(argv)
    data["go"] = sys.executable  # an executable, but not the go this process would run
    data["stamp"] = ""
    _write_record(argv, data)
    edit(project, 8086)
    prestart.prestart(argv)
    started = prestart.pending()
    assert started is not None and len(started.jobs) == 1
    proc = started.jobs[0].proc
    assert run(argv) == 0
    assert started.jobs == [] and proc.returncode is not None


def test_process_wait_exit_code_timeout_and_spawn_failure(tmp_path: Path) -> None:
    out = str(tmp_path / "log")
    env = {"PATH": os.environ.get("PATH", "")}
    proc = prestart.spawn(["/bin/sh", "-c", "echo hi; echo err >&2; exit 3"], "/", env, out)
    assert proc.wait(timeout=30) == 3 and proc.poll() == 3
    assert Path(out).read_text() == "hi\nerr\n"
    slow = prestart.spawn(["/bin/sh", "-c", "sleep 30"], str(tmp_path), env, out)
    with pytest.raises(TimeoutError):
        slow.wait(timeout=0.05)
    slow.kill()
    assert slow.wait() == -9
    cwd = prestart.spawn(["/bin/sh", "-c", "pwd; echo $X"], str(tmp_path), {"X": "y"}, out)
    assert cwd.wait(timeout=30) == 0
    assert Path(out).read_text() == f"{tmp_path}\ny\n"
    with pytest.raises(OSError, match="cannot start"):
        prestart.spawn([str(tmp_path / "absent")], "/", env, out)
    with pytest.raises(OSError, match="cannot start"):
        prestart.spawn(["/bin/sh"], str(tmp_path / "no-dir"), env, out)


def test_tree_stamp_changes_with_content_and_skips_outputs(tmp_path: Path) -> None:
    root = write_go_module(tmp_path / "svc", {"main.go": SERVE})
    stamp = prestart.tree_stamp(str(root))
    assert prestart.tree_stamp(str(root)) == stamp
    (root / ".git").mkdir()
    (root / ".git" / "index").write_text("x")
    (root / "out").mkdir()
    (root / "out" / "oci-layout").write_text("{}")
    assert prestart.tree_stamp(str(root)) == stamp
    edit(root, 9000)
    assert prestart.tree_stamp(str(root)) != stamp


def test_popen_process_waits_like_process(tmp_path: Path) -> None:
    import subprocess

    from goship.build.early import PopenProcess

    proc = PopenProcess(subprocess.Popen(["/bin/sh", "-c", "exit 4"]))
    assert proc.wait(timeout=30) == 4 and proc.poll() == 4
    slow = PopenProcess(subprocess.Popen(["/bin/sh", "-c", "sleep 30"]))
    with pytest.raises(TimeoutError):
        slow.wait(timeout=0.05)
    slow.kill()
    assert slow.wait() == -9


def test_a_save_during_the_early_compile_is_built_not_cached_as_the_old_one(
    project: Path, go_runs: list[list[str]]
) -> None:
    """The tree changes after prestart started `go build` (a save while it compiles): that
    job is not handed over, the build compiles the tree as it is, and the binary cache does
    not file the old binary under the new tree."""
    argv = ["build", "svc", "--json"]
    launch(argv)
    edit(project, 8081)
    prestart.prestart(argv)
    started = prestart.pending()
    assert started is not None and len(started.jobs) == 1  # compiling the :8081 tree
    edit(project, 8082)  # saved while it compiles
    assert run(argv) == 0
    assert len(go_runs) == 2  # the pipeline compiled the :8082 tree itself
    cache = Path(os.environ["GOSHIP_CACHE"]) / "bin"
    binaries = [p for p in cache.rglob("*") if p.is_file() and p.suffix != ".sha256"]
    assert len(binaries) == 2  # :8080 and :8082; nothing built from :8081 was kept
    for binary in binaries:
        assert b":8081" not in binary.read_bytes()
