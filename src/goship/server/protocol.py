"""Wire format between the ``goship`` client and the build server, and where the server lives.

Standard library only: the client imports this before anything else (see
:mod:`goship.launch`). One Unix-socket connection carries one command. Every message is a
frame: one kind byte, a 4-byte big-endian length, then the payload.

client -> server: ``R`` request (JSON: argv, cwd, env, umask, tty flags), then ``C`` (cancel,
empty) if the user presses Ctrl-C. A request may instead be a control message
(``{"control": "status" | "stop"}``).

server -> client: ``O`` stdout bytes, ``E`` stderr bytes, ``X`` the exit code (JSON int,
always last) or ``S`` a control answer (JSON).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import struct
import sys
from pathlib import Path
from typing import Any

REQUEST, CANCEL, STDOUT, STDERR, EXIT, STATUS = b"R", b"C", b"O", b"E", b"X", b"S"
_HEADER = struct.Struct(">cI")
MAX_FRAME = 64 << 20
# Commands the server runs. They only read files and run subprocesses; `dev` (a watch loop
# owning the terminal) and `verify` (signals to a container) stay in the user's process.
SERVED = frozenset({"build", "inspect"})
ENABLE = "GOSHIP_SERVER"
DIR_ENV = "GOSHIP_SERVER_DIR"
IDLE_ENV = "GOSHIP_SERVER_IDLE"
DEFAULT_IDLE = 900.0  # seconds without a request before the server exits
# AF_UNIX paths are limited to 108 bytes on Linux (104 on macOS), NUL included.
MAX_SOCKET_PATH = 100


class ProtocolError(Exception):
    """The peer sent something that is not a frame of this protocol."""


def send(sock: socket.socket, kind: bytes, payload: bytes = b"") -> None:
    sock.sendall(_HEADER.pack(kind, len(payload)) + payload)


def send_json(sock: socket.socket, kind: bytes, value: Any) -> None:
    send(sock, kind, json.dumps(value).encode())


def _read_exact(sock: socket.socket, size: int) -> bytes | None:
    chunks, missing = [], size
    while missing:
        chunk = sock.recv(min(missing, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def receive(sock: socket.socket) -> tuple[bytes, bytes] | None:
    """The next frame, or None when the peer closed the connection between frames."""
    header = _read_exact(sock, _HEADER.size)
    if header is None:
        return None
    kind, size = _HEADER.unpack(header)
    if size > MAX_FRAME:
        raise ProtocolError(f"frame of {size} bytes")
    payload = _read_exact(sock, size) if size else b""
    if payload is None:
        raise ProtocolError("connection closed inside a frame")
    return kind, payload


def enabled(env: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """``GOSHIP_SERVER=1`` (or on/true/yes) sends served commands to the build server."""
    return env.get(ENABLE, "").strip().lower() in {"1", "on", "true", "yes"}


def server_dir() -> Path:
    """``$GOSHIP_SERVER_DIR``, else ``$XDG_RUNTIME_DIR/goship``, else ``/tmp/goship-<uid>``."""
    explicit = os.environ.get(DIR_ENV)
    if explicit:
        return Path(explicit)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "goship"
    return Path("/tmp") / f"goship-{os.getuid()}"


def private_dir(path: Path) -> Path:
    """Create ``path`` (mode 0700) or check an existing one: it must be a directory owned by
    this user that nobody else can enter, since a socket in it runs commands as this user."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = path.lstat()
    if not path.is_dir() or path.is_symlink() or st.st_uid != os.getuid():
        raise PermissionError(f"{path} is not a directory owned by uid {os.getuid()}")
    if st.st_mode & 0o077:
        raise PermissionError(f"{path} is accessible to other users (mode {st.st_mode & 0o777:o})")
    return path


def code_key() -> str:
    """Identifies the running goship code: the interpreter, the package location and every
    file's size and mtime. A server only serves clients with the same key, so editing or
    upgrading goship starts a fresh server (the old one exits when idle)."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(f"{os.path.realpath(sys.executable)}\0{root}".encode())
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            st = os.stat(os.path.join(dirpath, name))
            digest.update(f"\0{dirpath}/{name}\0{st.st_mtime_ns}\0{st.st_size}".encode())
    return digest.hexdigest()[:16]


def socket_path(directory: Path, key: str) -> Path:
    return directory / f"{key}.sock"


def lock_path(directory: Path, key: str) -> Path:
    return directory / f"{key}.lock"


def log_path(directory: Path, key: str) -> Path:
    return directory / f"{key}.log"
