"""Ctrl-C (SIGINT) or SIGTERM in the middle of `goship verify` still removes everything."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import DockerEngine, build_go_program, goship_env
from verify_support import scratch_image, verify_args, verify_containers

SLOW = """package main

import (
	"net/http"
	"time"
)

func main() {
	time.Sleep(time.Hour) // never gets to listen: verify is still waiting when interrupted
	http.ListenAndServe(":8080", nil)
}
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_cleans_up(
    sig: signal.Signals, clean_engine: DockerEngine, tmp_path: Path
) -> None:
    binary = build_go_program(tmp_path, SLOW)
    ref = scratch_image(clean_engine, tmp_path, "slow", binary, user="65532:65532", expose=8080)
    args = [a if a != "20" else "300" for a in verify_args(ref)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "goship", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=goship_env(tmp_path / "cache"),
    )
    try:
        deadline = time.monotonic() + 60
        while not verify_containers(clean_engine) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        assert verify_containers(clean_engine), "goship verify never created its container"
        time.sleep(0.5)  # inside the probe loop
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    assert verify_containers(clean_engine) == []
