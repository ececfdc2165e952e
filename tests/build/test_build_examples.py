"""The bundled examples, built by `goship build`, loaded into Docker and run locked down."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from build_support import GoshipRunner
from helpers import DockerEngine, wait_http

pytestmark = pytest.mark.integration

LOCKDOWN = ["--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return int(resp.status), resp.read().decode()


def _load_and_run(
    engine: DockerEngine, goship: GoshipRunner, project: Path, tmp_path: Path
) -> tuple[str, str, dict]:
    repo = f"goship-test/{project.name}"
    tag = uuid.uuid4().hex[:10]
    archive = tmp_path / "image.tar"
    result = goship(
        "build",
        str(project),
        "--output",
        str(archive),
        "--format",
        "docker",
        "--name",
        repo,
        "--tag",
        tag,
        "--json",
    ).json()
    engine.track_image(f"{repo}:{tag}")
    engine.run(["load", "-i", str(archive)])
    config = json.loads(engine.run(["image", "inspect", f"{repo}:{tag}"]).stdout)[0]["Config"]
    port = next(iter(config["ExposedPorts"])).split("/")[0]
    cid = engine.run(
        ["run", "-d", *engine.label_args, *LOCKDOWN, "-p", f"127.0.0.1::{port}", f"{repo}:{tag}"]
    ).stdout.strip()
    host_port = engine.run(["port", cid, port]).stdout.splitlines()[0].rsplit(":", 1)[1]
    return cid, f"http://127.0.0.1:{host_port}", {"result": result, "config": config}


@pytest.mark.parametrize("example", ["stdlib-api", "gin-notes"])
def test_example_serves_health_as_nonroot(
    example: str,
    docker_engine: DockerEngine,
    goship: GoshipRunner,
    examples: Path,
    tmp_path: Path,
) -> None:
    cid, base, info = _load_and_run(docker_engine, goship, examples / example, tmp_path)
    try:
        label = json.loads(info["config"]["Labels"]["dev.goship.service"])
        health = label["health_path"]
        assert health == "/healthz"
        status = wait_http(base + health, timeout=30)
        logs = docker_engine.run(["logs", cid], check=False)
        assert status == 200, f"health check failed; logs:\n{logs.stdout}{logs.stderr}"
        top = docker_engine.run(["top", cid, "-o", "pid,uid"]).stdout.splitlines()[1:]
        assert [line.split()[1] for line in top] == ["65532"]
        assert info["config"]["User"] == "65532:65532"
        if example == "gin-notes":
            code, html = _get(base + "/")
            assert code == 200 and "<title>Notes</title>" in html
            assert '<link rel="stylesheet" href="/static/style.css">' in html
            code, css = _get(base + "/static/style.css")
            assert code == 200 and css.strip()
        else:
            # zones come from the stored zip at $ZONEINFO (aliases share their data there)
            assert "ZONEINFO=/usr/share/zoneinfo/zoneinfo.zip" in info["config"]["Env"]
            offsets = {
                "Europe/Paris": (3600, 7200),
                "America/New_York": (-18000, -14400),
                "US/Eastern": (-18000, -14400),
                "Asia/Kolkata": (19800,),
            }
            for zone, allowed in offsets.items():
                code, body = _get(base + f"/api/time?tz={zone}")
                doc = json.loads(body)
                assert code == 200 and doc["tz"] == zone and doc["utc_offset_seconds"] in allowed
            with pytest.raises(urllib.error.HTTPError) as bad:
                _get(base + "/api/time?tz=Mars/Olympus")
            assert bad.value.code == 400
    finally:
        docker_engine.run(["rm", "-f", cid], check=False)
