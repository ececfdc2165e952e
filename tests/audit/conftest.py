"""Fixtures for the audit tests: Go programs built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import build_go_program

HTTP_CLIENT = """package main

import (
	"fmt"
	"net/http"
)

func main() {
	resp, err := http.Get("https://example.com")
	fmt.Println(resp, err)
}
"""

ZONES = """package main

import (
	"fmt"
	"time"
)

func main() {
	loc, err := time.LoadLocation("Europe/Paris")
	fmt.Println(loc, err)
}
"""

PLAIN = """package main

import "fmt"

func main() { fmt.Println("hi") }
"""

CGO = """package main

// #include <stdlib.h>
import "C"

import "fmt"

func main() { fmt.Println(C.abs(-3)) }
"""


class GoPrograms:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.built: dict[str, Path] = {}

    def get(self, name: str) -> Path:
        if name not in self.built:
            recipes: dict[str, tuple[str, dict[str, object]]] = {
                "client": (HTTP_CLIENT, {}),
                "zones": (ZONES, {}),
                "zones-embedded": (ZONES, {"tags": ["timetzdata"]}),
                "plain": (PLAIN, {}),
                "plain-unstripped": (PLAIN, {"ldflags": ""}),
                "plain-arm64": (PLAIN, {"goarch": "arm64"}),
                "cgo": (CGO, {"cgo": True}),
            }
            source, kw = recipes[name]
            self.built[name] = build_go_program(self.root, source, name=name, **kw)  # type: ignore[arg-type]
        return self.built[name]


@pytest.fixture(scope="session")
def goprogs(tmp_path_factory: pytest.TempPathFactory) -> GoPrograms:
    return GoPrograms(tmp_path_factory.mktemp("audit-go"))
