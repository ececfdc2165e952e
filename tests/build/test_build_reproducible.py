"""Two clean clones of one commit, built at different times with empty caches: same digest."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from build_support import make_runner
from helpers import require_tool

pytestmark = pytest.mark.integration


def _git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_AUTHOR_DATE": "1712345678 +0000",
        "GIT_COMMITTER_DATE": "1712345678 +0000",
    }
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def test_two_clones_build_to_the_same_digest(examples: Path, tmp_path: Path) -> None:
    require_tool("git")
    origin = tmp_path / "origin"
    shutil.copytree(examples / "stdlib-api", origin)
    _git(origin, "init", "-q")
    _git(origin, "add", ".")
    _git(origin, "commit", "-q", "-m", "import")
    clones = [tmp_path / "a" / "stdlib-api", tmp_path / "b" / "deeper" / "svc"]
    results = []
    for n, clone in enumerate(clones):
        clone.parent.mkdir(parents=True)
        _git(tmp_path, "clone", "-q", str(origin), str(clone))
        for path in clone.rglob("*.go"):
            os.utime(path, (time.time() + n * 1000, time.time() + n * 1000))
        run = make_runner(tmp_path / f"cache-{n}")
        results.append(
            run(
                "build",
                str(clone),
                "--platform",
                "linux/amd64,linux/arm64",
                "--output",
                str(tmp_path / f"out-{n}"),
                "--json",
            ).json()
        )
        time.sleep(1.1)
    assert results[0]["digest"] == results[1]["digest"]
    assert results[0]["layers"] == results[1]["layers"]
    commit = _git(origin, "rev-parse", "HEAD")
    assert results[0]["tags"] == ["latest", f"sha-{commit[:7]}"]
    config_dir = tmp_path / "out-0" / "blobs" / "sha256"
    assert any(
        b"2024-04-05T19:34:38Z" in p.read_bytes()
        for p in config_dir.iterdir()
        if p.stat().st_size < 20000
    )
