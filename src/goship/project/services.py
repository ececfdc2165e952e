"""Backing services a service talks to, read from the drivers in its dependency graph
(for the compose and helm generators)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from goship.project.golist import Package
from goship.project.needs import import_evidence
from goship.project.service import grpc_servers
from goship.project.syntax import GoFile, line

# (service, import path prefixes of its Go drivers)
DRIVERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("mysql", ("github.com/go-sql-driver/mysql",)),
    ("postgres", ("github.com/lib/pq", "github.com/jackc/pgx")),
    (
        "redis",
        ("github.com/go-redis/redis", "github.com/redis/go-redis", "github.com/gomodule/redigo"),
    ),
    ("mongo", ("go.mongodb.org/mongo-driver/mongo", "go.mongodb.org/mongo-driver/v2/mongo")),
    (
        "kafka",
        (
            "github.com/segmentio/kafka-go",
            "github.com/IBM/sarama",
            "github.com/Shopify/sarama",
            "github.com/confluentinc/confluent-kafka-go",
        ),
    ),
    ("nats", ("github.com/nats-io/nats.go",)),
)


@dataclass(frozen=True)
class BackingService:
    name: str
    file: str
    line: int
    detail: str


def _matches(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p + "/") for p in prefixes)


def _matcher(prefixes: tuple[str, ...]) -> Callable[[str], bool]:
    return lambda p: _matches(p, prefixes)


def backing_services(
    deps: set[str], pkgs: dict[str, Package], files: list[GoFile]
) -> list[BackingService]:
    out: list[BackingService] = []
    for name, prefixes in DRIVERS:
        hits = sorted(d for d in deps if _matches(d, prefixes))
        if not hits:
            continue
        found = import_evidence(files, pkgs, _matcher(prefixes))
        if found is None:
            out.append(BackingService(name, "go.mod", 0, f"driver {hits[0]} in the dependencies"))
            continue
        f, ln, imp = found
        via = "" if _matches(imp, prefixes) else f" (which uses {hits[0]})"
        out.append(BackingService(name, f.rel, ln, f"imports {imp}{via}"))
    servers = grpc_servers(files)
    if servers:
        f, call = servers[0]
        out.append(
            BackingService("grpc", f.rel, line(call), "grpc.NewServer() starts a gRPC server")
        )
    return out
