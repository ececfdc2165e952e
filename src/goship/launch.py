"""The console script and ``python -m goship``: what can happen before the heavy imports.

A warm ``goship build`` after a code edit is timed against a plain ``go build``, so every
millisecond between the interpreter starting and ``go build`` starting counts. This module
imports only the standard library and runs, in order:

1. :func:`goship.server.client.try_server`: hand the command to a running goship build server
   (``GOSHIP_SERVER``), which has everything imported already; its exit code is ours.
2. :func:`goship.build.prestart.prestart`: start the previous build's ``go build`` for this
   exact command line before click, rich and the pipeline are imported.
3. :func:`goship.cli.main`: the real command-line interface.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Console-script entry point (``goship = goship.launch:main``)."""
    argv = sys.argv[1:]
    from goship.server.client import try_server

    code = try_server(argv)
    if code is not None:
        sys.exit(code)
    from goship.build.prestart import prestart

    prestart(argv)
    from goship.cli import main as cli_main

    cli_main()
