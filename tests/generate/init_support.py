"""Shared helpers for the ``goship init`` tests: which projects to render, and rendering
them (facts are inspected once per session and reused)."""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

from goship.generate.context import InitContext, build_context
from goship.generate.registry import select
from goship.generate.render import RenderedFile, render
from goship.project.analyze import inspect_project
from goship.project.facts import ProjectFacts

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "inspect"
EXAMPLES = REPO / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"

# fixtures with several serving mains: the one goship init is pointed at
MAIN_FOR = {"multi-serve": "cmd/api", "multi-serve-pick": "cmd/api"}


def project_dirs() -> dict[str, Path]:
    """Every non-error inspect fixture and both examples: id -> directory."""
    out: dict[str, Path] = {}
    if FIXTURES.is_dir():
        for d in sorted(FIXTURES.iterdir()):
            if d.is_dir() and not d.name.startswith("err-") and (d / "go.mod").is_file():
                out[d.name] = d
    for d in sorted(EXAMPLES.iterdir()):
        if d.is_dir() and (d / "go.mod").is_file():
            out[f"example-{d.name}"] = d
    return out


@cache
def facts_for(key: str) -> ProjectFacts:
    path = project_dirs()[key]
    return inspect_project(path, main=MAIN_FOR.get(key))


def context_for(key: str) -> InitContext:
    return build_context(facts_for(key))


def render_project(key: str, only: str | None = None) -> list[RenderedFile]:
    return render(context_for(key), select(only))


def copy_project(src: Path, dest: Path) -> Path:
    """A copy of a project's sources (large stray build outputs left out)."""

    def ignore(directory: str, names: list[str]) -> set[str]:
        return {
            n
            for n in names
            if n.startswith(".git")
            or (
                (Path(directory) / n).is_file() and (Path(directory) / n).stat().st_size > 1_000_000
            )
        }

    shutil.copytree(src, dest, ignore=ignore)
    return dest


def write_files(root: Path, files: list[RenderedFile]) -> None:
    for f in files:
        target = root / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f.content, encoding="utf-8")


def validator(name: str) -> str:
    """Path of validator ``name``: .venv/bin (dev extras), then the tools directory that
    scripts/install-validators.sh fills, then PATH. Missing: skip locally, fail in CI."""
    import os
    import sys

    from helpers import require_tool

    tools = os.environ.get("GOSHIP_TOOLS_BIN") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "goship-tools" / "bin"
    )
    for d in (Path(sys.executable).parent, Path(tools)):
        cand = d / name
        if cand.is_file() and os.access(cand, os.X_OK):
            return str(cand)
    return require_tool(name)
