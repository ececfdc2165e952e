"""The hot-reload loop: watch, rebuild, swap the process; keep the last good build on failure.

Two threads: the watcher (``watchfiles.watch``) only queues changed paths; the worker owns all
state (the builder, the running :class:`Child`) and acts on merged batches, so changes that
arrive during a build end in one more build, never in two concurrent ones. Every step is an
event (:mod:`goship.dev.events`); tests drive the loop through :meth:`DevLoop.wait_for`.

    loop = DevLoop(settings)
    loop.start()                     # returns once the watcher runs; building happens behind
    loop.wait_for("ready")
    ...
    loop.stop()                      # SIGTERM the service, SIGKILL after the grace period
"""

from __future__ import annotations

import queue
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import IO, Protocol

import watchfiles

from goship.dev import events as ev
from goship.dev.build import Builder, BuildResult
from goship.dev.events import DevEvent, EventLog, Listener
from goship.dev.process import Child, port_open
from goship.dev.settings import DevSettings
from goship.dev.watch import Action, DevFilter, Pending, WatchSpec, describe
from goship.errors import EnvironmentMissingError, GoshipError

WATCH_STEP_MS = 50  # a batch ends after this long without a new change
WATCH_DEBOUNCE_MS = 1600  # ... or after this long in any case (watchfiles' default)


class BuilderLike(Protocol):
    def build(self) -> BuildResult: ...
    def prune(self, keep: Path | None) -> None: ...
    def cancel(self) -> None: ...


