"""``goship scan TARGET``: known vulnerabilities in Go binaries, projects and images."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from goship.errors import UsageError
from goship.report.gate import fail_on as fail_on_findings
from goship.report.options import format_option, output_option
from goship.report.output import emit_report
from goship.vuln.findings import FAIL_ON
from goship.vuln.osvdb import open_db
from goship.vuln.render import render_sarif, render_text
from goship.vuln.scan import ScanOptions, run_scan


@click.command("scan")
@click.argument("target", required=False)
@click.option(
    "--db",
    "db",
    metavar="PATH|URL",
    help="Vulnerability data: a Go vulndb directory (index layout or flat OSV files), a zip, "
    "or a URL. Default: $GOSHIP_VULNDB, else the online Go vulnerability database.",
)
@click.option("--update-db", is_flag=True, help="Revalidate the cached online database now.")
@click.option("--offline", is_flag=True, help="Never use the network; use the cache as it is.")
@format_option
@output_option
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default="any",
    show_default=True,
    help="Exit 1 when a finding at or above this severity is not known to be unreachable "
    "(called yes or unknown). Go advisories carry no severity: unknown counts as high, so "
    "'critical' trips only on scored findings; 'none' never trips.",
)
@click.option("--strict", is_flag=True, help="Let findings with called=no trip the gate too.")
@click.option(
    "--stale-days",
    type=click.IntRange(min=1),
    default=7,
    show_default=True,
    help="Warn when the vulnerability data is older than this.",
)
def scan_command(
    target: str | None,
    db: str | None,
    update_db: bool,
    offline: bool,
    fmt: str,
    output: Path | None,
    fail_on: str,
    strict: bool,
    stale_days: int,
) -> None:
    """Scan TARGET for known vulnerabilities of its Go modules and standard library.

    TARGET: a Go binary, a directory of binaries, a Go project (built first with
    `go build -trimpath`), or an image: OCI layout directory, OCI/docker archive,
    docker-daemon:NAME or a registry reference. Each finding says whether the vulnerable
    functions are present in the binary (called: yes/no/unknown, read from the pclntab, which
    survives -s -w). Findings with called=no are shown but only trip --fail-on with --strict.

    Exit codes: 0 no gate-tripping finding, 1 gate tripped, 2 bad input, 3 database unreachable.
    """
    options = ScanOptions(
        db=db,
        update_db=update_db,
        offline=offline,
        stale_after=timedelta(days=stale_days),
        fail_on=fail_on,
        strict=strict,
    )
    if target is None:
        if not update_db:
            raise UsageError("give a TARGET to scan", "goship scan ./app, or --update-db alone")
        info = open_db(db, update=True, offline=offline).info
        when = f"updated {info.modified:%Y-%m-%d %H:%M} UTC" if info.modified else "age unknown"
        click.echo(f"vulnerability data: {info.source}, {when}")
        return
    report = run_scan(target, options)
    emit_report(
        fmt,
        output,
        lambda out: render_text(report, out),
        lambda: report.to_json() if fmt == "json" else render_sarif(report),
    )
    fail_on_findings(
        report.tripping,
        fail_on,
        "upgrade the modules to their fixed versions (or rebuild with a newer Go)",
    )
