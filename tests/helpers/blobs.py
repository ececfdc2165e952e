"""Layer blobs for image tests."""

from __future__ import annotations

import subprocess

from helpers.env import require_tool


def zstd(data: bytes) -> bytes:
    """``data`` compressed by the zstd program (as other tools write tar+zstd layers)."""
    program = require_tool("zstd")
    return subprocess.run([program, "-c", "-q"], input=data, capture_output=True, check=True).stdout
