"""The dev loop's state machine with a fake builder: the "binaries" are shell scripts, so the
real process handling (process groups, signals, grace period) runs without Go."""

from __future__ import annotations

import hashlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from goship.dev import events as ev
from goship.dev.build import BuildPlan, BuildResult
from goship.dev.loop import DevLoop
from goship.dev.process import pid_alive
from goship.dev.settings import DevSettings
from goship.dev.watch import WatchSpec
from goship.errors import EnvironmentMissingError

SCRIPT = """#!/bin/sh
echo "$$ start {version} $GREETING" >> {log}
trap 'echo "$$ TERM" >> {log}; exit 0' TERM
trap 'echo "$$ INT" >> {log}; exit 0' INT
{extra}
while :; do sleep 0.05; done
"""


class FakeBuilder:
    """Plays a script of outcomes: ``"v2"`` builds a script printing v2, ``"!msg"`` fails."""

    def __init__(self, out_dir: Path, log: Path, outcomes: list[str]) -> None:
        self.out_dir = out_dir
        self.log = log
        self.outcomes = outcomes
        self.builds = 0
        self.gate: threading.Event | None = None  # when set, build() waits for it
        self.entered = threading.Event()
        self.extra = ""

    def build(self) -> BuildResult:
        self.builds += 1
        self.entered.set()
        if self.gate is not None:
            self.gate.wait(30)
        outcome = self.outcomes.pop(0) if self.outcomes else "v-last"
        if outcome.startswith("!"):
            return BuildResult(False, 0.01, errors=f"  ./main.go:3:1: {outcome[1:]}")
        path = self.out_dir / str(self.builds) / "app"
        path.parent.mkdir(parents=True)
        text = SCRIPT.format(version=outcome, log=self.log, extra=self.extra)
        path.write_text(text)
        path.chmod(0o755)
        return BuildResult(True, 0.01, path, hashlib.sha256(text.encode()).hexdigest())

    def prune(self, keep: Path | None) -> None:
        pass

    def cancel(self) -> None:
        if self.gate is not None:
            self.gate.set()


MakeLoop = Callable[..., tuple[DevLoop, FakeBuilder]]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "svc"
    (root / "templates").mkdir(parents=True)
    (root / "main.go").write_text("package main\n")
    (root / "templates" / "index.html").write_text("<p>hi</p>\n")
    (root / ".env").write_text("GREETING=hello\n")
    return root


def _settings(root: Path, grace: float = 5.0) -> DevSettings:
    return DevSettings(
        root=root,
        build=BuildPlan(root=root, package=".", name="app"),
        watch=WatchSpec(root=root, runtime=(root / "templates",), env_files=(root / ".env",)),
        base_env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        env_file=root / ".env",
        grace=grace,
    )


@pytest.fixture
def make_loop(project: Path, tmp_path: Path) -> Iterator[MakeLoop]:
    loops: list[DevLoop] = []

    def make(
        outcomes: list[str], watch: bool = False, grace: float = 5.0, extra: str = ""
    ) -> tuple[DevLoop, FakeBuilder]:
        builder = FakeBuilder(tmp_path / "out", tmp_path / "run.log", outcomes)
        builder.extra = extra
        loop = DevLoop(_settings(project, grace), watch=watch, builder=builder)
        loops.append(loop)
        return loop, builder

    yield make
    for loop in loops:
        if not loop.log.wait_for(ev.STOPPED, timeout=0):
            loop.stop()


def _log(tmp_path: Path) -> list[str]:
    path = tmp_path / "run.log"
    return path.read_text().splitlines() if path.exists() else []


def _started(loop: DevLoop, after: int = 0) -> ev.DevEvent:
    event = loop.wait_for((ev.STARTED, ev.RESTARTED), after=after, timeout=30)
    assert event is not None and event.pid is not None, loop.log.events()
    return event


def _wait_log(tmp_path: Path, needle: str) -> None:
    """Bounded wait until the run log has ``needle`` (the script writes it on start)."""
    done = threading.Event()
    for _ in range(600):
        if any(needle in line for line in _log(tmp_path)):
            return
        done.wait(0.05)
    raise AssertionError(f"{needle!r} not in {_log(tmp_path)}")


