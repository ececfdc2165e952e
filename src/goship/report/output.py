"""Shared helpers for printing results: JSON to stdout, rich text to a console."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console


def emit_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout (the ``--json`` contract)."""
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False) + "\n")
    sys.stdout.flush()


def console() -> Console:
    """A stdout console; plain (no colour, no markup animation) when not a TTY."""
    return Console(highlight=False, soft_wrap=True)
