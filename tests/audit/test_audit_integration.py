"""Image sources that need a Docker engine or a registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from audit_support import GoPrograms
from helpers import TEST_REPO, DockerEngine, LocalRegistry

from goship.audit.run import AuditOptions, run_audit
from goship.cli import run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

DOCKERFILE = """FROM scratch
COPY su /usr/bin/su
COPY id_rsa /root/.ssh/id_rsa
COPY app /app/server
ENV API_TOKEN=s3cr3t-value
ENTRYPOINT ["/app/server"]
"""


def test_docker_daemon_source(
    docker_engine: DockerEngine, tmp_path: Path, goprogs: GoPrograms
) -> None:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(DOCKERFILE)
    (ctx / "su").write_text("not really su")
    (ctx / "su").chmod(0o4755)
    (ctx / "id_rsa").write_text(
        "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n"
    )
    (ctx / "app").write_bytes(goprogs.get("cgo").read_bytes())
    (ctx / "app").chmod(0o755)
    tag = f"{TEST_REPO}/audit-bad:1"
    docker_engine.run(["build", "-q", *docker_engine.label_args, "-t", tag, str(ctx)], timeout=600)
    docker_engine.track_image(tag)
    report = run_audit(f"docker-daemon:{tag}", AuditOptions())
    found = {f.id: f for f in report.findings}
    assert {"root-user", "setuid-setgid", "private-key", "secret-env",
            "go-dynamic-deps-missing"} <= set(found)  # fmt: skip
    assert found["setuid-setgid"].path == "/usr/bin/su"
    assert report.images[0].binaries[0].path == "/app/server"
    assert run(["audit", f"docker-daemon:{tag}", "--format", "json"]) == 1
    assert run(["audit", f"docker-daemon:{TEST_REPO}/does-not-exist:0"]) == 2
    assert docker_engine.leftovers() == {}  # audit never runs a container


def test_registry_reference(
    registry: LocalRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = f"{registry}/goship-test/audit-stdlib"
    assert run(["build", str(EXAMPLES / "stdlib-api"), "--push", ref, "--tag", "1"]) == 0
    capsys.readouterr()
    assert run(["audit", f"{ref}:1", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    [plat] = doc["platforms"]
    assert doc["summary"]["error"] == 0
    assert plat["go_binaries"][0]["module"].endswith("examples/stdlib-api")
    assert plat["layers"][0]["compressed_size"] > 0
