"""The one place where goship's subcommands are registered.

Each entry names a :class:`click.Command` defined in its own module under ``goship.commands``
and the one-line help shown by ``goship --help``. Modules are imported only when their command
runs, so ``goship build`` never pays for importing the scanner, the generators or the linter
(start-up time is part of the warm-build budget). Command functions stay thin: parse options,
call a stage package, hand the result to :mod:`goship.report`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import click


@dataclass(frozen=True)
class CommandEntry:
    """A registered subcommand: its name, ``module:attribute`` and one-line help."""

    name: str
    target: str
    short_help: str

    def load(self) -> click.Command:
        module_name, _, attr = self.target.partition(":")
        command = getattr(importlib.import_module(module_name), attr)
        if not isinstance(command, click.Command):  # pragma: no cover - registry bug
            raise TypeError(f"{self.target} is not a click command")
        return command


COMMANDS: list[CommandEntry] = [
    CommandEntry(
        "inspect",
        "goship.commands.inspect:inspect_command",
        "Facts from the Go source, with file:line evidence.",
    ),
    CommandEntry(
        "build",
        "goship.commands.build:build_command",
        "Compile and assemble an OCI image without a Docker daemon.",
    ),
    CommandEntry(
        "verify",
        "goship.commands.verify:verify_command",
        "Run the image the way production will and prove it serves.",
    ),
    CommandEntry(
        "dev",
        "goship.commands.dev:dev_command",
        "Hot-reload loop: watch, rebuild, restart, without containers.",
    ),
    CommandEntry(
        "init",
        "goship.commands.init:init_command",
        "Write the deployment kit (Dockerfile, compose, Helm, CI, systemd).",
    ),
    CommandEntry(
        "lint",
        "goship.commands.lint:lint_command",
        "Go-aware Dockerfile lint, merged with hadolint when installed.",
    ),
    CommandEntry(
        "audit",
        "goship.commands.audit:audit_command",
        "Audit a built image: user, secrets, layers, Go binaries.",
    ),
    CommandEntry(
        "scan",
        "goship.commands.scan:scan_command",
        "Known vulnerabilities in Go binaries, projects and images.",
    ),
    CommandEntry(
        "sbom",
        "goship.commands.sbom:sbom_command",
        "CycloneDX or SPDX SBOM of a Go binary, project or image.",
    ),
    CommandEntry(
        "server",
        "goship.commands.server:server_command",
        "Start, stop or show the optional build server (GOSHIP_SERVER=1).",
    ),
]


def find(name: str) -> CommandEntry | None:
    """Return the registered entry called ``name``, if any."""
    return next((entry for entry in COMMANDS if entry.name == name), None)


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when that subcommand is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [entry.name for entry in COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = find(cmd_name)
        return entry.load() if entry is not None else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(entry.name, entry.short_help) for entry in COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
