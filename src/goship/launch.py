"""The ``goship`` command (``bin/goship``) and ``python -m goship``: what can happen before the
heavy imports.

A warm ``goship build`` after a code edit is timed against a plain ``go build``, so every
millisecond between the interpreter starting and ``go build`` starting counts. This module
imports only the standard library and runs, in order:

1. :func:`goship.server.client.try_server`: hand the command to a running goship build server
   (``GOSHIP_SERVER``), which has everything imported already; its exit code is ours. The
   client (sockets, struct: ~2.5 ms) is imported only when that variable is set at all.
2. :func:`goship.build.prestart.prestart`: start the previous build's ``go build`` for this
   exact command line before click, rich and the pipeline are imported; while it compiles,
   :func:`goship.build.yieldcpu.import_yielding` imports them at the lowest CPU priority.
3. :func:`goship.cli.main`: the real command-line interface.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

INTERRUPTED = 130  # goship.cli.run's code for Ctrl-C (not imported: it is not free)
SERVER_ENV = "GOSHIP_SERVER"  # goship.server.protocol.ENABLE (a test keeps them equal)


def main() -> None:
    """The ``goship`` command: ``bin/goship``, installed as the wheel's script, calls this."""
    argv = sys.argv[1:]
    code = None
    if os.environ.get(SERVER_ENV):
        from goship.server.client import try_server

        code = try_server(argv)
    if code is None:
        try:
            run = _import_cli(argv)
        except KeyboardInterrupt:  # Ctrl-C during start-up: what cli.run returns for it
            _exit(INTERRUPTED)
        code = run(argv)
    _exit(code)


def _import_cli(argv: list[str]) -> Callable[[list[str]], int]:
    """Start the early ``go build`` for ``argv`` (if any), then import the CLI (at low CPU
    priority while that compiles)."""
    from goship.build.prestart import prestart

    jobs = prestart(argv)
    if jobs:
        from goship.build.yieldcpu import import_yielding

        import_yielding(jobs)
    from goship.cli import run

    return run


def _exit(code: int) -> None:
    """Exit without tearing the interpreter down. Freeing every object of a process that
    imported click, rich, tree-sitter and the pipeline takes ~17 ms, a twentieth of a small
    service's warm rebuild, and buys nothing at exit. Everything goship writes is closed by
    then; what ``sys.exit`` would still do is flushing stdio and running the atexit hooks
    (e.g. stopping an early ``go build`` that was not used), so do those two."""
    import atexit
    import contextlib

    try:
        run_exitfuncs = atexit._run_exitfuncs  # CPython: what sys.exit runs at shutdown
    except AttributeError:  # pragma: no cover - another interpreter: exit the usual way
        sys.exit(code)
    run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`goship ... | head`)
            stream.flush()
    os._exit(code)
