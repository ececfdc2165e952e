"""Lint reports as text (rich), JSON (the documented list) and SARIF 2.1.0."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

from goship import __version__
from goship.lint.engine import LintReport
from goship.lint.registry import BY_ID, RULES, Rule
from goship.report.sarif import SarifResult, SarifRule, sarif_log

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
HADOLINT_URI = "https://github.com/hadolint/hadolint/wiki/{code}"
SHELLCHECK_URI = "https://www.shellcheck.net/wiki/{code}"


def render_json(report: LintReport) -> list[dict[str, object]]:
    return [f.to_json() for f in report.findings]


def render_text(report: LintReport, out: Console) -> None:
    for note in report.notes:
        out.print(f"[dim]note: {escape(note)}[/dim]")
    for f in report.findings:
        style = _STYLE[f.severity]
        out.print(
            f"{escape(f.file)}:{f.line}:{f.column} [{style}]{f.severity}[/{style}] "
            f"[bold]{escape(f.id)}[/bold] {escape(f.message)}"
            + (" [dim](hadolint)[/dim]" if f.source == "hadolint" else "")
        )
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in _STYLE}
    if report.findings:
        out.print(
            f"{len(report.findings)} finding(s): "
            + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        )
    else:
        out.print(f"{escape(report.file)}: no findings")


def _sarif_rule(rule: Rule) -> SarifRule:
    return SarifRule(
        id=rule.id,
        name=rule.id,
        short=rule.description,
        full=rule.doc,
        help_text=rule.doc,
        properties={"source": "goship", "severity": rule.severity},
    )


def render_sarif(report: LintReport) -> dict[str, Any]:
    rules = [_sarif_rule(r) for r in RULES]
    for f in report.findings:
        if f.source == "hadolint" and f.id not in BY_ID:
            uri = (SHELLCHECK_URI if f.id.startswith("SC") else HADOLINT_URI).format(code=f.id)
            rules.append(
                SarifRule(
                    id=f.id,
                    name=f.id,
                    short=f.message.splitlines()[0] if f.message else f.id,
                    help_uri=uri,
                    properties={"source": "hadolint"},
                )
            )
    results = [
        SarifResult(
            rule_id=f.id,
            level=_SARIF_LEVEL[f.severity],
            message=f.message,
            uri=f.file,
            start_line=f.line,
            fingerprints={"goshipLint/v1": f"{f.id}:{f.line}"},
            properties={"source": f.source},
        )
        for f in report.findings
    ]
    return sarif_log(
        "goship-lint",
        __version__,
        "",
        rules,
        results,
        run_properties={"hadolint": report.hadolint_ran, "notes": list(report.notes)},
    )


def explain(rule: Rule) -> str:
    extra = f"\nhadolint equivalent: {', '.join(rule.hadolint)}" if rule.hadolint else ""
    scope = "\ncross-checks the project's facts (needs a Go module)" if rule.project else ""
    return f"{rule.id} ({rule.severity})\n{rule.description}\n\n{rule.doc}\n{scope}{extra}".rstrip()
