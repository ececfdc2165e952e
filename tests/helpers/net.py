"""Loopback networking helpers: free ports and bounded readiness waits."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picked it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(
    url: str,
    *,
    timeout: float = 15.0,
    ok: Callable[[int], bool] = lambda status: status == 200,
    alive: Callable[[], bool] = lambda: True,
) -> int | None:
    """Poll ``url`` (loopback only) until ``ok(status)``; return that status or None.

    Gives up after ``timeout`` seconds, or as soon as ``alive()`` turns false (the server
    process died), so a broken server never hangs a test.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            return None
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                status = int(resp.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            status = -1
        if status > 0 and ok(status):
            return status
        time.sleep(0.1)
    return None