def test_go_change_rebuilds_and_replaces_the_process(
    make_loop: MakeLoop, project: Path, tmp_path: Path
) -> None:
    loop, builder = make_loop(["v1", "v2"])
    loop.start()
    first = _started(loop)
    _wait_log(tmp_path, f"{first.pid} start v1 hello")
    mark = loop.log.last_seq
    loop.notify([project / "main.go"])
    second = _started(loop, mark)
    assert second.kind == ev.RESTARTED and second.pid != first.pid
    _wait_log(tmp_path, f"{second.pid} start v2 hello")
    assert f"{first.pid} TERM" in _log(tmp_path)  # stopped with SIGTERM, not killed
    assert first.pid is not None and not pid_alive(first.pid)
    assert builder.builds == 2


def test_failed_build_keeps_the_last_good_process(
    make_loop: MakeLoop, project: Path, tmp_path: Path
) -> None:
    loop, _ = make_loop(["v1", "!syntax error: unexpected }", "v3"])
    loop.start()
    first = _started(loop)
    mark = loop.log.last_seq
    loop.notify([project / "main.go"])
    failed = loop.wait_for(ev.BUILD_FAILED, after=mark, timeout=30)
    assert failed is not None and "main.go:3:1: syntax error" in failed.message
    assert loop.pid == first.pid and first.pid is not None and pid_alive(first.pid)
    assert not any(e.kind in (ev.RESTARTED, ev.STARTED) for e in loop.log.events(mark))
    loop.notify([project / "main.go"])
    third = _started(loop, mark)
    _wait_log(tmp_path, f"{third.pid} start v3")


def test_runtime_file_change_restarts_without_building(
    make_loop: MakeLoop, project: Path, tmp_path: Path
) -> None:
    loop, builder = make_loop(["v1"])
    loop.start()
    first = _started(loop)
    mark = loop.log.last_seq
    loop.notify([project / "templates" / "index.html"])
    second = _started(loop, mark)
    assert second.kind == ev.RESTARTED and second.pid != first.pid
    assert "templates/index.html" in second.message
    _wait_log(tmp_path, f"{second.pid} start v1")
    assert builder.builds == 1
    assert not any(e.kind == ev.BUILDING for e in loop.log.events(mark))


def test_identical_binary_is_not_restarted(make_loop: MakeLoop, project: Path) -> None:
    loop, builder = make_loop(["v1", "v1"])
    loop.start()
    first = _started(loop)
    mark = loop.log.last_seq
    loop.notify([project / "main.go"])
    assert loop.wait_for(ev.UNCHANGED, after=mark, timeout=30) is not None
    assert loop.pid == first.pid and builder.builds == 2


def test_irrelevant_change_does_nothing(make_loop: MakeLoop, project: Path) -> None:
    loop, _ = make_loop(["v1", "v2"])
    loop.start()
    _started(loop)
    mark = loop.log.last_seq
    loop.notify([project / "README.md", project / "main_test.go"])
    loop.notify([project / "main.go"])  # a sentinel that must act
    assert loop.wait_for(ev.RESTARTED, after=mark, timeout=30) is not None
    assert [e.kind for e in loop.log.events(mark)].count(ev.BUILDING) == 1


def test_changes_during_a_build_end_in_one_more_build(make_loop: MakeLoop, project: Path) -> None:
    loop, builder = make_loop(["v1", "v2", "v3", "v4"])
    loop.start()
    _started(loop)
    builder.gate = threading.Event()
    builder.entered.clear()
    mark = loop.log.last_seq
    loop.notify([project / "main.go"])
    assert builder.entered.wait(30)  # build 2 is running and blocked
    for name in ("a.go", "b.go", "c.go", "templates/index.html"):
        (project / name).write_text("package main\n")
        loop.notify([project / name])
    builder.gate.set()
    swapped = loop.wait_for(ev.RESTARTED, after=mark, timeout=30)
    assert swapped is not None
    last = loop.wait_for(ev.BUILT, after=swapped.seq, timeout=30)
    assert last is not None and "a.go, b.go, c.go" in last.message
    assert loop.wait_for(ev.RESTARTED, after=last.seq, timeout=30) is not None
    assert builder.builds == 3  # initial + the blocked one + one for the merged burst


