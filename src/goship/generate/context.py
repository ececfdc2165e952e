"""What the templates render from: :class:`InitContext`, built once from the inspect facts.

Every decision that depends on the analysis (which base image, which files to copy, which
probe, which env var points at which backing service) is made here, in Python, so the
templates only lay text out. Nothing here reads the clock or the environment: the same facts
and project files always give the same context, hence byte-identical output.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from goship import __version__
from goship.errors import ProjectError, UsageError
from goship.generate import pins
from goship.generate.backing import Backing, backing_for_env, compose_value, known
from goship.generate.modfiles import CopyGroup, build_inputs, module_copies
from goship.project.facts import ProjectFacts

APP_DIR = "/app"  # WORKDIR of the final image; runtime files are copied below it
SECRET_WORDS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL")
CONNECTION_WORDS = ("DSN", "URL", "URI")  # secret when no default: they carry credentials
_SLUG = re.compile(r"[^a-z0-9-]+")
_MAJOR = re.compile(r"^v[0-9]+$")


@dataclass(frozen=True)
class RuntimeFile:
    """A file or directory the program opens at run time, copied next to the binary."""

    src: str  # relative to the project root (build context)
    dest: str  # absolute path in the image
    is_dir: bool


@dataclass(frozen=True)
class AppEnv:
    name: str
    default: str | None
    compose: str  # value compose passes (``${NAME:-...}`` interpolation of ``example``)
    example: str  # the line's value in .env.example
    sensitive: bool
    backing: str | None


@dataclass
class InitContext:
    name: str  # slug: compose service, chart, binary, unit name
    module: str
    version: str = __version__
    go_version: str = "1"
    main_dir: str = "."  # relative, posix
    build_target: str = "."  # the `go build` package argument
    framework: str | None = None
    port: int = 8080
    port_env: str | None = None
    port_flag: str | None = None
    health_path: str | None = None
    probe: str = "tcp"  # http | tcp | grpc
    cgo: bool = False
    copy_ca: bool = False
    copy_tz: bool = False
    runtime_image: str = "scratch"
    runtime_files: list[RuntimeFile] = field(default_factory=list)
    writable_paths: list[str] = field(default_factory=list)  # absolute, in the container
    build_inputs: list[str] = field(default_factory=list)  # dirs/files the build needs
    module_copies: list[CopyGroup] = field(default_factory=list)
    env: list[AppEnv] = field(default_factory=list)
    backing: list[Backing] = field(default_factory=list)
    skipped_backing: list[str] = field(default_factory=list)
    source_url: str = ""
    metrics_path: str | None = None
    workspace: bool = False  # built through a go.work file

    @property
    def app_dir(self) -> str:
        return APP_DIR

    @property
    def extra_writable(self) -> list[str]:
        """Writable paths other than /tmp (made in the image, owned by uid 65532)."""
        return [p for p in self.writable_paths if p != "/tmp"]

    @property
    def runtime_needs(self) -> str:
        needs = [
            what for what, on in (("the CA bundle", self.copy_ca), ("zoneinfo", self.copy_tz)) if on
        ]
        return " and ".join(needs)

    @property
    def reincluded(self) -> list[str]:
        """Paths .dockerignore must re-include: runtime files and build inputs it matches."""
        from goship.generate.dockerignore import reincludes

        return reincludes([f.src for f in self.runtime_files] + self.build_inputs)

    @property
    def service_port(self) -> int:
        """The Service port: 80 for HTTP (TCP), the program's own port for gRPC."""
        return self.port if self.probe == "grpc" else 80

    @property
    def volume_names(self) -> dict[str, str]:
        """emptyDir volume name for each writable path (DNS-1123 labels)."""
        return {p: slugify(p.strip("/")) or "root" for p in self.writable_paths}

    @property
    def port_source_text(self) -> str:
        if self.port_flag and self.port_env:
            return f"the -{self.port_flag} flag or ${self.port_env}, default {self.port}"
        if self.port_flag:
            return f"the -{self.port_flag} flag, default {self.port}"
        if self.port_env:
            return f"${self.port_env}, default {self.port}"
        return "the source"

    @property
    def binary(self) -> str:
        return f"/usr/local/bin/{self.name}"

    @property
    def go_image(self) -> str:
        return f"golang:{self.go_version}{pins.GO_IMAGE_SUFFIX}"

    @property
    def port_name(self) -> str:
        return "grpc" if self.probe == "grpc" else "http"

    @property
    def gin(self) -> bool:
        return self.framework == "gin"

    @property
    def has_runtime_files(self) -> bool:
        return bool(self.runtime_files)

    @property
    def compose_env(self) -> list[AppEnv]:
        return self.env

    @property
    def helm_env(self) -> list[AppEnv]:
        """Env vars with a non-secret default: set in values.yaml (the rest go in a Secret)."""
        return [e for e in self.env if e.default is not None and not e.sensitive]

    @property
    def helm_secret_env(self) -> list[AppEnv]:
        return [e for e in self.env if e.default is None or e.sensitive]


def slugify(text: str) -> str:
    """A DNS-1123 label (Helm chart names, compose services, unit names)."""
    slug = _SLUG.sub("-", text.lower()).strip("-")
    slug = re.sub(r"-{2,}", "-", slug)[:53].strip("-")
    return slug or "app"


