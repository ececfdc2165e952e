"""goship dev on the bundled examples with the real Go toolchain: edit a handler and the new
response is served; a broken edit reports the compiler error and the old build keeps serving;
a template edit restarts without a rebuild; SIGTERM leaves no process behind; --debug serves
through delve.

Unit tests in the DEVELOPERS.md sense: they need only Go (and the module proxy for gin-notes'
modules) and bind 127.0.0.1. Waits are bounded polls on the HTTP response or on loop events.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import free_port, require_tool, wait_http

from goship.dev import events as ev
from goship.dev.loop import DevLoop
from goship.dev.process import descendants, pid_alive, port_open
from goship.dev.settings import DebugPlan, resolve_settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
STDLIB_HEALTH = 'map[string]string{"status": "ok"}'
GIN_HEALTH = 'gin.H{"status": "ok"}'


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return str(resp.read().decode())
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
        return f"<error {exc}>"


def wait_body(url: str, needle: str, timeout: float = 90.0) -> str:
    """Poll ``url`` until its body contains ``needle``; returns the last body seen."""
    deadline = time.monotonic() + timeout
    body = ""
    while time.monotonic() < deadline:
        body = _get(url)
        if needle in body:
            return body
        time.sleep(0.1)
    return body


def _copy(example: str, tmp_path: Path) -> Path:
    dest = tmp_path / example
    shutil.copytree(EXAMPLES / example, dest)
    return dest


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def go_env(monkeypatch: pytest.MonkeyPatch) -> None:
    require_tool("go")
    monkeypatch.setenv("GOTOOLCHAIN", "local")


@pytest.fixture
def loops(tmp_path: Path) -> Iterator[list[DevLoop]]:
    started: list[DevLoop] = []
    yield started
    for loop in started:
        if loop.wait_for(ev.STOPPED, timeout=0) is None:
            loop.stop()


def _start(loop: DevLoop, loops: list[DevLoop]) -> ev.DevEvent:
    loops.append(loop)
    loop.start()
    ready = loop.wait_for((ev.READY, ev.BUILD_FAILED, ev.EXITED, ev.FAILED), timeout=300)
    assert ready is not None and ready.kind == ev.READY, loop.log.events()
    return ready


def test_stdlib_api_edit_broken_edit_fix(
    go_env: None, tmp_path: Path, loops: list[DevLoop]
) -> None:
    root = _copy("stdlib-api", tmp_path)
    port = free_port()
    settings = resolve_settings(root, env=[f"ADDR=127.0.0.1:{port}"])
    with (tmp_path / "service.log").open("wb") as out:
        loop = DevLoop(settings, output=out)
        _start(loop, loops)
        url = f"http://127.0.0.1:{port}/healthz"
        assert json.loads(_get(url)) == {"status": "ok"}
        first_pid = loop.pid

        _edit(root / "main.go", STDLIB_HEALTH, 'map[string]string{"status": "edited"}')
        assert '"edited"' in wait_body(url, '"edited"')
        edited_pid = loop.pid
        assert edited_pid != first_pid and first_pid is not None and not pid_alive(first_pid)

        mark = loop.log.last_seq
        with (root / "main.go").open("a") as fh:
            fh.write("\nfunc broken( {\n")
        failed = loop.wait_for(ev.BUILD_FAILED, after=mark, timeout=120)
        assert failed is not None, loop.log.events(mark)
        lines = len((root / "main.go").read_text().splitlines())
        assert re.search(rf"main\.go:{lines}:\d+: syntax error", failed.message), failed.message
        assert json.loads(_get(url)) == {"status": "edited"}  # the last good build serves
        assert loop.pid == edited_pid

        text = (root / "main.go").read_text().replace("\nfunc broken( {\n", "\n")
        (root / "main.go").write_text(text.replace('"edited"}', '"fixed"}'))
        assert '"fixed"' in wait_body(url, '"fixed"')
        last_pid = loop.pid
        assert loop.stop() == 0  # the service shut down gracefully on SIGTERM
    assert last_pid is not None and not pid_alive(last_pid)
    assert "shutting down" in (tmp_path / "service.log").read_text()


def test_gin_notes_template_restart_without_rebuild(
    go_env: None, tmp_path: Path, loops: list[DevLoop]
) -> None:
    root = _copy("gin-notes", tmp_path)
    port = free_port()
    settings = resolve_settings(root, env=[f"PORT={port}"])
    assert settings.service_port(settings.child_env()) == port
    loop = DevLoop(settings, output=subprocess.DEVNULL)
    _start(loop, loops)
    base = f"http://127.0.0.1:{port}"
    assert "<h1>Notes</h1>" in _get(base + "/")

    mark = loop.log.last_seq
    _edit(root / "templates" / "index.html", "<h1>Notes</h1>", "<h1>Notes, edited</h1>")
    assert "<h1>Notes, edited</h1>" in wait_body(base + "/", "<h1>Notes, edited</h1>")
    kinds = [e.kind for e in loop.log.events(mark)]
    assert ev.RESTARTED in kinds and ev.BUILDING not in kinds, kinds

    _edit(root / "handlers.go", GIN_HEALTH, 'gin.H{"status": "gin-edited"}')
    assert "gin-edited" in wait_body(base + "/healthz", "gin-edited")
    assert "<h1>Notes, edited</h1>" in _get(base + "/")


def test_cli_sigterm_stops_the_service_and_leaves_no_process(go_env: None, tmp_path: Path) -> None:
    root = _copy("stdlib-api", tmp_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}/healthz"
    err_path, out_path = tmp_path / "dev.err", tmp_path / "dev.out"
    with err_path.open("wb") as err, out_path.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "goship", "dev", str(root), "--env", f"ADDR=127.0.0.1:{port}"],
            stdout=out,
            stderr=err,
            env={**os.environ, "GOTOOLCHAIN": "local", "TMPDIR": str(tmp_path)},
        )
        try:
            alive = lambda: proc.poll() is None  # noqa: E731
            assert wait_http(url, timeout=300, alive=alive) == 200, err_path.read_text()
            _edit(root / "main.go", STDLIB_HEALTH, 'map[string]string{"status": "cli"}')
            assert '"cli"' in wait_body(url, '"cli"'), err_path.read_text()
            tree = descendants(proc.pid)
            pids = [int(p) for p in re.findall(r"pid (\d+)", err_path.read_text())]
            assert pids and pids[-1] in tree  # the running service is goship's child
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert not [p for p in tree if pid_alive(p)]
    assert not any(pid_alive(p) for p in pids)
    log = err_path.read_text()
    assert "serving on :" in log and "built in" in log and "stopped" in log
    assert "Traceback" not in log
    assert "shutting down" in out_path.read_text()  # SIGTERM reached the service
    assert not port_open(port)


def test_debug_runs_under_delve(go_env: None, tmp_path: Path, loops: list[DevLoop]) -> None:
    dlv = require_tool("dlv")
    root = _copy("stdlib-api", tmp_path)
    port, api = free_port(), free_port()
    plan = DebugPlan(dlv=dlv, listen=f"127.0.0.1:{api}")
    settings = resolve_settings(root, env=[f"ADDR=127.0.0.1:{port}"], debug=plan)
    assert settings.build.debug
    loop = DevLoop(settings, output=subprocess.DEVNULL)
    _start(loop, loops)
    url = f"http://127.0.0.1:{port}/healthz"
    assert json.loads(_get(url)) == {"status": "ok"}
    assert port_open(api)  # delve's API server answers
    dlv_pid = loop.pid
    assert dlv_pid is not None
    tree = descendants(dlv_pid)
    assert tree, "the service runs as delve's child"
    _edit(root / "main.go", STDLIB_HEALTH, 'map[string]string{"status": "debugged"}')
    assert '"debugged"' in wait_body(url, '"debugged"')
    assert not pid_alive(dlv_pid) and not any(pid_alive(p) for p in tree)
    new_tree = [loop.pid, *descendants(loop.pid or 0)]
    loop.stop()
    assert not any(p is not None and pid_alive(p) for p in new_tree)


def test_cli_waits_for_a_fix_when_the_first_build_cannot_parse(
    go_env: None, tmp_path: Path
) -> None:
    root = _copy("stdlib-api", tmp_path)
    good = (root / "main.go").read_text()
    (root / "main.go").write_text(good + "\nfunc broken( {\n")
    port = free_port()
    url = f"http://127.0.0.1:{port}/healthz"
    err_path = tmp_path / "dev.err"
    with err_path.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "goship", "dev", str(root), "--env", f"ADDR=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env={**os.environ, "GOTOOLCHAIN": "local", "TMPDIR": str(tmp_path)},
        )
        try:
            deadline = time.monotonic() + 120
            while "waiting for a change" not in err_path.read_text():
                assert proc.poll() is None, err_path.read_text()
                assert time.monotonic() < deadline, err_path.read_text()
                time.sleep(0.1)
            assert "main.go:" in err_path.read_text()
            (root / "main.go").write_text(good)
            alive = lambda: proc.poll() is None  # noqa: E731
            assert wait_http(url, timeout=300, alive=alive) == 200, err_path.read_text()
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=60) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert "Traceback" not in err_path.read_text()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_service_dies_with_goship_even_on_sigkill(go_env: None, tmp_path: Path) -> None:
    root = _copy("stdlib-api", tmp_path)
    port = free_port()
    err_path = tmp_path / "dev.err"
    with err_path.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "goship", "dev", str(root), "--env", f"ADDR=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env={**os.environ, "GOTOOLCHAIN": "local", "TMPDIR": str(tmp_path)},
        )
        try:
            alive = lambda: proc.poll() is None  # noqa: E731
            url = f"http://127.0.0.1:{port}/healthz"
            assert wait_http(url, timeout=300, alive=alive) == 200, err_path.read_text()
            tree = descendants(proc.pid)
            assert tree
            proc.kill()  # SIGKILL: goship gets no chance to stop the service itself
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    deadline = time.monotonic() + 30
    while any(pid_alive(p) for p in tree) and time.monotonic() < deadline:
        time.sleep(0.05)
    leftover = [p for p in tree if pid_alive(p)]
    for pid in leftover:  # never leave a server behind, even when the assertion fails
        os.kill(pid, signal.SIGKILL)
    assert not leftover