def test_env_file_change_reloads_env_and_bad_env_keeps_process(
    make_loop: MakeLoop, project: Path, tmp_path: Path
) -> None:
    loop, _ = make_loop(["v1"])
    loop.start()
    first = _started(loop)
    mark = loop.log.last_seq
    (project / ".env").write_text('GREETING="bonjour ${USER_PART:-monde}"\n')
    loop.notify([project / ".env"])
    second = _started(loop, mark)
    _wait_log(tmp_path, f"{second.pid} start v1 bonjour monde")
    mark = loop.log.last_seq
    (project / ".env").write_text("GREETING='unterminated\n")
    loop.notify([project / ".env"])
    failed = loop.wait_for(ev.ENV_FAILED, after=mark, timeout=30)
    assert failed is not None and ".env:1" in failed.message
    assert loop.pid == second.pid and second.pid is not None and pid_alive(second.pid)
    assert first.pid != second.pid


def test_stop_forwards_the_signal_and_cleans_up(make_loop: MakeLoop, tmp_path: Path) -> None:
    loop, _ = make_loop(["v1"])
    loop.start()
    first = _started(loop)
    _wait_log(tmp_path, f"{first.pid} start v1")
    out_dir = loop.out_dir
    assert loop.stop(signal.SIGINT) == 0
    assert f"{first.pid} INT" in _log(tmp_path)
    assert first.pid is not None and not pid_alive(first.pid)
    assert not out_dir.exists()
    assert loop.wait_for(ev.STOPPED, timeout=0) is not None


def test_process_ignoring_sigterm_is_killed_after_the_grace_period(
    make_loop: MakeLoop, tmp_path: Path
) -> None:
    loop, _ = make_loop(["v1"], grace=0.3, extra="trap '' TERM")
    loop.start()
    first = _started(loop)
    _wait_log(tmp_path, f"{first.pid} start v1")
    assert loop.stop() == -signal.SIGKILL
    assert first.pid is not None and not pid_alive(first.pid)


def test_process_that_exits_is_reported_and_restarted_on_change(
    make_loop: MakeLoop, project: Path, tmp_path: Path
) -> None:
    loop, _ = make_loop(["v1", "v2"], extra="exit 3")
    loop.start()
    exited = loop.wait_for(ev.EXITED, timeout=30)
    assert exited is not None and exited.code == 3
    mark = loop.log.last_seq
    loop.notify([project / "main.go"])
    assert _started(loop, mark).kind == ev.RESTARTED


def test_watcher_sees_saved_files(make_loop: MakeLoop, project: Path, tmp_path: Path) -> None:
    loop, _ = make_loop(["v1", "v2"], watch=True)
    loop.start()
    assert loop.wait_for(ev.WATCHING, timeout=30) is not None
    _started(loop)
    mark = loop.log.last_seq
    (project / ".main.go.swp").write_text("swap")  # ignored
    (project / "main.go").write_text("package main\n\nfunc main() {}\n")
    built = loop.wait_for(ev.BUILT, after=mark, timeout=30)
    assert built is not None and built.message == "main.go"
    assert _started(loop, mark).kind == ev.RESTARTED


def test_environment_failure_stops_the_loop_with_the_error(make_loop: MakeLoop) -> None:
    loop, builder = make_loop([])

    def no_go() -> BuildResult:
        raise EnvironmentMissingError("no Go toolchain found", "install Go")

    builder.build = no_go  # type: ignore[method-assign]
    loop.start()
    failed = loop.wait_for(ev.FAILED, timeout=30)
    assert failed is not None and failed.code == 3 and "no Go toolchain" in failed.message
    assert isinstance(loop.error, EnvironmentMissingError)
    assert loop.pid is None
