"""Does a main package serve, with which framework, on which port — read from the calls
that start servers (``r.Run``, ``e.Start``, ``app.Listen``, ``http.ListenAndServe``,
``&http.Server{Addr: ...}``, ``net.Listen``, ``grpcServer.Serve``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from tree_sitter import Node

from goship.project.index import ProjectIndex
from goship.project.syntax import GoFile, args, callee, line, scope_of, string_value, text
from goship.project.values import UNKNOWN, Evaluator, Origin, Val, env_val, port_of

GIN = "github.com/gin-gonic/gin"
ECHO = "github.com/labstack/echo"
FIBER = "github.com/gofiber/fiber"
CHI = "github.com/go-chi/chi"
MUX = "github.com/gorilla/mux"
GRPC = "google.golang.org/grpc"
# HTTP frameworks, most specific first: a chi/mux router is usually served by net/http.
FRAMEWORK_IMPORTS = (
    ("gin", GIN),
    ("echo", ECHO),
    ("fiber", FIBER),
    ("chi", CHI),
    ("gorilla/mux", MUX),
)

_METRICS = re.compile(r"promhttp|pprof|metrics", re.IGNORECASE)


@dataclass(frozen=True)
class ServeSite:
    file: GoFile
    node: Node
    kind: str  # gin | echo | fiber | http | http-server | server-method | net-listen | grpc
    framework: str | None
    addr: Node | None
    rank: int  # lower = more likely the service's main listener
    default: str | None = None  # address used when ``addr`` is None (gin: $PORT or :8080)

    @property
    def line(self) -> int:
        return line(self.node)


def framework_of_path(path: str) -> str | None:
    for name, prefix in FRAMEWORK_IMPORTS:
        if path == prefix or path.startswith(prefix + "/"):
            return name
    return None


def _imports_fw(f: GoFile, prefix: str) -> bool:
    return f.imports_path(prefix) or any(
        i.path.startswith(prefix + "/v") or i.path.startswith(prefix + "/")
        for i in f.imports.values()
    )


def find_sites(f: GoFile) -> list[ServeSite]:
    """Server-starting calls and server literals in one file."""
    out: list[ServeSite] = []
    for call in f.of("call_expression"):
        site = _site(f, call)
        if site is not None:
            if site.kind in ("http", "server-method") and _METRICS.search(text(call)):
                site = replace(site, rank=site.rank + 10)
            out.append(site)
    for lit in f.of("composite_literal"):
        t = text(lit.child_by_field_name("type"))
        alias, _, name = t.partition(".")
        imp = f.imports.get(alias)
        if name == "Server" and imp is not None and imp.path == "net/http":
            addr = _keyed(lit, "Addr")
            rank = 12 if _METRICS.search(text(lit)) else 2
            out.append(ServeSite(f, lit, "http-server", "net/http", addr, rank))
    return out


def _keyed(lit: Node, key: str) -> Node | None:
    body = lit.child_by_field_name("body")
    for el in body.named_children if body is not None else []:
        if el.type == "keyed_element" and len(el.named_children) == 2:
            k, v = el.named_children
            if text(k) == key:
                return v
    return None


def _site(f: GoFile, call: Node) -> ServeSite | None:
    c = callee(f, call)
    if c is None:
        return None
    a = args(call)
    first = a[0] if a else None
    if c.kind == "pkg":
        if c.pkg == "net/http" and c.name in ("ListenAndServe", "ListenAndServeTLS"):
            return ServeSite(f, call, "http", "net/http", first, 2)
        if c.pkg == "net/http" and c.name in ("Serve", "ServeTLS"):
            return ServeSite(f, call, "http", "net/http", None, 4)
        if c.pkg == "net" and c.name == "Listen" and len(a) == 2:
            network = string_value(a[0])
            if network is None or network.startswith("tcp"):
                return ServeSite(f, call, "net-listen", None, a[1], 3)
        if c.pkg == "github.com/gin-gonic/autotls" and c.name.startswith("Run"):
            return ServeSite(f, call, "gin", "gin", None, 1, default=":443")  # Let's Encrypt
        if c.name in ("ListenAndServe", "ListenAndServeTLS") and first is not None:
            return ServeSite(f, call, "http", "net/http", first, 2)  # e.g. fvbock/endless
        return None
    if c.kind != "method":
        return None
    if (
        c.name in ("Run", "RunTLS")
        and _imports_fw(f, GIN)
        and (first is None or not re.search(r"os\.Args|ctx|context", text(first)))
    ):
        return ServeSite(f, call, "gin", "gin", first, 1)
    if c.name in ("Start", "StartTLS") and first is not None and _imports_fw(f, ECHO):
        return ServeSite(f, call, "echo", "echo", first, 1)
    if c.name in ("Listen", "ListenTLS") and first is not None and _imports_fw(f, FIBER):
        return ServeSite(f, call, "fiber", "fiber", first, 1)
    if c.name in ("ListenAndServe", "ListenAndServeTLS"):
        return ServeSite(f, call, "server-method", "net/http", first, 2 if first else 5)
    if c.name == "Serve" and len(a) == 1 and f.imports_path(GRPC):
        return ServeSite(f, call, "grpc", "grpc", None, 4)
    return None


def grpc_servers(files: list[GoFile]) -> list[tuple[GoFile, Node]]:
    """``grpc.NewServer(...)`` calls."""
    out = []
    for f in files:
        if not f.imports_path(GRPC):
            continue
        for call in f.of("call_expression"):
            c = callee(f, call)
            if c is not None and c.kind == "pkg" and c.pkg == GRPC and c.name == "NewServer":
                out.append((f, call))
    return out


@dataclass(frozen=True)
class Listen:
    site: ServeSite
    value: Val

    @property
    def port(self) -> int | None:
        return port_of(self.value)

    @property
    def port_env(self) -> str | None:
        return self.value.env or self.value.key_env


def address(ev: Evaluator, site: ServeSite) -> Val:
    """The listen address of a serve site as a symbolic value."""
    f = site.file
    if site.default is not None:
        return Val(
            text=site.default, origins=(Origin(f.rel, site.line, "listens on " + site.default),)
        )
    if site.kind == "gin" and site.addr is None:
        origin = Origin(f.rel, site.line, "gin Engine.Run() listens on $PORT, default :8080")
        v = env_val("PORT", "8080", origin)
        return replace(v, text=":8080", tmpl=":\x00")
    if site.addr is not None:
        return ev.eval(f, site.addr)
    if site.kind == "server-method" and site.node.type == "call_expression":
        recv = callee(f, site.node)
        if recv is not None and recv.recv is not None:
            return _server_addr(ev, f, recv.recv)
    return UNKNOWN


def _server_addr(ev: Evaluator, f: GoFile, recv: Node) -> Val:
    """Addr of an ``http.Server`` value ``recv`` (``srv.ListenAndServe()``)."""
    lits = []
    if recv.type == "identifier":
        for a in ev.idx.lookup(f, recv, text(recv)):
            node = a.value
            if node.type == "unary_expression":
                node = node.child_by_field_name("operand") or node
            if node.type == "composite_literal":
                lits.append((a.file, node))
    for lf, lit in lits:
        addr = _keyed(lit, "Addr")
        if addr is not None:
            return ev.eval(lf, addr)
    if lits:  # an http.Server without Addr listens on ":http"
        lf, lit = lits[0]
        return Val(
            text=":80", origins=(Origin(lf.rel, line(lit), "http.Server without Addr: :80"),)
        )
    return UNKNOWN


def choose_listen(
    ev: Evaluator, sites: list[ServeSite], main_pkg: str, framework: str | None
) -> Listen | None:
    """The serve site that is the service's listener, with its evaluated address."""

    def order(s: ServeSite) -> tuple[int, int, str, int]:
        rank = s.rank
        if framework == "grpc" and s.kind in ("net-listen", "grpc"):
            rank = 0
        return (rank, 0 if s.file.package == main_pkg else 1, s.file.rel, s.line)

    best: Listen | None = None
    for s in sorted(sites, key=order):
        v = address(ev, s)
        if port_of(v) is not None or v.env or v.key_env:
            return Listen(s, v)
        if best is None:
            best = Listen(s, v)
    return best


