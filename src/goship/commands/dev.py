"""``goship dev PATH``: watch, rebuild with the Go build cache, restart; no containers."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import click
from rich.console import Console
from rich.markup import escape

from goship.dev.debug import debug_plan
from goship.dev.loop import DevLoop
from goship.dev.settings import DevSettings, resolve_settings
from goship.dev.status import StatusPrinter
from goship.dev.watch import is_code_error, source_snapshot, wait_for_source_change
from goship.errors import ProjectError
from goship.gobuild.toolchain import find_go

_WAITING = "waiting for a change to a .go file"
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@click.command("dev")
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.option("--main", "main", default=None, help="Main package to run (e.g. ./cmd/api).")
@click.option(
    "--env",
    "env",
    multiple=True,
    metavar="KEY=VAL",
    help="Environment variable for the service; repeatable; wins over the env file.",
)
@click.option(
    "--env-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="dotenv file to load (default: .env in the module root, when it exists).",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port to report 'serving on' for (default: from the env / source facts).",
)
@click.option(
    "--debug",
    is_flag=True,
    help="Build without optimisations and run under delve (headless, API v2, multi-client).",
)
@click.option(
    "--debug-listen",
    default="127.0.0.1:2345",
    show_default=True,
    help="Address delve's API server listens on with --debug.",
)
@click.option(
    "--watch",
    "extra_watch",
    multiple=True,
    metavar="PATH",
    help="Extra file or directory (relative to the module root) whose change restarts the "
    "service; repeatable.",
)
@click.option(
    "--no-restart-on-runtime-files",
    "no_runtime_restart",
    is_flag=True,
    help="Do not restart when templates, static or config files change.",
)
@click.option(
    "--grace",
    type=click.FloatRange(0, 300),
    default=5.0,
    show_default=True,
    help="Seconds between SIGTERM and SIGKILL when the service is stopped.",
)
def dev_command(
    path: Path,
    args: tuple[str, ...],
    main: str | None,
    env: tuple[str, ...],
    env_file: Path | None,
    port: int | None,
    debug: bool,
    debug_listen: str,
    extra_watch: tuple[str, ...],
    no_runtime_restart: bool,
    grace: float,
) -> None:
    """Run the Go service at PATH and rebuild/restart it on every change.

    Watches the module's .go files, go.mod/go.sum, embedded files, the runtime files found
    by `goship inspect` (templates, static, config) and the env file. A failed build prints
    the compiler errors and keeps the last good build serving. Arguments after `--` go to the
    service: `goship dev . -- -addr :9000`. Ctrl-C / SIGTERM stop the service (forwarded)
    and exit 0. Exit codes: 2 no Go module / no main package / bad flag, 3 no Go toolchain or
    (with --debug) no dlv.
    """
    find_go()
    plan = debug_plan(debug_listen) if debug else None
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    received: list[int] = []
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        done.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in _FORWARDED}
    try:
        settings = None
        while settings is None:
            try:
                settings = resolve_settings(
                    path,
                    main=main,
                    env=env,
                    env_file=env_file,
                    args=args,
                    port=port,
                    debug=plan,
                    watch=extra_watch,
                    restart_on_runtime=not no_runtime_restart,
                    grace=grace,
                )
            except ProjectError as exc:
                if not is_code_error(exc.message):
                    raise
                # nothing has ever built: show the error and wait for a fix instead of exiting
                before = source_snapshot(Path(path))
                console.print(f"[bold]goship dev[/bold] [red]{escape(str(exc))}[/red]")
                console.print(
                    "[bold]goship dev[/bold] [dim]waiting for a change to a .go file[/dim]"
                )
                if not wait_for_source_change(Path(path), done, since=before):
                    return
        _run(settings, console, done, received)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    sys.stdout.flush()


def _run(
    settings: DevSettings, console: Console, done: threading.Event, received: list[int]
) -> None:
    """Run the loop until a signal arrives (forwarded to the service) or it fails."""
    loop = DevLoop(settings, listeners=[StatusPrinter(console, settings)])
    try:
        loop.start()
        while not done.wait(0.2):
            if loop.error is not None:
                break
    finally:
        loop.stop(signal.SIGINT if received[:1] == [signal.SIGINT] else signal.SIGTERM)
    if loop.error is not None:
        raise loop.error
