"""Shared helpers for printing results: JSON to stdout, rich text to a console."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from goship.fsutil import write_atomic

if TYPE_CHECKING:
    from rich.console import Console


def emit_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout (the ``--json`` contract)."""
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False) + "\n")
    sys.stdout.flush()


def console() -> Console:
    """A stdout console; plain (no colour, no markup animation) when not a TTY."""
    from rich.console import Console  # ~20 ms: not for emit_json (goship build --json)

    return Console(highlight=False, soft_wrap=True)


def emit_report(
    fmt: str,
    output: str | os.PathLike[str] | None,
    text: Callable[[Console], None],
    document: Callable[[], Any],
) -> None:
    """Print or write a checker's report: ``text`` renders the ``text`` format on a console;
    ``document`` builds the JSON/SARIF document for the others. With ``output`` the report
    goes to that file atomically (text captured without colour), else to stdout."""
    if fmt == "text":
        out = console()
        if output is None:
            text(out)
            return
        with out.capture() as cap:
            text(out)
        write_atomic(output, cap.get().encode())
        return
    doc = document()
    if output is None:
        emit_json(doc)
    else:
        write_atomic(output, (json.dumps(doc, indent=2) + "\n").encode())
