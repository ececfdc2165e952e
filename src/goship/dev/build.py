"""Compile the service for the dev loop: fast, debuggable, into a private directory.

Flag choices differ from ``goship build`` on purpose (see docs/dev.md):

* no ``-trimpath``: panics and delve show the absolute paths of the files being edited;
* ``-ldflags "-s -w"`` without ``--debug`` (about 0.4 s less link time for a gin service;
  stack traces still carry file:line, they come from pclntab, not DWARF); with ``--debug`` the
  DWARF data stays and ``-gcflags=all=-N -l`` turns off optimisation and inlining for delve;
* ``-buildvcs=false``: no git invocation per rebuild;
* the Go build cache stays on (``GOCACHE`` as the user has it), so a rebuild recompiles only
  the packages that changed and relinks.

The ``[build]`` table's ``ldflags``, ``x`` and ``build_tags`` are honoured; ``{{.Version}}``
renders as ``dev`` and the stamp date is fixed for the session, so an unchanged tree links to
the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from goship.errors import EnvironmentMissingError
from goship.gobuild.compile import trim_compiler_output
from goship.gobuild.gctune import toolchain_gc_env
from goship.gobuild.ldflags import StampValues, build_ldflags
from goship.gobuild.toolchain import GO_HINT, find_go
from goship.gobuild.vcs import epoch_rfc3339

DEV_LDFLAGS = ("-s", "-w")
DEBUG_GCFLAGS = "all=-N -l"


@dataclass(frozen=True)
class BuildPlan:
    """How to run ``go build`` for the dev loop (everything but the output path)."""

    root: Path  # where go build runs
    package: str  # ./cmd/api or .
    name: str  # binary file name
    tags: tuple[str, ...] = ()
    x: tuple[str, ...] = ()  # -X importpath.name=value (templates allowed)
    ldflags: str = ""  # user ldflags from goship.toml
    debug: bool = False
    cgo: bool = False
    env: tuple[tuple[str, str], ...] = ()  # extra environment for go build

    def args(self, out: Path, stamp: StampValues) -> list[str]:
        """The ``go build`` arguments for one build into ``out``."""
        ld = build_ldflags(self.x, self.ldflags, stamp)
        words = ld.split(" ")
        # build_ldflags starts with goship build's "-s -w -buildid=": keep -s -w unless
        # debugging; "-buildid=" only serves reproducible images, so it is dropped.
        base = [w for w in words[:3] if w in DEV_LDFLAGS and not self.debug]
        ldflags = " ".join([*base, *words[3:]])
        args = ["build", "-buildvcs=false"]
        if ldflags:
            args.append(f"-ldflags={ldflags}")
        if self.debug:
            args.append(f"-gcflags={DEBUG_GCFLAGS}")
        if self.tags:
            args.append("-tags=" + ",".join(self.tags))
        return [*args, "-o", str(out), self.package]

    def go_env(self) -> dict[str, str]:
        env = {**toolchain_gc_env(), **dict(self.env)}
        if "CGO_ENABLED" not in os.environ:
            env.setdefault("CGO_ENABLED", "1" if self.cgo else "0")
        return env


@dataclass(frozen=True)
class BuildResult:
    ok: bool
    seconds: float
    binary: Path | None = None
    sha256: str = ""
    errors: str = ""  # trimmed compiler output (file:line lines) when not ok


def dev_stamp(started: float) -> StampValues:
    """Stamp values for ``-X`` templates in the dev loop (fixed for one session)."""
    epoch = int(started)
    return StampValues("dev", "dev", "dev", epoch_rfc3339(epoch), epoch)


class Builder:
    """Numbered builds into ``out_dir/<n>/<name>``; the running binary is never overwritten."""

    def __init__(self, plan: BuildPlan, out_dir: Path, started: float | None = None) -> None:
        self.plan = plan
        self.out_dir = out_dir
        self.stamp = dev_stamp(started if started is not None else time.time())
        self._count = 0
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._cancelled = False

    def build(self) -> BuildResult:
        self._count += 1
        target_dir = self.out_dir / str(self._count)
        target_dir.mkdir(parents=True, exist_ok=True)
        out = target_dir / self.plan.name
        env = {**os.environ, "GOFLAGS": os.environ.get("GOFLAGS", ""), **self.plan.go_env()}
        began = time.monotonic()
        try:
            proc = subprocess.Popen(
                [find_go(), *self.plan.args(out, self.stamp)],
                cwd=self.plan.root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
        except OSError as exc:
            raise EnvironmentMissingError(f"cannot run go: {exc}", GO_HINT) from exc
        with self._lock:
            self._proc = proc
        output, _ = proc.communicate()
        with self._lock:
            self._proc = None
        seconds = time.monotonic() - began
        if proc.returncode != 0 or not out.is_file():
            text = output.decode("utf-8", "replace") or "go build failed without output"
            if self._cancelled:
                text = "build cancelled"
            return BuildResult(False, seconds, errors=trim_compiler_output(text, self.plan.root))
        digest = hashlib.sha256(out.read_bytes()).hexdigest()
        return BuildResult(True, seconds, out, digest)

    def cancel(self) -> None:
        """Kill a running ``go build`` (used when the loop stops in the middle of a build)."""
        with self._lock:
            self._cancelled = True
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()

    def prune(self, keep: Path | None) -> None:
        """Delete every build directory except the one holding ``keep``."""
        for child in self.out_dir.iterdir() if self.out_dir.is_dir() else ():
            if keep is not None and keep.parent == child:
                continue
            shutil.rmtree(child, ignore_errors=True)
