"""Write and build tiny Go programs for tests (stdlib only unless a test adds requires)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from helpers.env import require_tool

DEFAULT_MODULE = "example.com/app"
DEFAULT_GO_VERSION = "1.22"


def go_binary() -> str:
    """The Go toolchain goship itself would use (skip locally / fail in CI when none)."""
    return require_tool("go")


def go_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Process env for running ``go`` in tests: no toolchain downloads, static by default."""
    env = dict(os.environ)
    env.update({"GOTOOLCHAIN": "local", "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"})
    if extra:
        env.update(extra)
    return env


def write_go_module(
    root: Path,
    files: Mapping[str, str],
    *,
    module: str = DEFAULT_MODULE,
    go_version: str = DEFAULT_GO_VERSION,
) -> Path:
    """Write ``files`` (relative path → text) under ``root``; add a go.mod unless given."""
    root.mkdir(parents=True, exist_ok=True)
    if "go.mod" not in files:
        (root / "go.mod").write_text(f"module {module}\n\ngo {go_version}\n")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def build_go_program(
    tmp_path: Path,
    source: str | Mapping[str, str],
    *,
    name: str = "app",
    package: str = ".",
    goos: str = "linux",
    goarch: str | None = None,
    cgo: bool = False,
    ldflags: str = "-s -w",
    tags: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> Path:
    """Build a Go program in ``tmp_path/name-src`` and return the binary's path.

    ``source`` is the text of ``main.go`` or a mapping of files. The build is
    ``-trimpath`` with ``ldflags``; ``goarch`` defaults to the host's. A failed build raises
    AssertionError with the compiler output.
    """
    files = {"main.go": source} if isinstance(source, str) else dict(source)
    src = write_go_module(tmp_path / f"{name}-src", files)
    out = tmp_path / name
    extra = {"GOOS": goos, "CGO_ENABLED": "1" if cgo else "0"}
    if goarch:
        extra["GOARCH"] = goarch
    if env:
        extra.update(env)
    cmd = [go_binary(), "build", "-trimpath", f"-ldflags={ldflags}", "-o", str(out)]
    if tags:
        cmd.append(f"-tags={','.join(tags)}")
    cmd.append(package)
    proc = subprocess.run(
        cmd,
        cwd=src,
        env=go_env(extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"go build failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return out
