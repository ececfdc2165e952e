"""The one place where goship's subcommands are registered.

Each entry is a :class:`click.Command` defined in its own module under ``goship.commands``.
Command functions stay thin: parse options, call a stage package, hand the result to
:mod:`goship.report`.
"""

from __future__ import annotations

import click

from goship.commands.build import build_command
from goship.commands.init import init_command
from goship.commands.inspect import inspect_command
from goship.commands.sbom import sbom_command
from goship.commands.scan import scan_command

COMMANDS: list[click.Command] = [
    inspect_command,
    build_command,
    scan_command,
    sbom_command,
    init_command,
]
