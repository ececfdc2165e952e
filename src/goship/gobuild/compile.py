"""Compile the chosen main package once per platform, reproducibly and in parallel.

``go build -trimpath -buildvcs=false -ldflags "-s -w -buildid= ..." [-tags ...] -o OUT PKG``
with ``CGO_ENABLED=0`` (unless the cgo plan allows cgo), ``GOOS/GOARCH/GOARM/GOAMD64`` from the
platform and a sanitised ``GOFLAGS``. After each build the ELF is checked (machine matches the
platform; no interpreter unless cgo was allowed). See :mod:`goship.gobuild.ldflags` for why each
flag is there.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from goship.errors import EnvironmentMissingError, GoshipError, ProjectError
from goship.gobuild.bincache import BinaryCache, binary_key, tree_key
from goship.gobuild.cgo import CgoPlan
from goship.gobuild.gctune import toolchain_gc_env
from goship.gobuild.ldflags import sanitize_goflags
from goship.gobuild.toolchain import GoResult, run_go
from goship.image.platform import Platform
from goship.project.facts import ProjectFacts

# variant variables cleared unless the platform sets them (so a stray GOAMD64=v3 in the
# user's shell cannot change the output)
_VARIANT_VARS = ("GOARM", "GOAMD64", "GOARM64", "GO386", "GOMIPS", "GOMIPS64", "GOPPC64")
_NETWORK_RE = re.compile(
    r"dial tcp|i/o timeout|no such host|connection refused|TLS handshake timeout|"
    r"network is unreachable|proxyconnect"
)
_GOSUM_RE = re.compile(
    r"missing go\.sum entry|updates to go\.mod needed|go: inconsistent vendoring"
)
_MAX_ERROR_LINES = 20

EventHook = Callable[[Platform, str], None]  # (platform, "start" | "done")
OUT_PLACEHOLDER = Path("OUT")  # the -o value in job records and cache keys


class Prestarted(Protocol):
    """``go build`` processes started before the request was known (goship.build.early)."""

    def tree_for(self, root: Path) -> str | None: ...

    def take(
        self, args: Sequence[str], cwd: str | os.PathLike[str], env: Mapping[str, str]
    ) -> tuple[GoResult, Path] | None: ...


@dataclass(frozen=True)
class CompileRequest:
    """One main package to build for a set of platforms."""

    root: Path  # where `go build` runs (the module or workspace root)
    package: str  # ./cmd/api, or . for the root package
    name: str  # binary file name
    platforms: tuple[Platform, ...]
    tags: tuple[str, ...]
    ldflags: str  # complete -ldflags value (see ldflags.build_ldflags)
    cgo: CgoPlan
    out_dir: Path
    display: str = ""  # import path for messages (defaults to ``package``)
    cache_dir: Path | None = None  # binary cache (see bincache); None = always compile

    @property
    def label(self) -> str:
        return self.display or self.package


@dataclass(frozen=True)
class Binary:
    """A compiled binary. Its sha256 is read lazily: ``goship build`` learns it while the
    image layer is written (:meth:`with_sha256`) and a 20 MiB binary is not read twice."""

    platform: Platform
    path: Path
    size: int
    cgo: bool
    interpreter: str | None  # None = statically linked
    seconds: float
    cache_key: str | None = None  # its binary cache key: the same key is the same bytes
    known_sha256: str = field(default="", repr=False)

    @property
    def sha256(self) -> str:
        if not self.known_sha256:
            object.__setattr__(self, "known_sha256", file_sha256(self.path))
        return self.known_sha256

    def with_sha256(self, digest: str) -> Binary:
        return replace(self, known_sha256=digest)


def binary_name(import_path: str) -> str:
    """``example.com/shop/cmd/api`` -> ``api``; a ``/vN`` major suffix is skipped like go does."""
    parts = [p for p in import_path.split("/") if p]
    if len(parts) > 1 and re.fullmatch(r"v[2-9]\d*|v1\d+", parts[-1]):
        parts.pop()
    name = parts[-1] if parts else "app"
    return re.sub(r"[^A-Za-z0-9._-]", "-", name) or "app"


def main_target(facts: ProjectFacts) -> tuple[str, str]:
    """The chosen main as ``(package spec relative to facts.root, binary name)``."""
    main = facts.main_package()
    if main is None:
        if facts.service.candidates:
            raise ProjectError(
                "several main packages serve traffic: " + ", ".join(facts.service.candidates),
                "choose one with --main (or `main = ...` in goship.toml)",
            )
        if not facts.mains:
            raise ProjectError(f"no main package found under {facts.root}", "add a package main")
        raise ProjectError(
            "no main package was chosen: " + ", ".join(m.package for m in facts.mains),
            "choose one with --main",
        )
    spec = "." if main.dir in ("", ".") else "./" + main.dir.strip("/").removeprefix("./")
    return spec, binary_name(main.package)


def trim_compiler_output(stderr: str, root: Path | None = None) -> str:
    """The lines of ``go build`` output that say what is wrong (file:line errors and package
    headers), at most 20; falls back to the last lines when nothing matches."""
    lines = [ln.rstrip() for ln in stderr.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith(("go: downloading", "go: finding"))]
    if root is not None:
        prefix = str(root).rstrip("/") + "/"
        lines = [ln.replace(prefix, "") for ln in lines]
    relevant = [
        ln for ln in lines if re.search(r"\.go:\d+(:\d+)?:", ln) or ln.startswith(("# ", "go: "))
    ]
    chosen = relevant or lines[-_MAX_ERROR_LINES:]
    extra = len(chosen) - _MAX_ERROR_LINES
    chosen = chosen[:_MAX_ERROR_LINES]
    if extra > 0:
        chosen.append(f"... ({extra} more)")
    return "\n".join("  " + ln for ln in chosen)


def build_env(platform: Platform, cgo: CgoPlan) -> dict[str, str]:
    """The environment ``go build`` runs with for ``platform``."""
    goflags, _ = sanitize_goflags(os.environ.get("GOFLAGS", ""))
    env = {var: "" for var in _VARIANT_VARS}
    env.update(platform.go_env())
    env["GOFLAGS"] = goflags
    env["CGO_ENABLED"] = "1" if cgo.enabled else "0"
    env.update(toolchain_gc_env())
    cc = cgo.compilers.get(platform)
    if cgo.enabled and cc:
        env["CC"] = cc
    return env


def _go_args(req: CompileRequest, out: Path) -> list[str]:
    args = ["build", "-trimpath", "-buildvcs=false", f"-ldflags={req.ldflags}"]
    if req.tags:
        args.append("-tags=" + ",".join(req.tags))
    return [*args, "-o", str(out), req.package]


def _fail(req: CompileRequest, platform: Platform, stderr: str) -> GoshipError:
    detail = trim_compiler_output(stderr, req.root)
    if _NETWORK_RE.search(stderr) and not re.search(r"\.go:\d+:\d+:", stderr):
        return EnvironmentMissingError(
            f"`go build` could not download modules for {req.label}:\n{detail}",
            "check network access to the Go module proxy (GOPROXY) or run `go mod download`",
        )
    if _GOSUM_RE.search(stderr):
        return ProjectError(
            f"go.mod/go.sum are out of date for {req.label}:\n{detail}",
            "run `go mod tidy` in the project and commit go.mod and go.sum",
        )
    return ProjectError(
        f"{req.label} does not compile for {platform}:\n{detail}",
        f"fix the errors above; `go build {req.package}` in {req.root} shows the full output",
    )


def go_jobs(req: CompileRequest) -> list[dict[str, Any]]:
    """The ``go build`` command of each platform as a plain record (``args`` with ``-o OUT``,
    ``cwd``, ``env`` overlay, ``package``, ``name``, ``cacheable``), for early starts."""
    return [
        {
            "args": _go_args(req, OUT_PLACEHOLDER),
            "cwd": str(req.root),
            "env": build_env(p, req.cgo),
            "package": req.package,
            "name": req.name,
            "cacheable": bool(req.cache_dir) and not req.cgo.enabled,
        }
        for p in req.platforms
    ]


def _run_build(
    req: CompileRequest, out: Path, env: dict[str, str], early: Prestarted | None
) -> GoResult:
    taken = early.take(_go_args(req, OUT_PLACEHOLDER), req.root, env) if early else None
    if taken is None:
        return run_go(_go_args(req, out), cwd=req.root, env=env)
    result, produced = taken
    if produced.is_file():
        shutil.move(produced, out)
    return result


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:  # streamed: a 24 MiB read_bytes costs as much as the hash
        return hashlib.file_digest(fh, "sha256").hexdigest()


def output_path(req: CompileRequest, platform: Platform) -> Path:
    """Where :func:`compile_one` leaves ``platform``'s binary."""
    return req.out_dir / platform.slug / req.name


