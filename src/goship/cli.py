"""Thin command-line entry point: a click group built from the command registry, and the one
place where :class:`goship.errors.GoshipError` becomes an exit code. No logic lives here."""

from __future__ import annotations

import sys

import click

from goship import __version__
from goship.commands import LazyGroup
from goship.errors import ExitCode, GoshipError


@click.group(
    name="goship",
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "--version", prog_name="goship", message="%(prog)s %(version)s")
def app() -> None:
    """goship — from Go source to a minimal, secure, verified container image.

    Exit codes: 0 ok, 1 findings or a failed check, 2 usage or bad input,
    3 environment missing (no Go toolchain, no container engine, registry unreachable).
    """


def run(argv: list[str] | None = None) -> int:
    """Run goship with ``argv`` and return the documented exit code (used by tests)."""
    try:
        app.main(args=argv, prog_name="goship", standalone_mode=False)
    except GoshipError as exc:
        _print_error(exc)
        return int(exc.exit_code)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return int(ExitCode.BAD_INPUT)
    except KeyboardInterrupt:
        return 130
    return int(ExitCode.OK)


def _print_error(exc: GoshipError) -> None:
    """``error: MESSAGE`` and ``  fix: HINT`` on stderr (rich is imported only here: ~20 ms
    that a successful command does not need)."""
    from rich.console import Console
    from rich.markup import escape

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    err.print(f"[bold red]error:[/] {escape(exc.message)}", markup=True)
    if exc.hint:
        err.print(f"  [bold]fix:[/] {escape(exc.hint)}", markup=True)


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())


if __name__ == "__main__":
    main()
