"""Benchmark (not a test): ``goship inspect`` on a generated 200-package module.

    .venv/bin/python tests/project/bench_inspect.py [--packages 200] [--keep DIR]

The module has one serving main that imports every package; each package has a few
files with env reads, helper calls, struct literals and routes, so the analysis does real
work. The first run warms Go's build cache; the reported figure is the best of the warm
runs. The target is under 5 s warm.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from goship.project.analyze import inspect_project

PKG = """package {name}

import (
\t"fmt"
\t"net/http"
\t"os"
\t"strings"
)

const defaultLimit{i} = "{i}"

type Config{i} struct {{
\tLimit string
\tName  string
}}

func getenv{i}(key, fallback string) string {{
\tif v := os.Getenv(key); v != "" {{
\t\treturn v
\t}}
\treturn fallback
}}

func Load() Config{i} {{
\tlimit := getenv{i}("LIMIT_{i}", defaultLimit{i})
\treturn Config{i}{{Limit: limit, Name: strings.ToUpper("{name}")}}
}}

func Register(mux *http.ServeMux) {{
\tcfg := Load()
\tmux.HandleFunc("GET /{name}", func(w http.ResponseWriter, r *http.Request) {{
\t\tfmt.Fprintf(w, "%s %s", cfg.Name, cfg.Limit)
\t}})
}}
"""

EXTRA = """package {name}

import "strconv"

func helper{j}(n int) string {{
\ts := ""
\tfor k := 0; k < n; k++ {{
\t\ts += strconv.Itoa(k * {j})
\t}}
\treturn s
}}
"""


def generate(root: Path, n: int) -> Path:
    (root / "go.mod").write_text("module example.com/bench\n\ngo 1.22\n")
    imports, calls = [], []
    for i in range(n):
        name = f"pkg{i:03d}"
        d = root / "internal" / name
        d.mkdir(parents=True)
        (d / "a.go").write_text(PKG.format(name=name, i=i))
        for j in range(3):
            (d / f"extra{j}.go").write_text(EXTRA.format(name=name, j=j))
        imports.append(f'\t"example.com/bench/internal/{name}"')
        calls.append(f"\t{name}.Register(mux)")
    main = root / "cmd" / "server"
    main.mkdir(parents=True)
    (main / "main.go").write_text(
        'package main\n\nimport (\n\t"net/http"\n\t"os"\n\n'
        + "\n".join(imports)
        + "\n)\n\nfunc main() {\n\tmux := http.NewServeMux()\n"
        + "\n".join(calls)
        + '\n\tmux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})\n'
        '\tport := os.Getenv("PORT")\n\tif port == "" {\n\t\tport = "8080"\n\t}\n'
        '\thttp.ListenAndServe(":"+port, mux)\n}\n'
    )
    return root


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packages", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", type=Path, default=None, help="generate into DIR and keep it")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = opts.keep or Path(tmp) / "bench"
        root.mkdir(parents=True, exist_ok=True)
        generate(root, opts.packages)
        t0 = time.monotonic()
        facts = inspect_project(root)
        cold = time.monotonic() - t0
        warm = []
        for _ in range(opts.runs):
            t0 = time.monotonic()
            facts = inspect_project(root)
            warm.append(time.monotonic() - t0)
    assert facts.service.port == 8080 and len(facts.env) == opts.packages + 1
    best = min(warm)
    print(
        f"{opts.packages} packages ({opts.packages * 4 + 1} files): first run {cold:.2f}s, "
        f"warm best {best:.2f}s, median {statistics.median(warm):.2f}s"
    )
    return 0 if best < 5.0 else 1


if __name__ == "__main__":
    sys.exit(main())
