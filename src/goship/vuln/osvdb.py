"""The Go vulnerability database, from wherever it is: an index-layout directory, a flat
directory of OSV files, a zip (bulk download), or the online service (see :mod:`.dbhttp`).

``open_db(source)`` picks the reader:

* ``DIR`` with ``index/modules.json`` — read in place, entries loaded per module on demand;
* ``DIR`` of plain OSV files or ``FILE.zip`` — converted once into the index layout in the
  cache (keyed by path, size and mtimes), then read from there;
* ``http(s)://`` / ``file://`` URLs — online layout with an HTTP cache.

The database's age is db.json's ``modified`` (for converted sources: the newest entry time).
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

from goship.cachedir import cache_root as shared_cache_root
from goship.vuln.dbindex import iter_flat_dir, iter_zip, write_index_layout
from goship.vuln.errors import VulnDBError
from goship.vuln.osv import ZERO_TIME, Entry, load_entry, parse_time

DEFAULT_DB_URL = "https://vuln.go.dev"
STALE_AFTER = timedelta(days=7)


class Store(Protocol):
    """Reads one endpoint (``index/db.json``, ``ID/GO-2020-0001.json``) or returns None."""

    def read(self, endpoint: str) -> bytes | None: ...


class DirStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def read(self, endpoint: str) -> bytes | None:
        path = self.root / endpoint
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise VulnDBError(f"cannot read {path}: {exc.strerror}") from exc


class ZipStore:
    """A zip that already holds the index layout (``index/modules.json``), at any prefix."""

    def __init__(self, path: Path, prefix: str) -> None:
        self.path, self.prefix = path, prefix
        self._zip = zipfile.ZipFile(path)

    def read(self, endpoint: str) -> bytes | None:
        try:
            return self._zip.read(self.prefix + endpoint)
        except KeyError:
            return None
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise VulnDBError(f"cannot read {endpoint} from {self.path}: {exc}") from exc


@dataclass(frozen=True)
class DBInfo:
    source: str
    modified: datetime | None

    def age(self, now: datetime | None = None) -> timedelta | None:
        if self.modified is None:
            return None
        return (now or datetime.now(UTC)) - self.modified

    def is_stale(self, limit: timedelta = STALE_AFTER, now: datetime | None = None) -> bool:
        age = self.age(now)
        return age is not None and age > limit

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "modified": self.modified.isoformat() if self.modified else None,
        }


class VulnDB:
    """Entries by module, read lazily through a :class:`Store`."""

    def __init__(self, store: Store, source: str, on_entry: Callable[[str], None] | None = None):
        self.store = store
        self.source = source
        self._entries: dict[str, Entry] = {}
        self._on_entry = on_entry

    def _json(self, endpoint: str) -> Any:
        raw = self.store.read(endpoint)
        if raw is None:
            raise VulnDBError(
                f"the vulnerability database {self.source} has no {endpoint}",
                "point --db at a Go vulnerability database (index/ + ID/ layout, a directory "
                "of OSV JSON files, or a zip of them)",
            )
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise VulnDBError(f"malformed JSON in {self.source}/{endpoint}: {exc}") from exc

    @cached_property
    def info(self) -> DBInfo:
        meta = self._json("index/db.json")
        if not isinstance(meta, dict):
            raise VulnDBError(f"{self.source}/index/db.json is not a JSON object")
        modified = parse_time(meta.get("modified"), "modified", "index/db.json")
        return DBInfo(self.source, None if modified <= ZERO_TIME else modified)

    @cached_property
    def modules(self) -> Mapping[str, tuple[str, ...]]:
        """Module path -> ids of the entries that affect it."""
        data = self._json("index/modules.json")
        if not isinstance(data, list):
            raise VulnDBError(f"{self.source}/index/modules.json is not a JSON list")
        out: dict[str, tuple[str, ...]] = {}
        for item in data:
            if not isinstance(item, dict) or not isinstance(item.get("path"), str):
                raise VulnDBError(f"{self.source}/index/modules.json: an item has no path")
            vulns = item.get("vulns") or []
            if not isinstance(vulns, list):
                raise VulnDBError(f"{self.source}/index/modules.json: vulns must be a list")
            ids = tuple(
                v["id"] for v in vulns if isinstance(v, dict) and isinstance(v.get("id"), str)
            )
            out[item["path"]] = out.get(item["path"], ()) + ids
        return out

    def entry(self, entry_id: str) -> Entry:
        found = self._entries.get(entry_id)
        if found is None:
            if self._on_entry is not None:
                self._on_entry(entry_id)
            endpoint = f"ID/{entry_id}.json"
            raw = self.store.read(endpoint)
            if raw is None:
                raise VulnDBError(
                    f"the vulnerability database {self.source} lists {entry_id} but has no "
                    f"{endpoint}"
                )
            found = load_entry(raw, f"{self.source}/{endpoint}")
            if found.id != entry_id:
                raise VulnDBError(f"{self.source}/{endpoint} holds entry {found.id!r}")
            self._entries[entry_id] = found
        return found

    def entries_for(self, module: str) -> list[Entry]:
        return [self.entry(i) for i in self.modules.get(module, ())]

    def all_ids(self) -> list[str]:
        return sorted({i for ids in self.modules.values() for i in ids})


def cache_root(env: Mapping[str, str] | None = None) -> Path:
    """goship's cache directory (``$GOSHIP_CACHE``, see :mod:`goship.cachedir`)."""
    return Path(shared_cache_root(env))


