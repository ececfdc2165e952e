"""A verify finding: what went wrong (or looks risky), how bad, and the fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    """``severity`` error fails the verification; warning and info are reported only."""

    id: str
    severity: str
    message: str
    fix: str
    evidence: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
        }
        if self.evidence:
            data["evidence"] = self.evidence
        return data
