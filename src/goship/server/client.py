"""Client side of the build server (work in progress)."""

from __future__ import annotations


def try_server(argv: list[str]) -> int | None:
    """Run ``goship ARGV`` on the build server and return its exit code; None to run here."""
    del argv
    return None
