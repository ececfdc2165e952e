"""Build the Go vulnerability database's index layout from plain OSV files.

The layout (what vuln.go.dev serves and what ``govulncheck -db file:///DIR`` reads)::

    index/db.json        {"modified": "<newest entry time>"}
    index/modules.json   [{"path": MODULE, "vulns": [{"id", "modified", "fixed"?}]}]
    ID/<id>.json         one OSV entry each

Sources: a flat directory of ``*.json`` OSV files (searched recursively), or a zip of them.
The layout is written to a temp directory next to the target and renamed into place.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from goship.vuln.errors import VulnDBError
from goship.vuln.osv import ZERO_TIME, Entry, Range, load_entry
from goship.vuln.semver import less

MAX_ENTRY_BYTES = 8 << 20
MAX_ZIP_ENTRIES = 200_000


def rfc3339(ts: datetime) -> str:
    """UTC RFC 3339 with a four-digit year (``strftime("%Y")`` drops the zeros of year 1)."""
    ts = ts.astimezone(UTC)
    return f"{ts.year:04d}-{ts:%m-%dT%H:%M:%S}Z"


def non_superseded_fix(ranges: Iterable[Range]) -> str:
    """The latest fix of the SEMVER ranges, or ``""`` when the bug was re-introduced after it
    (govulncheck's ``NonSupersededFix``): the ``fixed`` hint of ``modules.json``."""
    latest = ""
    for rng in ranges:
        if rng.type != "SEMVER":
            continue
        for ev in rng.events:
            if ev.kind == "fixed" and ev.version and less(latest, ev.version):
                latest = ev.version
        for ev in rng.events:
            if ev.kind == "introduced" and ev.version not in ("", "0") and less(latest, ev.version):
                latest = ""
                break
    return latest


def _safe_id(entry_id: str) -> str:
    if not entry_id or "/" in entry_id or "\\" in entry_id or entry_id.startswith("."):
        raise VulnDBError(f"OSV id {entry_id!r} cannot be used as a file name")
    return entry_id


def iter_flat_dir(root: Path) -> Iterator[tuple[str, bytes]]:
    """(relative name, bytes) of every ``*.json`` under ``root`` except index files."""
    for path in sorted(root.rglob("*.json")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("index/") or not path.is_file():
            continue
        if path.stat().st_size > MAX_ENTRY_BYTES:
            raise VulnDBError(f"{path} is larger than {MAX_ENTRY_BYTES} bytes; not an OSV entry")
        yield rel, path.read_bytes()


def iter_zip(path: Path) -> Iterator[tuple[str, bytes]]:
    """(member name, bytes) of every ``*.json`` member of a zip except index files."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = [i for i in zf.infolist() if i.filename.endswith(".json") and not i.is_dir()]
            if len(infos) > MAX_ZIP_ENTRIES:
                raise VulnDBError(f"{path} has more than {MAX_ZIP_ENTRIES} JSON members")
            for info in infos:
                if "index/" in info.filename:
                    continue
                if info.file_size > MAX_ENTRY_BYTES:
                    raise VulnDBError(f"{path}:{info.filename} is too large for an OSV entry")
                yield info.filename, zf.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise VulnDBError(f"cannot read the vulnerability zip {path}: {exc}") from exc


def build_index(
    files: Iterable[tuple[str, bytes]], modified: datetime | None = None
) -> tuple[dict[str, Any], list[Any], dict[str, bytes]]:
    """(db.json, modules.json, {id: raw entry}) for OSV ``files``; every entry is validated.

    db.json's ``modified`` is ``modified`` when given (the snapshot's own date), else the
    newest entry time (zero time when no entry carries one)."""
    newest = ZERO_TIME
    modules: dict[str, list[dict[str, str]]] = {}
    raw_by_id: dict[str, bytes] = {}
    for name, raw in files:
        entry: Entry = load_entry(raw, name)
        entry_id = _safe_id(entry.id)
        if entry_id in raw_by_id:
            raise VulnDBError(f"OSV id {entry_id} appears twice (second copy in {name})")
        raw_by_id[entry_id] = raw
        newest = max(newest, entry.updated)
        for aff in entry.affected:
            vuln = {"id": entry_id, "modified": rfc3339(entry.modified)}
            fix = non_superseded_fix(aff.ranges)
            if fix:
                vuln["fixed"] = fix
            modules.setdefault(aff.module, []).append(vuln)
    if not raw_by_id:
        raise VulnDBError('no OSV entries found (expected *.json files with an "id")')
    db = {"modified": rfc3339(modified or newest)}
    mods = [{"path": path, "vulns": vulns} for path, vulns in sorted(modules.items())]
    return db, mods, raw_by_id


def write_index_layout(
    files: Iterable[tuple[str, bytes]],
    dest: str | os.PathLike[str],
    modified: datetime | None = None,
) -> Path:
    """Write the index layout for OSV ``files`` at ``dest`` (replacing an earlier layout)."""
    target = Path(dest).absolute()
    db, mods, raw_by_id = build_index(files, modified)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and not (target / "index" / "db.json").is_file() and any(target.iterdir()):
        raise VulnDBError(f"{target} exists and is not a vulnerability database layout")
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        (tmp / "index").mkdir()
        (tmp / "ID").mkdir()
        (tmp / "index" / "db.json").write_text(json.dumps(db))
        (tmp / "index" / "modules.json").write_text(json.dumps(mods, separators=(",", ":")))
        for entry_id, raw in raw_by_id.items():
            (tmp / "ID" / f"{entry_id}.json").write_bytes(raw)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.rename(target, old / "db")
            os.rename(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
