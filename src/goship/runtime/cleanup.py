"""Certain cleanup: undo actions run last-in first-out on success, failure and Ctrl-C.

:class:`Cleanup` is a context manager. While it is active, SIGTERM is turned into a
``KeyboardInterrupt`` (SIGINT already is one), so a killed or interrupted ``goship verify``
still unwinds through ``__exit__``; while the undo actions run, both signals are ignored so a
second Ctrl-C cannot cut the cleanup short. Undo actions are registered *before* the thing
they undo is created (removing what does not exist is harmless), so an interrupt between
"create" and "register" cannot leak anything.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


class Cleanup:
    def __init__(self) -> None:
        self._undo: list[tuple[str, Callable[[], object]]] = []
        self._saved: dict[int, Any] = {}
        self.errors: list[str] = []

    def add(self, what: str, action: Callable[[], object]) -> None:
        """Register ``action`` (described as ``what``) to run at exit."""
        self._undo.append((what, action))

    def __enter__(self) -> Cleanup:
        if threading.current_thread() is threading.main_thread():
            self._saved[signal.SIGTERM] = signal.signal(signal.SIGTERM, _raise_interrupt)
        return self

    def run(self) -> None:
        """Run every undo action now (LIFO), with SIGINT/SIGTERM ignored meanwhile."""
        in_main = threading.current_thread() is threading.main_thread()
        previous = {s: signal.signal(s, signal.SIG_IGN) for s in _SIGNALS} if in_main else {}
        try:
            while self._undo:
                what, action = self._undo.pop()
                try:
                    action()
                except Exception as exc:  # keep undoing the rest
                    self.errors.append(f"{what}: {exc}")
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.run()
        finally:
            for sig, handler in self._saved.items():
                signal.signal(sig, handler)
            self._saved.clear()
