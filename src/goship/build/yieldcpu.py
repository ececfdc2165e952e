"""While the early ``go build`` compiles, goship's own imports yield the CPU to it.

After a code edit, :mod:`goship.build.prestart` starts the previous build's ``go build``
before anything heavy is imported; goship then imports click, tree-sitter and the pipeline
(~0.15 s of CPU, a third of it building dataclasses) while that compiles. On a machine with
few cores the two compete: on the 2-core development VM the imports stretched the compile of
the bundled examples by 25-60 ms. :func:`import_yielding` runs those imports in a helper
thread scheduled ``SCHED_IDLE`` (on Linux a scheduling policy belongs to a thread, not the
process) while the main thread waits for it: the compiler gets the cores first, the imports
what is left, and a compiler thread that wakes up takes its CPU back at once. Measured over
24-30 edits of stdlib-api, the compile inside goship took 11 ms longer than alone with the
imports at ``SCHED_IDLE`` and 23-27 ms longer at nice 19 (the fallback where the policy is
refused). The main thread keeps its priority, so everything after the imports (the
analysis, a ``go build`` goship starts itself, the layers) runs as before; an unprivileged
thread never gets a lowered priority back.

It is done only when early jobs were started, only on Linux, and only when fewer other tasks
want a CPU than there are CPUs: next to CPU-bound work on every core, a lowest-priority
thread could wait a long time for one.
"""

from __future__ import annotations

import os
import sys

NICE = 19  # when SCHED_IDLE is refused
# what `goship build` imports before it compiles (the analysis is imported lazily)
BUILD_MODULES = (
    "goship.cli",
    "goship.commands.build",
    "goship.build.pipeline",
    "goship.project.analyze",
    "goship.gobuild.elfcheck",  # imported by the compile step once go build is done
)


def _running_threads(pid: int) -> int:
    """How many of ``pid``'s threads are runnable now (state R in /proc); 1 when unknown."""
    count = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/stat", "rb") as fh:
                stat = fh.read()
            state = stat.rfind(b")") + 2  # after "pid (comm) "
            count += stat[state : state + 1] == b"R"
    except OSError:
        return 1
    return count


def others_running(loadavg: str, own: int) -> int | None:
    """Runnable tasks that are not this process's or its jobs' (``own`` of them are):
    ``/proc/loadavg``'s fourth field counts every runnable thread right now, the reader
    included. None when it cannot be read."""
    try:
        running = int(loadavg.split()[3].split("/")[0])
    except (IndexError, ValueError):
        return None
    return max(0, running - own)


def has_spare_cpu(others: int | None, cpus: int) -> bool:
    """Whether a CPU is left for goship's imports once its compile is done: fewer other
    runnable tasks than CPUs. (With as many as CPUs, a nice-19 thread could wait for them.)"""
    return others is not None and others < cpus


def lower_this_thread() -> str:
    """Give the calling thread the lowest CPU priority: ``SCHED_IDLE`` (it runs only when a CPU
    has nothing else to do, and a waking compiler thread takes the CPU from it at once), else
    nice 19. An unprivileged thread never gets its priority back: call it in a helper only.
    Returns what it did ("idle", "nice" or "")."""
    import threading

    tid = threading.get_native_id()
    try:
        os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
        return "idle"
    except (AttributeError, OSError):  # pragma: no cover - not Linux, or a seccomp profile
        pass
    try:
        os.setpriority(os.PRIO_PROCESS, tid, NICE)
        return "nice"
    except OSError:  # pragma: no cover - refused too: run at the usual priority
        return ""


def yielding_possible(jobs: list[int]) -> bool:
    """Whether work can yield to ``jobs`` (pids of running ``go build`` processes): Linux,
    and a CPU left over (see :func:`has_spare_cpu`)."""
    if not jobs or not sys.platform.startswith("linux"):
        return False
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            load = fh.read()
    except OSError:
        return False
    own = 1 + sum(_running_threads(pid) for pid in jobs)
    return has_spare_cpu(others_running(load, own), len(os.sched_getaffinity(0)))


def _import_at_low_priority(modules: tuple[str, ...]) -> None:
    lower_this_thread()
    for name in modules:
        try:
            __import__(name)
        except Exception:  # the main thread imports it again and reports the error
            return


def import_yielding(jobs: list[int], modules: tuple[str, ...] = BUILD_MODULES) -> bool:
    """Import ``modules`` in a lowest-priority thread while the early ``go build`` processes
    ``jobs`` (pids) run, and wait for it. False when it did nothing (no job, not Linux, a
    busy machine): the caller's imports then run as usual."""
    if not yielding_possible(jobs):
        return False
    import threading

    helper = threading.Thread(
        target=_import_at_low_priority, args=(modules,), name="goship-imports", daemon=True
    )
    helper.start()
    helper.join()
    return True
