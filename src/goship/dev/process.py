"""The service process of the dev loop: start in its own process group, stop without orphans.

The child runs in a new session (so a terminal's Ctrl-C reaches goship, which forwards it, and
never the service twice). Stopping sends the signal to the whole process group *and* to every
descendant found under ``/proc`` (delve starts the service in a process group of its own), waits
for the grace period, then SIGKILLs whatever is left. On Linux the child also gets
``PR_SET_PDEATHSIG=SIGTERM``: if goship itself is killed (SIGKILL, OOM) the service follows.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, cast

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _libc_prctl() -> Callable[..., int] | None:
    try:
        return cast("Callable[..., int]", ctypes.CDLL(None, use_errno=True).prctl)
    except (OSError, AttributeError):
        return None


_PRCTL = _libc_prctl() if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    """Runs in the forked child before exec: SIGTERM it when the thread that started it ends
    (goship dev killed with SIGKILL included), so no service outlives the loop."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def descendants(pid: int) -> list[int]:
    """PIDs of every live descendant of ``pid`` (Linux ``/proc``; empty elsewhere)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may contain spaces and parentheses
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry))
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def pid_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
        return stat[stat.rfind(")") + 2 :].split()[0] != "Z"
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=0.25):
            return True
    except OSError:
        return False


class Child:
    """One run of the service (or of delve running the service)."""

    def __init__(
        self,
        argv: Sequence[str],
        cwd: Path,
        env: Mapping[str, str],
        stdout: IO[bytes] | int | None = None,
        stderr: IO[bytes] | int | None = None,
    ) -> None:
        self.argv = list(argv)
        self.started = time.monotonic()
        self._proc = subprocess.Popen(
            self.argv,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
            preexec_fn=_die_with_parent if _PRCTL is not None else None,
        )
        self.pid = self._proc.pid

    def poll(self) -> int | None:
        """The exit code once the process has exited, else None."""
        return self._proc.poll()

    def alive(self) -> bool:
        return self._proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, grace: float = 5.0) -> int | None:
        """Signal the process tree, wait up to ``grace`` seconds, then SIGKILL what is left.

        Returns the exit code of the direct child (negative: killed by that signal)."""
        tree = descendants(self.pid)
        if self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, sig)
        for pid in tree:
            _signal(pid, sig)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if self._proc.poll() is not None and not any(pid_alive(p) for p in tree):
                break
            time.sleep(0.02)
        if self._proc.poll() is None or any(pid_alive(p) for p in tree):
            tree = sorted(set(tree) | set(descendants(self.pid)))
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
            for pid in tree:
                _signal(pid, signal.SIGKILL)
        try:
            return self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not fail
            return None
