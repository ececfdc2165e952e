"""What the service needs in its image: CA roots, zoneinfo, a C library (cgo), files read
from the working directory at run time, writable paths. Embedded files are listed apart:
they are inside the binary, not needed in the image."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tree_sitter import Node

from goship.project.configsrc import VIPER, is_viper_call
from goship.project.golist import Package
from goship.project.syntax import GoFile, args, callee, line, string_value, text
from goship.project.tz import constant_zones, zone_sites
from goship.project.values import Evaluator, Origin

TLS_PKGS = ("crypto/x509", "crypto/tls")
X509_FALLBACK = "golang.org/x/crypto/x509roots/fallback"
WEB = ("github.com/gin-gonic/gin", "github.com/labstack/echo", "github.com/gofiber/fiber")
TEMP_FUNCS = {
    ("os", "TempDir"),
    ("os", "CreateTemp"),
    ("os", "MkdirTemp"),
    ("io/ioutil", "TempFile"),
    ("io/ioutil", "TempDir"),
}
VIPER_EXTS = ("yaml", "yml", "json", "toml", "hcl", "env", "properties", "ini")
_GLOB = re.compile(r"[*?\[]")
_WRITE_FLAGS = re.compile(r"O_(WRONLY|RDWR|CREATE|APPEND|TRUNC)")


@dataclass
class Found:
    """A path fact with its evidence."""

    value: str
    origin: Origin


@dataclass
class FileNeeds:
    runtime: list[Found] = field(default_factory=list)
    writable: list[Found] = field(default_factory=list)
    env_files: list[Found] = field(default_factory=list)
    unresolved: list[tuple[str, Origin]] = field(default_factory=list)  # (kind, where)


def normalise(path: str) -> str | None:
    """A runtime path as the program sees it, without ./ and glob parts
    ("templates/*" -> "templates", "./static" -> "static", "*.html" -> ".")."""
    path = path.strip().replace("\\", "/")
    if not path or path.startswith("/"):
        return None
    kept = []
    for part in path.split("/"):
        if _GLOB.search(part):
            break
        kept.append(part)
    norm = posixpath.normpath("/".join(kept)) if kept else "."
    return norm


def _dir_of(path: str) -> str:
    d = posixpath.dirname(path.rstrip("/"))
    return d or "."


DOTENV = "github.com/joho/godotenv"
# Config-file loaders: (package path prefix, function) -> index of the first path argument.
CONFIG_LOADERS: dict[tuple[str, str], int] = {
    ("gopkg.in/ini.v1", "Load"): 0,
    ("gopkg.in/ini.v1", "LooseLoad"): 0,
    ("gopkg.in/ini.v1", "InsensitiveLoad"): 0,
    ("github.com/go-ini/ini", "Load"): 0,
    ("github.com/go-ini/ini", "LooseLoad"): 0,
    ("github.com/BurntSushi/toml", "DecodeFile"): 0,
    ("github.com/pelletier/go-toml", "LoadFile"): 0,
    ("github.com/ilyakaznacheev/cleanenv", "ReadConfig"): 0,
    ("github.com/knadh/koanf/providers/file", "Provider"): 0,
    ("github.com/jinzhu/configor", "Load"): 1,
}


def _config_loader(pkg: str, name: str) -> int | None:
    for (prefix, fn), index in CONFIG_LOADERS.items():
        if name == fn and (pkg == prefix or pkg.startswith(prefix + "/")):
            return index
    return None


def deps_match(deps: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(d for d in deps if any(d == p or d.startswith(p + "/") for p in prefixes))


def import_evidence(
    files: list[GoFile], pkgs: dict[str, Package], pred: Callable[[str], bool]
) -> tuple[GoFile, int, str] | None:
    """The first import in ``files`` that is, or depends on, a package matching ``pred``."""
    dep_sets: dict[str, set[str]] = {}
    for f in files:
        for imp in f.imports.values():
            if pred(imp.path):
                return f, imp.line, imp.path
            if imp.path not in dep_sets:
                p = pkgs.get(imp.path)
                dep_sets[imp.path] = set(p.deps) if p else set()
            if any(pred(d) for d in dep_sets[imp.path]):
                return f, imp.line, imp.path
    return None


class FileRules:
    """Finds paths opened, served or written at run time in the project's own calls."""

    def __init__(self, ev: Evaluator, workdir: Path) -> None:
        self.ev = ev
        self.workdir = workdir
        self.out = FileNeeds()

    def scan(self, files: list[GoFile]) -> FileNeeds:
        viper_cfg: dict[str, list[tuple[GoFile, Node]]] = {}
        for f in files:
            web = any(i.path.startswith(WEB) for i in f.imports.values())
            tmpl = f.imports_path("html/template") or f.imports_path("text/template")
            for imp in f.imports.values():
                if imp.path == DOTENV + "/autoload":
                    origin = Origin(f.rel, imp.line, f"import {imp.path}")
                    self.out.env_files.append(Found(".env", origin))
            for call in f.of("call_expression"):
                self._call(f, call, web, tmpl)
                name = is_viper_call(
                    f, call, {"SetConfigFile", "SetConfigName", "AddConfigPath", "SetConfigType"}
                )
                if name:
                    viper_cfg.setdefault(name, []).append((f, call))
        self._viper(viper_cfg, files)
        return self.out

    def _add(
        self, kind: str, f: GoFile, call: Node, node: Node | None, as_dir: bool = False
    ) -> None:
        if node is None:
            return
        v = self.ev.eval(f, node)
        origin = Origin(f.rel, line(call), text(call).split("\n")[0][:120])
        if v.text is None and as_dir and self._is_basename(f, node):
            self.out.writable.append(Found(".", origin))  # a bare file name: the working dir
            return
        if v.text is None:
            self.out.unresolved.append((kind, origin))
            return
        raw = v.text
        if kind == "writable":
            if raw.startswith("/"):
                self.out.writable.append(
                    Found(posixpath.normpath(raw if not as_dir else _dir_of(raw)), origin)
                )
                return
            if as_dir:
                raw = _dir_of(raw)
        norm = normalise(raw)
        if norm is None:
            return
        (self.out.writable if kind == "writable" else self.out.runtime).append(Found(norm, origin))

    def _call(self, f: GoFile, call: Node, web: bool, tmpl: bool) -> None:
        c = callee(f, call)
        if c is None:
            return
        a = args(call)
        n = c.name
        if c.kind == "pkg":
            pkg = c.pkg or ""
            loader = _config_loader(pkg, n)
            if loader is not None:
                for x in a[loader : loader + 1] if loader == 0 else a[loader:]:
                    self._add("runtime", f, call, x)
                return
            if pkg.startswith(DOTENV) and n in ("Load", "Overload", "Read"):
                origin = Origin(f.rel, line(call), text(call).split("\n")[0][:120])
                names = [self.ev.eval(f, x).text for x in a] if a else [".env"]
                self.out.env_files.extend(Found(x, origin) for x in names if x)
                return
            if n == "Open" and len(a) == 2 and string_value(a[0]) in ("sqlite3", "sqlite"):
                self._sqlite(f, call, a[1])  # sql.Open / gorm v1 Open("sqlite3", path)
                return
            if n == "Open" and len(a) == 1 and pkg.endswith("/sqlite"):
                self._sqlite(f, call, a[0])  # gorm.io/driver/sqlite, glebarez/sqlite
                return
            if pkg in ("html/template", "text/template") and n in ("ParseGlob", "ParseFiles"):
                for x in a:
                    self._add("runtime", f, call, x)
            elif pkg == "net/http" and n == "Dir" and a:
                self._add("runtime", f, call, a[0])
            elif pkg == "net/http" and n == "ServeFile" and len(a) == 3:
                self._add("runtime", f, call, a[2])
            elif pkg in ("os", "io/ioutil") and n in ("ReadFile", "Open", "ReadDir", "DirFS") and a:
                self._add("runtime", f, call, a[0])
            elif pkg == "os" and n == "OpenFile" and len(a) >= 2:
                kind = "writable" if _WRITE_FLAGS.search(text(a[1])) else "runtime"
                self._add(kind, f, call, a[0], as_dir=kind == "writable")
            elif pkg == "os" and n in ("Create", "WriteFile") and a:
                self._add("writable", f, call, a[0], as_dir=True)
            elif pkg == "os" and n in ("Mkdir", "MkdirAll") and a:
                self._add("writable", f, call, a[0])
            elif (pkg, n) in TEMP_FUNCS:
                self._temp(f, call, a)
            elif pkg == "github.com/gin-gonic/gin" and n == "Dir" and a:
                self._add("runtime", f, call, a[0])
            return
        if c.kind != "method":
            return
        if n in ("LoadHTMLGlob", "LoadHTMLFiles") or (tmpl and n in ("ParseGlob", "ParseFiles")):
            for x in a:
                self._add("runtime", f, call, x)
        elif (web and n in ("Static", "StaticFile") and len(a) >= 2) or (
            web and n == "File" and len(a) == 2 and f.imports_path("github.com/labstack/echo")
        ):
            self._add("runtime", f, call, a[1])
        elif web and n in ("SaveUploadedFile", "SaveFile") and len(a) == 2:
            self._add("writable", f, call, a[1], as_dir=True)  # gin / fiber uploads
        elif web and n in ("File", "SendFile") and len(a) == 1:
            self._add("runtime", f, call, a[0])

    def _is_basename(self, f: GoFile, node: Node) -> bool:
        """``filepath.Base(x)`` (directly or through a variable): a name with no directory."""
        nodes = [node]
        if node.type == "identifier":
            nodes = [a.value for a in self.ev.idx.lookup(f, node, text(node)) if a.kind == "expr"]
        for n in nodes:
            c = callee(f, n) if n.type == "call_expression" else None
            if c is None or c.kind != "pkg" or c.pkg not in ("path/filepath", "path"):
                return False
            if c.name != "Base":
                return False
        return bool(nodes)

    def _sqlite(self, f: GoFile, call: Node, dsn: Node) -> None:
        v = self.ev.eval(f, dsn)
        if v.text is None:
            return
        path = v.text.removeprefix("file:").split("?", 1)[0]
        if not path or path.startswith(":memory:") or "mode=memory" in v.text:
            return
        origin = Origin(f.rel, line(call), text(call).split("\n")[0][:120])
        d = _dir_of(path)
        norm = posixpath.normpath(d) if d.startswith("/") else normalise(d)
        if norm:
            self.out.writable.append(Found(norm, origin))

    def _temp(self, f: GoFile, call: Node, a: list[Node]) -> None:
        origin = Origin(f.rel, line(call), text(call).split("\n")[0][:120])
        if a:
            v = self.ev.eval(f, a[0])
            if v.text:
                self._add("writable", f, call, a[0])
                return
        self.out.writable.append(Found("/tmp", origin))

    def _viper(self, calls: dict[str, list[tuple[GoFile, Node]]], files: list[GoFile]) -> None:
        for f, call in calls.get("SetConfigFile", []):
            a = args(call)
            self._add("runtime", f, call, a[0] if a else None)
        names = [(f, c) for f, c in calls.get("SetConfigName", [])]
        if not names:
            return
        for f, call in calls.get("AddConfigPath", []):
            a = args(call)
            if not a:
                continue
            v = self.ev.eval(f, a[0])
            origin = Origin(f.rel, line(call), text(call).split("\n")[0][:120])
            if v.text is None:
                self.out.unresolved.append(("runtime", origin))
                continue
            d = normalise(v.text)
            if d is None:
                continue  # /etc/app, $HOME/...: outside the working directory
            if d != ".":
                self.out.runtime.append(Found(d, origin))
                continue
            for nf, ncall in names:
                na = args(ncall)
                name = self.ev.eval(nf, na[0]).text if na else None
                if not name:
                    continue
                ctype = self._config_type(calls)
                fname = f"{name}.{ctype}" if ctype else self._existing_config(name)
                self.out.runtime.append(
                    Found(fname, Origin(nf.rel, line(ncall), text(ncall)[:120]))
                )

    def _existing_config(self, name: str) -> str:
        for ext in VIPER_EXTS:
            if (self.workdir / f"{name}.{ext}").is_file():
                return f"{name}.{ext}"
        return name

    def _config_type(self, calls: dict[str, list[tuple[GoFile, Node]]]) -> str | None:
        for f, call in calls.get("SetConfigType", []):
            a = args(call)
            if a:
                return self.ev.eval(f, a[0]).text
        return None


