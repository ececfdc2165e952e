"""Pure decisions of the build pipeline: image plan, tags, output checks, loader lookup,
fact cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from goship.build.base import resolve_in
from goship.build.factcache import cached_facts, fact_key
from goship.build.pipeline import image_tags
from goship.build.publish import OutputRequest, precheck, repo_name
from goship.build.spec import SERVICE_LABEL, go_tags, plan_image
from goship.config import BuildOptions, ExtraFile
from goship.errors import BadInputError, UsageError
from goship.gobuild.vcs import GitInfo
from goship.project.facts import EnvVar, MainPackage, Needs, ProjectFacts, Service


def _facts(root: Path, **needs: object) -> ProjectFacts:
    return ProjectFacts(
        root=str(root),
        module="example.com/svc",
        go_version="1.22",
        mains=[MainPackage("example.com/svc/cmd/api", "cmd/api", True)],
        service=Service(
            main="example.com/svc/cmd/api", framework="chi", port_env="PORT", health_path="/hz"
        ),
        needs=Needs(**needs),  # type: ignore[arg-type]
        env=[EnvVar("PORT", "9090")],
    )


GIT = GitInfo(commit="c" * 40, commit_time=1700000000, source_url="https://example.com/o/r")


def test_plan_copies_runtime_files_from_the_main_dir(tmp_path: Path) -> None:
    (tmp_path / "cmd/api/templates").mkdir(parents=True)
    (tmp_path / "static").mkdir()
    (tmp_path / "conf.yaml").write_text("a: 1")
    facts = _facts(
        tmp_path,
        runtime_files=["templates/*.html", "static", "missing.json"],
        ca_certificates=True,
        writable_paths=["data", "/tmp/x", "/var/cache/app"],
    )
    opts = BuildOptions(
        files=(ExtraFile("conf.yaml", "/etc/app/conf.yaml", 0o400),),
        env={"A": "1"},
        labels={"team": "core"},
    )
    plan = plan_image(facts, opts, name="api", git=GIT, epoch=1700000000, version="1.0.0")
    assert [(f.src, f.dst, f.mode) for f in plan.files] == [
        ("static", "/app/static", None),
        ("cmd/api/templates", "/app/templates", None),
        ("conf.yaml", "/etc/app/conf.yaml", 0o400),
    ]
    assert plan.binary_path == "/app/api"
    assert plan.writable_dirs == ("/app/data", "/var/cache/app")
    assert plan.ca_certificates and not plan.zoneinfo
    assert any("missing.json" in w for w in plan.warnings)
    rt = plan.runtime
    assert rt.entrypoint == ["/app/api"] and rt.user == "65532:65532" and rt.working_dir == "/app"
    assert rt.exposed_ports == [9090] and rt.env == {"A": "1"}
    assert rt.labels["org.opencontainers.image.revision"] == "c" * 40
    assert rt.labels["org.opencontainers.image.source"] == "https://example.com/o/r"
    assert rt.labels["org.opencontainers.image.created"] == "2023-11-14T22:13:20Z"
    assert rt.labels["team"] == "core"
    service = json.loads(rt.labels[SERVICE_LABEL])
    assert service["port"] == 9090 and service["health_path"] == "/hz"
    assert service["binary"] == "/app/api"


def test_binary_moves_when_a_runtime_file_takes_its_name(tmp_path: Path) -> None:
    (tmp_path / "cmd/api/api").mkdir(parents=True)
    facts = _facts(tmp_path, runtime_files=["api"])
    plan = plan_image(facts, BuildOptions(), name="api", git=GitInfo(), epoch=0, version="dev")
    assert plan.binary_path == "/usr/local/bin/api"


@pytest.mark.parametrize(
    ("needs", "mode", "zoneinfo", "tags"),
    [
        ({"tzdata": True}, "zoneinfo", True, ()),
        ({"tzdata": True}, "embed", False, ("timetzdata",)),
        ({"tzdata": True, "tzdata_embedded": True}, "zoneinfo", False, ()),
        ({"tzdata": False}, "embed", False, ()),
    ],
)
def test_zoneinfo_choice(
    tmp_path: Path, needs: dict, mode: str, zoneinfo: bool, tags: tuple
) -> None:
    facts = _facts(tmp_path, **needs)
    opts = BuildOptions(tzdata=mode)
    assert (
        plan_image(facts, opts, name="x", git=GitInfo(), epoch=0, version="v").zoneinfo is zoneinfo
    )
    assert go_tags(facts, opts) == tags


def test_image_tags_defaults() -> None:
    clean = GitInfo(commit="abcdef0123" + "0" * 30)
    assert image_tags(BuildOptions(), clean, OutputRequest()) == ["latest", "sha-abcdef0"]
    dirty = GitInfo(commit="abcdef0123" + "0" * 30, dirty=True)
    assert image_tags(BuildOptions(), dirty, OutputRequest()) == ["latest"]
    pushed = OutputRequest(push="127.0.0.1:5000/o/app:edge")
    assert image_tags(BuildOptions(), GitInfo(), pushed) == []
    assert repo_name(pushed, "x") == "127.0.0.1:5000/o/app"
    assert repo_name(OutputRequest(), "My_App") == "my_app"


def test_precheck(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--format needs --output"):
        precheck(OutputRequest(format="oci"))
    with pytest.raises(UsageError, match="directory"):
        precheck(OutputRequest(output=tmp_path / "x.tar", format="layout"))
    (tmp_path / "d").mkdir()
    with pytest.raises(BadInputError, match="is a directory"):
        precheck(OutputRequest(output=tmp_path / "d", format="docker"))
    with pytest.raises(BadInputError):
        precheck(OutputRequest(push="UPPER/Case::bad"))
    precheck(OutputRequest(output=tmp_path / "new" / "deeper" / "x.tar"))
    assert not (tmp_path / "new").exists()
    assert OutputRequest(output=tmp_path / "x.tar").kind == "docker"
    assert OutputRequest(output=tmp_path / "x").kind == "layout"


def test_resolve_in_follows_merged_usr_links() -> None:
    tree: dict[str, str | None] = {
        "/lib": "usr/lib",
        "/lib64": None,
        "/lib64/ld-linux-x86-64.so.2": "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        "/usr": None,
        "/usr/lib": None,
        "/usr/lib/x86_64-linux-gnu": None,
        "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2": None,
        "/loop": "/loop",
    }
    assert resolve_in(tree, "/lib64/ld-linux-x86-64.so.2") == (
        "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
    )
    assert resolve_in(tree, "/lib/ld-musl-x86_64.so.1") is None
    assert resolve_in(tree, "/loop/x") is None


def test_fact_cache_hits_and_invalidates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOSHIP_NO_FACT_CACHE", raising=False)
    root = tmp_path / "svc"
    root.mkdir()
    (root / "go.mod").write_text("module example.com/svc\n")
    (root / "main.go").write_text("package main\n")
    calls: list[int] = []

    def analyse() -> ProjectFacts:
        calls.append(1)
        return _facts(root)

    cache = tmp_path / "facts"
    first = cached_facts(root, None, "", cache, analyse)
    again = cached_facts(root, None, "", cache, analyse)
    assert len(calls) == 1 and again.to_json() == first.to_json()
    (root / "main.go").write_text("package main\n\nfunc main() {}\n")
    cached_facts(root, None, "", cache, analyse)
    assert len(calls) == 2
    cached_facts(root, "./cmd/other", "", cache, analyse)
    assert len(calls) == 3
    (root / "README.md").write_text("not go")
    key = fact_key(root, None, "")
    (root / "README.md").write_text("changed")
    assert fact_key(root, None, "") == key
    monkeypatch.setenv("GOSHIP_NO_FACT_CACHE", "1")
    assert fact_key(root, None, "") is None
