"""``goship audit IMAGE``: user, secrets, layers and Go binaries of a built image."""

from __future__ import annotations

from pathlib import Path

import click

from goship.audit.limits import Limits, parse_size
from goship.audit.model import SEVERITIES
from goship.report.gate import fail_on as fail_on_findings
from goship.report.options import format_option, output_option
from goship.report.output import emit_report


@click.command("audit")
@click.argument("image")
@format_option
@click.option(
    "--fail-on", type=click.Choice(SEVERITIES), default="error", show_default=True,
    help="Exit 1 when a finding at or above this severity is reported.",
)  # fmt: skip
@click.option("--top", type=click.IntRange(min=0), default=10, show_default=True,
              help="How many of the largest files to list.")  # fmt: skip
@click.option("--chart", type=click.Path(path_type=Path), metavar="PNG",
              help="Draw layer sizes to a PNG (needs goship[chart]).")  # fmt: skip
@click.option("--platform", metavar="OS/ARCH",
              help="Audit only this platform of a multi-platform index.")  # fmt: skip
@click.option("--max-size", default="8G", show_default=True, metavar="SIZE",
              help="Largest uncompressed layer (image: twice that), e.g. 2G.")  # fmt: skip
@click.option("--max-files", type=click.IntRange(min=1), default=1_000_000, show_default=True,
              help="Most tar entries in the image.")  # fmt: skip
@click.option("--max-ratio", type=click.IntRange(min=0), default=100, show_default=True,
              help="Largest compression ratio of a layer past 64 MiB (0: no check).")  # fmt: skip
@click.option("--project", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="Go project the image was built from: check that the files its code opens "
              "at run time (templates, static, config) are in the image.")  # fmt: skip
@output_option
def audit_command(
    image: str,
    fmt: str,
    fail_on: str,
    top: int,
    chart: Path | None,
    platform: str | None,
    max_size: str,
    max_files: int,
    max_ratio: int,
    project: Path | None,
    output: Path | None,
) -> None:
    """Audit IMAGE without running or extracting it.

    IMAGE: an OCI layout directory (DIR or DIR:TAG), an OCI or docker archive, docker-daemon:NAME
    or a registry reference. Every platform of an index is audited unless --platform is given.
    Layers are read as streams; path traversal, links leaving the root, decompression bombs,
    truncated or corrupt layers are refused (exit 2). Run-time files (templates, static,
    config) are checked against the source facts of --project, or the label goship build
    writes.

    Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 bad input,
    3 missing environment (docker for docker-daemon:, matplotlib for --chart).
    """
    from goship.audit.render import render_sarif, render_text
    from goship.audit.run import AuditOptions, run_audit

    size = parse_size(max_size)
    limits = Limits(
        max_layer_bytes=size, max_total_bytes=2 * size, max_entries=max_files, max_ratio=max_ratio
    )
    options = AuditOptions(
        platform=platform, limits=limits, top=top, fail_on=fail_on, project=project
    )
    report = run_audit(image, options)
    if chart is not None:
        from goship.audit.chart import write_chart

        write_chart(report, chart)
    emit_report(
        fmt,
        output,
        lambda out: render_text(report, out),
        lambda: report.to_json() if fmt == "json" else render_sarif(report),
    )
    fail_on_findings(
        report.tripping, fail_on, "fix the image (see the messages), or raise --fail-on"
    )
