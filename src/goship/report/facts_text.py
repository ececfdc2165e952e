"""Readable summary of :class:`ProjectFacts` for ``goship inspect`` (without --json)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from goship.project.facts import Evidence, ProjectFacts

FACT_ORDER = (
    "module", "go_version", "toolchain", "main", "framework", "port", "health_path",
    "ca_certificates", "tzdata", "cgo", "runtime_file", "embed", "writable_path", "env_file",
    "env", "backing_service",
)  # fmt: skip
YES = "[bold]yes[/]"
NO = "[dim]no[/]"


def _where(evidence: list[Evidence], fact: str) -> str:
    hits = [e for e in evidence if e.fact == fact]
    if not hits:
        return ""
    e = hits[0]
    loc = f"{e.file}:{e.line}" if e.line else e.file
    more = f" (+{len(hits) - 1})" if len(hits) > 1 else ""
    return f"[dim]{escape(loc)}{more}[/]"


def _port(facts: ProjectFacts) -> str:
    s = facts.service
    if s.port is None and not s.port_env:
        return "[yellow]unknown[/]"
    how = []
    if s.port_env:
        how.append(f"env {s.port_env}")
    if s.port_flag:
        how.append(f"flag -{s.port_flag}")
    if s.port_source in ("config", "literal"):
        how.append(s.port_source)
    port = str(s.port) if s.port is not None else "?"
    return escape(f"{port} ({', '.join(how)})" if how else port)


def _summary(facts: ProjectFacts) -> Table:
    ev = facts.evidence
    t = Table(show_header=False, box=None, pad_edge=False, padding=(0, 2, 0, 0))
    for _ in range(3):
        t.add_column()

    def row(label: str, value: str, fact: str = "") -> None:
        t.add_row(f"[bold]{label}[/]", value, _where(ev, fact) if fact else "")

    go = facts.go_version or "?"
    if facts.toolchain:
        go += f" (toolchain {facts.toolchain})"
    row("module", escape(facts.module), "module")
    row("go", escape(go), "go_version")
    for i, m in enumerate(facts.mains):
        mark = "[green]serves[/]" if m.serves else "[dim]no server[/]"
        chosen = "  [bold cyan]<- service[/]" if m.package == facts.service.main else ""
        row("mains" if i == 0 else "", f"{escape(m.dir)}  {mark}{chosen}")
    s = facts.service
    if s.main is None:
        dirs = [m.dir for m in facts.mains if m.package in s.candidates]
        row("service", "[yellow]not chosen[/]: pass --main DIR, one of " + escape(", ".join(dirs)))
    else:
        row("service", escape(s.main), "main")
        row("framework", escape(s.framework or "none"), "framework")
        row("port", _port(facts), "port")
        row("health", escape(s.health_path or "none found"), "health_path")
    n = facts.needs
    row("CA certificates", YES if n.ca_certificates else NO, "ca_certificates")
    tz = YES if n.tzdata else ("[dim]embedded (time/tzdata)[/]" if n.tzdata_embedded else NO)
    row("tzdata", tz, "tzdata")
    row("cgo", f"{YES} ({escape(', '.join(n.cgo_packages))})" if n.cgo else NO, "cgo")
    row("runtime files", escape(", ".join(n.runtime_files)) or NO, "runtime_file")
    row("embedded", escape(", ".join(n.embedded)) or NO, "embed")
    if n.writable_paths:
        row("writable", escape(", ".join(n.writable_paths)), "writable_path")
    if n.env_files:
        files = escape(", ".join(n.env_files))
        row("env files", f"{files} [dim](supply at deploy time, do not bake in)[/]", "env_file")
    env = ", ".join(f"{e.name}={e.default}" if e.default is not None else e.name for e in facts.env)
    row("env", escape(env) or NO, "env")
    row("backing services", escape(", ".join(facts.backing_services)) or NO, "backing_service")
    return t


def render_facts(facts: ProjectFacts, console: Console) -> None:
    """Summary table, warnings, then every piece of evidence as file:line."""
    console.print(_summary(facts))
    for w in facts.warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}")
    if not facts.evidence:
        return
    console.print()
    console.print("[bold]evidence[/]")
    rank = {f: i for i, f in enumerate(FACT_ORDER)}
    for e in sorted(facts.evidence, key=lambda e: rank.get(e.fact, len(rank))):
        loc = f"{e.file}:{e.line}" if e.line else e.file
        console.print(f"  [cyan]{e.fact:<16}[/] {escape(loc):<28} {escape(e.detail)}")
