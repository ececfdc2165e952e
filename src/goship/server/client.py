"""Client side of the build server: forward one command and relay its output.

It runs before any heavy import (see :mod:`goship.launch`) and imports only built-in modules
(``_socket`` rather than ``socket``, whose enums cost ~3 ms; ``subprocess`` only to start a
server). With ``GOSHIP_SERVER=1`` a served command (``build``, ``inspect``) goes to the server
of this goship code, which is started in the background when none is listening; anything
that goes wrong before the server accepted the command (no socket, an unsafe directory, a
server that does not come up) makes :func:`try_server` return None and the command runs in
this process as usual, so the server can only make a command faster, never make it fail.
"""

from __future__ import annotations

import _socket
import os
import sys
import time

from goship.server import protocol as p

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess

START_TIMEOUT = 10.0  # seconds for a new server to listen (it imports the pipeline first)
INTERRUPTED = 130
ENVIRONMENT = 3  # goship.errors.ExitCode.ENVIRONMENT (not imported: it is not free)


def try_server(argv: list[str]) -> int | None:
    """Run ``goship ARGV`` on the build server and return its exit code; None to run here."""
    if not argv or argv[0] not in p.SERVED or not p.enabled():
        return None
    try:
        directory = p.private_dir(p.server_dir())
        key = p.code_key()
    except OSError as exc:
        _not_served(f"{exc}; set {p.DIR_ENV} to a private directory")
        return None
    path = p.socket_path(directory, key)
    if len(os.fsencode(path)) > p.MAX_SOCKET_PATH:
        _not_served(f"the socket path {path} is too long; set {p.DIR_ENV} shorter")
        return None
    try:
        sock = connect(path) or _start_and_connect(directory, key)
    except KeyboardInterrupt:
        return INTERRUPTED
    if sock is None:
        _not_served(f"the server did not start (see {p.log_path(directory, key)})")
        return None
    try:
        return _run(sock, argv)
    finally:
        sock.close()


def _not_served(why: str) -> None:
    """One line on stderr: the user asked for the server (GOSHIP_SERVER=1) and should know
    why this command runs in-process (slower, same result)."""
    sys.stderr.write(f"goship: not using the build server: {why}\n")
    sys.stderr.flush()


def connect(path: str) -> _socket.socket | None:
    """A connection to the server listening at ``path``, or None."""
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        return None
    return sock


def spawn_server(directory: str, key: str) -> subprocess.Popen[bytes]:
    """Start ``python -m goship.server`` detached from this terminal and session."""
    import subprocess

    with open(p.log_path(directory, key), "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "goship.server", "--key", key],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            cwd="/",
            start_new_session=True,
            close_fds=True,
        )


def _start_and_connect(directory: str, key: str) -> _socket.socket | None:
    path = p.socket_path(directory, key)
    proc = spawn_server(directory, key)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        sock = connect(path)
        if sock is not None:
            return sock
        if proc.poll() not in (None, 0):
            return None  # it failed to start (its log says why)
        # exit 0 = another client's server won the lock; keep trying its socket
        time.sleep(0.01)
    return None


def _terminal_size() -> tuple[int, int] | None:
    for stream in (sys.stdout, sys.stderr):
        try:
            size = os.get_terminal_size(stream.fileno())
        except (OSError, ValueError, AttributeError):
            continue
        return size.columns, size.lines
    return None


def _request(argv: list[str]) -> dict[str, object]:
    env = dict(os.environ)
    tty = {"stdout": sys.stdout.isatty(), "stderr": sys.stderr.isatty()}
    size = _terminal_size() if (tty["stdout"] or tty["stderr"]) else None
    if size is not None:
        env.setdefault("COLUMNS", str(size[0]))
        env.setdefault("LINES", str(size[1]))
    umask = os.umask(0o022)
    os.umask(umask)
    return {"argv": argv, "cwd": os.getcwd(), "env": env, "umask": umask, "tty": tty}


def _run(sock: _socket.socket, argv: list[str]) -> int | None:
    try:
        p.send_value(sock, p.REQUEST, _request(argv))
    except OSError:
        return None
    out, err = sys.stdout.buffer, sys.stderr.buffer
    started = False
    cancelled = False
    while True:
        try:
            frame = p.receive(sock)
        except KeyboardInterrupt:
            if cancelled:  # a second Ctrl-C: stop waiting for the server's clean-up
                return INTERRUPTED
            cancelled = True
            try:
                p.send(sock, p.CANCEL)
            except OSError:
                return INTERRUPTED
            continue
        except (OSError, p.ProtocolError):
            frame = None
        if frame is None:
            if not started:
                return None  # the server went away before doing anything: run here
            err.write(b"error: the goship build server stopped during the command\n")
            err.write(b"  fix: run it again, or set GOSHIP_SERVER=0 to run it in-process\n")
            err.flush()
            return ENVIRONMENT
        kind, payload = frame
        started = True
        if kind == p.STDOUT:
            out.write(payload)
            out.flush()
        elif kind == p.STDERR:
            err.write(payload)
            err.flush()
        elif kind == p.EXIT:
            return int(p.load_value(payload))


def control(command: str, directory: str | None = None) -> dict[str, object] | None:
    """Send a control message (``status`` or ``stop``) to this code's server; None when no
    server is listening."""
    directory = directory or p.server_dir()
    sock = connect(p.socket_path(directory, p.code_key()))
    if sock is None:
        return None
    try:
        p.send_value(sock, p.REQUEST, {"control": command})
        frame = p.receive(sock)
    except (OSError, p.ProtocolError):
        return None
    finally:
        sock.close()
    if frame is None or frame[0] != p.STATUS:
        return None
    answer = p.load_value(frame[1])
    return answer if isinstance(answer, dict) else None
