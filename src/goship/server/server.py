"""The build server: one long-lived process that runs goship commands for clients.

Why: a one-shot ``goship build`` starts an interpreter and spends ~0.15 s of CPU importing
click, tree-sitter and the pipeline, on the same cores the compile needs. The server pays that
once; each command then costs a socket round trip, and the previous build's
``go build`` starts within milliseconds of the request (see :mod:`goship.build.early`).

How: the server listens on ``<dir>/<code key>.sock`` (a private 0700 directory, see
:mod:`goship.server.protocol`) and holds ``<key>.lock`` for its lifetime, so one server runs
per goship code. It serves one command at a time, in its main thread, as the client would
have run it: the client's argv, working directory, environment and umask are applied for the
duration of the command, stdout/stderr are framed back (with the client's TTY flags, so rich
progress shows on a terminal), stdin is empty. A cancel frame or a vanished client raises
KeyboardInterrupt in the command, whose clean-up (stopping ``go build``, removing temp dirs)
runs as on Ctrl-C. Only connections from the server's own uid are accepted. It exits after
``GOSHIP_SERVER_IDLE`` seconds (default 900) without a command, or on ``goship server stop``.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from goship.server import protocol as p

_UCRED = struct.Struct("3i")  # struct ucred: pid, uid, gid


@dataclass
class ServerState:
    key: str
    socket_path: str
    started: float = field(default_factory=time.time)
    served: int = 0
    last: float = field(default_factory=time.monotonic)
    stopping: bool = False

    def status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "key": self.key,
            "socket": self.socket_path,
            "started": self.started,
            "commands": self.served,
            "idle_seconds": round(time.monotonic() - self.last, 3),
        }


class _FrameWriter(io.RawIOBase):
    """A writable raw stream that sends each write as one frame of ``kind``."""

    def __init__(self, sock: socket.socket, kind: bytes, tty: bool) -> None:
        self._sock, self._kind, self._tty = sock, kind, tty

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._tty

    def write(self, data: Any) -> int:
        view = bytes(data)
        if view:  # a gone client is noticed by the watcher, which cancels the command
            with contextlib.suppress(OSError):
                p.send(self._sock, self._kind, view)
        return len(view)


def _text_stream(sock: socket.socket, kind: bytes, tty: bool) -> io.TextIOWrapper:
    raw: BinaryIO = io.BufferedWriter(_FrameWriter(sock, kind, tty))
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", write_through=True)


def peer_uid(sock: socket.socket) -> int:
    """The uid of the process at the other end of a Unix socket (SO_PEERCRED)."""
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
    return int(_UCRED.unpack(creds)[1])


def warm_up() -> None:
    """Import what ``goship build`` and ``goship inspect`` use and load the Go grammar."""
    import goship.build.pipeline
    import goship.cli
    import goship.commands.build
    import goship.commands.inspect
    import goship.gobuild.elfcheck
    import goship.image.pgzip
    import goship.project.analyze  # noqa: F401
    from goship.project.syntax import parse_file

    parse_file(Path("warm.go"), "warm.go", "main", {}, src=b"package main\n\nfunc main() {}\n")


def reset_caches() -> None:
    """Forget what depends on the previous command's environment (PATH, GOSHIP_GO, ...)."""
    from goship.gobuild.toolchain import find_go

    find_go.cache_clear()


@contextlib.contextmanager
def _client_process_state(request: dict[str, Any], sock: socket.socket) -> Iterator[None]:
    """Apply the client's cwd, environment, umask and stdio for the duration of a command."""
    saved_env = dict(os.environ)
    saved_umask = os.umask(int(request.get("umask", 0o022)))
    saved_stdio = sys.stdin, sys.stdout, sys.stderr
    tty = request.get("tty") or {}
    stdout = _text_stream(sock, p.STDOUT, bool(tty.get("stdout")))
    stderr = _text_stream(sock, p.STDERR, bool(tty.get("stderr")))
    stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - closed below
    try:
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in dict(request["env"]).items()})
        os.chdir(str(request["cwd"]))
        sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
        reset_caches()
        yield
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_stdio
        for stream in (stdout, stderr, stdin):
            with contextlib.suppress(Exception):  # a client gone mid-write
                stream.close()
        os.umask(saved_umask)
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir("/")


class _Watcher:
    """Watches the client's connection during a command: a cancel frame or a closed
    connection interrupts the main thread (KeyboardInterrupt), exactly once."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._lock = threading.Lock()
        self._running = True
        self._thread = threading.Thread(target=self._watch, name="goship-client", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        try:
            frame = p.receive(self._sock)
        except (OSError, p.ProtocolError):
            frame = None
        if frame is not None and frame[0] != p.CANCEL:
            return
        with self._lock:
            if self._running:
                self._running = False
                signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

    def done(self) -> None:
        """The command finished: never interrupt after this returns."""
        with self._lock:
            self._running = False


def run_command(request: dict[str, Any], sock: socket.socket) -> int:
    """Run one client command in this process and return its exit code."""
    from goship.cli import run

    argv = [str(a) for a in request["argv"]]
    if not argv or argv[0] not in p.SERVED:
        return 2
    watcher = _Watcher(sock)
    code = 130
    try:
        with _client_process_state(request, sock):
            try:
                code = run(argv)
            except KeyboardInterrupt:
                code = 130
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except Exception:  # a goship bug: report it like the one-shot CLI would
                traceback.print_exc()
                code = 1
            finally:
                watcher.done()
    except KeyboardInterrupt:  # arrived after the command returned: nothing to stop
        pass
    return code


def _handle(conn: socket.socket, state: ServerState) -> None:
    if peer_uid(conn) != os.getuid():
        return
    frame = p.receive(conn)
    if frame is None or frame[0] != p.REQUEST:
        return
    request = p.load_value(frame[1])
    if not isinstance(request, dict):
        raise p.ProtocolError("a request is a dict")
    control = request.get("control")
    if control is not None:
        if control == "stop":
            state.stopping = True
        p.send_value(conn, p.STATUS, state.status())
        return
    state.served += 1
    code = run_command(request, conn)
    with contextlib.suppress(OSError):
        p.send_value(conn, p.EXIT, code)


def serve(directory: str, key: str, idle: float) -> int:
    """Listen until idle or stopped. Exit 0 also when another server already holds the lock."""
    p.private_dir(directory)
    lock = open(p.lock_path(directory, key), "a")  # noqa: SIM115 - held until the end
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return 0  # another server of this code is running; clients will use it
    path = p.socket_path(directory, key)
    warm_up()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)  # a stale socket of a server that died (we hold the lock)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(old_umask)
    listener.listen(16)
    listener.settimeout(1.0)
    os.chdir("/")
    state = ServerState(key, path)
    print(f"goship server {os.getpid()} listening on {path}", flush=True)
    try:
        while not state.stopping and time.monotonic() - state.last < idle:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(None)
            with conn:
                try:
                    _handle(conn, state)
                except (OSError, ValueError, KeyError, TypeError, p.ProtocolError) as exc:
                    print(f"bad request: {exc!r}", flush=True)
            state.last = time.monotonic()
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        listener.close()
        lock.close()
    print(f"goship server {os.getpid()} stopped after {state.served} commands", flush=True)
    return 0
