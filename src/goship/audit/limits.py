"""Limits that stop hostile layers (decompression bombs, entry floods) early, and the
``--max-...`` flags their errors point to."""

from __future__ import annotations

import re
from dataclasses import dataclass

from goship.errors import UsageError
from goship.image.layerstream import LimitHints, WalkLimits

_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """``"512M"``, ``"10GB"``, ``"1.5GiB"``, ``"4096"`` -> bytes (powers of 1024)."""
    m = _SIZE.match(text)
    if not m:
        raise UsageError(f"bad size {text!r}", "write a number with an optional K/M/G/T suffix")
    value = int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    if value <= 0:
        raise UsageError(f"bad size {text!r}", "the limit must be positive")
    return value


@dataclass(frozen=True)
class Limits(WalkLimits):
    """The walk limits (:class:`~goship.image.layerstream.WalkLimits`) plus what audit reads
    into memory: ``max_binary`` bounds an executable read for analysis, ``max_scan_file`` a
    file read by the content checks."""

    max_binary: int = 512 << 20
    max_scan_file: int = 256 << 10  # files read for secrets (PEM keys, tokens)

    def to_json(self) -> dict[str, int]:
        return {
            "max_layer_bytes": self.max_layer_bytes,
            "max_total_bytes": self.max_total_bytes,
            "max_entries": self.max_entries,
            "max_ratio": self.max_ratio,
        }


HINTS = LimitHints(
    size="raise --max-size if the image is really this large",
    entries="raise --max-files if the image really has this many files",
    ratio="audit only images you trust to be this compressible, with --max-ratio 0",
)
