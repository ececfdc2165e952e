"""Decisions the generators make from the facts, on hand-written ProjectFacts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from goship.errors import ProjectError, UsageError
from goship.generate.context import build_context, default_name, image_go_version, slugify
from goship.generate.dockerignore import excluded_by, patterns, reincludes
from goship.generate.header import Style, header_text, with_header
from goship.generate.registry import select
from goship.generate.render import render
from goship.project.facts import EnvVar, MainPackage, Needs, ProjectFacts, Service


def make_facts(root: Path, **kw: object) -> ProjectFacts:
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "go.mod").exists():
        (root / "go.mod").write_text("module example.com/shop\n\ngo 1.24\n")
    main_dir = str(kw.pop("main_dir", "."))
    pkg = "example.com/shop" + ("" if main_dir == "." else f"/{main_dir}")
    service = kw.pop(
        "service", Service(main=pkg, framework="net/http", port=8080, health_path="/healthz")
    )
    return ProjectFacts(
        root=str(root),
        module="example.com/shop",
        go_version=str(kw.pop("go_version", "1.24")),
        mains=[MainPackage(pkg, main_dir, True)],
        service=service,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def dockerfile(facts: ProjectFacts) -> str:
    return render(build_context(facts), select("dockerfile"))[0].content


def test_names() -> None:
    assert default_name("github.com/acme/shop", ".") == "shop"
    assert default_name("github.com/acme/shop/v2", ".") == "shop"
    assert default_name("example.com/shop", "cmd/api") == "shop-api"
    assert default_name("example.com/shop", "cmd/server") == "shop"
    assert slugify("My_Service.API") == "my-service-api"
    assert slugify("___") == "app"


def test_go_version_prefers_newer_toolchain(tmp_path: Path) -> None:
    facts = make_facts(tmp_path, go_version="1.23", toolchain="go1.24.2")
    assert image_go_version(facts) == "1.24.2"
    assert "ARG GO_VERSION=1.24.2\n" in dockerfile(facts)
    older = make_facts(tmp_path / "b", go_version="1.25.0", toolchain="go1.24.0")
    assert image_go_version(older) == "1.25.0"


def test_static_binary_with_nothing_needed_runs_on_bare_scratch(tmp_path: Path) -> None:
    text = dockerfile(make_facts(tmp_path, needs=Needs()))
    assert "ARG RUNTIME_IMAGE=scratch" in text
    assert "ca-certificates.crt" not in text and "zoneinfo" not in text
    assert "FROM --platform=$BUILDPLATFORM ${GO_IMAGE} AS build" in text
    assert 'CGO_ENABLED=0 GOOS="$TARGETOS" GOARCH="$TARGETARCH"' in text
    assert '-trimpath -ldflags "-s -w"' in text
    assert "USER 65532:65532" in text
    assert text.rstrip().endswith('ENTRYPOINT ["/usr/local/bin/shop"]')


def test_certs_and_zoneinfo_are_copied_from_the_builder(tmp_path: Path) -> None:
    text = dockerfile(make_facts(tmp_path, needs=Needs(ca_certificates=True, tzdata=True)))
    assert "COPY --from=build /etc/ssl/certs/ca-certificates.crt" in text
    assert "COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo" in text
    embedded = make_facts(tmp_path / "e", needs=Needs(tzdata=True, tzdata_embedded=True))
    assert "zoneinfo" not in dockerfile(embedded)


def test_cgo_builds_natively_onto_a_glibc_base(tmp_path: Path) -> None:
    text = dockerfile(make_facts(tmp_path, needs=Needs(cgo=True, ca_certificates=True)))
    assert "ARG RUNTIME_IMAGE=gcr.io/distroless/base-debian12:nonroot" in text
    assert "--platform=$BUILDPLATFORM" not in text
    assert "CGO_ENABLED=1 go build" in text
    assert "COPY --from=build /rootfs/" not in text  # the base has passwd and certs


def test_runtime_files_land_where_the_program_opens_them(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir(parents=True)
    facts = make_facts(
        tmp_path,
        needs=Needs(runtime_files=["templates", "conf/app.yaml", "../outside", "/abs/x"]),
    )
    ctx = build_context(facts)
    assert [(f.src, f.dest, f.is_dir) for f in ctx.runtime_files] == [
        ("templates", "/app/templates", True),
        ("conf/app.yaml", "/app/conf/app.yaml", False),
        ("abs/x", "/app/abs/x", False),
    ]
    text = dockerfile(facts)
    assert "WORKDIR /app\n" in text and "COPY templates /app/templates\n" in text


def test_writable_paths_become_owned_dirs_and_volumes(tmp_path: Path) -> None:
    facts = make_facts(tmp_path, needs=Needs(writable_paths=["uploads", "/tmp"]))
    ctx = build_context(facts)
    assert ctx.writable_paths == ["/tmp", "/app/uploads"]
    assert "chown 65532:65532 /rootfs/app/uploads" in dockerfile(facts)
    assert ctx.volume_names == {"/tmp": "tmp", "/app/uploads": "app-uploads"}


@pytest.mark.parametrize(
    ("service", "probe", "port_name"),
    [
        (
            Service(main="example.com/shop", framework="gin", port=80, health_path="/ping"),
            "http",
            "http",
        ),
        (Service(main="example.com/shop", framework="echo", port=1323), "tcp", "http"),
        (Service(main="example.com/shop", framework="grpc", port=50051), "grpc", "grpc"),
    ],
)
def test_probe_kind(tmp_path: Path, service: Service, probe: str, port_name: str) -> None:
    ctx = build_context(make_facts(tmp_path, service=service))
    assert (ctx.probe, ctx.port_name) == (probe, port_name)
    values = next(f.content for f in render(ctx, select("helm")) if f.path.endswith("values.yaml"))
    key = {"http": "httpGet:", "tcp": "tcpSocket:", "grpc": "grpc:"}[probe]
    assert values.count(key) == 3  # liveness, readiness, startup


def test_env_wired_to_backing_services(tmp_path: Path) -> None:
    facts = make_facts(
        tmp_path,
        env=[
            EnvVar("PORT", "8080"),
            EnvVar("DATABASE_URL"),
            EnvVar("REDIS_ADDR", "localhost:6379"),
            EnvVar("NATS_URL", "nats://127.0.0.1:4222"),
            EnvVar("API_TOKEN"),
        ],
        backing_services=["postgres", "redis", "nats", "grpc"],
    )
    ctx = build_context(facts)
    by_name = {e.name: e for e in ctx.env}
    assert by_name["DATABASE_URL"].example.startswith("postgres://app:app@postgres:5432/")
    assert by_name["REDIS_ADDR"].example == "redis:6379"
    assert by_name["NATS_URL"].example == "nats://nats:4222"
    assert by_name["API_TOKEN"].sensitive and by_name["DATABASE_URL"].sensitive
    assert not by_name["PORT"].sensitive
    assert [b.name for b in ctx.backing] == ["postgres", "redis", "nats"]
    assert ctx.skipped_backing == ["grpc"]
    assert [e.name for e in ctx.helm_env] == ["PORT", "REDIS_ADDR", "NATS_URL"]
    files = {f.path: f.content for f in render(ctx, select("compose"))}
    env_example = files[".env.example"]
    for var in ("PORT=8080", "DATABASE_URL=postgres://", "API_TOKEN=", "POSTGRES_PASSWORD="):
        assert var in env_example
    compose = files["compose.yaml"]
    assert compose.count("condition: service_healthy") == 9  # 3 services x 3 app variants
    assert "postgres-data:/var/lib/postgresql/data" in compose


def test_dockerignore_reincludes_what_is_needed(tmp_path: Path) -> None:
    pats = patterns()
    assert ".git" in pats and ".env" in pats and "**/*.pem" in pats
    assert excluded_by("certs/server.pem", pats) == "**/*.pem"
    assert excluded_by("build/static/app.js", pats) == "build/"
    assert excluded_by("templates/index.html", pats) is None
    assert reincludes(["templates", "certs/ca.pem", "build/static"]) == [
        "certs/ca.pem",
        "build/static",
    ]
    (tmp_path / "tmp").mkdir(parents=True)
    facts = make_facts(tmp_path, needs=Needs(runtime_files=["tmp/seed.json"]))
    text = render(build_context(facts), select("dockerignore"))[0].content
    assert text.rstrip().endswith("!tmp/seed.json")


def test_headers_per_comment_syntax() -> None:
    text = header_text("helm", "9.9.9")
    assert text == (
        "Generated by goship 9.9.9 from `goship inspect`; "
        "regenerate with `goship init --force --only helm`"
    )
    assert with_header("a: 1\n", Style.HASH, text) == f"# {text}\na: 1\n"
    assert with_header("x\n", Style.HELM, text) == f"{{{{/* {text} */}}}}\nx\n"
    docker = with_header("# syntax=docker/dockerfile:1\nFROM scratch\n", Style.DOCKERFILE, text)
    assert docker.splitlines()[:2] == ["# syntax=docker/dockerfile:1", f"# {text}"]
    with pytest.raises(ValueError):
        with_header("{}", Style.JSON, text)


def test_values_schema_is_json_with_comment(tmp_path: Path) -> None:
    ctx = build_context(make_facts(tmp_path))
    schema = next(
        f.content for f in render(ctx, select("helm")) if f.path.endswith("values.schema.json")
    )
    data = json.loads(schema)
    assert data["$comment"] == header_text("helm")
    assert data["properties"]["securityContext"]["properties"]["allowPrivilegeEscalation"] == {
        "const": False
    }


def test_no_serving_main_is_an_error(tmp_path: Path) -> None:
    facts = make_facts(tmp_path)
    facts.service = Service(candidates=["example.com/a", "example.com/b"])
    with pytest.raises(UsageError, match="several main packages"):
        build_context(facts)
    facts.service = Service()
    with pytest.raises(ProjectError):
        build_context(facts)


def test_render_is_deterministic(tmp_path: Path) -> None:
    facts = make_facts(tmp_path, needs=Needs(ca_certificates=True))
    first = render(build_context(facts), select(None))
    second = render(build_context(facts), select(None))
    assert first == second
    assert all(str(tmp_path) not in f.content for f in first)
