"""Helpers for `goship verify` tests (imported as ``verify_support``): the CLI in a
subprocess, scratch images of test programs, and the no-leftovers check."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers import TEST_LABEL, TEST_REPO, DockerEngine, run_goship, write_go_module

from goship.runtime.container import VERIFY_LABEL  # the label goship verify's containers carry


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        assert self.stdout.strip(), f"goship exited {self.code} without output:\n{self.stderr}"
        data: dict[str, Any] = json.loads(self.stdout)
        return data

    def ids(self) -> set[str]:
        return {f["id"] for f in self.json()["findings"]}

    def error_ids(self) -> set[str]:
        return {f["id"] for f in self.json()["findings"] if f["severity"] == "error"}


def goship(cache: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 600) -> Run:
    """``python -m goship ARGS`` with a private cache."""
    proc = run_goship(cache, *args, env=env, timeout=timeout)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def verify_args(image: str, *extra: str) -> list[str]:
    """``verify IMAGE --json`` with this session's test label on the container."""
    return ["verify", image, "--json", "--label", TEST_LABEL, "--timeout", "20", *extra]


def scratch_image(
    engine: DockerEngine,
    workdir: Path,
    name: str,
    binary: Path,
    *,
    user: str | None = None,
    expose: int | None = None,
    files: dict[str, Path] | None = None,
) -> str:
    """``FROM scratch`` + the binary at /app (+ files), built by the engine; returns the ref."""
    ctx = workdir / f"ctx-{name}"
    ctx.mkdir(parents=True)
    (ctx / "app").write_bytes(binary.read_bytes())
    (ctx / "app").chmod(0o755)
    lines = ["FROM scratch", "COPY app /app"]
    for i, (dst, src) in enumerate(sorted((files or {}).items())):
        (ctx / f"f{i}").write_bytes(src.read_bytes())
        lines.append(f"COPY f{i} {dst}")
    if user:
        lines.append(f"USER {user}")
    if expose:
        lines.append(f"EXPOSE {expose}")
    lines.append('ENTRYPOINT ["/app"]')
    (ctx / "Dockerfile").write_text("\n".join(lines) + "\n")
    ref = f"{TEST_REPO}/verify-{name}:{uuid.uuid4().hex[:8]}"
    engine.run(["build", "-q", *engine.label_args, "-t", ref, str(ctx)], timeout=300)
    engine.track_image(ref)
    return ref


def verify_images(engine: DockerEngine) -> set[str]:
    """Every ``goship-verify/*`` image tag in the engine."""
    proc = engine.run(
        ["image", "ls", "--format", "{{.Repository}}:{{.Tag}}", "--filter",
         "reference=goship-verify/*"],
        check=False,
    )  # fmt: skip
    return set(proc.stdout.split())


def verify_containers(engine: DockerEngine) -> list[str]:
    """Containers carrying goship verify's label and this session's test label."""
    proc = engine.run(
        ["ps", "-aq", "--filter", f"label={VERIFY_LABEL}", "--filter", f"label={TEST_LABEL}"],
        check=False,
    )
    return proc.stdout.split()


def assert_clean(engine: DockerEngine, images_before: set[str]) -> None:
    """Nothing of this session's is left: containers, volumes, networks, temp image tags."""
    assert engine.leftovers() == {}
    assert verify_containers(engine) == []
    assert verify_images(engine) - images_before == set()


TINY = """package main

import (
	"context"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok"))
	})
	srv := &http.Server{Addr: ADDR}
	go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		println(err.Error())
		os.Exit(1)
	}
}
"""


def tiny_project(root: Path, addr: str = '":8080"') -> Path:
    return write_go_module(root, {"main.go": TINY.replace("ADDR", addr)})


def assert_healthy_figures(report: dict[str, Any]) -> None:
    assert report["ok"] is True, report["findings"]
    assert report["started"] is True
    assert report["user"] == "65532:65532"
    assert report["image_user"] == "65532:65532"
    assert report["restart_count"] == 0
    response = report["response"]
    assert isinstance(response, dict) and 200 <= response["status"] < 300
    port_ms, healthy_ms = report["time_to_port_ms"], report["time_to_healthy_ms"]
    assert isinstance(port_ms, int) and isinstance(healthy_ms, int) and healthy_ms >= port_ms
    assert isinstance(report["memory_bytes"], int) and report["memory_bytes"] > 0
    stop = report["stop"]
    assert isinstance(stop, dict)
    assert stop["signal"] == "SIGTERM" and stop["graceful"] is True and stop["exit_code"] == 0
    assert not any(f["severity"] == "error" for f in report["findings"])
