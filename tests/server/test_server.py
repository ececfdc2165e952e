"""The build server (GOSHIP_SERVER=1): a served command gives exactly what the in-process
command gives, in the client's cwd/env/umask; a broken or unsafe set-up falls back to running
in-process; Ctrl-C stops the command's subprocesses and the server keeps serving."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import goship_env, write_go_module

from goship.server import protocol as p
from goship.server.server import peer_uid

SERVICE = {
    "main.go": (
        'package main\n\nimport "net/http"\n\n'
        'func main() { _ = http.ListenAndServe(":8080", nil) }\n'
    )
}


@pytest.fixture
def server_dir() -> Iterator[Path]:
    """A short private directory (Unix socket paths are limited to ~100 bytes); the server
    of this test is stopped (or killed) at the end."""
    directory = Path(tempfile.mkdtemp(prefix="gs-", dir="/tmp"))
    yield directory
    _stop(directory)
    shutil.rmtree(directory, ignore_errors=True)


def _stop(directory: Path) -> None:
    env = {**os.environ, p.DIR_ENV: str(directory)}
    subprocess.run(
        [sys.executable, "-m", "goship", "server", "stop"], env=env, capture_output=True, timeout=30
    )
    for pid in _server_pids(directory):
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def _server_pids(directory: Path) -> list[int]:
    pids = []
    for log in directory.glob("*.log"):
        for line in log.read_text().splitlines():
            if line.startswith("goship server ") and " listening on " in line:
                pids.append(int(line.split()[2]))
    return pids


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie is not alive
        return fh.read().rsplit(")", 1)[1].split()[0] != "Z"


def _goship(
    tmp: Path,
    server_dir: Path,
    *args: str,
    served: bool = True,
    cwd: Path | None = None,
    extra: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    env = goship_env(
        tmp / "cache", {p.DIR_ENV: str(server_dir), p.IDLE_ENV: "120", **(extra or {})}
    )
    env[p.ENABLE] = "1" if served else "0"
    return subprocess.run(
        [sys.executable, "-m", "goship", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
        check=False,
    )


def _status(tmp: Path, server_dir: Path) -> dict[str, object]:
    proc = _goship(tmp, server_dir, "server", "status", "--json")
    return dict(json.loads(proc.stdout))


def test_served_build_equals_in_process_build(tmp_path: Path, server_dir: Path) -> None:
    project = write_go_module(tmp_path / "svc", SERVICE)
    first = _goship(
        tmp_path, server_dir, "build", str(project), "-o", str(tmp_path / "a"), "--json"
    )
    assert first.returncode == 0, first.stderr
    assert list(server_dir.glob("*.sock")), "the first served command starts a server"
    second = _goship(
        tmp_path, server_dir, "build", str(project), "-o", str(tmp_path / "b"), "--json"
    )
    local = _goship(
        tmp_path,
        server_dir,
        "build",
        str(project),
        "-o",
        str(tmp_path / "c"),
        "--json",
        served=False,
    )
    assert second.returncode == 0 and local.returncode == 0, second.stderr + local.stderr
    digests = {json.loads(r.stdout)["digest"] for r in (first, second, local)}
    assert len(digests) == 1
    status = _status(tmp_path, server_dir)
    assert status["running"] is True and status["commands"] == 2
    assert _alive(int(str(status["pid"])))
    assert (tmp_path / "b" / "index.json").is_file()


def test_client_cwd_env_and_umask_apply(tmp_path: Path, server_dir: Path) -> None:
    project = write_go_module(tmp_path / "svc", SERVICE)
    served = _goship(tmp_path, server_dir, "inspect", ".", "--json", cwd=project)
    local = _goship(tmp_path, server_dir, "inspect", ".", "--json", cwd=project, served=False)
    assert served.returncode == 0, served.stderr
    assert json.loads(served.stdout) == json.loads(local.stdout)

    # the client's environment: a bad GOSHIP_GO is the client's error, with its exit code
    bad = _goship(tmp_path, server_dir, "inspect", str(project), extra={"GOSHIP_GO": "/nope/go"})
    assert bad.returncode == 3
    assert "GOSHIP_GO=/nope/go is not an executable" in bad.stderr
    assert "Traceback" not in bad.stderr

    # the client's umask decides the modes of what the command writes
    script = (
        "import os, sys, runpy; os.umask(0o077); sys.argv = ['goship', *sys.argv[1:]]; "
        "runpy.run_module('goship', run_name='__main__')"
    )
    env = goship_env(tmp_path / "cache", {p.DIR_ENV: str(server_dir), p.ENABLE: "1"})
    out = tmp_path / "umask-layout"
    proc = subprocess.run(
        [sys.executable, "-c", script, "build", str(project), "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "index.json").stat().st_mode & 0o077 == 0
    assert _status(tmp_path, server_dir)["commands"] == 3  # all but the local one were served


def test_unsafe_or_unusable_server_dir_runs_in_process(tmp_path: Path) -> None:
    project = write_go_module(tmp_path / "svc", SERVICE)
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)  # others may enter: a socket here would be unsafe
    proc = _goship(tmp_path, shared, "inspect", str(project), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["module"]
    assert not list(shared.iterdir()), "no server was started"
    assert f"goship: not using the build server: {shared} is accessible to other users" in (
        proc.stderr
    )

    deep = tmp_path / ("d" * 120)  # the socket path would not fit in sockaddr_un
    proc = _goship(tmp_path, deep, "inspect", str(project), "--json")
    assert proc.returncode == 0, proc.stderr
    assert not list(deep.glob("*.sock"))
    assert "the socket path" in proc.stderr and "is too long" in proc.stderr


def test_a_killed_server_is_replaced(tmp_path: Path, server_dir: Path) -> None:
    project = write_go_module(tmp_path / "svc", SERVICE)
    assert _goship(tmp_path, server_dir, "inspect", str(project)).returncode == 0
    pid = int(str(_status(tmp_path, server_dir)["pid"]))
    os.kill(pid, signal.SIGKILL)
    while _alive(pid):
        time.sleep(0.02)
    assert list(server_dir.glob("*.sock")), "a SIGKILLed server leaves its socket behind"
    proc = _goship(tmp_path, server_dir, "inspect", str(project), "--json")
    assert proc.returncode == 0, proc.stderr
    status = _status(tmp_path, server_dir)
    assert status["pid"] != pid and status["commands"] == 1


def test_ctrl_c_stops_the_command_and_the_server_goes_on(tmp_path: Path, server_dir: Path) -> None:
    project = write_go_module(tmp_path / "svc", SERVICE)
    pids = tmp_path / "go.pids"
    fake_go = tmp_path / "bin" / "go"
    fake_go.parent.mkdir()
    fake_go.write_text(f"#!/bin/sh\necho $$ >> {pids}\nexec sleep 120\n")
    fake_go.chmod(0o755)
    env = goship_env(
        tmp_path / "cache",
        {p.DIR_ENV: str(server_dir), p.ENABLE: "1", "GOSHIP_GO": str(fake_go)},
    )
    client = subprocess.Popen(
        [sys.executable, "-m", "goship", "inspect", str(project)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (pids.exists() and pids.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    go_pid = int(pids.read_text().split()[0])
    assert _alive(go_pid)
    client.send_signal(signal.SIGINT)
    _, err = client.communicate(timeout=60)
    assert client.returncode == 130, err
    assert "Traceback" not in err
    deadline = time.monotonic() + 10
    while _alive(go_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(go_pid), "the served command's go process was stopped"
    proc = _goship(tmp_path, server_dir, "inspect", str(project), "--json")
    assert proc.returncode == 0, proc.stderr
    assert _status(tmp_path, server_dir)["commands"] == 2


def test_concurrent_clients_are_served_one_after_the_other(
    tmp_path: Path, server_dir: Path
) -> None:
    project = write_go_module(tmp_path / "svc", SERVICE)
    assert _goship(tmp_path, server_dir, "inspect", str(project)).returncode == 0
    env = goship_env(tmp_path / "cache", {p.DIR_ENV: str(server_dir), p.ENABLE: "1"})
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "goship", "inspect", str(project), "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0], [e for _, e in outputs]
    assert len({json.dumps(json.loads(out)) for out, _ in outputs}) == 1
    assert _status(tmp_path, server_dir)["commands"] == 4


def test_server_commands(tmp_path: Path, server_dir: Path) -> None:
    none = _goship(tmp_path, server_dir, "server", "status")
    assert none.returncode == 1 and "no goship server is running" in none.stdout
    started = _goship(tmp_path, server_dir, "server", "start")
    assert started.returncode == 0, started.stderr
    assert "listening" not in started.stdout and "0 commands" in started.stdout
    stopped = _goship(tmp_path, server_dir, "server", "stop")
    assert stopped.returncode == 0 and stopped.stdout.startswith("stopped goship server pid")
    deadline = time.monotonic() + 10
    while list(server_dir.glob("*.sock")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not list(server_dir.glob("*.sock")), "a stopped server removes its socket"


def test_peer_uid_and_code_key() -> None:
    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right:
        assert peer_uid(left) == os.getuid()
    assert p.code_key() == p.code_key()
    assert len(p.code_key()) == 16


def test_the_launcher_imports_the_client_only_when_the_server_is_asked_for() -> None:
    """Without ``GOSHIP_SERVER`` every command skips the client's imports (sockets, struct)."""
    from goship import launch

    assert launch.SERVER_ENV == p.ENABLE

    def imported(env: dict[str, str]) -> list[str]:
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "goship", "--version"],
            capture_output=True, text=True, timeout=60, check=True, env=env,
        )  # fmt: skip
        return [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")]  # fmt: skip

    env = {k: v for k, v in os.environ.items() if k != p.ENABLE}
    assert "goship.server.client" not in imported(env)
    assert "goship.server.client" in imported({**env, p.ENABLE: "0"})


def test_not_served_commands_and_switches(monkeypatch: pytest.MonkeyPatch) -> None:
    from goship.server.client import try_server

    monkeypatch.setenv(p.ENABLE, "0")
    assert try_server(["build", "."]) is None
    monkeypatch.setenv(p.ENABLE, "1")
    assert try_server(["dev", "."]) is None  # dev owns the terminal: never served
    assert try_server([]) is None
    for value, expected in [("1", True), ("on", True), ("yes", True), ("0", False), ("", False)]:
        assert p.enabled({p.ENABLE: value}) is expected


def test_a_command_runs_in_the_clients_state_and_the_server_gets_its_own_back(
    tmp_path: Path,
) -> None:
    from goship.server.server import run_command

    server_side, client_side = socket.socketpair(socket.AF_UNIX)
    before = (dict(os.environ), os.getcwd(), sys.stdout, sys.stderr, sys.stdin)
    request = {
        "argv": ["inspect", "--help"],
        "cwd": str(tmp_path),
        "env": {"PATH": os.environ.get("PATH", ""), "GOSHIP_MARK": "1"},
        "umask": 0o077,
        "tty": {"stdout": True, "stderr": False},
    }
    seen: dict[str, object] = {}

    def spy() -> None:  # what a command sees (called by reset_caches at the start)
        seen.update(
            cwd=os.getcwd(),
            mark=os.environ.get("GOSHIP_MARK"),
            tty=(sys.stdout.isatty(), sys.stderr.isatty()),
            stdin=sys.stdin.read(),
        )

    import goship.server.server as server_module

    original = server_module.reset_caches
    server_module.reset_caches = lambda: (original(), spy())  # type: ignore[assignment]
    try:
        with server_side, client_side:
            old_cwd = os.getcwd()
            try:
                assert run_command(request, server_side) == 0
                assert os.getcwd() == "/"  # the server parks in / between commands
            finally:
                os.chdir(old_cwd)
            client_side.setblocking(False)
            data = client_side.recv(1 << 20)
    finally:
        server_module.reset_caches = original
    assert seen == {"cwd": str(tmp_path), "mark": "1", "tty": (True, False), "stdin": ""}
    assert b"Usage: goship inspect" in data  # the help went to the client as frames
    after = (dict(os.environ), sys.stdout, sys.stderr, sys.stdin)
    assert after == (before[0], before[2], before[3], before[4])
    assert run_command({**request, "argv": ["dev", "."]}, server_side) == 2  # not served
