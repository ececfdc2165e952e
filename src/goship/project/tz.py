"""Does the service load time zones at run time (and so need zoneinfo in the image)?

A zone is loaded when the project's code calls ``time.LoadLocation`` with a zone other than
UTC/Local, or asks a dependency to: gin's form binding with a ``time_location`` tag, a
``loc=``/``_loc=`` DSN parameter (go-sql-driver/mysql, mattn/go-sqlite3), a ``CRON_TZ=`` /
``TZ=`` cron spec (robfig/cron, go-co-op/gocron). Dependencies that merely contain a
``LoadLocation`` call for an option the service does not use do not count.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from tree_sitter import Node

from goship.project.syntax import GoFile, args, callee, line, string_value, text
from goship.project.values import Evaluator

Evidence = tuple[str, str, int, str]

TZ_FREE = frozenset({"UTC", "Local", "", "auto"})
GIN = "github.com/gin-gonic/gin"
CRON_DEPS = ("github.com/robfig/cron", "github.com/go-co-op/gocron")
SQL_DRIVERS = ("github.com/go-sql-driver/mysql", "github.com/mattn/go-sqlite3")
_TIME_LOCATION_TAG = re.compile(rb'time_location:"([^"]+)"')
_DSN_LOC = re.compile(r"[?&]_?loc=([^&\s\"'`]+)")
_CRON_TZ = re.compile(r"(?:^|\s)(?:CRON_)?TZ=(\S+)")


def _has(deps: set[str], prefixes: tuple[str, ...]) -> bool:
    return any(d == p or d.startswith(p + "/") for d in deps for p in prefixes)


def zone_loads(files: list[GoFile], deps: set[str], ev: Evaluator) -> list[Evidence]:
    """Evidence of run-time zone loading in ``files`` for a main with ``deps``."""
    return [e for e, _ in zone_sites(files, deps, ev)]


def constant_zones(sites: list[tuple[Evidence, str | None]]) -> list[str] | None:
    """Every zone name the code can load, when each site names a constant zone (then an
    image needs only these); None when any site's zone is only known at run time."""
    names = {zone for _, zone in sites}
    if not sites or None in names:
        return None
    return sorted(n for n in names if n is not None)


def zone_sites(
    files: list[GoFile], deps: set[str], ev: Evaluator
) -> list[tuple[Evidence, str | None]]:
    """Each zone-loading site with the zone it loads (None: not a constant)."""
    out = _load_location_calls(files, ev)
    gin = GIN in deps
    sql = _has(deps, SQL_DRIVERS)
    cron = _has(deps, CRON_DEPS)
    for f in files:
        if gin:
            for m in _TIME_LOCATION_TAG.finditer(f.src):
                zone = m.group(1).decode()
                if zone not in TZ_FREE:
                    ln = f.src.count(b"\n", 0, m.start()) + 1
                    out.append((("tzdata", f.rel, ln, f"gin binding {m.group(0).decode()}"), zone))
        if not (sql or cron):
            continue
        for node in f.of("call_expression"):
            call_args = args(node)
            if sql and len(call_args) == 2 and string_value(call_args[0]) in ("loc", "_loc"):
                zone = string_value(call_args[1])  # url.Values{}.Add("loc", "Asia/Jakarta")
                if zone is not None and unquote(zone) not in TZ_FREE:
                    detail = f"DSN parameter loc={zone}"
                    out.append((("tzdata", f.rel, line(node), detail), unquote(zone)))
            for a in call_args:
                s = string_value(a)
                if not s:
                    continue
                if sql and (loc := _DSN_LOC.search(s)) and unquote(loc.group(1)) not in TZ_FREE:
                    detail = f"DSN {loc.group(0).lstrip('?&')}"
                    out.append((("tzdata", f.rel, line(a), detail), unquote(loc.group(1))))
                if cron and (tz := _CRON_TZ.search(s)) and tz.group(1) not in TZ_FREE:
                    out.append((("tzdata", f.rel, line(a), f"cron spec {s!r}"), tz.group(1)))
    return out


def _load_location_calls(files: list[GoFile], ev: Evaluator) -> list[tuple[Evidence, str | None]]:
    out: list[tuple[Evidence, str | None]] = []
    for f in files:
        if not f.imports_path("time"):
            continue
        for call in f.of("call_expression"):
            c = callee(f, call)
            if c is None or c.kind != "pkg" or c.pkg != "time" or c.name != "LoadLocation":
                continue
            a = args(call)
            zone = _constant(ev, f, a[0]) if a else None
            if zone in TZ_FREE:
                continue  # UTC and Local need no zoneinfo files
            out.append((("tzdata", f.rel, line(call), text(call).split("\n")[0][:120]), zone))
    return out


def _constant(ev: Evaluator, f: GoFile, node: Node) -> str | None:
    """The value of a string literal or of a name with a single literal assignment."""
    lit = string_value(node)
    if lit is not None or node.type != "identifier":
        return lit
    assigns = ev.idx.lookup(f, node, text(node))
    if len(assigns) == 1 and assigns[0].kind == "expr":
        return string_value(assigns[0].value)
    return None
