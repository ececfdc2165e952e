"""The one place where goship's subcommands are registered.

Each entry maps a subcommand name to a Typer-annotated function in its own module under
``goship.commands``. The functions stay thin: parse options, call a stage package, hand the
result to :mod:`goship.report`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from goship.commands.inspect import inspect_command

COMMANDS: dict[str, Callable[..., Any]] = {
    "inspect": inspect_command,
}
