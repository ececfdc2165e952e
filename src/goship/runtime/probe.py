"""Loopback probes of a published port: "accepts connections" and one HTTP GET.

A published port is served by the engine's proxy (docker-proxy, rootlessport) as soon as the
container starts, so a bare TCP connect proves nothing. :func:`port_accepts` connects and then
waits briefly: a proxy with nothing behind it closes the connection at once, a listening
service keeps it open. The moment of the successful connect is what gets timed.
"""

from __future__ import annotations

import http.client
import socket
from dataclasses import dataclass
from typing import Any

HOST = "127.0.0.1"
BODY_HEAD = 200


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str | None
    body_head: str

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "content_type": self.content_type,
            "body_head": self.body_head,
        }


def port_accepts(port: int, *, hold: float = 0.15) -> bool:
    """True when a connection to ``127.0.0.1:port`` is accepted and kept open."""
    try:
        sock = socket.create_connection((HOST, port), timeout=1.0)
    except OSError:
        return False
    try:
        sock.settimeout(hold)
        try:
            data = sock.recv(1)
        except TimeoutError:
            return True  # held open: something is listening behind the proxy
        except OSError:
            return False  # reset
        return bool(data)  # b"" = closed at once (proxy with no backend)
    finally:
        sock.close()


def http_get(port: int, path: str, *, timeout: float = 2.0) -> Response | None:
    """GET ``path`` on ``127.0.0.1:port``; None when no HTTP answer came back."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"User-Agent": "goship-verify"})
        resp = conn.getresponse()
        body = resp.read(BODY_HEAD)
        return Response(
            resp.status,
            resp.getheader("Content-Type"),
            body.decode("utf-8", errors="replace"),
        )
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()
