"""Every corpus Dockerfile gives exactly its expected goship findings, every registered rule
has a failing and a passing case, and hadolint's equivalents replace goship's duplicates."""

from __future__ import annotations

import pytest
from helpers import require_tool
from lint_corpus import CORPUS, dockerfile, keys, lint, manifest

from goship.lint.hadolint import find_hadolint
from goship.lint.registry import BY_ID, RULES

NAMES = sorted(manifest())


def test_corpus_size_and_manifest_match_the_files() -> None:
    files = {p.name.removesuffix(".Dockerfile") for p in CORPUS.glob("*.Dockerfile")}
    assert files == set(NAMES)
    assert len(files) >= 40
    bases = " ".join(dockerfile(n).read_text() for n in NAMES)
    for kind in ("FROM scratch", "distroless", "alpine", "debian", "<<EOF", "type=cache"):
        assert kind in bases, kind


@pytest.mark.parametrize("name", NAMES)
def test_expected_goship_findings(name: str) -> None:
    entry = manifest()[name]
    report = lint(name)
    assert keys(report) == sorted(entry["expect"]), [f.message for f in report.findings]
    assert report.project_checked == bool(entry["project"])
    if not entry["project"]:
        assert any("no Go module" in n for n in report.notes)
    for f in report.findings:
        assert f.severity == BY_ID[f.id].severity
        assert f.message and f.file.endswith(f"{name}.Dockerfile")


def test_every_rule_has_a_failing_and_a_passing_case() -> None:
    for rule in RULES:
        failing = [
            n
            for n, e in manifest().items()
            if any(k.startswith(f"{rule.id}@") for k in e["expect"])
        ]
        passing = [
            n
            for n, e in manifest().items()
            if rule.id in e["passes"] and (e["project"] or not rule.project)
        ]
        assert failing, f"{rule.id}: no corpus Dockerfile where it fires"
        assert passing, f"{rule.id}: no corpus Dockerfile marked as its passing case"
        for n in passing:
            assert not any(k.startswith(f"{rule.id}@") for k in manifest()[n]["expect"])
    known = {r.id for r in RULES}
    for e in manifest().values():
        assert set(e["passes"]) <= known
        assert {k.split("@")[0] for k in e["expect"]} <= known


@pytest.fixture(scope="module")
def hadolint() -> str:
    return find_hadolint() or require_tool("hadolint")


def test_hadolint_equivalents_replace_goship_duplicates(hadolint: str) -> None:
    latest = lint("bad-unpinned-latest", hadolint=True, exe=hadolint)
    assert "unpinned-base@1" not in keys(latest) and "unpinned-base@8" not in keys(latest)
    assert {"DL3007@1", "DL3006@8"} <= set(keys(latest, "hadolint"))
    # hadolint exempts `FROM $VAR`: goship's ARG-resolved finding stays
    arg = lint("bad-unpinned-arg", hadolint=True, exe=hadolint)
    assert "unpinned-base@10" in keys(arg)
    root = lint("bad-root-user-explicit", hadolint=True, exe=hadolint)
    assert "DL3002@12" in keys(root, "hadolint") and "root-user@12" not in keys(root)
    missing = lint("bad-root-user-missing", hadolint=True, exe=hadolint)
    assert "root-user@8" in keys(missing)  # DL3002 does not see a missing USER
    secret = lint("bad-secret-env", hadolint=True, exe=hadolint)
    assert "secret-in-arg-env@3" in keys(secret)  # credentials in GOPROXY: goship only
    assert "DL3064@2" in keys(secret, "hadolint") and "secret-in-arg-env@2" not in keys(secret)


@pytest.mark.parametrize("name", NAMES)
def test_no_problem_reported_twice_with_hadolint(name: str, hadolint: str) -> None:
    report = lint(name, hadolint=True, exe=hadolint)
    assert report.hadolint_ran
    had = {(f.id, f.line) for f in report.findings if f.source == "hadolint"}
    for f in report.findings:
        if f.source == "goship":
            assert not any((code, f.line) in had for code in BY_ID[f.id].hadolint), f
