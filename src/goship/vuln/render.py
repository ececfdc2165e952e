"""Scan report formatters: a rich table (text), JSON and SARIF."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from goship import __version__
from goship.report.sarif import SarifResult, SarifRule, sarif_log
from goship.vuln.findings import Finding, trips
from goship.vuln.scan import ScanReport

_LEVEL = {
    "critical": "error",
    "high": "error",
    "unknown": "error",
    "medium": "warning",
    "low": "note",
}


def db_line(report: ScanReport) -> str:
    info = report.db
    if info.modified is None:
        return f"vulnerability data: {info.source} (age unknown)"
    days = (datetime.now(UTC) - info.modified).days
    stale = " (stale)" if info.is_stale(report.options.stale_after) else ""
    return (
        f"vulnerability data: {info.source}, updated {info.modified:%Y-%m-%d} "
        f"({days} days ago){stale}"
    )


def render_text(report: ScanReport, console: Console) -> None:
    console.print(db_line(report))
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {warning}", markup=True)
    opts = report.options
    for result in report.results:
        b = result.binary
        where = f" [{result.platform}]" if result.platform else ""
        main = b.build.main.version if b.build.main else "?"
        console.print(
            f"\n[bold]{b.location}[/]{where}  {b.build.go_version}  "
            f"{b.build.path or '?'}@{main}  {len(b.build.deps)} modules",
            markup=True,
        )
        if not result.findings:
            console.print("  no known vulnerabilities")
            continue
        table = Table(show_lines=False, pad_edge=False)
        for col in ("ID", "module", "found", "fixed", "called", "severity"):
            table.add_column(col, no_wrap=col != "module", overflow="fold")
        table.add_column("summary", overflow="fold", ratio=1)
        for f in result.findings:
            style = "bold red" if trips(f, opts.fail_on, opts.strict) else ""
            aliases = f" ({', '.join(f.aliases)})" if f.aliases else ""
            table.add_row(
                f.id,
                f.module,
                f.version,
                f.fixed or "none",
                f.called,
                f.severity,
                f"{f.summary}{aliases}",
                style=style,
            )
        console.print(table)
    findings = report.findings
    called = sum(1 for f in findings if f.called == "yes")
    tripping = report.tripping
    console.print(
        f"\n{len(findings)} finding(s) in {len(report.results)} binary(ies), {called} with "
        f"vulnerable code present; gate --fail-on {opts.fail_on}"
        f"{' --strict' if opts.strict else ''}: "
        + (f"[bold red]{len(tripping)} tripping[/]" if tripping else "passed"),
        markup=True,
    )


def _uri(location: str) -> str:
    """A relative artifact URI for SARIF: paths under the working directory stay relative;
    binaries inside images use their path in the image."""
    if "//" in location and not location.startswith(("/", ".")):
        return location.split("//", 1)[1]
    path = (
        location.split(":", 1)[0] if ":" in location and not os.path.exists(location) else location
    )
    try:
        rel = os.path.relpath(path)
    except ValueError:
        rel = path
    return (path if rel.startswith("..") else rel).replace(os.sep, "/").lstrip("/")


def _message(f: Finding) -> str:
    fix = f"fixed in {f.fixed}" if f.fixed else "no fixed version"
    called = {
        "yes": "vulnerable code is in the binary"
        + (f" ({', '.join(f.symbols[:3])})" if f.symbols else ""),
        "no": "vulnerable code is not in the binary",
        "unknown": "reachability unknown",
    }[f.called]
    return f"{f.id}: {f.summary}. {f.module}@{f.version}, {fix}; {called}."


def render_sarif(report: ScanReport) -> dict[str, Any]:
    rules: list[SarifRule] = []
    results: list[SarifResult] = []
    for f in report.findings:
        rules.append(
            SarifRule(
                id=f.id,
                name=f.id.replace("-", ""),
                short=f.summary or f.id,
                full=f"{f.summary} (module {f.module})",
                help_text=f"{f.summary}\nAliases: {', '.join(f.aliases) or 'none'}\n{f.url}",
                help_uri=f.url,
                properties={
                    "tags": ["security", "vulnerability", "go"],
                    "aliases": list(f.aliases),
                },
            )
        )
        level = "note" if f.called == "no" else _LEVEL.get(f.severity, "error")
        results.append(
            SarifResult(
                rule_id=f.id,
                level=level,
                message=_message(f),
                uri=_uri(f.binary),
                fingerprints={"goshipFinding/v1": f"{f.id}:{f.module}:{f.binary}"},
                properties={
                    "module": f.module,
                    "found_version": f.version,
                    "fixed_version": f.fixed or None,
                    "called": f.called,
                    "severity": f.severity,
                    "binary": f.binary,
                },
            )
        )
    return sarif_log(
        "goship",
        __version__,
        "",
        rules,
        results,
        run_properties={"database": report.db.to_json()},
    )
