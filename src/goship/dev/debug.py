"""Find delve for ``goship dev --debug``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from goship.dev.settings import DebugPlan
from goship.errors import BadInputError, EnvironmentMissingError

DLV_INSTALL = "go install github.com/go-delve/delve/cmd/dlv@latest"


def find_dlv() -> str | None:
    """``$GOSHIP_DLV``, ``dlv`` on PATH, then where ``go install`` puts it (GOBIN, GOPATH/bin,
    ~/go/bin)."""
    override = os.environ.get("GOSHIP_DLV")
    if override:
        return override if os.access(override, os.X_OK) else None
    found = shutil.which("dlv")
    if found:
        return found
    dirs = [os.environ.get("GOBIN", "")]
    dirs += [str(Path(p) / "bin") for p in os.environ.get("GOPATH", "").split(os.pathsep) if p]
    dirs.append(str(Path.home() / "go" / "bin"))
    for d in dirs:
        candidate = Path(d) / "dlv"
        if d and candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def debug_plan(listen: str) -> DebugPlan:
    """The delve plan, or exit 3 with the install command when dlv is not installed."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit():
        raise BadInputError(
            f"--debug-listen {listen!r} is not HOST:PORT", "e.g. --debug-listen 127.0.0.1:2345"
        )
    dlv = find_dlv()
    if dlv is None:
        raise EnvironmentMissingError(
            "--debug needs delve (dlv), which is not installed",
            f"`{DLV_INSTALL}` (or set GOSHIP_DLV to the dlv binary)",
        )
    return DebugPlan(dlv=dlv, listen=listen if host else "127.0.0.1" + listen)
