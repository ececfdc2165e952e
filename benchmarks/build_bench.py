"""Benchmark: warm `goship build` vs plain `go build` with the same flags, image size vs the
stripped binary, and 2-arch vs 1-arch wall time.

For each bundled example (copied to a temp dir, so no git and epoch 0), after one untimed run
of everything to warm the Go build cache and goship's caches, this one run times:

* `go build -trimpath -buildvcs=false -ldflags "-s -w -buildid=" -o BIN .` with
  CGO_ENABLED=0 (the floor: exactly the compile goship runs),
* `goship build DIR --output LAYOUT` as a subprocess (what a user waits for), one-shot and
  with the build server (GOSHIP_SERVER=1, a private server directory, stopped at the end),
* for edits also `go build` with the GC settings goship gives the toolchain
  (goship.gobuild.gctune), as a reference that separates goship's own share,

each in two situations: "unchanged" (nothing edited since the last build: goship's fact,
binary and layer caches all hit, while `go build -ldflags=-buildid=` always relinks) and
"edited" (an ``init`` function that sets a new string is appended to main.go before every run,
so the binary really changes: both recompile the main package and relink; goship starts the
previous ``go build`` at once, re-runs its source rules on the cached package graph while it
compiles, and re-compresses the binary layer),
* `goship build --platform linux/amd64,linux/arm64` vs the single host platform, with the
  binary cache off (GOSHIP_NO_BUILD_CACHE=1) so every platform is really compiled and linked
  (the two builds run in parallel, one per core).

Runs alternate between the two commands and the median of ``--repeat`` runs is reported.
goship runs as an installed package would: with byte-compiled modules (PYTHONDONTWRITEBYTECODE
is unset for it, so the first untimed run writes ``__pycache__``).
Sizes: the image's layers uncompressed (what `docker images` shows) and compressed (what a
registry stores) against the stripped binary. Targets: goship/go <= 1.15, uncompressed image
<= binary + 0.5 MiB. Not a test: `python benchmarks/build_bench.py [--repeat K] [--check]`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from goship.gobuild.gctune import toolchain_gc_env
from goship.gobuild.toolchain import find_go

RATIO_TARGET = 1.15
SIZE_SLACK = 512 * 1024
REPO = Path(__file__).resolve().parent.parent
EXAMPLES = ("gin-notes", "stdlib-api")
FLAGS = ["-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="]
# the installed `goship` command, as users run it (bin/goship); `python -m goship` without one
_SCRIPT = Path(sys.executable).parent / "goship"
GOSHIP = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "goship"]


def _timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _check(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> str:
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stdout


def _edit(tag: str) -> str:
    """A code change that survives dead-code elimination (an unused var would not). The
    string is new in every run: with ``-trimpath`` the Go build cache would otherwise hold the
    main package compiled by an earlier run of this script, and "edited" would measure a
    relink only."""
    return f'\nvar benchEdit string\n\nfunc init() {{ benchEdit = "{tag}-{uuid.uuid4().hex}" }}\n'


def _uncompressed_layers(layout: Path, result: dict) -> int:
    total = 0
    for layer in result["layers"]:
        blob = layout / "blobs" / "sha256" / layer["digest"].split(":")[1]
        with gzip.open(blob) as fh:
            while chunk := fh.read(1 << 20):
                total += len(chunk)
    return total


def bench(example: str, work: Path, repeat: int, server_dir: str) -> dict[str, float]:
    src = work / example
    shutil.copytree(REPO / "examples" / example, src)
    env = dict(os.environ)
    env.pop("SOURCE_DATE_EPOCH", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update({"GOSHIP_CACHE": str(work / "cache"), "CGO_ENABLED": "0", "GOFLAGS": ""})
    go_bin = work / f"{example}.bin"
    layout = work / f"{example}-layout"
    go_cmd = [find_go(), "build", *FLAGS, "-o", str(go_bin), "."]
    goship = [*GOSHIP, "build", str(src)]
    one = [*goship, "--output", str(layout)]  # what a user runs; timed
    report = [*one, "--json"]  # once, for the image's layers and size
    two = [*goship, "--platform", "linux/amd64,linux/arm64", "--output", str(work / "two")]

    # the build server (docs/server.md): a private short directory, stopped at the end
    served = {
        **env,
        "GOSHIP_SERVER": "1",
        "GOSHIP_SERVER_DIR": server_dir,
        "GOSHIP_SERVER_IDLE": "600",
    }
    _check(go_cmd, env, src)  # warm everything once, untimed
    result = json.loads(_check(report, env))
    _check(two, env)
    _check(one, served)  # starts the server
    _check(one, served)

    go_times, goship_times, served_times, one_times, two_times = [], [], [], [], []
    for _ in range(repeat):
        go_times.append(_timed(lambda: _check(go_cmd, env, src)))
        goship_times.append(_timed(lambda: _check(one, env)))
        served_times.append(_timed(lambda: _check(one, served)))
    main_go = src / "main.go"
    original = main_go.read_text()
    go_edit, tuned_edit, goship_edit, served_edit = [], [], [], []
    tuned = {**env, **toolchain_gc_env(env)}  # go build with the GC settings goship gives it
    for n in range(repeat):
        main_go.write_text(original + _edit(f"go-{n}"))
        go_edit.append(_timed(lambda: _check(go_cmd, env, src)))
        main_go.write_text(original + _edit(f"tuned-{n}"))
        tuned_edit.append(_timed(lambda: _check(go_cmd, tuned, src)))
        main_go.write_text(original + _edit(f"goship-{n}"))
        goship_edit.append(_timed(lambda: _check(one, env)))
        main_go.write_text(original + _edit(f"served-{n}"))
        served_edit.append(_timed(lambda: _check(one, served)))
    main_go.write_text(original)
    _check(one, env)
    relink = {**env, "GOSHIP_NO_BUILD_CACHE": "1"}  # go build runs for every platform
    for _ in range(repeat):
        one_times.append(_timed(lambda: _check(one, relink)))
        two_times.append(_timed(lambda: _check(two, relink)))
    binary = go_bin.stat().st_size
    return {
        "go": statistics.median(go_times),
        "goship": statistics.median(goship_times),
        "go_edit": statistics.median(go_edit),
        "tuned_edit": statistics.median(tuned_edit),
        "goship_edit": statistics.median(goship_edit),
        "served": statistics.median(served_times),
        "served_edit": statistics.median(served_edit),
        "one_arch": statistics.median(one_times),
        "two_arch": statistics.median(two_times),
        "binary": binary,
        "image_uncompressed": _uncompressed_layers(layout, result),
        "image_compressed": result["size_bytes"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--example", choices=EXAMPLES, action="append")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} CPUs")
    server_dir = tempfile.mkdtemp(prefix="gsb-", dir="/tmp")  # short: a Unix socket lives here
    try:
        failed = _run(args, server_dir)
    finally:
        env = {**os.environ, "GOSHIP_SERVER_DIR": server_dir}
        subprocess.run([*GOSHIP, "server", "stop"], env=env, check=False)
        shutil.rmtree(server_dir, ignore_errors=True)
    load = os.getloadavg()
    print(f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 1 if (failed and args.check) else 0


def _run(args: argparse.Namespace, server_dir: str) -> bool:
    failed = False
    with tempfile.TemporaryDirectory(prefix="goship-build-bench-") as tmp:
        for example in args.example or EXAMPLES:
            r = bench(example, Path(tmp), args.repeat, server_dir)
            extra = r["image_uncompressed"] - r["binary"]
            arch = r["two_arch"] / r["one_arch"]
            ok_size = extra <= SIZE_SLACK
            failed |= not ok_size
            print(f"== {example} (median of {args.repeat}, warm)")
            for label, go_key, gs_key in (
                ("unchanged", "go", "goship"),
                ("edited", "go_edit", "goship_edit"),
                ("unchanged, server", "go", "served"),
                ("edited, server", "go_edit", "served_edit"),
            ):
                ratio = r[gs_key] / r[go_key]
                ok_ratio = ratio <= RATIO_TARGET
                failed |= not ok_ratio
                print(
                    f"  {label:17} go build {r[go_key]:6.2f} s, goship build {r[gs_key]:6.2f} s"
                    f"   ratio {ratio:.2f}x (target <= {RATIO_TARGET}x: "
                    f"{'ok' if ok_ratio else 'MISSED'})"
                )
            gc = ", ".join(f"{k}={v}" for k, v in toolchain_gc_env(os.environ).items())
            print(
                f"  reference: edited go build with goship's GC settings ({gc or 'none'}) "
                f"{r['tuned_edit']:.2f} s = {r['tuned_edit'] / r['go_edit']:.2f}x plain; "
                f"goship/that: one-shot {r['goship_edit'] / r['tuned_edit']:.2f}x, "
                f"server {r['served_edit'] / r['tuned_edit']:.2f}x"
            )
            print(f"  stripped binary    {r['binary'] / 2**20:7.2f} MiB")
            print(
                f"  image uncompressed {r['image_uncompressed'] / 2**20:7.2f} MiB   "
                f"binary + {extra / 2**10:.0f} KiB (target <= +512 KiB: "
                f"{'ok' if ok_size else 'MISSED'})"
            )
            print(
                f"  image compressed   {r['image_compressed'] / 2**20:7.2f} MiB   "
                f"{r['image_compressed'] / r['binary']:.2f}x the binary"
            )
            print(
                f"  1 arch {r['one_arch']:.2f} s, 2 arch {r['two_arch']:.2f} s   ratio {arch:.2f}x"
            )
    return failed


if __name__ == "__main__":
    sys.exit(main())