# -- health endpoints ------------------------------------------------------------------------
ROUTE_METHODS = frozenset(
    {"GET", "Get", "HEAD", "Head", "Any", "All", "Handle", "HandleFunc", "handle"}
    | {"Match", "Add", "Path", "Route", "HandlerFunc", "Handler"}
)
HEALTH_ORDER = (
    "healthz", "health", "healthcheck", "health-check", "_health", "livez", "readyz",
    "live", "liveness", "ready", "readiness", "alive", "ping", "status",
)  # fmt: skip
_METHOD_PREFIX = re.compile(r"^(GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS)\s+")


@dataclass(frozen=True)
class Route:
    path: str
    file: GoFile
    node: Node


def routes(ev: Evaluator, files: list[GoFile]) -> list[Route]:
    out = []
    for f in files:
        for call in f.of("call_expression"):
            c = callee(f, call)
            if c is None or c.name not in ROUTE_METHODS:
                continue
            if c.kind == "local":
                continue
            for a in args(call)[:2]:
                s = string_value(a)
                if s is None:
                    continue
                s = _METHOD_PREFIX.sub("", s.strip())
                if s.startswith("/"):
                    prefix = _prefix(ev, f, c.recv, 0) if c.recv is not None else ""
                    out.append(Route(_join(prefix, s), f, call))
                    break
    return out


