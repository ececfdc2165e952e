"""Facts about a Go service, each backed by file:line evidence.

These dataclasses are the contract between ``goship inspect`` and every later stage (build,
init, lint, verify). :meth:`ProjectFacts.to_json` produces the documented JSON shape; keys in
that shape are stable, extra keys may be added.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Evidence:
    """Where a fact was read: ``file`` is relative to the project root, ``line`` is 1-based
    (0 when the fact comes from the toolchain rather than a line of source)."""

    fact: str
    file: str
    line: int
    detail: str


@dataclass(frozen=True)
class MainPackage:
    package: str  # import path, e.g. example.com/shop/cmd/api
    dir: str  # directory relative to the project root, "." for the root
    serves: bool  # starts an HTTP or gRPC server


@dataclass(frozen=True)
class EnvVar:
    name: str
    default: str | None = None


@dataclass
class Service:
    """The chosen main package and how it listens."""

    main: str | None = None
    framework: str | None = None  # gin, echo, chi, fiber, gorilla/mux, net/http, grpc
    port: int | None = None
    port_env: str | None = None  # env var that overrides the port, e.g. PORT
    port_source: str | None = None  # literal | env | flag | config
    port_flag: str | None = None  # flag name when set by a flag, e.g. addr
    health_path: str | None = None
    candidates: list[str] = field(default_factory=list)  # several serving mains, none picked


@dataclass
class Needs:
    ca_certificates: bool = False
    tzdata: bool = False
    cgo: bool = False
    runtime_files: list[str] = field(default_factory=list)
    embedded: list[str] = field(default_factory=list)
    writable_paths: list[str] = field(default_factory=list)
    cgo_packages: list[str] = field(default_factory=list)
    tzdata_embedded: bool = False  # time/tzdata imported: no zoneinfo needed in the image
    # when every zone the code loads is a constant: those zones (an image ships only them)
    tzdata_zones: list[str] | None = None
    # dotenv files loaded at run time (godotenv): supply them at deploy time, never bake them
    env_files: list[str] = field(default_factory=list)


@dataclass
class ProjectFacts:
    root: str  # absolute path of the analysed directory
    module: str
    go_version: str | None
    toolchain: str | None = None
    mains: list[MainPackage] = field(default_factory=list)
    service: Service = field(default_factory=Service)
    needs: Needs = field(default_factory=Needs)
    env: list[EnvVar] = field(default_factory=list)
    backing_services: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    workspace: bool = False  # analysed through a go.work file
    warnings: list[str] = field(default_factory=list)

    def main_package(self) -> MainPackage | None:
        """The MainPackage chosen as the service, if any."""
        for m in self.mains:
            if m.package == self.service.main:
                return m
        return None

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape of ``goship inspect --json``."""
        data = asdict(self)
        # stable key order: contract keys first
        ordered = {
            k: data.pop(k)
            for k in (
                "module",
                "go_version",
                "mains",
                "service",
                "needs",
                "env",
                "backing_services",
                "evidence",
            )
        }
        ordered.update(data)
        return ordered

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProjectFacts:
        """Rebuild facts from :meth:`to_json` output (e.g. stored in an image label)."""
        return cls(
            root=data.get("root", ""),
            module=data["module"],
            go_version=data.get("go_version"),
            toolchain=data.get("toolchain"),
            mains=[MainPackage(**m) for m in data.get("mains", [])],
            service=Service(**data.get("service", {})),
            needs=Needs(**data.get("needs", {})),
            env=[EnvVar(**e) for e in data.get("env", [])],
            backing_services=list(data.get("backing_services", [])),
            evidence=[Evidence(**e) for e in data.get("evidence", [])],
            workspace=bool(data.get("workspace", False)),
            warnings=list(data.get("warnings", [])),
        )
