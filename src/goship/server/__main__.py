"""``python -m goship.server``: run the build server in the foreground (the client starts it
this way, detached, when ``GOSHIP_SERVER=1``; ``goship server start`` does too)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from types import FrameType

from goship.server import protocol as p
from goship.server.server import serve


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m goship.server", description=__doc__)
    parser.add_argument("--key", help="the code key the client computed (must match)")
    parser.add_argument("--idle", type=float, default=None, help="seconds idle before exiting")
    args = parser.parse_args(argv)
    key = p.code_key()
    if args.key and args.key != key:
        print(f"goship changed since the client started ({args.key} != {key})", file=sys.stderr)
        return 1
    idle = args.idle
    if idle is None:
        idle = float(os.environ.get(p.IDLE_ENV) or p.DEFAULT_IDLE)
    signal.signal(signal.SIGTERM, _terminate)
    return serve(p.server_dir(), key, idle)


if __name__ == "__main__":
    sys.exit(main())
