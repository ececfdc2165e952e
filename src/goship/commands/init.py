"""``goship init PATH``: write the deployment kit (Dockerfile, compose, Helm, CI, systemd)
from the ``goship inspect`` facts. Existing files are kept unless ``--force``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from goship.generate.context import build_context
from goship.generate.registry import GENERATORS, select
from goship.generate.render import render
from goship.generate.writer import Action, Planned, apply, plan
from goship.project.analyze import inspect_project
from goship.report.output import console, emit_json

_VERBS = {
    Action.CREATE: "created",
    Action.UNCHANGED: "unchanged",
    Action.OVERWRITE: "overwritten",
    Action.KEEP: "kept",
}


@click.command("init")
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option("--main", "main", default=None, help="Main package to treat as the service.")
@click.option("--tags", default=None, help="Go build tags, as for `go build -tags`.")
@click.option(
    "--only",
    default=None,
    metavar="LIST",
    help="Comma-separated generators: " + ",".join(GENERATORS) + " (default: all).",
)
@click.option("--name", default=None, help="Service name (chart, compose service, unit).")
@click.option("--force", is_flag=True, help="Overwrite files that differ from the render.")
@click.option("--dry-run", is_flag=True, help="Write nothing; print a unified diff instead.")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
def init_command(
    path: Path,
    main: str | None,
    tags: str | None,
    only: str | None,
    name: str | None,
    force: bool,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Generate the deployment kit for the Go service at PATH, tailored by its analysis."""
    generators = select(only)
    facts = inspect_project(path, main=main, tags=tags)
    ctx = build_context(facts, name=name)
    planned = plan(Path(facts.root), render(ctx, generators), force)
    if dry_run:
        for p in planned:
            if p.action is not Action.UNCHANGED:
                sys.stdout.write(p.diff())
    else:
        apply(planned)
    if as_json:
        emit_json(
            {
                "root": facts.root,
                "name": ctx.name,
                "dry_run": dry_run,
                "files": [
                    {"path": p.file.path, "generator": p.file.generator, "action": p.action.value}
                    for p in planned
                ],
            }
        )
    elif not dry_run:
        _report(planned, ctx.skipped_backing)


def _report(planned: list[Planned], skipped: list[str]) -> None:
    out = console()
    for p in planned:
        verb = _VERBS[p.action]
        style = {"created": "green", "overwritten": "yellow", "kept": "bold yellow"}.get(verb, "")
        label = f"[{style}]{verb:>11}[/]" if style else f"{verb:>11}"
        out.print(f"{label}  {p.file.path}", markup=True)
    kept = [p for p in planned if p.action is Action.KEEP]
    if kept:
        out.print(
            f"{len(kept)} file(s) differ from what goship would write and were kept; "
            "see the changes with --dry-run, replace them with --force "
            "(optionally with --only <generator>)."
        )
    if skipped:
        out.print(f"not in compose.yaml (no known image): {', '.join(skipped)}")