class DevLoop:
    """The dev loop for one service. Not restartable: make a new one after :meth:`stop`."""

    def __init__(
        self,
        settings: DevSettings,
        *,
        listeners: Iterable[Listener] = (),
        watch: bool = True,
        builder: BuilderLike | None = None,
        output: IO[bytes] | int | None = None,
    ) -> None:
        self.settings = settings
        self.log = EventLog(listeners)
        self._watch_enabled = watch
        self._out_dir = Path(tempfile.mkdtemp(prefix="goship-dev-"))
        self._spec = replace(settings.watch, ignored=(*settings.watch.ignored, self._out_dir))
        self._builder: BuilderLike = builder or Builder(settings.build, self._out_dir)
        self._output = output
        self._queue: queue.Queue[list[str]] = queue.Queue()
        self._pending = Pending()
        self._stopping = threading.Event()
        self._watch_stop = threading.Event()
        self._watch_ready = threading.Event()
        self._threads: list[threading.Thread] = []
        self._child: Child | None = None
        self._binary: BuildResult | None = None  # the build the running child came from
        self._env: dict[str, str] = {}
        self._port: int | None = None
        self._change_at: float | None = None  # when the change being served was seen
        self._awaiting_ready: float | None = None  # start time while the port is not open
        self._exit_reported = False
        self.stop_code: int | None = None
        self._stop_signal: int = signal.SIGTERM
        self.error: GoshipError | None = None  # why the loop gave up (FAILED event)

    # -- public API ---------------------------------------------------------------------------

    @property
    def spec(self) -> WatchSpec:
        return self._spec

    @property
    def pid(self) -> int | None:
        """PID of the running service (delve's when debugging), or None."""
        child = self._child
        return child.pid if child is not None and child.alive() else None

    @property
    def out_dir(self) -> Path:
        return self._out_dir

    def wait_for(
        self, kinds: str | Iterable[str], *, after: int = 0, timeout: float = 60.0
    ) -> DevEvent | None:
        return self.log.wait_for(kinds, after=after, timeout=timeout)

    def start(self, watch_timeout: float = 15.0) -> None:
        """Start watching, then build and run in the background (events tell the progress)."""
        self._env = self.settings.child_env()
        self._port = self.settings.service_port(self._env)
        if self._watch_enabled:
            watcher = threading.Thread(target=self._watch, name="goship-dev-watch", daemon=True)
            self._threads.append(watcher)
            watcher.start()
            self._watch_ready.wait(watch_timeout)
        worker = threading.Thread(target=self._work, name="goship-dev-loop", daemon=True)
        self._threads.append(worker)
        worker.start()

    def notify(self, paths: Iterable[str]) -> None:
        """Queue changed paths as if the watcher had seen them (tests, editors' hooks)."""
        self._queue.put([str(p) for p in paths])

    def stop(self, sig: int = signal.SIGTERM) -> int | None:
        """Stop watching, stop the service (``sig``, then SIGKILL after the grace period) and
        remove the build directory. Returns the service's exit code."""
        self._stop_signal = sig
        self._stopping.set()
        self._watch_stop.set()
        self._builder.cancel()
        for thread in self._threads:
            thread.join(timeout=30 + self.settings.grace)
        self._stop_child()  # normally done by the worker already (it owns the child)
        shutil.rmtree(self._out_dir, ignore_errors=True)
        self.log.emit(ev.STOPPED, code=self.stop_code)
        return self.stop_code

    def _stop_child(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            self.stop_code = child.stop(self._stop_signal, self.settings.grace)

    # -- watcher thread -----------------------------------------------------------------------

    def _watch(self) -> None:
        try:
            for changes in watchfiles.watch(
                *self._spec.roots(),
                watch_filter=DevFilter(self._spec),
                debounce=WATCH_DEBOUNCE_MS,
                step=WATCH_STEP_MS,
                stop_event=self._watch_stop,
                rust_timeout=200,
                yield_on_timeout=True,
                raise_interrupt=False,
            ):
                if not self._watch_ready.is_set():
                    self._watch_ready.set()
                    self.log.emit(ev.WATCHING, message=str(self._spec.root))
                if changes:
                    self._queue.put(sorted(path for _, path in changes))
        except Exception as exc:
            self.log.emit(ev.WATCH_FAILED, message=f"{type(exc).__name__}: {exc}")
        finally:
            self._watch_ready.set()

    # -- worker thread ------------------------------------------------------------------------

    def _work(self) -> None:
        try:
            self._rebuild(Pending(Action.REBUILD), first=True)
            while not self._stopping.is_set():
                self._collect(0.05 if self._awaiting_ready is not None else 0.25)
                self._check_child()
                if self._pending and not self._stopping.is_set():
                    self._act(self._pending.take())
        except GoshipError as exc:
            self._fail(exc)
        except OSError as exc:  # e.g. the temp dir vanished or the disk is full
            self._fail(
                EnvironmentMissingError(
                    f"goship dev cannot go on: {exc}",
                    "check that TMPDIR is writable and has space, then start goship dev again",
                )
            )
        finally:
            # The worker started the service, so it stops it: the service dies with this
            # thread (PR_SET_PDEATHSIG), and stopping it here keeps SIGINT a SIGINT.
            self._stop_child()

    def _fail(self, exc: GoshipError) -> None:
        self.error = exc
        self.log.emit(ev.FAILED, message=str(exc), code=int(exc.exit_code))

    def _collect(self, timeout: float) -> None:
        try:
            batch = self._queue.get(timeout=timeout)
        except queue.Empty:
            return
        if not self._pending:
            self._change_at = time.monotonic()
        self._pending.add(batch, self._spec)
        while True:
            try:
                self._pending.add(self._queue.get_nowait(), self._spec)
            except queue.Empty:
                return

    def _act(self, change: Pending) -> None:
        if change.env_changed:
            try:
                self._env = self.settings.child_env()
            except GoshipError as exc:
                self.log.emit(ev.ENV_FAILED, message=str(exc))
                return
            self._port = self.settings.service_port(self._env)
        if change.action is Action.REBUILD:
            self._rebuild(change)
        elif self._binary is not None:
            self._swap(self._binary, describe(change.paths, self._spec.root))

    def _rebuild(self, change: Pending, first: bool = False) -> None:
        what = "initial build" if first else describe(change.paths, self._spec.root)
        self.log.emit(ev.BUILDING, message=what)
        result = self._builder.build()
        if self._stopping.is_set():
            return
        if not result.ok:
            self.log.emit(ev.BUILD_FAILED, message=result.errors, seconds=result.seconds)
            return
        self.log.emit(ev.BUILT, seconds=result.seconds, message=what)
        running = self._child is not None and self._child.alive()
        same = self._binary is not None and self._binary.sha256 == result.sha256
        if running and same and not change.env_changed:
            self.log.emit(ev.UNCHANGED, message=what)
            self._builder.prune(self._binary.binary if self._binary else None)
            return
        self._swap(result, what)

    def _swap(self, build: BuildResult, reason: str) -> None:
        assert build.binary is not None
        restarting = self._child is not None
        if self._child is not None:
            self._child.stop(signal.SIGTERM, self.settings.grace)
            self._child = None
        if self._stopping.is_set():
            return
        self._binary = build
        self._builder.prune(build.binary)
        try:
            self._child = Child(
                self.settings.argv(build.binary),
                cwd=self.settings.root,
                env=self._env,
                stdout=self._output,
                stderr=self._output,
            )
        except OSError as exc:
            self.log.emit(ev.EXITED, message=f"cannot start {build.binary.name}: {exc}")
            return
        self._exit_reported = False
        self._awaiting_ready = time.monotonic()
        kind = ev.RESTARTED if restarting else ev.STARTED
        self.log.emit(kind, pid=self._child.pid, message=reason, port=self._port)

    def _check_child(self) -> None:
        child = self._child
        if child is None:
            return
        code = child.poll()
        if code is not None:
            if not self._exit_reported:
                self._exit_reported = True
                self._awaiting_ready = None
                self.log.emit(ev.EXITED, code=code, pid=child.pid)
            return
        if self._awaiting_ready is None:
            return
        if self._port is None:
            self._awaiting_ready = None
            return
        if port_open(self._port):
            since = self._change_at or self._awaiting_ready
            self._awaiting_ready = None
            self._change_at = None
            self.log.emit(
                ev.READY, port=self._port, pid=child.pid, seconds=time.monotonic() - since
            )
        elif time.monotonic() - self._awaiting_ready > self.settings.ready_timeout:
            self._awaiting_ready = None
            self.log.emit(ev.NOT_READY, port=self._port, seconds=self.settings.ready_timeout)
