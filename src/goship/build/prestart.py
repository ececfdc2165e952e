"""Start the previous build's ``go build`` straight from the command line (work in progress)."""

from __future__ import annotations


def prestart(argv: list[str]) -> None:
    """Start the recorded ``go build`` for ``goship build ARGV`` before any heavy import."""
    del argv
