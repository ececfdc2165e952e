"""Backing services goship knows how to run next to the app in compose.yaml.

Each entry says which image runs it, how compose checks it is healthy, where it keeps data
(a named volume), and how the app reaches it (a connection string with the compose service
name as host). Unknown names from the analysis (e.g. ``grpc``, the app's own protocol) are
skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Backing:
    name: str  # compose service name, also the host name the app uses
    image: str
    port: int
    data_dir: str  # mounted from the named volume <name>-data
    healthcheck: tuple[str, ...]  # compose healthcheck.test
    env: tuple[tuple[str, str], ...] = ()  # service environment (may use ${VAR:-default})
    command: tuple[str, ...] = ()
    url: str = ""  # how the app connects, host = service name
    env_hints: tuple[str, ...] = ()  # app env-var name fragments that mean this service
    schemes: tuple[str, ...] = ()  # URL schemes in a default value that mean this service
    start_period: str = "10s"
    secrets: tuple[tuple[str, str], ...] = field(default=())  # (.env name, example value)

    @property
    def volume(self) -> str:
        return f"{self.name}-data"


CATALOG: dict[str, Backing] = {
    b.name: b
    for b in (
        Backing(
            name="postgres",
            image="postgres:17-alpine",
            port=5432,
            data_dir="/var/lib/postgresql/data",
            healthcheck=("CMD-SHELL", "pg_isready -U app -d app"),
            env=(
                ("POSTGRES_USER", "app"),
                ("POSTGRES_PASSWORD", "${POSTGRES_PASSWORD:-app}"),
                ("POSTGRES_DB", "app"),
            ),
            url="postgres://app:app@postgres:5432/app?sslmode=disable",
            env_hints=("POSTGRES", "PG_", "PGURL", "DATABASE_URL", "DB_URL", "DB_DSN"),
            schemes=("postgres", "postgresql"),
            secrets=(("POSTGRES_PASSWORD", "app"),),
        ),
        Backing(
            name="mysql",
            image="mysql:8.4",
            port=3306,
            data_dir="/var/lib/mysql",
            healthcheck=(
                "CMD-SHELL",
                "mysqladmin ping -h 127.0.0.1 -u root --password=$${MYSQL_ROOT_PASSWORD} --silent",
            ),
            env=(
                ("MYSQL_DATABASE", "app"),
                ("MYSQL_USER", "app"),
                ("MYSQL_PASSWORD", "${MYSQL_PASSWORD:-app}"),
                ("MYSQL_ROOT_PASSWORD", "${MYSQL_ROOT_PASSWORD:-root}"),
            ),
            url="app:app@tcp(mysql:3306)/app?parseTime=true",
            env_hints=("MYSQL", "MARIADB", "DATABASE_URL", "DB_DSN"),
            schemes=("mysql",),
            start_period="30s",
            secrets=(("MYSQL_PASSWORD", "app"), ("MYSQL_ROOT_PASSWORD", "root")),
        ),
        Backing(
            name="redis",
            image="redis:7-alpine",
            port=6379,
            data_dir="/data",
            healthcheck=("CMD", "redis-cli", "ping"),
            url="redis:6379",
            env_hints=("REDIS", "CACHE_ADDR"),
            schemes=("redis", "rediss"),
        ),
        Backing(
            name="mongo",
            image="mongo:8",
            port=27017,
            data_dir="/data/db",
            healthcheck=("CMD", "mongosh", "--quiet", "--eval", "db.adminCommand('ping').ok"),
            url="mongodb://mongo:27017",
            env_hints=("MONGO",),
            schemes=("mongodb", "mongodb+srv"),
            start_period="20s",
        ),
        Backing(
            name="kafka",
            image="apache/kafka:3.9.1",
            port=9092,
            data_dir="/var/lib/kafka/data",
            healthcheck=(
                "CMD-SHELL",
                "/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092"
                " > /dev/null 2>&1",
            ),
            env=(
                ("KAFKA_NODE_ID", "1"),
                ("KAFKA_PROCESS_ROLES", "broker,controller"),
                ("KAFKA_LISTENERS", "PLAINTEXT://:9092,CONTROLLER://:9093"),
                ("KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://kafka:9092"),
                ("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER"),
                (
                    "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
                    "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                ),
                ("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@kafka:9093"),
                ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1"),
                ("KAFKA_LOG_DIRS", "/var/lib/kafka/data"),
            ),
            url="kafka:9092",
            env_hints=("KAFKA", "BROKERS"),
            schemes=("kafka",),
            start_period="30s",
        ),
        Backing(
            name="nats",
            image="nats:2.11-alpine",
            port=4222,
            data_dir="/data",
            healthcheck=("CMD", "wget", "-q", "--spider", "http://127.0.0.1:8222/healthz"),
            command=("--jetstream", "--store_dir", "/data", "--http_port", "8222"),
            url="nats://nats:4222",
            env_hints=("NATS",),
            schemes=("nats", "tls"),
        ),
    )
}

_LOCAL_HOST = re.compile(r"(?<![\w.-])(localhost|127\.0\.0\.1|0\.0\.0\.0)(?=[:/]|$)")


def known(names: list[str]) -> list[Backing]:
    """The catalog entries for the analysed backing services, in the analysis' order."""
    return [CATALOG[n] for n in dict.fromkeys(names) if n in CATALOG]


def _scheme(value: str | None) -> str:
    if value and "://" in value:
        return value.split("://", 1)[0].lower()
    return ""


def backing_for_env(name: str, default: str | None, services: list[Backing]) -> Backing | None:
    """The backing service an app env var points at, judged by its default's URL scheme,
    then by its name (``DATABASE_URL`` goes to the first SQL database detected)."""
    scheme = _scheme(default)
    if scheme:
        for svc in services:
            if scheme in svc.schemes:
                return svc
    upper = name.upper()
    for svc in services:
        if any(h in upper for h in svc.env_hints if h not in {"DATABASE_URL", "DB_URL", "DB_DSN"}):
            return svc
    for svc in services:
        if any(h in upper for h in svc.env_hints):
            return svc
    return None


def compose_value(default: str | None, svc: Backing) -> str:
    """The value the app gets in compose: its own default with the local host replaced by the
    service name when it has one, else the catalog's connection string."""
    if default and _LOCAL_HOST.search(default):
        return _LOCAL_HOST.sub(svc.name, default)
    return svc.url
