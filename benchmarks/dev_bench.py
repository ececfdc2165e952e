"""Benchmark: `goship dev` latency from saving a .go change to the new response being served.

For each bundled example (copied to a temp dir), starts the dev loop in process
(:class:`goship.dev.loop.DevLoop`, the same loop `goship dev` runs) on a free loopback port,
waits for the first build untimed (it fills the Go build cache), then N times:

* rewrites the health handler so it answers a new token and saves the file,
* polls the health endpoint every 10 ms until the token is served.

The time from the write to the first response with the token is the figure; it includes the
watcher's batching (50 ms quiet step), `go build` with a warm cache, stopping the old process
(SIGTERM, graceful shutdown) and starting the new one. The build and restart parts come from
the loop's events. For gin-notes a template edit (restart without a rebuild) is timed too.

Prints the medians against the 2 s target. Not a test:
`python benchmarks/dev_bench.py [--example NAME] [--repeat N] [--check]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from goship.dev import events as ev
from goship.dev.loop import DevLoop
from goship.dev.settings import resolve_settings

TARGET_SECONDS = 2.0
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Example:
    name: str
    handler: str  # file with the health handler
    health: str  # the exact source text of the health response
    template: str  # format with {token}
    env: str  # format with {port}
    page: tuple[str, str, str] | None = None  # (template file, old text, format with {token})


EXAMPLES = {
    "stdlib-api": Example(
        "stdlib-api",
        "main.go",
        'map[string]string{"status": "ok"}',
        'map[string]string{{"status": "{token}"}}',
        "ADDR=127.0.0.1:{port}",
    ),
    "gin-notes": Example(
        "gin-notes",
        "handlers.go",
        'gin.H{"status": "ok"}',
        'gin.H{{"status": "{token}"}}',
        "PORT={port}",
        ("templates/index.html", "<h1>Notes</h1>", "<h1>{token}</h1>"),
    ),
}


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return str(resp.read().decode())
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return ""


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _served(url: str, token: str, timeout: float = 120.0) -> float:
    """Poll until ``token`` is served; return the monotonic time it was first seen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if token in _get(url):
            return time.monotonic()
        time.sleep(0.01)
    raise SystemExit(f"{token!r} never served at {url}")


@dataclass
class Sample:
    total: float  # save -> new response served
    build: float  # go build (from the BUILT event)
    restart: float  # BUILT (or the change, without a build) -> RESTARTED: stopping the old one
    start: float  # RESTARTED -> READY: the new process opens its port


def _edit_and_time(loop: DevLoop, path: Path, old: str, new: str, url: str, token: str) -> Sample:
    mark = loop.log.last_seq
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))
    saved = time.monotonic()
    seen = _served(url, token)
    # the response can arrive before the loop's own port probe: wait for its READY event
    restarted = loop.wait_for(ev.RESTARTED, after=mark, timeout=60)
    ready = loop.wait_for(ev.READY, after=restarted.seq if restarted else mark, timeout=60)
    if restarted is None or ready is None:
        raise SystemExit(f"no restart/ready events after editing {path.name}")
    built = [e for e in loop.log.events(mark) if e.kind == ev.BUILT and e.seq < restarted.seq]
    build = sum(e.seconds or 0.0 for e in built)
    restart = restarted.at - (built[-1].at if built else saved)
    return Sample(seen - saved, build, restart, ready.at - restarted.at)


def bench(example: Example, repeat: int) -> dict[str, list[Sample]]:
    results: dict[str, list[Sample]] = {"go edit": [], "template edit": []}
    with tempfile.TemporaryDirectory(prefix="goship-dev-bench-") as tmp:
        root = Path(tmp) / example.name
        shutil.copytree(ROOT / "examples" / example.name, root)
        port = _free_port()
        settings = resolve_settings(root, env=[example.env.format(port=port)])
        loop = DevLoop(settings, output=subprocess.DEVNULL)
        loop.start()
        ready = loop.wait_for((ev.READY, ev.BUILD_FAILED, ev.FAILED, ev.EXITED), timeout=600)
        if ready is None or ready.kind != ev.READY:
            loop.stop()
            raise SystemExit(f"{example.name}: the service did not come up: {ready}")
        try:
            url = f"http://127.0.0.1:{port}/healthz"
            current = example.health
            for i in range(repeat):
                token = f"bench-{i}"
                new = example.template.format(token=token)
                sample = _edit_and_time(loop, root / example.handler, current, new, url, token)
                results["go edit"].append(sample)
                current = new
            if example.page:
                rel, old, fmt = example.page
                page_url = f"http://127.0.0.1:{port}/"
                for i in range(repeat):
                    new = fmt.format(token=f"page-{i}")
                    sample = _edit_and_time(loop, root / rel, old, new, page_url, f"page-{i}")
                    results["template edit"].append(sample)
                    old = new
        finally:
            loop.stop()
    return {k: v for k, v in results.items() if v}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", choices=sorted(EXAMPLES), action="append")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--check", action="store_true", help="exit 1 when over the target")
    args = parser.parse_args(argv)
    os.environ.setdefault("GOTOOLCHAIN", "local")
    names = args.example or ["stdlib-api", "gin-notes"]
    over = False
    print(f"goship dev: save -> new response served, median of {args.repeat} (target < 2 s)")
    print(
        f"{'example':<12} {'change':<14} {'median':>8} {'min':>8} {'max':>8} "
        f"{'go build':>9} {'stop old':>9} {'start':>7}  target"
    )
    for name in names:
        for kind, samples in bench(EXAMPLES[name], args.repeat).items():
            totals = [s.total for s in samples]
            med = statistics.median(totals)
            build = statistics.median(s.build for s in samples)
            restart = statistics.median(s.restart for s in samples)
            start = statistics.median(s.start for s in samples)
            ok = med < TARGET_SECONDS
            over = over or (kind == "go edit" and not ok)
            print(
                f"{name:<12} {kind:<14} {med:>7.2f}s {min(totals):>7.2f}s {max(totals):>7.2f}s "
                f"{build:>8.2f}s {restart:>8.2f}s {start:>6.2f}s  {'ok' if ok else 'OVER'} "
                f"({med / TARGET_SECONDS:.2f}x of 2 s)"
            )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} on {os.cpu_count()} cores")
    return 1 if args.check and over else 0


if __name__ == "__main__":
    sys.exit(main())
