"""The verification result: the ``--json`` document (see docs/verify.md) and its text form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from goship.runtime.container import StopResult
from goship.runtime.findings import Finding
from goship.runtime.probe import Response


@dataclass
class VerifyReport:
    image: str
    engine: str
    platform: str
    skipped_platforms: list[str] = field(default_factory=list)
    image_user: str | None = None
    user: str | None = None
    port: int | None = None
    host_port: int | None = None
    health_path: str | None = None
    sources: dict[str, str] = field(default_factory=dict)
    started: bool = False
    time_to_port_ms: int | None = None
    time_to_healthy_ms: int | None = None
    response: Response | None = None
    memory_bytes: int | None = None
    restart_count: int | None = None
    exit_code: int | None = None  # set when the service exited on its own
    stop: StopResult | None = None
    findings: list[Finding] = field(default_factory=list)
    logs_tail: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "image": self.image,
            "engine": self.engine,
            "platform": self.platform,
            "skipped_platforms": self.skipped_platforms,
            "image_user": self.image_user,
            "user": self.user,
            "port": self.port,
            "host_port": self.host_port,
            "health_path": self.health_path,
            "sources": self.sources,
            "started": self.started,
            "time_to_port_ms": self.time_to_port_ms,
            "time_to_healthy_ms": self.time_to_healthy_ms,
            "response": self.response.to_json() if self.response else None,
            "memory_bytes": self.memory_bytes,
            "restart_count": self.restart_count,
            "exit_code": self.exit_code,
            "stop": self.stop.to_json() if self.stop else None,
            "findings": [f.to_json() for f in self.findings],
            "logs_tail": self.logs_tail,
            "ok": self.ok,
        }


def _ms(value: int | None) -> str:
    return "-" if value is None else f"{value} ms"


def _mib(value: int | None) -> str:
    return "-" if value is None else f"{value / (1 << 20):.1f} MiB"


def _stop_text(stop: StopResult | None) -> str:
    if stop is None:
        return "-"
    how = "graceful" if stop.graceful else "NOT graceful (killed)"
    return f"{stop.signal} -> exit {stop.exit_code} in {stop.seconds:.2f} s, {how}"


def _response_text(resp: Response | None) -> str:
    if resp is None:
        return "-"
    head = resp.body_head.strip().replace("\n", " ")[:60]
    return f"{resp.status} {resp.content_type or ''} {head}".strip()


def render(report: VerifyReport, console: Console) -> None:
    """Human-readable summary: figures, findings with fixes, and the logs on failure."""
    verdict = "[bold green]OK[/]" if report.ok else "[bold red]FAILED[/]"
    console.print(f"verify {report.image} ({report.platform}, {report.engine}): {verdict}")
    rows = [
        ("user", f"{report.user or '-'} (image: {report.image_user or 'none'})"),
        ("port", f"{report.port} -> 127.0.0.1:{report.host_port or '-'}"),
        ("health path", report.health_path or "-"),
        ("started", "yes" if report.started else "no"),
        ("port accepts after", _ms(report.time_to_port_ms)),
        ("healthy after", _ms(report.time_to_healthy_ms)),
        ("response", _response_text(report.response)),
        ("memory after start", _mib(report.memory_bytes)),
        ("restarts", "-" if report.restart_count is None else str(report.restart_count)),
        ("stop", _stop_text(report.stop)),
    ]
    if report.skipped_platforms:
        rows.append(("skipped platforms", ", ".join(report.skipped_platforms)))
    table = Table(show_header=False, box=None, pad_edge=False)
    for key, value in rows:
        table.add_row(key, value, style=None)
    console.print(table)
    for f in report.findings:
        colour = {"error": "red", "warning": "yellow"}.get(f.severity, "cyan")
        console.print(f"[{colour}]{f.severity}[/] [bold]{f.id}[/]: {f.message}", markup=True)
        if f.evidence:
            console.print(f"    log: {f.evidence}", markup=False)
        console.print(f"    fix: {f.fix}", markup=False)
    if not report.ok and report.logs_tail:
        console.print(f"last {len(report.logs_tail)} log lines:")
        for line in report.logs_tail:
            console.print("  " + line, markup=False, highlight=False)
