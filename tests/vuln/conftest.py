"""Fixtures for the scan and SBOM tests (see vuln_support)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from helpers import go_binary, go_env, unavailable
from vuln_support import GOVULNCHECK, VULNDB_ZIP, Corpus, tools_bin

from goship.vuln.dbindex import iter_zip, write_index_layout
from goship.vuln.osvdb import _snapshot_time


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    go_binary()
    return Corpus(tmp_path_factory.mktemp("go-corpus"))


@pytest.fixture(scope="session")
def vulndb_zip() -> Path:
    return VULNDB_ZIP


@pytest.fixture(scope="session")
def vulndb_layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The index layout (index/db.json, index/modules.json, ID/) built by goship's own code
    from the vendored zip: what govulncheck -db file:///... reads."""
    dest = tmp_path_factory.mktemp("vulndb") / "layout"
    return write_index_layout(iter_zip(VULNDB_ZIP), dest, _snapshot_time(VULNDB_ZIP))


@pytest.fixture(scope="session")
def govulncheck() -> str:
    """govulncheck from PATH, the tools cache, or installed there from the module proxy."""
    found = next(
        (
            str(Path(d) / "govulncheck")
            for d in [*os.environ.get("PATH", "").split(os.pathsep), str(tools_bin())]
            if d and (Path(d) / "govulncheck").is_file()
        ),
        None,
    )
    if found:
        return found
    tools = tools_bin()
    tools.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [go_binary(), "install", GOVULNCHECK],
        env=go_env({"GOBIN": str(tools), "GOFLAGS": ""}),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        unavailable(f"cannot install govulncheck: {proc.stderr.strip()[-300:]}")
    return str(tools / "govulncheck")
