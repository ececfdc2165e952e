"""Turn the rule results for the chosen main package into :class:`ProjectFacts` with
file:line evidence for every fact."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from goship.project.configfile import config_files, lookup
from goship.project.env import EnvRead, env_reads
from goship.project.facts import EnvVar, Evidence, MainPackage, Needs, ProjectFacts, Service
from goship.project.golist import Package
from goship.project.gomod import Layout
from goship.project.needs import FileRules, graph_needs
from goship.project.service import (
    FRAMEWORK_IMPORTS,
    Listen,
    ServeSite,
    choose_listen,
    framework_of_path,
    grpc_servers,
    health_route,
    routes,
)
from goship.project.services import backing_services
from goship.project.syntax import GoFile, embed_lines, line, text
from goship.project.values import Evaluator, literal, port_of

Add = Callable[[str, str, int, str], None]


@dataclass
class MainInfo:
    pkg: Package
    files: list[GoFile]  # main package first, then its local dependencies
    sites: list[ServeSite]
    deps: set[str]  # the main package and everything it imports, transitively

    @property
    def serves(self) -> bool:
        return bool(self.sites)


def rel_dir(p: Package, layout: Layout) -> str:
    return Path(os.path.relpath(p.dir, layout.root)).as_posix()


def assemble(
    layout: Layout,
    infos: list[MainInfo],
    chosen: MainInfo | None,
    candidates: list[str],
    scope: list[MainInfo],
    by_path: dict[str, Package],
    ev: Evaluator,
    tags: str,
    warnings: list[str],
) -> ProjectFacts:
    evidence: list[Evidence] = []

    def add(fact: str, file: str, ln: int, detail: str) -> None:
        e = Evidence(fact, file, ln, detail)
        if e not in evidence:
            evidence.append(e)

    facts = _module_facts(layout, chosen, add)
    facts.warnings = warnings
    facts.workspace = layout.work is not None
    facts.mains = [MainPackage(i.pkg.import_path, rel_dir(i.pkg, layout), i.serves) for i in infos]
    files = _unique([f for i in scope for f in i.files])
    deps: set[str] = set().union(*(i.deps for i in scope))
    facts.service = Service(candidates=candidates)
    facts.needs = _needs(layout, files, deps, by_path, ev, tags, add, facts.warnings)
    configs = (layout.root, config_files(layout.root, facts.needs.runtime_files))
    listen = None
    if chosen is not None:
        listen = _service_facts(facts.service, chosen, ev, add, configs)
    facts.env = _env(ev, files, listen, add)
    for b in backing_services(deps, by_path, files):
        if b.name not in facts.backing_services:
            facts.backing_services.append(b.name)
        add("backing_service", b.file, b.line, f"{b.name}: {b.detail}")
    facts.evidence = evidence
    return facts


def _unique(files: list[GoFile]) -> list[GoFile]:
    seen: set[str] = set()
    out = []
    for f in files:
        if f.rel not in seen:
            seen.add(f.rel)
            out.append(f)
    return out


def _module_facts(layout: Layout, chosen: MainInfo | None, add: Add) -> ProjectFacts:
    mod = layout.gomod
    if mod is None:
        want = chosen.pkg.module.path if chosen and chosen.pkg.module else None
        mod = next((m for m in layout.modules if m.module == want), layout.modules[0])
    modfile = Path(os.path.relpath(mod.path, layout.root)).as_posix()
    add("module", modfile, mod.lines.get("module", 0), f"module {mod.module}")
    go_version, toolchain, src, lines = mod.go_version, mod.toolchain, modfile, mod.lines
    if layout.work is not None and layout.gomod is None:
        w = layout.work
        src = Path(os.path.relpath(w.path, layout.root)).as_posix()
        go_version, toolchain, lines = w.go_version or go_version, w.toolchain or toolchain, w.lines
    if go_version:
        add("go_version", src, lines.get("go", 0), f"go {go_version}")
    if toolchain:
        add("toolchain", src, lines.get("toolchain", 0), f"toolchain {toolchain}")
    return ProjectFacts(
        root=str(layout.root), module=mod.module, go_version=go_version, toolchain=toolchain
    )


def _service_facts(
    svc: Service, chosen: MainInfo, ev: Evaluator, add: Add, configs: tuple[Path, list[str]]
) -> Listen | None:
    svc.main = chosen.pkg.import_path
    for f in chosen.files:
        if f.package != svc.main:
            continue
        for fn in f.of("function_declaration"):
            if text(fn.child_by_field_name("name")) == "main":
                add("main", f.rel, line(fn), f"func main in {svc.main}")
    imported: dict[str, tuple[GoFile, int]] = {}
    for f in chosen.files:
        for imp in f.imports.values():
            name = framework_of_path(imp.path)
            if name and name not in imported:
                imported[name] = (f, imp.line)
    order = [n for n, _ in FRAMEWORK_IMPORTS]
    web = min(imported, key=order.index) if imported else None
    grpc = grpc_servers(chosen.files)
    guess = web or ("grpc" if grpc else None)
    listen = choose_listen(ev, chosen.sites, svc.main, guess)
    if listen is not None and listen.site.kind in ("gin", "echo", "fiber"):
        framework = listen.site.framework
    elif web is not None:
        framework = web
    elif grpc:
        framework = "grpc"
    else:
        http_kinds = ("http", "http-server", "server-method")
        framework = "net/http" if any(s.kind in http_kinds for s in chosen.sites) else None
    svc.framework = framework
    if framework in imported:
        f, ln = imported[framework]
        add("framework", f.rel, ln, f"imports {framework}")
    elif framework == "grpc":
        add("framework", grpc[0][0].rel, line(grpc[0][1]), "grpc.NewServer()")
    if listen is not None:
        site = listen.site
        add(
            "framework" if framework else "main",
            site.file.rel,
            site.line,
            text(site.node).split("\n")[0][:120],
        )
        _port_facts(svc, listen, add, configs)
    health = health_route(routes(ev, chosen.files))
    if health is not None:
        svc.health_path = health.path
        add(
            "health_path",
            health.file.rel,
            line(health.node),
            text(health.node).split("\n")[0][:120],
        )
    return listen


def _port_facts(svc: Service, listen: Listen, add: Add, configs: tuple[Path, list[str]]) -> None:
    v = listen.value
    svc.port = listen.port
    svc.port_env = listen.port_env
    svc.port_flag = v.flag
    svc.port_source = v.source if (svc.port is not None or svc.port_env or v.flag) else None
    site = listen.site
    if svc.port is None and not v.env and (v.key or v.hints):
        found = lookup(configs[0], configs[1], [*([v.key] if v.key else []), *v.hints])
        port = port_of(literal(found.value)) if found else None
        if found is not None and port is not None:
            svc.port, svc.port_source = port, "config"
            add("port", found.file, found.line, f"{found.key} = {found.value}")
    if svc.port_source is None:
        return
    add("port", site.file.rel, site.line, text(site.node).split("\n")[0][:120])
    for o in v.origins:
        if not re.fullmatch(r"[\"`][^0-9]*[\"`]", o.detail):  # skip ":" and other glue
            add("port", o.file, o.line, o.detail)


def _needs(
    layout: Layout,
    files: list[GoFile],
    deps: set[str],
    by_path: dict[str, Package],
    ev: Evaluator,
    tags: str,
    add: Add,
    warnings: list[str],
) -> Needs:
    g = graph_needs(deps, by_path, files, ev, tags)
    needs = Needs(
        ca_certificates=g.ca_certificates,
        tzdata=g.tzdata,
        tzdata_embedded=g.tzdata_embedded,
        tzdata_zones=g.tzdata_zones,
        cgo=bool(g.cgo_packages),
        cgo_packages=g.cgo_packages,
    )
    for fact, file, ln, detail in g.evidence:
        add(fact, file, ln, detail)
    found = FileRules(ev, layout.root).scan(files)
    for item in found.env_files:
        if item.value not in needs.env_files:
            needs.env_files.append(item.value)
        add("env_file", item.origin.file, item.origin.line, f"{item.value}: {item.origin.detail}")
    for kind, o in found.unresolved[:5]:
        need = "is writable" if kind == "writable" else "has it"
        warnings.append(
            f"{o.file}:{o.line}: path not known from the source ({o.detail}); "
            f"make sure the image {need}"
        )
    if len(found.unresolved) > 5:
        warnings.append(f"... and {len(found.unresolved) - 5} more paths not known from the source")
    for item in found.runtime:
        if item.value not in needs.runtime_files:
            needs.runtime_files.append(item.value)
        add(
            "runtime_file",
            item.origin.file,
            item.origin.line,
            f"{item.value}: {item.origin.detail}",
        )
    for item in found.writable:
        if item.value not in needs.writable_paths:
            needs.writable_paths.append(item.value)
        add(
            "writable_path",
            item.origin.file,
            item.origin.line,
            f"{item.value}: {item.origin.detail}",
        )
    own_pkgs = {p for p in deps if p in by_path and by_path[p].own}
    for f in files:
        if f.package not in own_pkgs:
            continue
        for ln, patterns in embed_lines(f):
            for pat in patterns:
                if pat not in needs.embedded:
                    needs.embedded.append(pat)
            add("embed", f.rel, ln, "//go:embed " + " ".join(patterns))
    for ip in sorted(own_pkgs):  # patterns in files tree-sitter did not see (generated code)
        for pat in by_path[ip].embed_patterns:
            if pat not in needs.embedded:
                needs.embedded.append(pat)
    return needs


def _env(ev: Evaluator, files: list[GoFile], listen: Listen | None, add: Add) -> list[EnvVar]:
    reads = env_reads(ev.idx, ev, ev.viper, files)
    if listen is not None and listen.site.kind == "gin" and listen.site.addr is None:
        s = listen.site
        reads.append(EnvRead("PORT", "8080", s.file.rel, s.line, "gin Engine.Run() reads $PORT"))
    out: dict[str, EnvVar] = {}
    for r in reads:
        cur = out.get(r.name)
        if cur is None or (cur.default is None and r.default is not None):
            out[r.name] = EnvVar(r.name, r.default)
        dflt = f" (default {r.default!r})" if r.default is not None else ""
        add("env", r.file, r.line, f"{r.name}{dflt}: {r.detail}")
    return list(out.values())
