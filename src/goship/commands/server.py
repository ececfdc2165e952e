"""``goship server start|stop|status``: the optional build server (see :mod:`goship.server`)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import click

from goship.errors import EnvironmentMissingError
from goship.report.output import emit_json
from goship.server import protocol as p
from goship.server.client import START_TIMEOUT, connect, control, spawn_server


@click.group("server")
def server_command() -> None:
    """The build server keeps goship imported between commands, so a warm `goship build`
    starts `go build` within milliseconds. Used when GOSHIP_SERVER=1 (started on demand);
    it serves `build` and `inspect`, one at a time, and exits after GOSHIP_SERVER_IDLE
    seconds (default 900) without a command."""


def _describe(status: dict[str, Any]) -> str:
    age = time.time() - float(status.get("started", time.time()))
    return (
        f"goship server pid {status.get('pid')} on {status.get('socket')}: "
        f"{status.get('commands')} commands in {age:.0f} s, idle {status.get('idle_seconds')} s"
    )


@server_command.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status_command(as_json: bool) -> None:
    """Show whether this goship's server runs (exit 1 when it does not)."""
    status = control("status")
    if as_json:
        emit_json({"running": status is not None, **(status or {})})
    else:
        click.echo(_describe(status) if status else "no goship server is running")
    if status is None:
        raise SystemExit(1)


@server_command.command("stop")
def stop_command() -> None:
    """Stop this goship's server (after the command it is running, if any)."""
    status = control("stop")
    click.echo(f"stopped {_describe(status)}" if status else "no goship server is running")


@server_command.command("start")
def start_command() -> None:
    """Start the server in the background now instead of on the first served command."""
    directory = p.private_dir(p.server_dir())
    key = p.code_key()
    path = p.socket_path(directory, key)
    if len(os.fsencode(path)) > p.MAX_SOCKET_PATH:
        raise EnvironmentMissingError(
            f"the socket path {path} is too long for a Unix socket",
            f"point {p.DIR_ENV} at a shorter directory",
        )
    proc = None if connect(path) else spawn_server(directory, key)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        status = control("status", directory)
        if status is not None:
            click.echo(_describe(status))
            return
        if proc is not None and proc.poll() not in (None, 0):
            break
        time.sleep(0.02)
    log = Path(p.log_path(directory, key))
    tail = log.read_text(errors="replace")[-2000:].strip() if log.exists() else ""
    raise EnvironmentMissingError(
        f"the goship server did not start{': ' + tail if tail else ''}",
        f"see {log}; builds still work without it (unset {p.ENABLE})",
    )