def compile_one(
    req: CompileRequest,
    platform: Platform,
    tree: str | None = None,
    early: Prestarted | None = None,
) -> Binary:
    """Build ``req`` for one platform into ``out_dir/<slug>/<name>`` and check the ELF.

    ``tree`` is the source digest for the binary cache (None: no cache); ``early`` may hold
    the very same ``go build`` already running."""
    started = time.monotonic()
    out = output_path(req, platform)
    out_dir = out.parent
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EnvironmentMissingError(
            f"cannot create the build directory {out_dir}: {exc.strerror}",
            "set GOSHIP_CACHE / TMPDIR to a writable directory",
        ) from exc
    out.unlink(missing_ok=True)
    env = build_env(platform, req.cgo)
    cache = BinaryCache(req.cache_dir) if req.cache_dir and tree and not req.cgo.enabled else None
    key = binary_key(tree or "", _go_args(req, OUT_PLACEHOLDER), env, req.package) if cache else ""
    fetched = cache is not None and cache.fetch(key, out)
    if not fetched:
        result = _run_build(req, out, env, early)
        if result.returncode != 0 or not out.is_file():
            raise _fail(req, platform, result.stderr or result.stdout)
        if cache is not None:
            cache.store(key, out)
    from goship.gobuild.elfcheck import check_binary

    info = check_binary(out, platform, require_static=not req.cgo.enabled)
    return Binary(
        platform=platform,
        path=out,
        size=out.stat().st_size,
        cgo=req.cgo.enabled,
        interpreter=info.interpreter,
        seconds=time.monotonic() - started,
        cache_key=key or None,
        known_sha256=(cache.sha256(key) or "") if cache is not None and fetched else "",
    )


def compile_all(
    req: CompileRequest, on_event: EventHook | None = None, early: Prestarted | None = None
) -> list[Binary]:
    """Build every platform (in parallel, at most one job per core) and return the binaries in
    platform order. The first failure (in platform order) is raised after all jobs stopped."""

    tree = None
    if req.cache_dir:
        tree = early.tree_for(req.root) if early else None
        tree = tree or tree_key(req.root)

    def job(platform: Platform) -> Binary:
        if on_event:
            on_event(platform, "start")
        binary = compile_one(req, platform, tree, early)
        if on_event:
            on_event(platform, "done")
        return binary

    platforms: Sequence[Platform] = req.platforms
    workers = max(1, min(len(platforms), os.cpu_count() or 1))
    if workers == 1:
        return [job(p) for p in platforms]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="go-build") as pool:
        futures = [pool.submit(job, p) for p in platforms]
        errors = [f.exception() for f in futures]
    for err in errors:
        if err is not None:
            raise err
    return [f.result() for f in futures]
