"""Audit report formats: rich text tables, JSON (``AuditReport.to_json``), SARIF 2.1.0."""

from __future__ import annotations

import os
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from goship import __version__
from goship.audit.checks import CHECKS
from goship.audit.model import Finding, ImageAudit, severity_rank
from goship.audit.run import AuditReport
from goship.report.sarif import SarifResult, SarifRule, sarif_log

_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def _layers(img: ImageAudit) -> Table:
    t = Table(title="layers", title_justify="left", pad_edge=False)
    for col in ("#", "compressed", "uncompressed", "files", "wasted", "created by"):
        t.add_column(col, justify="right" if col not in ("created by",) else "left")
    for x in img.layers:
        t.add_row(
            str(x.index),
            human(x.compressed_size),
            human(x.uncompressed_size),
            str(x.files),
            human(x.wasted_bytes) if x.wasted_bytes else "-",
            escape(x.created_by[:60]),
        )
    return t


def _largest(img: ImageAudit) -> Table:
    t = Table(title=f"largest files (top {img.top})", title_justify="left", pad_edge=False)
    t.add_column("size", justify="right")
    t.add_column("layer", justify="right")
    t.add_column("path", overflow="fold")
    for f in img.largest(img.top):
        t.add_row(human(f.size), str(f.layer), escape(f.path))
    return t


def _binaries(img: ImageAudit, console: Console) -> None:
    for b in img.binaries:
        link = "static" if b.static else f"dynamic ({b.interpreter})"
        console.print(
            f"[bold]Go binary[/] {escape(b.path)}: {b.go_version}, "
            f"{escape(b.module or '?')}@{escape(b.module_version or '?')}, {b.machine}, {link}, "
            f"{'stripped' if b.stripped else 'not stripped'}, "
            f"{'trimpath' if b.trimpath else 'no trimpath'}, {len(b.modules)} modules"
        )


def _findings(findings: list[Finding], fail_on: str) -> Table:
    t = Table(title="findings", title_justify="left", pad_edge=False)
    for col in ("severity", "id", "dockle"):
        t.add_column(col, no_wrap=True)
    t.add_column("where: message", overflow="fold", ratio=1)
    floor = severity_rank(fail_on)
    for f in findings:
        style = _STYLE[f.severity] if severity_rank(f.severity) >= floor else "dim"
        where = f.path or "(config)"
        if f.layer is not None:
            where += f" [layer {f.layer}]"
        t.add_row(f.severity, f.id, f.dockle or "-", escape(f"{where}: {f.message}"), style=style)
    return t


def render_text(report: AuditReport, console: Console) -> None:
    for img in report.images:
        total = sum(x.compressed_size for x in img.layers)
        wasted = sum(x.wasted_bytes for x in img.layers)
        console.print(
            f"\n[bold]{escape(report.target)}[/] {escape(f'[{img.platform}]')} {img.digest}\n"
            f"{len(img.layers)} layers, {human(total)} compressed, "
            f"{sum(1 for f in img.files.values() if f.kind == 'file')} files, "
            f"{human(wasted)} wasted; user {escape(repr(img.runtime.get('User') or ''))}"
        )
        console.print(_layers(img))
        console.print(_largest(img))
        _binaries(img, console)
        for w in img.warnings:
            console.print(f"[yellow]warning:[/] {escape(w)}")
        if img.findings:
            console.print(_findings(img.findings, report.options.fail_on))
        else:
            console.print("no findings")
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in _STYLE}
    tripping = report.tripping
    console.print(
        f"\n{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info; "
        f"gate --fail-on {report.options.fail_on}: "
        + (f"[bold red]{len(tripping)} tripping[/]" if tripping else "passed")
    )


def _uri(report: AuditReport, img: ImageAudit, f: Finding) -> str:
    """The artifact: the file's path in the image, or the image itself (relative when it is a
    local path) for config findings."""
    if f.path:
        return f.path.lstrip("/") or "."
    target = report.target
    if os.path.exists(target):
        rel = os.path.relpath(target)
        target = target if rel.startswith("..") else rel
    return target.replace(os.sep, "/").lstrip("/") or "."


def render_sarif(report: AuditReport) -> dict[str, Any]:
    rules = [
        SarifRule(
            id=c.id,
            name="".join(part.capitalize() for part in c.id.split("-")),
            short=c.description,
            help_text=c.description + (f" (dockle {c.dockle})" if c.dockle else ""),
            properties={"tags": ["security", "container"], "dockle": c.dockle or None},
        )
        for c in CHECKS
    ]
    results = []
    for img in report.images:
        for f in img.findings:
            layer = img.layers[f.layer].key if f.layer is not None else None
            results.append(
                SarifResult(
                    rule_id=f.id,
                    level=_SARIF_LEVEL[f.severity],
                    message=f.message,
                    uri=_uri(report, img, f),
                    fingerprints={"goshipAudit/v1": f"{f.id}:{img.platform}:{f.path}"},
                    properties={
                        "platform": img.platform,
                        "image_digest": img.digest,
                        "layer": f.layer,
                        "layer_digest": layer,
                        "dockle": f.dockle or None,
                    },
                )
            )
    return sarif_log(
        "goship-audit", __version__, "", rules, results, run_properties={"image": report.target}
    )
