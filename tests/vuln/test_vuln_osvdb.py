"""The vulnerability database readers: zip, flat and index directories, malformed data, and
the online layout with its HTTP cache (served from 127.0.0.1)."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from goship.cli import run
from goship.vuln.dbhttp import HttpStore
from goship.vuln.errors import VulnDBError, VulnDBUnavailable
from goship.vuln.osvdb import VulnDB, open_db

GIN_ID = "GO-2021-0052"


def test_zip_dir_and_layout_agree(vulndb_zip: Path, vulndb_layout: Path, tmp_path: Path) -> None:
    flat = tmp_path / "flat"
    with zipfile.ZipFile(vulndb_zip) as zf:
        zf.extractall(flat)
    cache = tmp_path / "cache"
    dbs = [open_db(str(p), cache=cache) for p in (vulndb_zip, flat, vulndb_layout)]
    dbs.append(open_db(vulndb_layout.as_uri(), cache=cache))
    ids = [sorted(e.id for e in db.entries_for("github.com/gin-gonic/gin")) for db in dbs]
    assert ids[0] == ["GO-2020-0001", GIN_ID, "GO-2023-1737"]
    assert all(i == ids[0] for i in ids)
    assert {db.info.modified for db in dbs} == {datetime(2026, 8, 21, 20, 38, tzinfo=UTC)}
    assert len(dbs[0].all_ids()) == 4291
    # the converted layout is cached: a second open does not rebuild it
    before = sorted(p.name for p in (cache / "vulndb").iterdir())
    open_db(str(vulndb_zip), cache=cache)
    assert sorted(p.name for p in (cache / "vulndb").iterdir()) == before


def test_layout_is_what_govulncheck_expects(vulndb_layout: Path) -> None:
    modules = json.loads((vulndb_layout / "index" / "modules.json").read_text())
    gin = next(m for m in modules if m["path"] == "github.com/gin-gonic/gin")
    fixes = {v["id"]: v.get("fixed") for v in gin["vulns"]}
    assert fixes == {"GO-2020-0001": "1.6.0", GIN_ID: "1.7.7", "GO-2023-1737": "1.9.1"}
    db = json.loads((vulndb_layout / "index" / "db.json").read_text())
    assert db["modified"] == "2026-08-21T20:38:00Z"
    assert (vulndb_layout / "ID" / f"{GIN_ID}.json").is_file()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "malformed OSV JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"modified": "2024-01-01T00:00:00Z"}', "has no id"),
        (b'{"id": "X-1", "modified": "yesterday"}', "bad modified time"),
        (
            b'{"id": "X-1", "modified": "2024-01-01T00:00:00Z", "affected": {}}',
            "affected must be a list",
        ),
        (
            b'{"id": "X-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": '
            b'{"name": "m"}, "ranges": [{"type": "SEMVER", "events": [{"fixed": 1}]}]}]}',
            "exactly one of",
        ),
    ],
)
def test_malformed_osv(tmp_path: Path, content: bytes, message: str) -> None:
    flat = tmp_path / "osv"
    flat.mkdir()
    (flat / "X-1.json").write_bytes(content)
    with pytest.raises(VulnDBError, match=message):
        open_db(str(flat), cache=tmp_path / "cache")
    assert run(["scan", str(tmp_path), "--db", str(flat)]) == 2


def test_bad_sources(tmp_path: Path) -> None:
    with pytest.raises(VulnDBError, match="does not exist"):
        open_db(str(tmp_path / "nope"), cache=tmp_path)
    bad_zip = tmp_path / "db.zip"
    bad_zip.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(VulnDBError):
        open_db(str(bad_zip), cache=tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(VulnDBError, match="no OSV entries"):
        open_db(str(empty), cache=tmp_path / "c")


# --- online layout through a local HTTP server ---------------------------------------------


class _Server:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.log: list[tuple[str, int]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = outer.root / self.path.lstrip("/")
                if not path.is_file():
                    outer.log.append((self.path, 404))
                    self.send_error(404)
                    return
                body = path.read_bytes()
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    outer.log.append((self.path, 304))
                    self.send_response(304)
                    self.end_headers()
                    return
                outer.log.append((self.path, 200))
                self.send_response(200)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", "Fri, 21 Aug 2026 20:38:00 GMT")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(vulndb_layout: Path, tmp_path: Path) -> Iterator[_Server]:
    root = tmp_path / "www"
    shutil.copytree(vulndb_layout, root)
    server = _Server(root)
    try:
        yield server
    finally:
        server.close()


def test_http_cache_with_etags(served: _Server, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    db = VulnDB(HttpStore(served.url, cache / "vulndb", max_age=3600), served.url)
    assert db.info.modified == datetime(2026, 8, 21, 20, 38, tzinfo=UTC)
    assert {e.id for e in db.entries_for("github.com/gin-gonic/gin")} >= {GIN_ID}
    first = list(served.log)
    assert ("/index/modules.json", 200) in first and (f"/ID/{GIN_ID}.json", 200) in first

    # fresh cache: no request at all
    served.log.clear()
    again = VulnDB(HttpStore(served.url, cache / "vulndb", max_age=3600), served.url)
    again.entries_for("github.com/gin-gonic/gin")
    assert served.log == []

    # --update-db: conditional requests answered 304
    open_db(served.url, update=True, cache=cache).entries_for("github.com/gin-gonic/gin")
    assert served.log == [("/index/db.json", 304), ("/index/modules.json", 304)]

    # a changed entry: modules.json changes, the stale cached entry is dropped and refetched
    modules_path = served.root / "index" / "modules.json"
    modules = json.loads(modules_path.read_text())
    for module in modules:
        for vuln in module["vulns"]:
            if vuln["id"] == GIN_ID:
                vuln["modified"] = "2026-09-01T00:00:00Z"
    modules_path.write_text(json.dumps(modules))
    served.log.clear()
    open_db(served.url, update=True, cache=cache).entries_for("github.com/gin-gonic/gin")
    assert ("/index/modules.json", 200) in served.log
    assert (f"/ID/{GIN_ID}.json", 200) in served.log
    assert ("/ID/GO-2023-1737.json", 200) not in served.log  # unchanged: still cached

    # offline: the cache serves; the server is not asked
    served.log.clear()
    offline = open_db(served.url, offline=True, cache=cache)
    assert offline.entries_for("github.com/gin-gonic/gin")
    assert served.log == []


def test_http_unreachable(tmp_path: Path, served: _Server) -> None:
    url = served.url
    cache = tmp_path / "cache"
    db = VulnDB(HttpStore(url, cache, max_age=0), url)
    db.entries_for("github.com/gin-gonic/gin")
    served.close()
    # with a cache: a warning, and the cached data
    stale = VulnDB(HttpStore(url, cache, max_age=0), url)
    assert stale.entries_for("github.com/gin-gonic/gin")
    assert any("using the cache" in w for w in stale.store.warnings)  # type: ignore[attr-defined]
    # without: environment missing (exit 3) with the offline hint
    with pytest.raises(VulnDBUnavailable, match="cannot reach") as err:
        _ = VulnDB(HttpStore(url, tmp_path / "empty", max_age=0), url).info
    assert "--db" in (err.value.hint or "")
    binary = tmp_path / "x"
    binary.write_bytes(b"\x7fELF" + b"\x00" * 2000)
    assert run(["scan", str(binary), "--db", url, "--offline"]) in (2, 3)


def test_stale_and_age() -> None:
    from goship.vuln.osvdb import DBInfo

    now = datetime(2026, 9, 1, tzinfo=UTC)
    info = DBInfo("x", now - timedelta(days=8))
    assert info.is_stale(now=now)
    assert not DBInfo("x", now - timedelta(days=2)).is_stale(now=now)
    assert not DBInfo("x", None).is_stale(now=now)


def test_cli_update_db(
    served: _Server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GOSHIP_CACHE", str(tmp_path / "cache"))
    assert run(["scan", "--update-db", "--db", served.url]) == 0
    assert "updated 2026-08-21" in capsys.readouterr().out
    assert ("/index/db.json", 200) in served.log
    served.log.clear()
    assert run(["scan", "--update-db", "--db", served.url]) == 0
    assert served.log == [("/index/db.json", 304), ("/index/modules.json", 304)]
    monkeypatch.setenv("GOSHIP_VULNDB", served.url)  # the default source comes from the env
    served.log.clear()
    assert run(["scan", "--update-db"]) == 0
    assert served.log[0] == ("/index/db.json", 304)