def default_name(module: str, main_dir: str) -> str:
    parts = [p for p in module.split("/") if p]
    while len(parts) > 1 and _MAJOR.match(parts[-1]):
        parts.pop()
    base = parts[-1] if parts else "app"
    if main_dir not in {"", "."}:
        leaf = PurePosixPath(main_dir).name
        if leaf and leaf != base and leaf not in {"cmd", "main", "server", "app"}:
            return slugify(f"{base}-{leaf}")
    return slugify(base)


def image_go_version(facts: ProjectFacts) -> str:
    """The golang image tag: the toolchain line when newer, else the go directive."""
    tc = (facts.toolchain or "").removeprefix("go")
    version = facts.go_version or ""
    if tc and _vkey(tc) > _vkey(version):
        version = tc
    return version or "1"


def _vkey(v: str) -> tuple[int, ...]:
    nums = re.findall(r"\d+", v.split("-")[0])
    return tuple(int(n) for n in nums[:3]) if nums else ()


def source_url(module: str) -> str:
    parts = module.split("/")
    if parts[0] in {"github.com", "gitlab.com", "bitbucket.org"} and len(parts) >= 3:
        return "https://" + "/".join(parts[:3])
    return "https://" + module


def _probe(facts: ProjectFacts) -> str:
    if facts.service.framework == "grpc":
        return "grpc"
    return "http" if facts.service.health_path else "tcp"


def _runtime_files(root: Path, facts: ProjectFacts) -> list[RuntimeFile]:
    out: list[RuntimeFile] = []
    for rel in facts.needs.runtime_files:
        clean = posixpath.normpath(rel.replace("\\", "/")).lstrip("/")
        if clean.startswith("..") or clean in {"", "."}:
            continue  # outside the build context: cannot be copied
        out.append(RuntimeFile(clean, f"{APP_DIR}/{clean}", (root / clean).is_dir()))
    return out


def _writable(facts: ProjectFacts) -> list[str]:
    paths = ["/tmp"]
    for p in facts.needs.writable_paths:
        path = p if p.startswith("/") else f"{APP_DIR}/{posixpath.normpath(p)}"
        if path not in paths:
            paths.append(path)
    return paths


def _env(facts: ProjectFacts, backing: list[Backing]) -> list[AppEnv]:
    out: list[AppEnv] = []
    seen: set[str] = set()
    for var in facts.env:
        if var.name in seen:
            continue
        seen.add(var.name)
        svc = backing_for_env(var.name, var.default, backing)
        upper = var.name.upper()
        sensitive = any(w in upper for w in SECRET_WORDS) or (
            var.default is None and any(w in upper for w in CONNECTION_WORDS)
        )
        if svc is not None:
            example = compose_value(var.default, svc)
        else:
            example = var.default if var.default is not None else ""
        compose = f"${{{var.name}:-{_compose_escape(example)}}}"
        out.append(
            AppEnv(var.name, var.default, compose, example, sensitive, svc.name if svc else None)
        )
    return out


def _compose_escape(value: str) -> str:
    # `$` must be doubled in compose files; `}` would end the ${VAR:-default} form.
    return value.replace("$", "$$").replace("}", "")


def _metrics_path(root: Path) -> str | None:
    gomod = root / "go.mod"
    try:
        text = gomod.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if "github.com/prometheus/client_golang" in text:
        return "/metrics"
    return None


def build_context(facts: ProjectFacts, name: str | None = None) -> InitContext:
    """The render context for ``facts`` (the project on disk at ``facts.root``)."""
    main = facts.main_package()
    if main is None:
        if facts.service.candidates:
            raise UsageError(
                "several main packages start a server: " + ", ".join(facts.service.candidates),
                "pick the service with `goship init --main <package dir>`",
            )
        raise ProjectError(
            "no main package that starts a server was found",
            "point goship at a module whose main package serves HTTP or gRPC "
            "(or pick one with --main)",
        )
    root = Path(facts.root)
    main_dir = PurePosixPath(main.dir or ".").as_posix()
    backing = known(facts.backing_services)
    ctx = InitContext(
        name=slugify(name) if name else default_name(facts.module, main_dir),
        module=facts.module,
        go_version=image_go_version(facts),
        main_dir=main_dir,
        build_target="." if main_dir == "." else f"./{main_dir}",
        framework=facts.service.framework,
        port=facts.service.port or 8080,
        port_env=facts.service.port_env,
        port_flag=facts.service.port_flag,
        health_path=facts.service.health_path,
        probe=_probe(facts),
        cgo=facts.needs.cgo,
        copy_ca=facts.needs.ca_certificates and not facts.needs.cgo,
        copy_tz=facts.needs.tzdata and not facts.needs.tzdata_embedded and not facts.needs.cgo,
        runtime_image=pins.CGO_RUNTIME_IMAGE if facts.needs.cgo else "scratch",
        runtime_files=_runtime_files(root, facts),
        writable_paths=_writable(facts),
        env=[],
        backing=backing,
        skipped_backing=[b for b in facts.backing_services if b not in {x.name for x in backing}],
        source_url=source_url(facts.module),
        metrics_path=_metrics_path(root),
        workspace=facts.workspace or (root / "go.work").is_file(),
    )
    ctx.env = _env(facts, backing)
    ctx.module_copies = module_copies(root)
    ctx.build_inputs = build_inputs(root, facts, ctx.module_copies)
    return ctx
