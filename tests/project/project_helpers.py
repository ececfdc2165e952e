"""Helpers for the analysis tests: small Go modules written into tmp_path (standard
library only, so nothing is downloaded) and in-memory parsing for syntax-level rules.
A module of its own, not conftest.py: conftest modules of different dirs clash by name."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

from goship.project.analyze import inspect_project
from goship.project.configsrc import ViperInfo
from goship.project.facts import ProjectFacts
from goship.project.index import ProjectIndex
from goship.project.syntax import GoFile, parse_file
from goship.project.values import Evaluator

GoModule = Callable[..., Path]


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, body in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return root


def inspect(path: Path, **kw: object) -> ProjectFacts:
    return inspect_project(path, **kw)  # type: ignore[arg-type]


def main_go(body: str, imports: tuple[str, ...] = ("net/http", "os")) -> str:
    """A main.go with the given imports and ``body`` (Go source after the imports)."""
    imps = "\n".join(f'\t"{i}"' for i in imports)
    return f"package main\n\nimport (\n{imps}\n)\n\n{textwrap.dedent(body).strip()}\n"


class Parsed:
    """Go sources parsed in memory (no go list) with an evaluator over them."""

    def __init__(self, sources: dict[str, str], package: str = "example.com/svc") -> None:
        self.files: list[GoFile] = []
        for rel, src in sources.items():
            pkg = package if "/" not in rel else f"{package}/{rel.rsplit('/', 1)[0]}"
            data = textwrap.dedent(src).lstrip("\n").encode()
            self.files.append(parse_file(Path(rel), rel, pkg, {}, src=data))
        self.idx = ProjectIndex.build(self.files)
        self.ev = Evaluator(self.idx, ViperInfo.collect(self.idx, self.files))

    def file(self, rel: str) -> GoFile:
        return next(f for f in self.files if f.rel == rel)