def _fingerprint(path: Path) -> str:
    h = hashlib.sha256(str(path.resolve()).encode())
    if path.is_dir():
        for p in sorted(path.rglob("*.json")):
            st = p.stat()
            h.update(f"{p.relative_to(path)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    else:
        st = path.stat()
        h.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:24]


def _snapshot_time(path: Path) -> datetime | None:
    """``index/db.json``'s ``modified`` shipped next to flat OSV files (a snapshot's date)."""
    raw: bytes | None = None
    try:
        if path.is_dir():
            raw = (path / "index" / "db.json").read_bytes()
        else:
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if n.endswith("index/db.json")]
                raw = zf.read(names[0]) if names else None
    except (OSError, zipfile.BadZipFile, KeyError):
        return None
    if raw is None:
        return None
    try:
        meta = json.loads(raw)
        return parse_time(meta.get("modified"), "modified", "index/db.json")
    except (ValueError, AttributeError, VulnDBError):
        return None


def _converted(path: Path, cache: Path) -> Path:
    """The cached index layout for a flat directory or zip (built on first use)."""
    dest = cache / "vulndb" / f"local-{_fingerprint(path)}"
    if (dest / "index" / "modules.json").is_file():
        return dest
    files = iter_zip(path) if path.is_file() else iter_flat_dir(path)
    return write_index_layout(files, dest, _snapshot_time(path))


def _zip_prefix(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.endswith("index/modules.json"):
                    return name[: -len("index/modules.json")]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise VulnDBError(f"{path} is not a readable zip: {exc}") from exc
    return None


def open_local(path: Path, cache: Path | None = None) -> VulnDB:
    """A database from a local directory or zip (see the module docstring)."""
    cache = cache or cache_root()
    source = str(path)
    if path.is_dir():
        if (path / "index" / "modules.json").is_file():
            return VulnDB(DirStore(path), source)
        return VulnDB(DirStore(_converted(path, cache)), source)
    if path.is_file():
        prefix = _zip_prefix(path)
        if prefix is not None:
            return VulnDB(ZipStore(path, prefix), source)
        return VulnDB(DirStore(_converted(path, cache)), source)
    raise VulnDBError(
        f"vulnerability database {path} does not exist",
        "pass --db with a directory or zip of the Go vulnerability database, or a URL",
    )


def open_db(
    source: str | None = None,
    *,
    update: bool = False,
    offline: bool = False,
    cache: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> VulnDB:
    """Open the database named by ``source`` (default ``$GOSHIP_VULNDB`` or the online
    service). ``update`` revalidates an online cache now; ``offline`` forbids the network."""
    env = os.environ if env is None else env
    source = source or env.get("GOSHIP_VULNDB") or DEFAULT_DB_URL
    cache = cache or cache_root(env)
    parsed = urlparse(source)
    if parsed.scheme == "file":
        return open_local(Path(unquote(parsed.path)), cache)
    if parsed.scheme in ("http", "https"):
        from goship.vuln.dbhttp import HttpStore

        store = HttpStore(source, cache / "vulndb", offline=offline)
        if update:
            store.refresh(force=True)
        return VulnDB(store, source)
    return open_local(Path(source).expanduser(), cache)
