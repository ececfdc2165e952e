"""``goship verify IMAGE``: run the image the way production will and prove it serves."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from goship.errors import FindingsError, UsageError
from goship.image.model import Artifact
from goship.report.output import console, emit_json
from goship.runtime.engine import ENGINES
from goship.runtime.report import VerifyReport, render
from goship.runtime.verify import VerifyOptions, verify, verify_artifact


def finish(report: VerifyReport, as_json: bool) -> None:
    """Print the report (JSON or text) and fail when verification failed."""
    if as_json:
        emit_json(report.to_json())
    else:
        render(report, console())
    require_ok(report)


def verify_build(artifact: Artifact, display: str, *, show: bool) -> VerifyReport:
    """``goship build --verify``: verify the artifact just built (from the blob store);
    the text report goes to stderr so stdout keeps the pinned reference."""
    from goship.image.blobs import BlobStore

    report = verify_artifact(artifact, BlobStore.default(), VerifyOptions(), display=display)
    if show:
        render(report, Console(stderr=True, highlight=False, soft_wrap=True))
    return report


def parse_labels(values: tuple[str, ...]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"bad --label {item!r}", "use KEY=VALUE")
        labels[key] = value
    return labels


def require_ok(report: VerifyReport) -> None:
    """Raise FindingsError (exit 1) when verification failed."""
    if not report.ok:
        errors = [f for f in report.findings if f.severity == "error"]
        ids = ", ".join(f.id for f in errors)
        # The hint: a diagnosis (it names the fix) before a generic finding such as "exited".
        best = sorted(errors, key=lambda f: f.evidence is None)
        raise FindingsError(
            f"verification of {report.image} failed ({ids})",
            best[0].fix if best and best[0].fix else None,
        )


@click.command("verify")
@click.argument("image")
@click.option("--port", type=click.IntRange(1, 65535), help="Port the service listens on.")
@click.option("--health", "health", metavar="PATH", help="Health path (a 2xx means healthy).")
@click.option("--engine", type=click.Choice(ENGINES), help="Container engine (default: detect).")
@click.option(
    "--project",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Go project to read the port and health path from when the image has no goship label.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(1, 600),
    default=30.0,
    show_default=True,
    help="Seconds to wait for the port and a healthy answer.",
)
@click.option(
    "--grace",
    type=click.FloatRange(0.5, 600),
    default=10.0,
    show_default=True,
    help="Seconds the service may take to stop after SIGTERM.",
)
@click.option(
    "--label", "labels", multiple=True, metavar="KEY=VALUE", help="Extra container label."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def verify_command(
    image: str,
    port: int | None,
    health: str | None,
    engine: str | None,
    project: Path | None,
    timeout: float,
    grace: float,
    labels: tuple[str, ...],
    as_json: bool,
) -> None:
    """Run IMAGE hardened (read-only, no capabilities, non-root, loopback port) and check it.

    IMAGE is an image the engine has, an OCI layout directory or an OCI/docker archive.
    Exit codes: 1 verification failed, 2 bad input, 3 no container engine.
    """
    options = VerifyOptions(
        port=port,
        health=health,
        engine=engine,
        project=project,
        timeout=timeout,
        grace=grace,
        labels=parse_labels(labels),
    )
    finish(verify(image, options), as_json)
