"""Support for the scan tests: a corpus of real Go binaries (built lazily, once per session:
``corpus.get(name)`` builds only what a test run uses; the Go build cache makes later sessions
fast), the vendored vulnerability database and govulncheck's location."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from helpers import go_binary, go_env, write_go_module

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "vuln"
VULNDB_ZIP = Path(__file__).resolve().parent.parent / "data" / "vulndb" / "go-vulndb-osv.zip"
GOVULNCHECK = "golang.org/x/vuln/cmd/govulncheck@v1.1.4"
OLD_TOOLCHAIN = "go1.21.0"

STDLIB_MAIN = """package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	if len(os.Args) > 1 {
		_ = http.ListenAndServe(os.Args[1], nil)
	}
}
"""


@dataclass(frozen=True)
class Recipe:
    """How to build one corpus binary: a fixture dir (or the stdlib program), flags, env."""

    source: str  # fixture name under tests/fixtures/vuln, or "stdlib"
    flags: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    toolchain: str = "local"


RECIPES: dict[str, Recipe] = {
    "stdlib": Recipe("stdlib"),
    "stdlib-trimpath-sw": Recipe("stdlib", ("-trimpath", "-ldflags=-s -w")),
    "stdlib-tags": Recipe("stdlib", ("-tags=netgo,goshiptest",)),
    "stdlib-ldflags-x": Recipe("stdlib", ("-ldflags=-X main.version=1.2.3 -s",)),
    "stdlib-arm64": Recipe("stdlib", (), {"GOARCH": "arm64"}),
    "stdlib-386": Recipe("stdlib", ("-trimpath",), {"GOARCH": "386"}),
    "stdlib-darwin": Recipe("stdlib", (), {"GOOS": "darwin", "GOARCH": "arm64"}),
    "stdlib-windows": Recipe("stdlib", ("-ldflags=-s -w",), {"GOOS": "windows"}),
    "stdlib-pie": Recipe("stdlib", ("-buildmode=pie", "-ldflags=-s -w")),
    "replaced": Recipe("replaced", ("-trimpath",)),
    "ginold": Recipe("ginold"),
    "ginold-stripped": Recipe("ginold", ("-trimpath", "-ldflags=-s -w")),
    "netcrypto-old": Recipe("netcrypto", (), {}, OLD_TOOLCHAIN),
    "fixed": Recipe("fixed", ("-trimpath",)),
}


class Corpus:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.built: dict[str, Path] = {}
        self.notes: dict[str, str] = {}

    def _source_dir(self, recipe: Recipe) -> Path:
        if recipe.source == "stdlib":
            return write_go_module(self.root / "src-stdlib", {"main.go": STDLIB_MAIN})
        return FIXTURES / recipe.source

    def _build(self, name: str, recipe: Recipe, toolchain: str) -> subprocess.CompletedProcess[str]:
        out = self.root / name
        env = go_env({"GOTOOLCHAIN": toolchain, **recipe.env})
        return subprocess.run(
            [go_binary(), "build", *recipe.flags, "-o", str(out), "."],
            cwd=self._source_dir(recipe),
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def get(self, name: str) -> Path:
        if name in self.built:
            return self.built[name]
        recipe = RECIPES[name]
        proc = self._build(name, recipe, recipe.toolchain)
        if proc.returncode != 0 and recipe.toolchain != "local":
            # the old toolchain comes through the module proxy; without it, use the local one
            self.notes[name] = f"{recipe.toolchain} unavailable: {proc.stderr.strip()[-300:]}"
            proc = self._build(name, recipe, "local")
        if proc.returncode != 0:
            raise AssertionError(f"building {name} failed:\n{proc.stderr[-3000:]}")
        self.built[name] = self.root / name
        return self.built[name]


def tools_bin() -> Path:
    explicit = os.environ.get("GOSHIP_TOOLS_BIN")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "goship-tools" / "bin"
