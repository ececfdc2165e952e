"""``goship sbom TARGET``: a CycloneDX or SPDX bill of materials for a Go binary or image."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from goship.fsutil import write_atomic


@click.command("sbom")
@click.argument("target")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["cyclonedx", "spdx"]),
    default="cyclonedx",
    show_default=True,
    help="CycloneDX 1.6 JSON or SPDX 2.3 JSON.",
)
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write to FILE (atomic).")
@click.option("--validate", is_flag=True, help="Also validate against the format's schema.")
def sbom_command(target: str, fmt: str, output: Path | None, validate: bool) -> None:
    """Write the bill of materials of TARGET: the image, each Go binary, its main module,
    every dependency module (pkg:golang purls, go.sum h1 hashes) and the standard library,
    plus the CA bundle and zoneinfo goship's base layer adds.

    TARGET: a Go binary, a directory of binaries, a Go project, or an image (OCI layout,
    OCI/docker archive, docker-daemon:NAME, registry reference). Set SOURCE_DATE_EPOCH for a
    reproducible timestamp.
    """
    from goship.sbom import generate  # lazy: the SBOM libraries are slow to import

    sbom = generate(target, fmt, validate=validate)
    if output is None:
        sys.stdout.write(sbom.text)
        sys.stdout.flush()
    else:
        write_atomic(output, sbom.data)
        click.echo(f"wrote {fmt} SBOM to {output}", err=True)
