"""Findings, their severity, and the ``--fail-on`` gate.

Severity: the Go vulnerability database publishes no CVSS scores, so most Go findings have
severity ``unknown``. When an entry does carry one (OSV ``severity`` with a CVSS v3/v4 vector,
or a GHSA-style ``database_specific.severity``), it is used.

Gate (documented in ``goship scan --help``): a finding trips ``--fail-on LEVEL`` when its
severity is at or above LEVEL, where **unknown counts as high** — a Go advisory without a score
is treated as serious rather than silently passing. ``--fail-on critical`` therefore trips only
on scored critical findings, ``any`` on every finding, ``none`` never. Findings whose vulnerable
code is not in the binary (``called: no``) never trip the gate unless ``--strict``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError

from goship.vuln.osv import Affected, Entry

SEVERITIES = ("low", "medium", "high", "critical")
FAIL_ON = ("any", "low", "medium", "high", "critical", "none")
_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4, "unknown": 3}
_GHSA = {
    "low": "low",
    "moderate": "medium",
    "medium": "medium",
    "high": "high",
    "critical": "critical",
}


@dataclass(frozen=True)
class Finding:
    id: str
    aliases: tuple[str, ...]
    module: str
    version: str  # found
    fixed: str  # "" = no fix
    summary: str
    url: str
    called: str  # yes | no | unknown
    symbols: tuple[str, ...]
    reason: str
    severity: str  # low | medium | high | critical | unknown
    severity_source: str
    binary: str  # location of the binary

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "aliases": list(self.aliases),
            "module": self.module,
            "found_version": self.version,
            "fixed_version": self.fixed or None,
            "summary": self.summary,
            "url": self.url,
            "called": self.called,
            "symbols": list(self.symbols),
            "reason": self.reason,
            "severity": self.severity,
            "severity_source": self.severity_source,
            "binary": self.binary,
        }


def _rating(score: float) -> str:
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    return "low" if score > 0 else "unknown"


def severity_of(entry: Entry, affected: Affected | None = None) -> tuple[str, str]:
    """(severity, where it came from) for an entry; ``("unknown", "")`` when it has none."""
    for kind, score in entry.severity:
        try:
            if kind == "CVSS_V3":
                value = float(CVSS3(score).scores()[0])
            elif kind == "CVSS_V4":
                value = float(CVSS4(score).base_score)
            else:
                continue
        except (CVSSError, ValueError, IndexError, KeyError, TypeError):
            continue
        rating = _rating(value)
        if rating != "unknown":
            return rating, f"{kind} {value:.1f}"
    for raw in (affected.severity if affected else None, entry.database_specific.get("severity")):
        if isinstance(raw, str) and raw.lower() in _GHSA:
            return _GHSA[raw.lower()], "database_specific.severity"
    return "unknown", ""


def trips(finding: Finding, fail_on: str, strict: bool = False) -> bool:
    """Whether ``finding`` fails the ``--fail-on`` gate."""
    if fail_on == "none":
        return False
    if finding.called == "no" and not strict:
        return False
    if fail_on == "any":
        return True
    return _RANK.get(finding.severity, 3) >= _RANK[fail_on]
