"""``goship build PATH``: a reproducible OCI image (or multi-arch index) without a daemon."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import click

from goship.build import FORMATS, prestart
from goship.build.early import adopt as adopt_early
from goship.build.early import default_cache_root
from goship.config import click_options


@click.command("build")
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click_options
@click.option(
    "--output",
    "-o",
    "output",
    type=click.Path(path_type=Path),
    help="Write an OCI layout to DIR, or an archive to FILE.tar (see --format).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="layout (a directory), oci (OCI archive) or docker (docker-archive for `docker load`). "
    "Default: docker for *.tar, else layout.",
)
@click.option("--load", is_flag=True, help="Load the image into the local Docker daemon.")
@click.option("--push", "push", metavar="REF", help="Push to a registry, e.g. ghcr.io/o/app.")
@click.option("--name", "name", help="Repository name for --load / docker-archive tags.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--sbom",
    "sbom_format",
    type=click.Choice(["cyclonedx", "spdx"]),
    help="Write an SBOM next to the output and attach it as an OCI 1.1 referrer.",
)
@click.option(
    "--verify",
    "verify_image",
    is_flag=True,
    help="Then run the image with `goship verify` (Docker or Podman); exit 1 if it fails.",
)
def build_command(
    path: Path,
    output: Path | None,
    fmt: str | None,
    load: bool,
    push: str | None,
    name: str | None,
    as_json: bool,
    sbom_format: str | None,
    verify_image: bool,
    **settings: Any,
) -> None:
    """Compile the Go service at PATH and assemble a minimal OCI image.

    Prints the digest-pinned reference. Exit codes: 2 bad input (does not compile, cgo on a
    static base, unwritable output, bad credentials), 3 environment missing (no Go, no Docker
    daemon for --load, registry unreachable).
    """
    # Take the `go build` goship.launch started from the command line, else start last
    # time's now, before importing the pipeline (see goship.build.prestart and .early).
    early = adopt_early(prestart.take(), path, settings, default_cache_root())
    with early or contextlib.nullcontext():
        from goship.build.pipeline import build
        from goship.build.progress import BuildProgress
        from goship.build.publish import OutputRequest
        from goship.report.output import emit_json

        out = OutputRequest(output=output, format=fmt, load=load, push=push, name=name)
        if sbom_format:
            from goship.sbom.buildhook import check_request as check_sbom_request

            check_sbom_request(sbom_format, output, push)
        progress = BuildProgress(enabled=None if not as_json else False)
        with progress.live():
            result = build(path, settings, out, progress, early=early, hash_binaries=as_json)
    sbom = None
    if sbom_format:
        from goship.sbom.buildhook import attach_build_sbom

        pushed = result.pinned if push else None
        sbom = attach_build_sbom(
            result.artifact, sbom_format, output=output, kind=out.kind, pushed=pushed
        )
    checked = None
    if verify_image:
        from goship.commands.verify import require_ok, verify_build

        checked = verify_build(result.artifact, result.pinned, show=not as_json)
    if as_json:
        verified = {"verify": checked.to_json()} if checked else {}
        emit_json({**result.to_json(), **({"sbom": sbom} if sbom else {}), **verified})
        if checked:
            require_ok(checked)
        return
    if sbom and "path" in sbom:
        click.echo(f"SBOM: {sbom['path']}", err=True)
    if not (output or load or push):
        progress.warn("nothing written: add --output, --load or --push to keep the image")
    click.echo(result.pinned)
    if checked:
        require_ok(checked)
