"""Decide whether a build may use cgo, and refuse clearly when it cannot.

goship's own base is libc-less, so a cgo binary (dynamically linked against glibc or musl) would
not start on it. cgo is therefore allowed only when the user supplies ``--base`` with a libc,
and only for the native platform unless a cross C compiler is named in ``CC_<goos>_<goarch>``
(e.g. ``CC_linux_arm64=aarch64-linux-gnu-gcc``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from goship.errors import ProjectError
from goship.gobuild.toolchain import run_go
from goship.image.platform import Platform
from goship.project.facts import ProjectFacts

CGO_OPTIONS = (
    "pass --base with a glibc or musl image that matches (a local OCI layout, a docker-archive "
    ".tar or a registry reference) to build with cgo; or replace the cgo dependency with a "
    "pure-Go one (e.g. modernc.org/sqlite instead of github.com/mattn/go-sqlite3); or use "
    "build tags that disable cgo in it (--build-tags, then --cgo off)"
)


@dataclass(frozen=True)
class CgoPlan:
    enabled: bool = False
    packages: tuple[str, ...] = ()  # non-std packages with cgo files, for messages
    compilers: Mapping[Platform, str] = field(default_factory=dict)  # platform -> CC


def cc_variable(platform: Platform) -> str:
    return f"CC_{platform.os}_{platform.architecture}"


def cgo_packages(
    root: Path, package: str, tags: Sequence[str], platform: Platform
) -> tuple[str, ...] | None:
    """Non-standard packages with cgo files in ``package``'s deps under ``tags``; ``None`` when
    ``go list`` fails (the compile step then reports the real error)."""
    args = ["list", "-deps", "-f", "{{if and (not .Standard) .CgoFiles}}{{.ImportPath}}{{end}}"]
    if tags:
        args.append("-tags=" + ",".join(tags))
    env = {**platform.go_env(), "CGO_ENABLED": "1", "GOFLAGS": ""}
    result = run_go([*args, package], cwd=root, env=env)
    if result.returncode != 0:
        return None
    return tuple(sorted({ln.strip() for ln in result.stdout.splitlines() if ln.strip()}))


def plan_cgo(
    facts: ProjectFacts,
    *,
    mode: str,
    base: str | None,
    platforms: Sequence[Platform],
    package: str,
    tags: Sequence[str],
    environ: Mapping[str, str] | None = None,
    display: str | None = None,
) -> CgoPlan:
    """``mode`` is ``auto`` (cgo iff the code needs it), ``on`` or ``off`` (force CGO_ENABLED=0).

    Raises ProjectError naming the cgo packages and the options when cgo is needed but no
    ``--base`` is given, or a non-native platform has no ``CC_<goos>_<goarch>``.
    """
    if mode == "off":
        return CgoPlan()
    env = os.environ if environ is None else environ
    packages = tuple(facts.needs.cgo_packages)
    needed = facts.needs.cgo or bool(packages)
    if mode == "auto" and needed and tags and platforms:
        # the facts were read without the user's build tags; those may switch cgo off
        rechecked = cgo_packages(Path(facts.root), package, tags, platforms[0])
        if rechecked is not None:
            packages, needed = rechecked, bool(rechecked)
    if mode == "auto" and not needed:
        return CgoPlan()
    named = ", ".join(packages) if packages else "a dependency"
    if not base:
        reason = "needs cgo" if mode == "auto" else "is built with --cgo on"
        raise ProjectError(
            f"{display or package} {reason} ({named} uses C code), and goship's default base "
            "has no C library: a cgo binary would not start on it",
            CGO_OPTIONS,
        )
    host = Platform.host()
    compilers: dict[Platform, str] = {}
    missing: list[str] = []
    for p in platforms:
        cc = env.get(cc_variable(p), "")
        if cc:
            compilers[p] = cc
        elif not p.matches(host):
            missing.append(f"{p} ({cc_variable(p)})")
    if missing:
        raise ProjectError(
            f"cgo builds run only for the native platform {host} unless a cross C compiler is "
            f"configured; missing for: {', '.join(missing)}",
            "set CC_<goos>_<goarch> to a cross compiler, e.g. "
            "CC_linux_arm64=aarch64-linux-gnu-gcc, or build only --platform " + str(host),
        )
    return CgoPlan(enabled=True, packages=packages, compilers=compilers)
