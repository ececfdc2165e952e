"""OSV entries (the Go vulnerability database's format) as typed, validated data.

Only the fields goship uses are modelled; unknown fields are ignored. A document that is not
OSV (no ``id``, ``affected`` not a list, events without a version...) raises
:class:`VulnDBError` naming the entry and the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from goship.vuln.errors import VulnDBError

EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")
ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Event:
    kind: str  # one of EVENT_KINDS
    version: str


@dataclass(frozen=True)
class Range:
    type: str  # SEMVER, ECOSYSTEM, GIT
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Import:
    """``ecosystem_specific.imports[]``: a vulnerable package and its vulnerable symbols
    (empty = every symbol of the package), optionally only on some GOOS/GOARCH."""

    path: str
    symbols: tuple[str, ...] = ()
    goos: tuple[str, ...] = ()
    goarch: tuple[str, ...] = ()


@dataclass(frozen=True)
class Affected:
    module: str
    ecosystem: str
    ranges: tuple[Range, ...]
    imports: tuple[Import, ...]
    severity: str | None = None  # database_specific.severity of this affected entry


@dataclass(frozen=True)
class Entry:
    id: str
    modified: datetime
    published: datetime | None
    withdrawn: datetime | None
    aliases: tuple[str, ...]
    summary: str
    details: str
    affected: tuple[Affected, ...]
    severity: tuple[tuple[str, str], ...]  # (type, score) e.g. ("CVSS_V3", "CVSS:3.1/...")
    database_specific: dict[str, Any]
    references: tuple[tuple[str, str], ...]  # (type, url)

    @property
    def url(self) -> str:
        url = self.database_specific.get("url")
        if isinstance(url, str) and url:
            return url
        for _kind, ref in self.references:
            return ref
        return ""

    @property
    def updated(self) -> datetime:
        """The newest of ``modified`` and ``published`` (some snapshots zero ``modified``)."""
        return max(self.modified, self.published or ZERO_TIME)


def parse_time(value: Any, what: str, entry_id: str) -> datetime:
    if not isinstance(value, str) or not value:
        raise VulnDBError(f"OSV entry {entry_id}: {what} must be an RFC 3339 time, got {value!r}")
    text = value.replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise VulnDBError(f"OSV entry {entry_id}: bad {what} time {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _strs(value: Any, what: str, entry_id: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise VulnDBError(f"OSV entry {entry_id}: {what} must be a list of strings")
    return tuple(value)


def _obj(value: Any, what: str, entry_id: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise VulnDBError(f"OSV entry {entry_id}: {what} must be an object")
    return value


def _range(raw: Any, entry_id: str) -> Range:
    r = _obj(raw, "affected[].ranges[]", entry_id)
    events: list[Event] = []
    raw_events = r.get("events") or []
    if not isinstance(raw_events, list):
        raise VulnDBError(f"OSV entry {entry_id}: ranges[].events must be a list")
    for ev in raw_events:
        ev = _obj(ev, "ranges[].events[]", entry_id)
        kinds = [k for k in EVENT_KINDS if k in ev]
        if len(kinds) != 1 or not isinstance(ev[kinds[0]], str):
            raise VulnDBError(
                f"OSV entry {entry_id}: each range event needs exactly one of "
                f"{', '.join(EVENT_KINDS)} with a version string"
            )
        events.append(Event(kinds[0], ev[kinds[0]]))
    rtype = r.get("type")
    if not isinstance(rtype, str):
        raise VulnDBError(f"OSV entry {entry_id}: ranges[].type is missing")
    return Range(rtype, tuple(events))


def _affected(raw: Any, entry_id: str) -> Affected:
    a = _obj(raw, "affected[]", entry_id)
    pkg = _obj(a.get("package"), "affected[].package", entry_id)
    name = pkg.get("name")
    if not isinstance(name, str) or not name:
        raise VulnDBError(f"OSV entry {entry_id}: affected[].package.name is missing")
    ranges = a.get("ranges") or []
    if not isinstance(ranges, list):
        raise VulnDBError(f"OSV entry {entry_id}: affected[].ranges must be a list")
    eco = _obj(a.get("ecosystem_specific"), "ecosystem_specific", entry_id)
    imports_raw = eco.get("imports") or []
    if not isinstance(imports_raw, list):
        raise VulnDBError(f"OSV entry {entry_id}: ecosystem_specific.imports must be a list")
    imports = []
    for imp in imports_raw:
        imp = _obj(imp, "imports[]", entry_id)
        path = imp.get("path")
        if not isinstance(path, str):
            raise VulnDBError(f"OSV entry {entry_id}: imports[].path is missing")
        imports.append(
            Import(
                path,
                _strs(imp.get("symbols"), "imports[].symbols", entry_id),
                _strs(imp.get("goos"), "imports[].goos", entry_id),
                _strs(imp.get("goarch"), "imports[].goarch", entry_id),
            )
        )
    dbs = _obj(a.get("database_specific"), "affected[].database_specific", entry_id)
    sev = dbs.get("severity")
    return Affected(
        name,
        str(pkg.get("ecosystem", "")),
        tuple(_range(r, entry_id) for r in ranges),
        tuple(imports),
        sev if isinstance(sev, str) else None,
    )


def parse_entry(data: Any, source: str = "") -> Entry:
    """Validate and convert one decoded OSV JSON document."""
    where = f" ({source})" if source else ""
    if not isinstance(data, dict):
        raise VulnDBError(f"OSV entry{where} is not a JSON object")
    entry_id = data.get("id")
    if not isinstance(entry_id, str) or not entry_id:
        raise VulnDBError(f"OSV entry{where} has no id")
    affected = data.get("affected")
    affected = [] if affected is None else affected
    if not isinstance(affected, list):
        raise VulnDBError(f"OSV entry {entry_id}{where}: affected must be a list")
    severity = []
    for s in data.get("severity") or []:
        s = _obj(s, "severity[]", entry_id)
        if isinstance(s.get("type"), str) and isinstance(s.get("score"), str):
            severity.append((s["type"], s["score"]))
    refs = []
    for ref in data.get("references") or []:
        ref = _obj(ref, "references[]", entry_id)
        if isinstance(ref.get("url"), str):
            refs.append((str(ref.get("type", "")), ref["url"]))
    published = data.get("published")
    withdrawn = data.get("withdrawn")
    return Entry(
        id=entry_id,
        modified=parse_time(data.get("modified"), "modified", entry_id),
        published=parse_time(published, "published", entry_id) if published else None,
        withdrawn=parse_time(withdrawn, "withdrawn", entry_id) if withdrawn else None,
        aliases=_strs(data.get("aliases"), "aliases", entry_id),
        summary=str(data.get("summary") or ""),
        details=str(data.get("details") or ""),
        affected=tuple(_affected(a, entry_id) for a in affected),
        severity=tuple(severity),
        database_specific=_obj(data.get("database_specific"), "database_specific", entry_id),
        references=tuple(refs),
    )


def load_entry(raw: bytes, source: str = "") -> Entry:
    """Decode and validate OSV JSON bytes."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise VulnDBError(f"malformed OSV JSON in {source or 'an entry'}: {exc}") from exc
    return parse_entry(data, source)
