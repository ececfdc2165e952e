"""Lint throughput (Dockerfiles/s) of `goship lint` vs hadolint on the test corpus
(tests/data/dockerfiles), printed with ratios from one run.

Measured (median of --repeat passes over the whole corpus, after one untimed warm-up pass):

* goship in process: `lint_dockerfile(..., hadolint=False, use_project=False)` — parse,
  stage model, every Dockerfile-only rule (the project cross-checks need `go list` and are
  left out so the number is about the linter);
* goship CLI: `goship lint FILE --no-hadolint --project <dir without go.mod>`, one process
  per file (includes Python start-up);
* hadolint, one process per file (`hadolint --format json --no-fail FILE`), the way the CLI
  runs it, and hadolint with the whole corpus in one invocation.

Target: goship in process >= 200 Dockerfiles/s.

    .venv/bin/python benchmarks/lint_bench.py
    .venv/bin/python benchmarks/lint_bench.py --repeat 5 --check
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from bench_common import median_time  # noqa: E402

from goship.lint.engine import LintOptions, lint_dockerfile  # noqa: E402
from goship.lint.hadolint import find_hadolint  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "dockerfiles"
TARGET = 200.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="exit 1 when under the target")
    args = parser.parse_args()
    files = sorted(CORPUS.glob("*.Dockerfile"))
    n = len(files)
    options = LintOptions(hadolint=False, use_project=False)

    def in_process() -> None:
        for f in files:
            lint_dockerfile(f, options)

    def cli() -> None:
        for f in files:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "goship",
                    "lint",
                    str(f),
                    "--no-hadolint",
                    "--project",
                    str(CORPUS),
                    "--fail-on",
                    "error",
                ],
                capture_output=True,
                check=False,
            )

    hadolint = find_hadolint()

    def hadolint_each() -> None:
        assert hadolint
        for f in files:
            subprocess.run(
                [hadolint, "--format", "json", "--no-fail", str(f)],
                capture_output=True,
                check=False,
            )

    def hadolint_batch() -> None:
        assert hadolint
        subprocess.run(
            [hadolint, "--format", "json", "--no-fail", *map(str, files)],
            capture_output=True,
            check=False,
        )

    rows: list[tuple[str, float]] = []
    for name, fn in (
        ("goship lint, in process (goship rules)", in_process),
        ("goship lint CLI --no-hadolint, one process per file", cli),
        ("hadolint, one process per file", hadolint_each),
        ("hadolint, whole corpus in one process", hadolint_batch),
    ):
        if fn in (hadolint_each, hadolint_batch) and not hadolint:
            print(f"{name}: hadolint not found, skipped")
            continue
        fn()  # warm-up
        rows.append((name, median_time(fn, args.repeat)))

    print(f"corpus: {n} Dockerfiles, median of {args.repeat}")
    width = max(len(r[0]) for r in rows)
    for name, secs in rows:
        print(f"  {name:{width}}  {secs * 1000:8.1f} ms  {n / secs:8.1f} files/s")
    by = dict(rows)
    inproc = by["goship lint, in process (goship rules)"]
    for ref in ("hadolint, one process per file", "hadolint, whole corpus in one process"):
        if ref in by:
            print(f"  ratio goship in process / {ref}: {by[ref] / inproc:.2f}x the throughput")
    if "hadolint, one process per file" in by:
        cli_t = by["goship lint CLI --no-hadolint, one process per file"]
        ratio = by["hadolint, one process per file"] / cli_t
        print(f"  ratio goship CLI / hadolint per file: {ratio:.2f}x the throughput")
    ok = n / inproc >= TARGET
    print(f"target: in process >= {TARGET:.0f} files/s: {'ok' if ok else 'MISSED'}")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
