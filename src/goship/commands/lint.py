"""``goship lint [DOCKERFILE]``: Go-aware Dockerfile lint, merged with hadolint."""

from __future__ import annotations

from pathlib import Path

import click

from goship.errors import UsageError
from goship.lint.engine import LintOptions, lint_dockerfile
from goship.lint.findings import SEVERITIES
from goship.lint.registry import BY_ID, RULES
from goship.lint.render import explain, render_json, render_sarif, render_text
from goship.report.gate import fail_on as fail_on_findings
from goship.report.options import format_option, output_option
from goship.report.output import console, emit_report


def _list_rules() -> None:
    out = console()
    for r in RULES:
        scope = " [project]" if r.project else ""
        out.print(f"{r.id:26} {r.severity:8} {r.description}{scope}", markup=False)


@click.command("lint")
@click.argument("dockerfile", required=False, type=click.Path(path_type=Path))
@click.option(
    "--project",
    type=click.Path(path_type=Path),
    help="Go project to cross-check with (default: the Dockerfile's folder).",
)
@format_option
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="error",
    show_default=True,
    help="Exit 1 when a finding (goship or hadolint) is at or above this severity.",
)
@click.option("--explain", "explain_id", metavar="ID", help="Print the doc of rule ID and exit.")
@click.option("--list-rules", is_flag=True, help="List goship's rules and exit.")
@click.option("--no-hadolint", is_flag=True, help="Do not run hadolint even if installed.")
@output_option
def lint_command(
    dockerfile: Path | None,
    project: Path | None,
    fmt: str,
    fail_on: str,
    explain_id: str | None,
    list_rules: bool,
    no_hadolint: bool,
    output: Path | None,
) -> None:
    """Lint DOCKERFILE (default ./Dockerfile) with goship's Go-aware rules and hadolint's.

    Rules that cross-check the source (port, runtime files, CA roots, tzdata, cgo, main
    package) read the Go project at --project; without a Go module there they are skipped
    with a note. Ignore a finding with `# goship:ignore=ID[,ID]` on the line before the
    instruction, or `[lint] ignore = [...]` in goship.toml at the project root.

    Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 bad input.
    """
    if list_rules:
        _list_rules()
        return
    if explain_id is not None:
        rule = BY_ID.get(explain_id)
        if rule is None:
            raise UsageError(
                f"unknown rule id {explain_id!r}", "see `goship lint --list-rules` for the ids"
            )
        click.echo(explain(rule))
        return
    path = dockerfile if dockerfile is not None else Path("Dockerfile")
    report = lint_dockerfile(path, LintOptions(project=project, hadolint=not no_hadolint))
    emit_report(
        fmt,
        output,
        lambda out: render_text(report, out),
        lambda: render_json(report) if fmt == "json" else render_sarif(report),
    )
    fail_on_findings(
        report.at_or_above(fail_on),
        fail_on,
        "fix them, or ignore one with `# goship:ignore=ID` (see goship lint --explain ID)",
    )
