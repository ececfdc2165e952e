"""The online Go vulnerability database (``index/db.json``, ``index/modules.json``,
``ID/<id>.json``) behind a local HTTP cache.

* Index files are revalidated at most once per ``max_age`` (default one hour) or on
  ``--update-db``, with ``If-None-Match`` / ``If-Modified-Since`` from the last answer; a 304
  keeps the cached copy.
* Entries are fetched on first use and kept; when a new ``modules.json`` shows an entry's
  ``modified`` changed, the cached copy is dropped so the next read fetches it again.
* Without network, the cache is used as it is (with a warning in :attr:`HttpStore.warnings`);
  with neither network nor cache, :class:`VulnDBUnavailable` says how to work offline.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from goship.vuln.errors import VulnDBError, VulnDBUnavailable

MAX_BYTES = 256 << 20
OFFLINE_HINT = (
    "use --db with a local copy (a directory or zip of the Go vulnerability database), "
    "or check network access"
)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class HttpStore:
    def __init__(
        self,
        base_url: str,
        cache_dir: Path,
        *,
        offline: bool = False,
        max_age: float = 3600.0,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base = base_url.rstrip("/")
        key = hashlib.sha256(self.base.encode()).hexdigest()[:16]
        self.dir = cache_dir / f"http-{key}"
        self.offline = offline
        self.max_age = max_age
        self._client = client
        self._clock = clock
        self.warnings: list[str] = []
        self.requests = 0  # counted for tests and the benchmark
        self._meta: dict[str, dict[str, Any]] = self._load_meta()

    # -- cache metadata ---------------------------------------------------------------------
    def _load_meta(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads((self.dir / "meta.json").read_bytes())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save_meta(self) -> None:
        _atomic_write(self.dir / "meta.json", json.dumps(self._meta, sort_keys=True).encode())

    def _client_get(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=30.0, follow_redirects=True)
        return self._client

    # -- fetching ---------------------------------------------------------------------------
    def _fetch(self, endpoint: str) -> bytes | None:
        """Conditional GET of ``endpoint`` into the cache; returns the current bytes."""
        path = self.dir / endpoint
        cached = path.read_bytes() if path.is_file() else None
        meta = self._meta.get(endpoint, {})
        headers = {"Accept-Encoding": "gzip"}
        if cached is not None:
            if meta.get("etag"):
                headers["If-None-Match"] = str(meta["etag"])
            if meta.get("last_modified"):
                headers["If-Modified-Since"] = str(meta["last_modified"])
        try:
            self.requests += 1
            resp = self._client_get().get(f"{self.base}/{endpoint}", headers=headers)
        except httpx.HTTPError as exc:
            if cached is not None:
                self.warnings.append(
                    f"could not revalidate {endpoint} from {self.base} ({exc}); using the cache"
                )
                return cached
            raise VulnDBUnavailable(
                f"cannot reach the vulnerability database {self.base}: {exc}", OFFLINE_HINT
            ) from exc
        now = self._clock()
        if resp.status_code == 304 and cached is not None:
            meta["checked"] = now
            self._meta[endpoint] = meta
            self._save_meta()
            return cached
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            if cached is not None:
                self.warnings.append(
                    f"{self.base}/{endpoint} answered {resp.status_code}; using the cache"
                )
                return cached
            raise VulnDBUnavailable(
                f"the vulnerability database {self.base} answered {resp.status_code} for "
                f"{endpoint}",
                OFFLINE_HINT,
            )
        body = resp.content
        if len(body) > MAX_BYTES:
            raise VulnDBError(f"{self.base}/{endpoint} is larger than {MAX_BYTES} bytes")
        if endpoint == "index/modules.json" and cached is not None:
            self._drop_changed_entries(cached, body)
        _atomic_write(path, body)
        self._meta[endpoint] = {
            "etag": resp.headers.get("etag"),
            "last_modified": resp.headers.get("last-modified"),
            "checked": now,
        }
        self._save_meta()
        return body

    def _drop_changed_entries(self, old: bytes, new: bytes) -> None:
        def stamps(raw: bytes) -> dict[str, str]:
            try:
                data = json.loads(raw)
            except ValueError:
                return {}
            out: dict[str, str] = {}
            for item in data if isinstance(data, list) else []:
                for v in (item.get("vulns") or []) if isinstance(item, dict) else []:
                    if isinstance(v, dict) and isinstance(v.get("id"), str):
                        out[v["id"]] = str(v.get("modified"))
            return out

        before, after = stamps(old), stamps(new)
        for vid, stamp in after.items():
            if before.get(vid) not in (None, stamp):
                (self.dir / "ID" / f"{vid}.json").unlink(missing_ok=True)
                self._meta.pop(f"ID/{vid}.json", None)

    def _fresh(self, endpoint: str) -> bool:
        checked = self._meta.get(endpoint, {}).get("checked")
        return isinstance(checked, int | float) and self._clock() - checked < self.max_age

    # -- Store protocol ---------------------------------------------------------------------
    def read(self, endpoint: str) -> bytes | None:
        path = self.dir / endpoint
        cached = path.is_file()
        if self.offline or (cached and (endpoint.startswith("ID/") or self._fresh(endpoint))):
            if cached:
                return path.read_bytes()
            if self.offline:
                raise VulnDBUnavailable(
                    f"{endpoint} of {self.base} is not in the cache and --offline is set",
                    OFFLINE_HINT,
                )
        return self._fetch(endpoint)

    def refresh(self, force: bool = True) -> None:
        """Revalidate the index files now (``--update-db``)."""
        if self.offline:
            raise VulnDBUnavailable("--update-db needs the network, but --offline is set")
        for endpoint in ("index/db.json", "index/modules.json"):
            if (force or not self._fresh(endpoint)) and self._fetch(endpoint) is None:
                raise VulnDBError(
                    f"{self.base} has no {endpoint}; is it a Go vulnerability database?"
                )