def uses_viper(files: list[GoFile]) -> bool:
    return any(f.imports_path(VIPER) for f in files)


# -- needs read from the package graph -------------------------------------------------------
@dataclass
class GraphNeeds:
    ca_certificates: bool = False
    tzdata: bool = False
    tzdata_embedded: bool = False
    tzdata_zones: list[str] | None = None  # all zones loaded are these constants
    cgo_packages: list[str] = field(default_factory=list)
    evidence: list[tuple[str, str, int, str]] = field(default_factory=list)  # fact,file,line,detail


def graph_needs(
    deps: set[str], pkgs: dict[str, Package], files: list[GoFile], ev: Evaluator, tags: str
) -> GraphNeeds:
    """ca_certificates, tzdata and cgo for a main whose dependency closure is ``deps``."""
    out = GraphNeeds()
    tls = deps_match(deps, TLS_PKGS)
    if tls and X509_FALLBACK not in deps:
        out.ca_certificates = True
        ev_ = import_evidence(files, pkgs, lambda p: p in TLS_PKGS)
        if ev_:
            f, ln, imp = ev_
            via = "" if imp in TLS_PKGS else f" (which uses {tls[0]})"
            out.evidence.append(("ca_certificates", f.rel, ln, f"imports {imp}{via}"))
    elif tls:
        ev_ = import_evidence(files, pkgs, lambda p: p == X509_FALLBACK)
        if ev_:
            out.evidence.append(
                ("ca_certificates", ev_[0].rel, ev_[1], "x509roots/fallback embeds CA roots")
            )
    embedded_tz = "time/tzdata" in deps or "timetzdata" in re.split(r"[ ,]", tags)
    sites = zone_sites(files, deps, ev)
    tz_sites = [e for e, _ in sites]
    if embedded_tz:
        out.tzdata_embedded = True
        found = import_evidence(files, pkgs, lambda p: p == "time/tzdata")
        if found:
            out.evidence.append(
                ("tzdata", found[0].rel, found[1], "time/tzdata embeds the zone database")
            )
    elif tz_sites:
        out.tzdata = True
        out.tzdata_zones = constant_zones(sites)
    out.evidence.extend(tz_sites)
    for dep in sorted(deps):
        p = pkgs.get(dep)
        if p is not None and p.cgo_files and not p.standard:
            out.cgo_packages.append(dep)
    for dep in out.cgo_packages:
        found = import_evidence(files, pkgs, dep.__eq__)
        if found:
            out.evidence.append(("cgo", found[0].rel, found[1], f"{dep} has cgo files"))
    return out
