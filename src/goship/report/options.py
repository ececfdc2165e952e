"""The report options every checker command declares (scan, lint, audit): one definition so
their names, choices and help stay the same."""

from __future__ import annotations

from pathlib import Path

import click

REPORT_FORMATS = ("text", "json", "sarif")

format_option = click.option(
    "--format", "fmt", type=click.Choice(REPORT_FORMATS), default="text", show_default=True
)
output_option = click.option(
    "--output", "-o", type=click.Path(path_type=Path), help="Write the report to FILE."
)
