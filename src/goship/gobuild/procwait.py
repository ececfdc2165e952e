"""Wait for a child process the moment it exits.

``Popen.wait(timeout=...)`` polls ``waitpid(WNOHANG)`` with sleeps that grow to 50 ms, so a
``go build`` that finished is noticed up to 50 ms late: a sixth of a small service's whole
warm compile. A pidfd (Linux 5.3+) becomes readable exactly when the process exits, so
:func:`wait_exit` sleeps in ``poll`` instead; elsewhere it falls back to ``Popen.wait``.
"""

from __future__ import annotations

import os
import select
import subprocess
from typing import Any


def wait_exit(proc: subprocess.Popen[Any], timeout: float) -> int:
    """``proc.wait(timeout)`` without the polling delay; raises ``TimeoutExpired`` likewise."""
    if proc.returncode is not None:
        return proc.returncode
    try:
        fd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):  # not Linux, an old kernel, or seccomp says no
        return proc.wait(timeout=timeout)
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        if not poller.poll(max(0, int(timeout * 1000))):
            raise subprocess.TimeoutExpired(proc.args, timeout)
    finally:
        os.close(fd)
    return proc.wait()
