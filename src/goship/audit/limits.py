"""Limits that stop hostile layers (decompression bombs, entry floods) early."""

from __future__ import annotations

import re
from dataclasses import dataclass

from goship.errors import UsageError

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
class Limits:
    """``max_layer_bytes``/``max_total_bytes`` bound uncompressed tar bytes and the declared
    size of members (a sparse member counts by its apparent size); ``max_entries`` bounds tar
    members in the whole image; a layer whose uncompressed size passes ``ratio_floor`` bytes
    must stay under ``max_ratio`` times its compressed size (0 disables the ratio check);
    ``max_binary`` bounds an executable read into memory for analysis."""

    max_layer_bytes: int = 8 << 30
    max_total_bytes: int = 16 << 30
    max_entries: int = 1_000_000
    max_ratio: int = 100
    ratio_floor: int = 64 << 20
    max_binary: int = 512 << 20
    max_scan_file: int = 256 << 10  # files read for secrets (PEM keys, tokens)

    def to_json(self) -> dict[str, int]:
        return {
            "max_layer_bytes": self.max_layer_bytes,
            "max_total_bytes": self.max_total_bytes,
            "max_entries": self.max_entries,
            "max_ratio": self.max_ratio,
        }