def _join(prefix: str, path: str) -> str:
    return re.sub("/+", "/", (prefix.rstrip("/") + "/" + path.lstrip("/")) if prefix else path)


def _prefix(ev: Evaluator, f: GoFile, recv: Node, depth: int) -> str:
    """Route-group prefix of a router expression (``api := r.Group("/api")``)."""
    if depth > 6:
        return ""
    if recv.type == "call_expression":
        c = callee(f, recv)
        if c is None:
            return ""
        a = args(recv)
        outer = _prefix(ev, f, c.recv, depth + 1) if c.recv is not None else ""
        if c.name in ("Group", "PathPrefix", "Route", "Prefix") and a and string_value(a[0]):
            return _join(outer, string_value(a[0]) or "")
        if c.name == "Subrouter":
            return outer
        return ""
    if recv.type != "identifier":
        return ""
    for asg in ev.idx.lookup(f, recv, text(recv)):
        if asg.kind == "expr" and asg.value.type == "call_expression":
            return _prefix(ev, asg.file, asg.value, depth + 1)
        if asg.kind == "param":
            return _route_closure_prefix(ev, asg.file, asg.value, depth)
    return ""


def _route_closure_prefix(ev: Evaluator, f: GoFile, fn: Node, depth: int) -> str:
    """chi: ``r.Route("/api", func(r chi.Router) {...})`` gives the closure's router "/api"."""
    if fn.type != "func_literal" or fn.parent is None or fn.parent.parent is None:
        return ""
    call = fn.parent.parent
    if call.type != "call_expression":
        return ""
    return _prefix(ev, f, call, depth + 1)


def health_route(found: list[Route]) -> Route | None:
    best: tuple[int, int, Route] | None = None
    for r in found:
        if any(ch in r.path for ch in ":{*"):
            continue
        segs = [s for s in r.path.lower().split("/") if s]
        ranks = [HEALTH_ORDER.index(s) for s in segs if s in HEALTH_ORDER]
        if not ranks:
            continue
        # the last segment names the endpoint; a health word earlier (/health/db) counts less
        score = HEALTH_ORDER.index(segs[-1]) if segs[-1] in HEALTH_ORDER else 100 + min(ranks)
        key = (score, len(r.path), r)
        if best is None or key[:2] < best[:2]:
            best = key
    return best[2] if best else None


def reachable_names(
    idx: ProjectIndex, main_files: list[GoFile], dep_files: list[GoFile]
) -> set[str]:
    """Names of functions a main may call: tokens of the main package and of package-level
    variable initializers (they run on import: cobra commands live there), then of the
    bodies of own functions with those names, to a fixed point (an over-approximation)."""
    words = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
    names: set[str] = set()
    for f in main_files:
        names.update(w.decode() for w in words.findall(f.src))
    for f in dep_files:
        for spec in f.of("var_spec"):
            if spec.text and scope_of(spec) is None:
                names.update(w.decode() for w in words.findall(spec.text))
    bodies: dict[str, list[bytes]] = {}
    for f in dep_files:
        for fn in [*f.of("function_declaration"), *f.of("method_declaration")]:
            body = fn.child_by_field_name("body")
            if body is not None and body.text:
                bodies.setdefault(text(fn.child_by_field_name("name")), []).append(body.text)
    frontier = set(names) & set(bodies)
    done: set[str] = set()
    while frontier:
        name = frontier.pop()
        done.add(name)
        for body_src in bodies.get(name, []):
            for w in words.findall(body_src):
                word = w.decode()
                if word not in names:
                    names.add(word)
                    if word in bodies and word not in done:
                        frontier.add(word)
    return names
