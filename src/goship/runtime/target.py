"""Which port to probe, which health path to ask, which user to run as.

Port and health path come from, in order: ``--port`` / ``--health``; the image's
``dev.goship.service`` label written by ``goship build``; ``goship inspect`` of ``--project``;
the image's ExposedPorts (port only). The user is the image's own; an image without a
non-root USER is run as 65532:65532 and reported (verify never silently runs as root).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goship.errors import UsageError
from goship.image.config import read_service_label
from goship.runtime.findings import Finding

NONROOT = "65532:65532"
_ROOT_NAMES = {"", "0", "root"}


@dataclass
class Target:
    port: int
    health_path: str | None
    user: str
    sources: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def exposed_port(config: Mapping[str, Any]) -> int | None:
    """The lowest TCP port in ExposedPorts."""
    ports = []
    for key in config.get("ExposedPorts") or {}:
        num, _, proto = str(key).partition("/")
        if num.isdigit() and proto in ("", "tcp"):
            ports.append(int(num))
    return min(ports) if ports else None


def _project_facts(project: Path) -> tuple[int | None, str | None]:
    from goship.project.analyze import inspect_project

    facts = inspect_project(project, compile_check=False)
    return facts.service.port, facts.service.health_path


def is_root(user: str) -> bool:
    name = user.split(":", 1)[0].strip()
    return name in _ROOT_NAMES


def run_user(config: Mapping[str, Any]) -> tuple[str, Finding | None]:
    user = str(config.get("User") or "")
    if not is_root(user):
        return user, None
    shown = user or "none"
    return NONROOT, Finding(
        "runs-as-root",
        "warning",
        f"the image has no non-root user (User: {shown}); it would run as root in production "
        f"— verify ran it as {NONROOT}",
        "`goship build` images run as 65532:65532; in a Dockerfile add `USER 65532:65532`",
    )


def resolve_target(
    config: Mapping[str, Any],
    *,
    port: int | None,
    health: str | None,
    project: Path | None,
) -> Target:
    sources: dict[str, str] = {}
    if port is not None:
        sources["port"] = "flag"
    if health is not None:
        sources["health_path"] = "flag"
    label = read_service_label(config)
    if port is None and isinstance(label.get("port"), int):
        port, sources["port"] = int(label["port"]), "label"
    if health is None and isinstance(label.get("health_path"), str):
        health, sources["health_path"] = label["health_path"], "label"
    if project is not None and (port is None or health is None):
        p_port, p_health = _project_facts(project)
        if port is None and p_port:
            port, sources["port"] = p_port, "project"
        if health is None and p_health:
            health, sources["health_path"] = p_health, "project"
    if port is None:
        port = exposed_port(config)
        if port is not None:
            sources["port"] = "expose"
    if port is None:
        raise UsageError(
            "no port to check: the image has no goship label and exposes no port",
            "pass --port N (the port the service listens on inside the container), "
            "or --project PATH to read it from the source",
        )
    if health is not None and not health.startswith("/"):
        health = "/" + health
    user, finding = run_user(config)
    target = Target(port, health, user, sources)
    if finding is not None:
        target.findings.append(finding)
    if health is None:
        target.findings.append(
            Finding(
                "no-health-path",
                "info",
                "no health path known: only the port and a GET / were checked",
                "add a health endpoint (e.g. /healthz) or pass --health PATH",
            )
        )
    return target
