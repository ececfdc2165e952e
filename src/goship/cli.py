"""Thin command-line entry point: builds the Typer app from the command registry and maps
:class:`goship.errors.GoshipError` to exit codes. No logic lives here."""

from __future__ import annotations

import sys

import click
import typer
from rich.console import Console

from goship import __version__
from goship.commands import COMMANDS
from goship.errors import ExitCode, GoshipError

app = typer.Typer(
    name="goship",
    help="From Go source to a minimal, secure, verified container image and a deployment kit.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"goship {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """goship — source-aware container images for Go services."""


for _name, _func in COMMANDS.items():
    app.command(name=_name)(_func)


def run(argv: list[str] | None = None) -> int:
    """Run goship with ``argv`` and return the documented exit code (used by tests)."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        app(args=argv, prog_name="goship", standalone_mode=False)
    except GoshipError as exc:
        err.print(f"[bold red]error:[/] {exc.message}", markup=True)
        if exc.hint:
            err.print(f"  [bold]fix:[/] {exc.hint}", markup=True)
        return int(exc.exit_code)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        err.print("aborted")
        return 130
    except click.ClickException as exc:
        exc.show()
        return int(ExitCode.BAD_INPUT)
    except KeyboardInterrupt:
        return 130
    return int(ExitCode.OK)


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())


if __name__ == "__main__":
    main()
