"""Benchmark: warm `goship inspect` of a 200-package module vs `go list -json -deps` alone.

Generates a Go module with 200 packages (stdlib imports only) in a temp dir: a net/http main
that imports 199 library packages, which import each other in a chain of layers and use
os.Getenv, time.LoadLocation, os.ReadFile and crypto/tls so the analysis has real work.
Warms the Go build/list cache, then times, in this one run:

* `go list -json -deps ./...` alone (the floor: goship runs it too),
* `inspect_project(path)` in process (goship.project.analyze),
* `goship inspect --json PATH` as a subprocess (what a user waits for).

Prints absolute times, ratios to `go list`, and the warm in-process time against the 5 s
target. Not a test: `python benchmarks/inspect_bench.py [--packages N] [--repeat K] [--check]`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from goship.gobuild.toolchain import find_go

TARGET_SECONDS = 5.0
MODULE = "bench.example/big"

LIB_TEMPLATE = """\
package {name}

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
{extra_imports})

// Config{idx} is read from the environment and a file next to the binary.
type Config{idx} struct {{
	Name  string `json:"name"`
	Limit int    `json:"limit"`
}}

// Load{idx} reads settings; it exists so the analysis sees env reads and file opens.
func Load{idx}() (Config{idx}, error) {{
	cfg := Config{idx}{{Name: os.Getenv("SVC_{idx}_NAME")}}
	if cfg.Name == "" {{
		cfg.Name = "{name}"
	}}
	raw, err := os.ReadFile("config/{name}.json")
	if err == nil {{
		_ = json.Unmarshal(raw, &cfg)
	}}
	return cfg, nil
}}

// Describe{idx} formats a value in a time zone.
func Describe{idx}(v string) string {{
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {{
		loc = time.UTC
	}}
	_ = &tls.Config{{MinVersion: tls.VersionTLS12}}
	return fmt.Sprintf("%s@%s:%s", strings.ToUpper(v), loc, {deps_call})
}}
"""

MAIN_TEMPLATE = """\
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"

{imports})

func main() {{
	port := os.Getenv("PORT")
	if port == "" {{
		port = "8080"
	}}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {{
		fmt.Fprintln(w, "ok")
	}})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {{
{calls}	}})
	log.Fatal(http.ListenAndServe(":"+port, mux))
}}
"""


def generate_module(root: Path, packages: int) -> Path:
    """Write a module with ``packages`` packages (1 main + packages-1 libraries)."""
    libs = packages - 1
    (root / "go.mod").write_text(f"module {MODULE}\n\ngo 1.22\n")
    width = 10  # each library imports up to two from the previous layer of 10
    for i in range(libs):
        name = f"p{i:03d}"
        deps = [f"p{j:03d}" for j in (i - width, i - width - 1) if j >= 0]
        extra = "".join(f'\t"{MODULE}/internal/{d}"\n' for d in deps)
        call = " + ".join(f"{d}.Describe{int(d[1:])}(v)" for d in deps) or '""'
        pkg_dir = root / "internal" / name
        pkg_dir.mkdir(parents=True)
        text = LIB_TEMPLATE.format(name=name, idx=i, extra_imports=extra, deps_call=call)
        (pkg_dir / f"{name}.go").write_text(text)
    imports = "".join(f'\t"{MODULE}/internal/p{i:03d}"\n' for i in range(libs))
    calls = "".join(f'\t\tfmt.Fprintln(w, p{i:03d}.Describe{i}("x"))\n' for i in range(libs))
    main_dir = root / "cmd" / "server"
    main_dir.mkdir(parents=True)
    (main_dir / "main.go").write_text(MAIN_TEMPLATE.format(imports=imports, calls=calls))
    return root


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls (after the caller warmed it)."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per variant (median)")
    parser.add_argument("--check", action="store_true", help="exit 1 when over the 5 s target")
    args = parser.parse_args(argv)

    try:
        from goship.project.analyze import inspect_project
    except ImportError as exc:
        print(f"goship.project.analyze.inspect_project is not available: {exc}", file=sys.stderr)
        return 2

    go = find_go()
    with tempfile.TemporaryDirectory(prefix="goship-inspect-bench-") as tmp:
        root = generate_module(Path(tmp), args.packages)

        def go_list() -> None:
            subprocess.run(
                [go, "list", "-json", "-deps", "./..."],
                cwd=root,
                check=True,
                capture_output=True,
                env=None,
            )

        def in_process() -> None:
            inspect_project(root)

        def cli() -> None:
            subprocess.run(
                [sys.executable, "-m", "goship", "inspect", "--json", str(root)],
                check=True,
                capture_output=True,
            )

        listed = subprocess.run(
            [go, "list", "-f", "{{.ImportPath}}", f"{MODULE}/..."],
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        print(f"module: {len(listed)} packages in {MODULE} ({root})")
        version = subprocess.run([go, "version"], capture_output=True, text=True, check=False)
        print(f"go: {version.stdout.strip()}")

        cold_start = time.perf_counter()
        go_list()
        facts = inspect_project(root)  # warm-up: also fills any goship cache
        cold = time.perf_counter() - cold_start
        cli()
        service = getattr(facts, "service", None)
        print(
            f"warm-up (go list + inspect): {cold:.2f}s; service main="
            f"{getattr(service, 'main', None)} port={getattr(service, 'port', None)}"
        )

        t_list = timed(go_list, args.repeat)
        t_inproc = timed(in_process, args.repeat)
        t_cli = timed(cli, args.repeat)

    print(f"\nwarm timings (median of {args.repeat}):")
    print(f"  go list -json -deps ./...     {t_list:7.3f}s   1.00x")
    print(f"  inspect_project (in process)  {t_inproc:7.3f}s   {t_inproc / t_list:5.2f}x go list")
    print(f"  goship inspect --json (CLI)   {t_cli:7.3f}s   {t_cli / t_list:5.2f}x go list")
    verdict = "OK" if t_inproc < TARGET_SECONDS else "OVER TARGET"
    print(f"\ntarget: warm inspect < {TARGET_SECONDS:.0f}s -> {t_inproc:.2f}s {verdict}")
    return 1 if args.check and t_inproc >= TARGET_SECONDS else 0


if __name__ == "__main__":
    sys.exit(main())
