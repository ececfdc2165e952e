"""The early compile's imports at the lowest CPU priority (SCHED_IDLE, else nice 19): in a
helper thread only, and only on a machine with room (goship.build.yieldcpu)."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from goship.build import yieldcpu

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux thread nice")


@pytest.mark.parametrize(
    ("loadavg", "own", "cpus", "spare"),
    [
        ("0.52 0.40 0.31 2/180 4242\n", 2, 2, True),  # this process and its go build
        ("1.90 1.20 0.80 4/180 4242\n", 2, 2, False),  # two more tasks want the 2 CPUs
        ("1.90 1.20 0.80 3/180 4242\n", 2, 2, True),  # one more: a CPU is left after go
        ("1.90 1.20 0.80 5/180 4242\n", 5, 2, True),  # all of them ours (go's threads)
        ("0.10 0.10 0.10 1/99 7\n", 2, 1, True),  # one CPU, the go build not scheduled yet
        ("0.10 0.10 0.10 3/99 7\n", 2, 1, False),  # one CPU and another task on it
        ("3.00 3.00 3.00 6/300 7\n", 3, 8, True),  # 3 others on 8 CPUs
        ("9.00 9.00 9.00 11/300 7\n", 3, 8, False),  # 8 others on 8 CPUs
        ("garbage", 1, 2, False),
    ],
)
def test_a_cpu_is_spare_when_fewer_others_than_cpus_run(
    loadavg: str, own: int, cpus: int, spare: bool
) -> None:
    assert yieldcpu.has_spare_cpu(yieldcpu.others_running(loadavg, own), cpus) is spare


def test_own_runnable_threads_are_counted_from_proc() -> None:
    """This test's process is running (reading its own /proc): at least one R thread."""
    assert yieldcpu._running_threads(os.getpid()) >= 1
    assert yieldcpu._running_threads(2**22 + 12345) == 1  # no such process: assume one


def _probe_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """A module that records, when imported, the thread and the scheduling policy it ran at."""
    (tmp_path / f"{name}.py").write_text(
        "import os, threading\n"
        "THREAD = threading.current_thread().name\n"
        "POLICY = os.sched_getscheduler(threading.get_native_id())\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))


def test_imports_run_at_sched_idle_in_a_helper_and_the_caller_keeps_its_priority(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _probe_module(tmp_path, monkeypatch, "goship_probe_low")
    monkeypatch.setattr(yieldcpu, "has_spare_cpu", lambda *a: True)
    me = threading.get_native_id()
    mine = (os.sched_getscheduler(me), os.getpriority(os.PRIO_PROCESS, me))
    assert yieldcpu.import_yielding([os.getpid()], ("goship_probe_low",)) is True
    probe = sys.modules.pop("goship_probe_low")
    assert probe.THREAD == "goship-imports" and probe.POLICY == os.SCHED_IDLE
    assert (os.sched_getscheduler(me), os.getpriority(os.PRIO_PROCESS, me)) == mine


def test_nice_19_where_sched_idle_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "sched_setscheduler", refuse)
    seen: list[tuple[str, int]] = []

    def helper() -> None:
        what = yieldcpu.lower_this_thread()
        seen.append((what, os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))

    thread = threading.Thread(target=helper)
    thread.start()
    thread.join()
    assert seen == [("nice", yieldcpu.NICE)]


def test_nothing_is_imported_without_jobs_or_on_a_busy_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _probe_module(tmp_path, monkeypatch, "goship_probe_skip")
    assert yieldcpu.import_yielding([], ("goship_probe_skip",)) is False
    monkeypatch.setattr(yieldcpu, "has_spare_cpu", lambda *a: False)
    assert yieldcpu.import_yielding([os.getpid()], ("goship_probe_skip",)) is False
    assert "goship_probe_skip" not in sys.modules


def test_a_module_that_fails_to_import_is_left_to_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "goship_probe_bad.py").write_text("raise RuntimeError('broken module')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(yieldcpu, "has_spare_cpu", lambda *a: True)
    assert yieldcpu.import_yielding([os.getpid()], ("goship_probe_bad",)) is True
    assert "goship_probe_bad" not in sys.modules
    with pytest.raises(RuntimeError, match="broken module"):
        __import__("goship_probe_bad")


def test_build_modules_are_what_the_build_command_imports() -> None:
    """The list names real modules (a renamed one would silently stop the helper)."""
    import importlib.util

    for name in yieldcpu.BUILD_MODULES:
        assert importlib.util.find_spec(name) is not None, name
