"""``goship inspect PATH``: facts about a Go service with file:line evidence."""

from __future__ import annotations

from pathlib import Path

import click

from goship.project.analyze import inspect_project
from goship.report.facts_text import render_facts
from goship.report.output import console, emit_json


@click.command("inspect")
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option(
    "--main", "main", default=None, help="Main package to treat as the service (path or dir)."
)
@click.option("--tags", default=None, help="Go build tags, as for `go build -tags`.")
@click.option(
    "--no-compile",
    is_flag=True,
    help="Skip type-checking the code (faster on a cold build cache; only syntax is checked).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the facts as JSON.")
def inspect_command(
    path: Path, main: str | None, tags: str | None, no_compile: bool, as_json: bool
) -> None:
    """Read the Go source at PATH and report what the service needs, with evidence."""
    facts = inspect_project(path, main=main, tags=tags, compile_check=not no_compile)
    if as_json:
        emit_json(facts.to_json())
    else:
        render_facts(facts, console())
