"""``goship inspect PATH``: facts about a Go service with file:line evidence."""

from __future__ import annotations

from pathlib import Path

import typer

from goship.project.analyze import inspect_project
from goship.report.facts_text import render_facts
from goship.report.output import console, emit_json


def inspect_command(
    path: Path = typer.Argument(Path("."), help="Go module (or go.work workspace) directory."),
    main: str | None = typer.Option(
        None, "--main", help="Main package to treat as the service (import path or ./dir)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the facts as JSON."),
) -> None:
    """Read the Go source and report what the service needs, with evidence."""
    facts = inspect_project(path, main=main)
    if as_json:
        emit_json(facts.to_json())
    else:
        render_facts(facts, console())
