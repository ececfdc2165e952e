"""One verification container, created the way production runs it, and read back.

``--read-only`` root with a tmpfs ``/tmp``, ``--cap-drop ALL``, ``no-new-privileges``, the
image's user (see :mod:`goship.runtime.target`), no restart policy, the port published on
127.0.0.1 only (a random host port), and ``net.ipv4.ip_unprivileged_port_start=1024``: Docker
since 20.10 lets any user bind ports below 1024 inside a container, Kubernetes and most
production runtimes do not, so verify restores the kernel default. Every container carries
the ``dev.goship.verify=<run-id>`` label and a unique name, so cleanup is certain.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from dataclasses import dataclass
from typing import Any

from goship.runtime.engine import Engine
from goship.runtime.target import Target

VERIFY_LABEL = "dev.goship.verify"
LOG_TAIL = 50
_MEM_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2, "gb": 1000**3}
_MEM_UNITS["gib"] = 1024**3


@dataclass(frozen=True)
class StopResult:
    signal: str
    exit_code: int | None
    seconds: float
    graceful: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "signal": self.signal,
            "exit_code": self.exit_code,
            "seconds": round(self.seconds, 3),
            "graceful": self.graceful,
        }


def create_args(
    image_ref: str, name: str, run_id: str, target: Target, labels: dict[str, str]
) -> list[str]:
    """The ``create`` command line (kept in one place so tests and docs can show it)."""
    args = [
        "create",
        "--name", name,
        "--label", f"{VERIFY_LABEL}={run_id}",
        "--read-only",
        "--tmpfs", "/tmp:rw,nosuid,nodev,mode=1777",
        "--cap-drop", "ALL",
        "--security-opt", "no-new-privileges",
        "--sysctl", "net.ipv4.ip_unprivileged_port_start=1024",
        "--restart", "no",
        "--user", target.user,
        "--publish", f"127.0.0.1::{target.port}/tcp",
    ]  # fmt: skip
    for key, value in sorted(labels.items()):
        args += ["--label", f"{key}={value}"]
    return [*args, image_ref]


def start(engine: Engine, name: str) -> str | None:
    """Start the container; None when it started, else the engine's error text."""
    proc = engine.run(["start", name], timeout=120)
    if proc.returncode == 0:
        return None
    return (proc.stderr or proc.stdout or f"start exited {proc.returncode}").strip()


def inspect(engine: Engine, name: str) -> dict[str, Any]:
    """``inspect`` of the container ({} when it is gone)."""
    proc = engine.run(["container", "inspect", name], timeout=30)
    if proc.returncode != 0:
        return {}
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        return {}
    return data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}


def host_port(engine: Engine, name: str, port: int) -> int | None:
    """The loopback host port the engine picked for ``port``."""
    proc = engine.run(["port", name, f"{port}/tcp"], timeout=30)
    for line in proc.stdout.splitlines():
        found = re.search(r":(\d+)\s*$", line.strip())
        if found:
            return int(found.group(1))
    return None


def logs(engine: Engine, name: str, tail: int = LOG_TAIL) -> list[str]:
    """The last ``tail`` lines of stdout and stderr, interleaved as the engine returns them.

    Podman is not asked for ``--tail``: when conmon reads a line in two pieces it stores a
    partial ("P") entry and a final ("F") one, and ``podman logs --tail`` (4.x) then prints
    only the final piece, so ``listen tcp :80: bind: permission denied`` came back as an
    empty line. The whole log of a verify run is short; the tail is cut here.
    """
    args = ["logs", name] if engine.name == "podman" else ["logs", "--tail", str(tail), name]
    proc = engine.run(args, timeout=60, merge_output=True)
    return proc.stdout.splitlines()[-tail:]


def _proc_status(pid: int) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as fh:
            return dict(line.split(":", 1) for line in fh if ":" in line)
    except OSError:
        return {}


def observed_user(engine: Engine, name: str, pid: int) -> str | None:
    """``uid:gid`` of the service process (host /proc, else ``top``)."""
    status = _proc_status(pid) if pid > 0 else {}
    if "Uid" in status and "Gid" in status:
        return f"{status['Uid'].split()[0]}:{status['Gid'].split()[0]}"
    proc = engine.run(
        ["top", name, "-o", "uid"] if engine.name == "docker" else ["top", name, "uid"]
    )
    rows = proc.stdout.splitlines()
    if proc.returncode == 0 and len(rows) > 1 and rows[1].split():
        return rows[1].split()[0]
    return None


def _parse_mem(text: str) -> int | None:
    found = re.match(r"\s*([\d.]+)\s*([a-zA-Z]+)", text)
    if not found:
        return None
    factor = _MEM_UNITS.get(found.group(2).lower())
    return int(float(found.group(1)) * factor) if factor else None


def memory_bytes(engine: Engine, name: str, pid: int) -> int | None:
    """Resident memory of the service process (VmRSS), else the engine's stats figure."""
    rss = _proc_status(pid).get("VmRSS") if pid > 0 else None
    if rss and rss.split()[0].isdigit():
        return int(rss.split()[0]) * 1024
    proc = engine.run(["stats", "--no-stream", "--format", "{{.MemUsage}}", name], timeout=30)
    return _parse_mem(proc.stdout) if proc.returncode == 0 else None


def stop(engine: Engine, name: str, signal: str, grace: float) -> StopResult:
    """Send ``signal`` and wait up to ``grace`` seconds; SIGKILL after that."""
    began = time.monotonic()
    engine.run(["kill", "--signal", signal, name], timeout=30)
    try:
        proc = subprocess.run(
            [engine.cli, "wait", name], capture_output=True, text=True, timeout=grace, check=False
        )
        seconds = time.monotonic() - began
        text = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
        exit_code = int(text) if text.lstrip("-").isdigit() else None
        return StopResult(signal, exit_code, seconds, True)
    except subprocess.TimeoutExpired:
        seconds = time.monotonic() - began
        engine.run(["kill", "--signal", "KILL", name], timeout=30)
        engine.run(["wait", name], timeout=30)
        state = inspect(engine, name).get("State") or {}
        code = state.get("ExitCode")
        return StopResult(signal, code if isinstance(code, int) else None, seconds, False)
