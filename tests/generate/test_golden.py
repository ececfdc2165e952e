"""Golden files: every generated file of every fixture project, byte for byte.

Update after an intended template change, then review the diff:

    GOSHIP_UPDATE_GOLDEN=1 .venv/bin/pytest tests/generate/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from init_support import GOLDEN, project_dirs, render_project

UPDATE = os.environ.get("GOSHIP_UPDATE_GOLDEN") == "1"
HINT = "regenerate with GOSHIP_UPDATE_GOLDEN=1 .venv/bin/pytest tests/generate/test_golden.py"


# Projects whose every generated file is kept as a golden file: the examples plus fixtures
# that between them take every branch of the templates (cgo, gRPC, no health endpoint,
# runtime files, backing services, local modules, writable paths, tzdata, cmd/ layout).
GOLDEN_KEYS = [
    "example-gin-notes",
    "example-stdlib-api",
    "backing-kafka-mongo-nats",
    "backing-mysql-redis",
    "cgo-sqlite",
    "cmd-api-migrate",
    "embed-static",
    "gin-templates-static",
    "grpc-health",
    "replace-local",
    "tcp-echo",
    "tz-loadlocation",
    "viper-config",
    "workspace",
    "writable-temp",
]


def _golden_keys() -> list[str]:
    on_disk = {d.name for d in GOLDEN.iterdir() if d.is_dir()} if GOLDEN.is_dir() else set()
    return sorted(set(GOLDEN_KEYS) | on_disk)


@pytest.mark.parametrize("key", _golden_keys())
def test_golden(key: str) -> None:
    assert key in GOLDEN_KEYS, f"golden/{key} is not in GOLDEN_KEYS: delete it ({HINT})"
    assert key in project_dirs(), f"golden/{key} has no fixture project any more ({HINT})"
    files = {f.path: f.content for f in render_project(key)}
    root = GOLDEN / key
    if UPDATE:
        for path, content in files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        for stale in root.rglob("*"):
            if stale.is_file() and stale.relative_to(root).as_posix() not in files:
                stale.unlink()
        return
    on_disk = {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in root.rglob("*")
        if p.is_file()
    }
    assert sorted(on_disk) == sorted(files), f"generated file set changed ({HINT})"
    for path, content in files.items():
        assert content == on_disk[path], f"{key}/{path} differs from its golden file ({HINT})"


def test_every_template_is_used() -> None:
    """Each template under generate/templates/ belongs to a registered generator."""
    from goship.generate.registry import GENERATORS
    from goship.generate.render import TEMPLATES

    used = {o.template for g in GENERATORS.values() for o in g.outputs}
    on_disk = {p.relative_to(TEMPLATES).as_posix() for p in Path(TEMPLATES).rglob("*.j2")}
    assert on_disk == used
