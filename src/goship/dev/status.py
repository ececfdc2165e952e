"""Concise status lines for ``goship dev`` (one listener on the loop's events)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from goship.dev import events as ev
from goship.dev.events import DevEvent
from goship.dev.settings import DevSettings


def _secs(value: float | None) -> str:
    return f"{value:.2f} s" if value is not None else "?"


class StatusPrinter:
    """Prints one line per meaningful event, prefixed ``goship dev``, on ``console``."""

    def __init__(self, console: Console, settings: DevSettings) -> None:
        self.console = console
        self.settings = settings
        self._serving = False  # a build has been started at least once

    def _line(self, style: str, text: str) -> None:
        self.console.print(f"[bold]goship dev[/bold] [{style}]{text}[/{style}]")

    def __call__(self, event: DevEvent) -> None:
        k, msg = event.kind, escape(event.message)
        if k in (ev.STARTED, ev.RESTARTED):
            self._serving = True
        if k == ev.WATCHING:
            self._line("dim", f"watching {msg}")
        elif k == ev.BUILT:
            self._line("green", f"built in {_secs(event.seconds)} ({msg})")
        elif k == ev.BUILD_FAILED:
            keep = "still serving the last good build" if self._serving else "waiting for a fix"
            self._line("red", f"build failed ({_secs(event.seconds)}); {keep}:")
            self.console.print(msg, highlight=False)
        elif k == ev.UNCHANGED:
            self._line("dim", f"binary unchanged ({msg}); not restarted")
        elif k in (ev.STARTED, ev.RESTARTED):
            verb = "started" if k == ev.STARTED else f"restarted ({msg})"
            self._line("cyan", f"{verb}, pid {event.pid}")
            if self.settings.debug is not None:
                listen = self.settings.debug.listen
                self._line("cyan", f"delve listening on {listen} (dlv connect {listen})")
        elif k == ev.READY:
            self._line("green", f"serving on :{event.port} ({_secs(event.seconds)})")
        elif k == ev.NOT_READY:
            self._line(
                "yellow",
                f"nothing accepts connections on :{event.port} after {_secs(event.seconds)}"
                " (pass --port if the service listens elsewhere)",
            )
        elif k == ev.EXITED:
            why = msg or f"exited with code {event.code}"
            self._line("yellow", f"service {why}; save a change to restart")
        elif k == ev.ENV_FAILED:
            self._line("red", f"env file not reloaded: {msg}")
        elif k in (ev.WATCH_FAILED, ev.FAILED):
            self._line("red", msg)
        elif k == ev.STOPPED:
            self._line("dim", "stopped" + (f" (exit code {event.code})" if event.code else ""))
