"""Constant zones: when every zone the code loads is a constant, the image ships only those
zones (plus UTC); one run-time zone name anywhere ships them all."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from build_support import GoshipRunner
from helpers import DockerEngine, go_binary, write_go_module

from goship.build.spec import zone_subset
from goship.project.analyze import inspect_project
from goship.project.facts import ProjectFacts

HEAD = 'package main\n\nimport (\n\t"fmt"\n\t"os"\n\t"time"\n)\n\n'
CONSTANT = HEAD + (
    'const office = "Asia/Tokyo"\n\n'
    "func main() {\n"
    '\tparis, err := time.LoadLocation("Europe/Paris")\n'
    "\ttokyo, err2 := time.LoadLocation(office)\n"
    '\t_, err3 := time.LoadLocation("UTC")\n'
    "\tt := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)\n"
    '\tfmt.Println(t.In(paris).Format("-0700"), t.In(tokyo).Format("-0700"), err, err2, err3)\n'
    "\t_ = os.Args\n}\n"
)
DYNAMIC = HEAD + (
    "func main() {\n"
    '\t_, _ = time.LoadLocation("Europe/Paris")\n'
    '\tloc, err := time.LoadLocation(os.Getenv("ZONE"))\n'
    "\tfmt.Println(loc, err)\n}\n"
)


def _facts(tmp_path: Path, src: str) -> ProjectFacts:
    go_binary()
    root = write_go_module(tmp_path / "svc", {"main.go": src}, module="example.com/svc")
    return inspect_project(root, compile_check=False)


def test_constant_zones_are_the_subset(tmp_path: Path) -> None:
    facts = _facts(tmp_path, CONSTANT)
    assert facts.needs.tzdata and facts.needs.tzdata_zones == ["Asia/Tokyo", "Europe/Paris"]
    assert zone_subset(facts) == ("Asia/Tokyo", "Etc/UTC", "Europe/Paris", "UTC")


def test_one_runtime_zone_ships_every_zone(tmp_path: Path) -> None:
    facts = _facts(tmp_path, DYNAMIC)
    assert facts.needs.tzdata and facts.needs.tzdata_zones is None
    assert zone_subset(facts) is None


@pytest.mark.integration
def test_subset_image_serves_its_constant_zones(
    goship: GoshipRunner, tmp_path: Path, docker_engine: DockerEngine
) -> None:
    root = write_go_module(tmp_path / "svc", {"main.go": CONSTANT}, module="example.com/svc")
    repo, tag = "goship-test/zones", uuid.uuid4().hex[:10]
    result = goship(
        "build", str(root), "--output", str(tmp_path / "out"),
        "--load", "--name", repo, "--tag", tag, "--json",
    ).json()  # fmt: skip
    docker_engine.track_image(f"{repo}:{tag}")
    base = result["layers"][0]
    assert "/usr/share/zoneinfo/zoneinfo.zip" in base["files"]
    assert base["size"] < 3_000  # users, /tmp and four zones (UTC twice), no full database
    out = docker_engine.run(
        ["run", "--rm", *docker_engine.label_args, "--read-only", f"{repo}:{tag}"]
    ).stdout.strip()
    assert out == "+0200 +0900 <nil> <nil> <nil>"
    config = json.loads(docker_engine.run(["image", "inspect", f"{repo}:{tag}"]).stdout)[0]
    assert "ZONEINFO=/usr/share/zoneinfo/zoneinfo.zip" in config["Config"]["Env"]
