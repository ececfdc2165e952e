"""Events the dev loop emits, and a log tests and the CLI can wait on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# kinds, in the order a healthy rebuild produces them
WATCHING = "watching"  # the file watcher is running
BUILDING = "building"  # a change (or the start) triggered go build; message = changed files
BUILT = "built"  # go build succeeded; seconds = build time
BUILD_FAILED = "build_failed"  # message = compiler errors (file:line); the old process stays
UNCHANGED = "unchanged"  # the new binary is byte-identical to the running one: no restart
STARTED = "started"  # first start of the service; pid
RESTARTED = "restarted"  # old process stopped, new one started; pid, message = reason
READY = "ready"  # the port accepts connections; port, seconds since the change
NOT_READY = "not_ready"  # the port did not open within the timeout
EXITED = "exited"  # the service exited on its own; code
ENV_FAILED = "env_failed"  # the env file has a syntax error; message; old env kept
WATCH_FAILED = "watch_failed"  # the watcher died; message
FAILED = "failed"  # the loop cannot go on (e.g. Go disappeared); message, code = exit code
STOPPED = "stopped"  # the loop stopped; code = the service's exit code (None: none ran)


@dataclass(frozen=True)
class DevEvent:
    seq: int
    kind: str
    at: float  # time.monotonic()
    message: str = ""
    seconds: float | None = None
    pid: int | None = None
    port: int | None = None
    code: int | None = None


Listener = Callable[[DevEvent], None]


class EventLog:
    """Append-only event list with blocking waits (no sleeping in tests)."""

    def __init__(self, listeners: Iterable[Listener] = ()) -> None:
        self._events: list[DevEvent] = []
        self._cond = threading.Condition()
        self._listeners = list(listeners)

    def emit(self, kind: str, **fields: object) -> DevEvent:
        with self._cond:
            event = DevEvent(len(self._events) + 1, kind, time.monotonic(), **fields)  # type: ignore[arg-type]
            self._events.append(event)
            self._cond.notify_all()
        for listener in self._listeners:
            listener(event)
        return event

    @property
    def last_seq(self) -> int:
        with self._cond:
            return len(self._events)

    def events(self, after: int = 0) -> list[DevEvent]:
        with self._cond:
            return self._events[after:]

    def wait_for(
        self, kinds: str | Iterable[str], *, after: int = 0, timeout: float = 60.0
    ) -> DevEvent | None:
        """The first event with ``seq > after`` whose kind is in ``kinds``; None on timeout."""
        wanted = {kinds} if isinstance(kinds, str) else set(kinds)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self._events[after:]:
                    if event.kind in wanted:
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)
