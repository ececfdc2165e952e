"""Unit tests: diagnosis matchers on recorded log lines, target resolution, no engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from goship.errors import EnvironmentMissingError, UsageError
from goship.image.config import SERVICE_LABEL
from goship.runtime.diagnose import DIAGNOSES, diagnose
from goship.runtime.engine import detect_engine
from goship.runtime.report import VerifyReport
from goship.runtime.target import resolve_target

RECORDED = [
    ("2024/05/01 12:00:00 checking TLS roots: x509: certificate signed by unknown authority",
     "ca-certificates"),
    ('Get "https://api.stripe.com/v1": tls: failed to verify certificate: x509: certificate '
     "signed by unknown authority", "ca-certificates"),
    ("panic: html/template: pattern matches no files: `templates/*`", "runtime-files"),
    ("open templates/index.html: no such file or directory", "runtime-files"),
    ('{"level":"error","msg":"open static/app.css: no such file or directory"}',
     "runtime-files"),
    ("2024/05/01 12:00:00 unknown time zone Asia/Shanghai", "tzdata"),
    ("exec /app: exec format error", "exec-format"),
    ("standard_init_linux.go:228: exec user process caused: exec format error", "exec-format"),
    ("exec /app/server: no such file or directory", "dynamic-binary"),
    ("standard_init_linux.go:228: exec user process caused: no such file or directory",
     "dynamic-binary"),
    ("/app: error while loading shared libraries: libsqlite3.so.0: cannot open shared object",
     "dynamic-binary"),
    ("2024/05/01 listen tcp :80: bind: permission denied", "privileged-port"),
    ('{"msg":"server stopped","error":"listen tcp 0.0.0.0:443: bind: permission denied"}',
     "privileged-port"),
    ("open /app/data/notes.db: read-only file system", "read-only-fs"),
    ("Error: runc: runc create failed: unable to start container process: error during "
     "container init: error setting rlimits for ready process: error setting rlimit type 7: "
     "operation not permitted: OCI permission denied", "engine-rlimits"),
]  # fmt: skip

NOT_DIAGNOSED = [
    "listen tcp :8080: bind: address already in use",
    "listen tcp :8080: bind: permission denied",
    'exec: "/app": stat /app: no such file or directory',
    '{"level":"INFO","msg":"listening","addr":":8080"}',
    "open /etc/app/secret.txt: permission denied",
]


@pytest.mark.parametrize(("line", "expected"), RECORDED)
def test_recorded_lines(line: str, expected: str) -> None:
    found = diagnose(["some earlier line", line, "a later line"], exit_code=1)
    assert [f.id for f in found] == [expected]
    assert found[0].evidence == line.strip()
    assert found[0].severity == "error"


@pytest.mark.parametrize("line", NOT_DIAGNOSED)
def test_lines_that_are_not_a_known_failure(line: str) -> None:
    assert diagnose([line], exit_code=1) == []


def test_exit_127_without_output_is_the_missing_loader() -> None:
    assert [f.id for f in diagnose([""], exit_code=127)] == ["dynamic-binary"]
    assert diagnose(["something else entirely"], exit_code=127) == []


def test_every_diagnosis_names_a_fix_and_is_unique() -> None:
    ids = [d.id for d in DIAGNOSES]
    assert len(ids) == len(set(ids))
    assert all(d.fix and d.explanation for d in DIAGNOSES)
    assert all(f.id in ids for line, _ in RECORDED for f in diagnose([line], 1))


def label(**data: object) -> dict[str, object]:
    return {"Labels": {SERVICE_LABEL: json.dumps(data)}, "User": "65532:65532"}


def test_label_wins_over_expose_and_flags_win_over_label() -> None:
    config = {**label(port=8080, health_path="/healthz"), "ExposedPorts": {"9090/tcp": {}}}
    target = resolve_target(config, port=None, health=None, project=None)
    assert (target.port, target.health_path, target.user) == (8080, "/healthz", "65532:65532")
    assert target.sources == {"port": "label", "health_path": "label"}
    assert target.findings == []
    target = resolve_target(config, port=3000, health="ready", project=None)
    assert (target.port, target.health_path) == (3000, "/ready")
    assert target.sources == {"port": "flag", "health_path": "flag"}


def test_expose_fallback_and_root_images_run_as_nonroot() -> None:
    config = {"ExposedPorts": {"53/udp": {}, "8081/tcp": {}, "8443/tcp": {}}, "User": ""}
    target = resolve_target(config, port=None, health=None, project=None)
    assert (target.port, target.sources["port"]) == (8081, "expose")
    assert target.user == "65532:65532"
    assert {f.id for f in target.findings} == {"runs-as-root", "no-health-path"}
    for user in ("root", "0", "0:0"):
        found = resolve_target({"User": user}, port=80, health="/h", project=None).findings
        assert [f.id for f in found] == ["runs-as-root"]


def test_no_port_anywhere_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no port"):
        resolve_target({"User": "1000"}, port=None, health=None, project=None)


def test_json_shape() -> None:
    data = VerifyReport(image="x", engine="docker", platform="linux/amd64").to_json()
    for key in (
        "image", "engine", "platform", "user", "port", "health_path", "started",
        "time_to_port_ms", "time_to_healthy_ms", "response", "memory_bytes", "stop",
        "skipped_platforms", "findings", "logs_tail", "ok",
    ):  # fmt: skip
        assert key in data
    assert data["ok"] is True


def test_no_engine_on_path_exits_3(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GOSHIP_DOCKER"}
    env["PATH"] = str(tmp_path)  # neither docker nor podman
    proc = subprocess.run(
        [sys.executable, "-m", "goship", "verify", "anything:latest"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 3, proc.stderr
    assert "no container engine" in proc.stderr and "fix:" in proc.stderr


def test_forced_engine_that_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # podman may be installed: hide it
    with pytest.raises(EnvironmentMissingError, match="podman: not installed"):
        detect_engine("podman")


def test_engine_that_does_not_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "docker"
    fake.write_text("#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("GOSHIP_DOCKER", str(fake))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EnvironmentMissingError, match="Cannot connect"):
        detect_engine()


@pytest.mark.parametrize("engine_name", ["docker", "podman"])
def test_logs_tail_is_cut_here_for_podman(engine_name: str, tmp_path: Path) -> None:
    """Podman 4.x's ``logs --tail`` drops the first piece of a line conmon stored in two
    (``P`` + ``F`` entries), so Podman is asked for the whole log; Docker keeps --tail."""
    from goship.runtime import container
    from goship.runtime.engine import Engine

    record = tmp_path / "argv"
    cli = tmp_path / engine_name
    cli.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"open({str(record)!r}, 'w').write(' '.join(sys.argv[1:]))\n"
        "print('\\n'.join(f'line {i}' for i in range(80)))\n"
    )
    cli.chmod(0o755)
    lines = container.logs(Engine(engine_name, str(cli)), "c1", tail=50)
    assert lines == [f"line {i}" for i in range(30, 80)]
    argv = record.read_text().split()
    assert ("--tail" in argv) is (engine_name == "docker")
    assert argv[0] == "logs" and argv[-1] == "c1"
