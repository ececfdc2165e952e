"""Time `goship scan` of one Go binary against the full Go vulnerability database, next to
govulncheck on the same binary and the same database, and print ratios from one run.

Measured (median of --repeat runs, all warm: the database's index layout is built and the
binary analysed once, untimed, before):

* DB conversion (cold, once): the vendored zip -> index layout (what `--db ZIP` does the first
  time; later runs reuse the cached layout);
* DB load: opening the layout and reading index/db.json + index/modules.json; and a full parse
  of every OSV entry (what a scan never needs, shown for scale);
* scan in process: `run_scan(binary)` — build info, pclntab, matching, reachability;
* scan as the CLI: `goship scan BIN --db LAYOUT --format json` (includes Python start-up);
* govulncheck: `govulncheck -mode=binary -db file://LAYOUT -json BIN`.

Target: warm in-process scan <= 1 s.

    .venv/bin/python benchmarks/scan_bench.py                 # builds the old-gin test service
    .venv/bin/python benchmarks/scan_bench.py --binary PATH --repeat 7 --check
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from bench_common import median_time  # noqa: E402

from goship.vuln.dbindex import iter_zip, write_index_layout  # noqa: E402
from goship.vuln.osvdb import _snapshot_time, open_db  # noqa: E402
from goship.vuln.scan import ScanOptions, run_scan  # noqa: E402

VULNDB_ZIP = ROOT / "tests" / "data" / "vulndb" / "go-vulndb-osv.zip"
FIXTURE = ROOT / "tests" / "fixtures" / "vuln" / "netcrypto"
GOVULNCHECK = "golang.org/x/vuln/cmd/govulncheck@v1.1.4"
TARGET_S = 1.0


def go() -> str:
    found = shutil.which("go")
    if not found:
        sys.exit("no go on PATH")
    return found


def build_binary(tmp: Path) -> Path:
    out = tmp / "netcrypto"
    env = {**os.environ, "CGO_ENABLED": "0", "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod"}
    subprocess.run([go(), "build", "-o", str(out), "."], cwd=FIXTURE, env=env, check=True)
    return out


def govulncheck_path(tmp: Path) -> str:
    found = shutil.which("govulncheck")
    cache = Path(os.environ.get("GOSHIP_TOOLS_BIN") or Path.home() / ".cache/goship-tools/bin")
    if found:
        return found
    if (cache / "govulncheck").is_file():
        return str(cache / "govulncheck")
    cache.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOBIN": str(cache), "GOTOOLCHAIN": "local"}
    subprocess.run([go(), "install", GOVULNCHECK], env=env, check=True)
    return str(cache / "govulncheck")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path, help="binary to scan (default: build one)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--check", action="store_true", help=f"exit 1 above {TARGET_S} s")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="goship-scan-bench-"))
    try:
        binary = args.binary or build_binary(tmp)
        size = binary.stat().st_size
        start = time.perf_counter()
        layout = write_index_layout(
            iter_zip(VULNDB_ZIP), tmp / "layout", _snapshot_time(VULNDB_ZIP)
        )
        convert = time.perf_counter() - start
        db_arg = str(layout)

        def load_index() -> None:
            db = open_db(db_arg, cache=tmp / "cache")
            _ = db.info, db.modules

        def load_all() -> None:
            db = open_db(db_arg, cache=tmp / "cache")
            for entry_id in db.all_ids():
                db.entry(entry_id)

        options = ScanOptions(db=db_arg, fail_on="none")
        count = len(run_scan(str(binary), options).findings)  # warm-up (page cache, imports)
        scan_in_process = median_time(lambda: run_scan(str(binary), options), args.repeat)
        goship_cli = [
            str(ROOT / ".venv" / "bin" / "goship"),
            "scan",
            str(binary),
            "--db",
            db_arg,
            "--format",
            "json",
            "--fail-on",
            "none",
            "-o",
            str(tmp / "r.json"),
        ]
        subprocess.run(goship_cli, check=True, capture_output=True)
        scan_cli = median_time(
            lambda: subprocess.run(goship_cli, check=True, capture_output=True), args.repeat
        )
        tool = govulncheck_path(tmp)
        gv = [tool, "-mode=binary", "-db", layout.as_uri(), "-json", str(binary)]
        subprocess.run(gv, check=True, capture_output=True)
        gv_time = median_time(
            lambda: subprocess.run(gv, check=True, capture_output=True), args.repeat
        )
        index_time = median_time(load_index, args.repeat)
        all_time = median_time(load_all, max(1, args.repeat // 2))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"binary: {binary.name} ({size / 2**20:.1f} MiB), {count} findings")
    print(f"database: {VULNDB_ZIP.name}, converted to the index layout in {convert:.2f} s (once)")
    print(f"DB load (index files)          {index_time * 1000:8.1f} ms")
    print(f"DB load (parse all entries)    {all_time * 1000:8.1f} ms")
    print(f"goship scan, in process        {scan_in_process * 1000:8.1f} ms   (target <= 1 s)")
    print(f"goship scan, CLI               {scan_cli * 1000:8.1f} ms")
    print(f"govulncheck -mode=binary       {gv_time * 1000:8.1f} ms")
    print(f"ratio goship CLI / govulncheck        {scan_cli / gv_time:6.2f}x")
    print(f"ratio goship in-process / govulncheck {scan_in_process / gv_time:6.2f}x")
    if args.check and scan_in_process > TARGET_S:
        print(f"over target: {scan_in_process:.2f} s > {TARGET_S} s")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
