"""A small SARIF 2.1.0 writer shared by goship's checkers (scan now, lint later).

Callers describe rules and results with the dataclasses below; :func:`sarif_log` returns the
JSON document (one run). The output validates against the OASIS SARIF 2.1.0 JSON schema and
follows GitHub code scanning's expectations: ``tool.driver.rules`` with ``shortDescription``
and ``help``, results with ``ruleId``/``ruleIndex``, ``level``, a message, at least one
location with a relative ``artifactLocation.uri``, and ``partialFingerprints``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = ("none", "note", "warning", "error")


@dataclass(frozen=True)
class SarifRule:
    id: str
    name: str
    short: str
    full: str = ""
    help_text: str = ""
    help_uri: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "shortDescription": {"text": self.short or self.id},
            "fullDescription": {"text": self.full or self.short or self.id},
            "help": {"text": self.help_text or self.full or self.short or self.id},
        }
        if self.help_uri:
            data["helpUri"] = self.help_uri
        if self.properties:
            data["properties"] = dict(self.properties)
        return data


@dataclass(frozen=True)
class SarifResult:
    rule_id: str
    level: str  # none | note | warning | error
    message: str
    uri: str  # relative path (or URI) of the artifact the result is about
    start_line: int | None = None
    fingerprints: Mapping[str, str] = field(default_factory=dict)
    properties: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self, rule_index: int) -> dict[str, Any]:
        if self.level not in LEVELS:
            raise ValueError(f"bad SARIF level {self.level!r}")
        physical: dict[str, Any] = {"artifactLocation": {"uri": self.uri}}
        if self.start_line is not None:
            physical["region"] = {"startLine": max(1, self.start_line)}
        data: dict[str, Any] = {
            "ruleId": self.rule_id,
            "ruleIndex": rule_index,
            "level": self.level,
            "message": {"text": self.message},
            "locations": [{"physicalLocation": physical}],
        }
        if self.fingerprints:
            data["partialFingerprints"] = dict(self.fingerprints)
        if self.properties:
            data["properties"] = dict(self.properties)
        return data


def sarif_log(
    tool: str,
    version: str,
    information_uri: str,
    rules: Sequence[SarifRule],
    results: Sequence[SarifResult],
    *,
    run_properties: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run of ``tool``."""
    index: dict[str, int] = {}
    unique: list[SarifRule] = []
    for rule in rules:
        if rule.id not in index:
            index[rule.id] = len(unique)
            unique.append(rule)
    missing = sorted({r.rule_id for r in results} - set(index))
    if missing:
        raise ValueError(f"SARIF results refer to unknown rules: {', '.join(missing)}")
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": tool,
                "version": version,
                "rules": [r.to_json() for r in unique],
            }
        },
        "results": [r.to_json(index[r.rule_id]) for r in results],
        "columnKind": "unicodeCodePoints",
    }
    if information_uri:
        run["tool"]["driver"]["informationUri"] = information_uri
    if run_properties:
        run["properties"] = dict(run_properties)
    return {"version": SARIF_VERSION, "$schema": SARIF_SCHEMA, "runs": [run]}
