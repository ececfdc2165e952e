"""wait_exit: returns the exit status as soon as the child exits, times out like Popen.wait."""

from __future__ import annotations

import subprocess
import sys

import pytest

from goship.gobuild.procwait import wait_exit


def test_returns_the_exit_status() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(7)"])
    assert wait_exit(proc, 60) == 7
    assert proc.returncode == 7
    assert wait_exit(proc, 60) == 7  # already reaped: the stored status


def test_times_out_like_popen_wait() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            wait_exit(proc, 0.2)
        assert proc.poll() is None
    finally:
        proc.kill()
        assert wait_exit(proc, 60) == -9
