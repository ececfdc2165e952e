"""Readable summary of :class:`ProjectFacts` for ``goship inspect`` (without --json)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from goship.project.facts import Evidence, ProjectFacts


def _where(evidence: list[Evidence], fact: str) -> str:
    hits = [e for e in evidence if e.fact == fact]
    if not hits:
        return ""
    e = hits[0]
    loc = f"{e.file}:{e.line}" if e.line else e.file
    more = f" (+{len(hits) - 1})" if len(hits) > 1 else ""
    return f"[dim]{escape(loc)}{more}[/]"


def _row(table: Table, label: str, value: str, where: str = "") -> None:
    table.add_row(f"[bold]{label}[/]", value, where)


def _port(facts: ProjectFacts) -> str:
    s = facts.service
    if s.port is None and not s.port_env:
        return "[yellow]unknown[/]"
    parts = [str(s.port) if s.port is not None else "?"]
    how = []
    if s.port_env:
        how.append(f"env {s.port_env}")
    if s.port_flag:
        how.append(f"flag -{s.port_flag}")
    if s.port_source == "config":
        how.append("config")
    if s.port_source == "literal":
        how.append("literal")
    if how:
        parts.append(f"({', '.join(how)})")
    return escape(" ".join(parts))


def render_facts(facts: ProjectFacts, console: Console) -> None:
    ev = facts.evidence
    t = Table(show_header=False, box=None, pad_edge=False, padding=(0, 2, 0, 0))
    t.add_column(no_wrap=True)
    t.add_column()
    t.add_column()
    go = facts.go_version or "?"
    if facts.toolchain:
        go += f" (toolchain {facts.toolchain})"
    _row(t, "module", escape(facts.module), _where(ev, "module"))
    _row(t, "go", escape(go), _where(ev, "go_version"))
    for m in facts.mains:
        mark = "[green]serves[/]" if m.serves else "[dim]no server[/]"
        chosen = " [bold cyan]<- service[/]" if m.package == facts.service.main else ""
        _row(t, "main", f"{escape(m.package)} [dim]{escape(m.dir)}[/] {mark}{chosen}")
    s = facts.service
    if s.main is None:
        _row(
            t,
            "service",
            "[yellow]not chosen[/] — pass --main with one of: " + escape(", ".join(s.candidates)),
        )
    else:
        _row(t, "framework", escape(s.framework or "none"), _where(ev, "framework"))
        _row(t, "port", _port(facts), _where(ev, "port"))
        _row(t, "health", escape(s.health_path or "none found"), _where(ev, "health_path"))
    n = facts.needs
    yes = "[bold]yes[/]"
    no = "[dim]no[/]"
    _row(t, "CA certificates", yes if n.ca_certificates else no, _where(ev, "ca_certificates"))
    tz = yes if n.tzdata else ("[dim]embedded (time/tzdata)[/]" if n.tzdata_embedded else no)
    _row(t, "tzdata", tz, _where(ev, "tzdata"))
    cgo = f"{yes} ({escape(', '.join(n.cgo_packages))})" if n.cgo else no
    _row(t, "cgo", cgo, _where(ev, "cgo"))
    _row(t, "runtime files", escape(", ".join(n.runtime_files)) or no, _where(ev, "runtime_file"))
    _row(t, "embedded", escape(", ".join(n.embedded)) or no, _where(ev, "embed"))
    if n.writable_paths:
        _row(t, "writable", escape(", ".join(n.writable_paths)), _where(ev, "writable_path"))
    env = ", ".join(f"{e.name}={e.default}" if e.default is not None else e.name for e in facts.env)
    _row(t, "env", escape(env) or no, _where(ev, "env"))
    _row(
        t,
        "backing services",
        escape(", ".join(facts.backing_services)) or no,
        _where(ev, "backing_service"),
    )
    console.print(t)
    for w in facts.warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}")
    if ev:
        console.print()
        console.print("[bold]evidence[/]")
        for e in ev:
            loc = f"{e.file}:{e.line}" if e.line else e.file
            console.print(f"  [cyan]{e.fact:<16}[/] {escape(loc):<28} {escape(e.detail)}")
