"""Progress for ``goship build`` on stderr: rich bars for compile, layers and upload when both
stdout and stderr are terminals (and ``--json`` is off); silent otherwise, e.g. in CI or in
``ref=$(goship build ...)``. Warnings are always printed. ``rich.progress`` (~15 ms to import,
while the early ``go build`` runs) is imported only when the bars are shown, ``rich.console``
only for a terminal or a warning."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from goship.image.platform import Platform

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID


class BuildProgress:
    def __init__(self, enabled: bool | None = None, console: Console | None = None) -> None:
        self._console = console
        if enabled is None:  # stdout first: rich.console (~20 ms) only for a terminal
            enabled = sys.stdout.isatty() and self.console.is_terminal
        self.enabled = enabled
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._lock = threading.Lock()
        self._upload: TaskID | None = None
        self._blob_done: dict[str, int] = {}

    @property
    def console(self) -> Console:
        """The stderr console, made on first use (warnings, bars)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False, soft_wrap=True)
        return self._console

    @contextmanager
    def live(self) -> Iterator[BuildProgress]:
        if not self.enabled:
            yield self
            return
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        with self._progress:
            yield self
        self._progress = None

    def warn(self, message: str) -> None:
        self.console.print(f"[yellow]warning:[/] {message}", markup=True)

    def info(self, message: str) -> None:
        if self.enabled:
            self.console.print(message, markup=False)

    # --- steps --------------------------------------------------------------------------------
    def start(self, key: str, description: str, total: float | None = None) -> None:
        if self._progress is None:
            return
        with self._lock:
            self._tasks[key] = self._progress.add_task(description, total=total, detail="")

    def finish(self, key: str, description: str | None = None) -> None:
        if self._progress is None or key not in self._tasks:
            return
        task = self._tasks[key]
        total = self._progress.tasks[task].total if task < len(self._progress.tasks) else None
        kwargs: dict[str, Any] = {"completed": total or 1, "total": total or 1}
        if description:
            kwargs["description"] = description
        self._progress.update(task, **kwargs)

    @contextmanager
    def step(self, key: str, description: str, done: str | None = None) -> Iterator[None]:
        self.start(key, description)
        yield
        self.finish(key, done)

    def compile_event(self, platform: Platform, event: str) -> None:
        key = f"compile {platform}"
        if event == "start":
            self.start(key, f"compile {platform}")
        else:
            self.finish(key)

    # --- upload ---------------------------------------------------------------------------------
    def upload_event(self, event: Any) -> None:
        """A registry PushEvent: blob byte progress feeds one "upload" bar."""
        if self._progress is None:
            return
        digest = getattr(event, "digest", "")
        total = getattr(event, "total", None)
        completed = getattr(event, "completed", None)
        if total is None or completed is None:
            return
        with self._lock:
            if self._upload is None:
                self._upload = self._progress.add_task("upload", total=0, detail="")
            if digest not in self._blob_done:
                self._blob_done[digest] = 0
                current = self._progress.tasks[self._upload].total or 0
                self._progress.update(self._upload, total=current + total)
            delta = max(0, completed - self._blob_done[digest])
            if getattr(event, "state", "") in ("exists", "mounted", "uploaded"):
                delta = max(0, total - self._blob_done[digest])
            self._blob_done[digest] += delta
            self._progress.advance(self._upload, delta)
            task = self._progress.tasks[self._upload]
            mib = 1024 * 1024
            detail = f"{task.completed / mib:.1f}/{(task.total or 0) / mib:.1f} MiB"
            self._progress.update(self._upload, detail=detail)
