"""`goship lint` as a user runs it: exit codes, formats (JSON contract, SARIF schema),
--explain/--list-rules, ignore comments and the [lint] config table."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from lint_corpus import CORPUS, FIXTURES, dockerfile

from goship.lint.hadolint import find_hadolint
from goship.lint.registry import RULES

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"
GOOD = dockerfile("good-scratch-static")  # no findings (with --project tcp-echo)
WARN = dockerfile("bad-no-trimpath")  # one warning
ERR = dockerfile("bad-cgo-scratch")  # one error


def run(
    *args: str, cwd: Path | None = None, path: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = path
    proc = subprocess.run(
        [sys.executable, "-m", "goship", "lint", *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        env=env,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_exit_codes_follow_fail_on() -> None:
    assert run(str(GOOD), "--project", str(FIXTURES / "tcp-echo"), "--no-hadolint").returncode == 0
    assert run(str(WARN), "--no-hadolint").returncode == 0  # default --fail-on error
    assert run(str(WARN), "--no-hadolint", "--fail-on", "warning").returncode == 1
    assert run(str(ERR), "--no-hadolint").returncode == 1
    info = dockerfile("bad-unstripped")
    assert run(str(info), "--no-hadolint", "--fail-on", "warning").returncode == 0
    assert run(str(info), "--no-hadolint", "--fail-on", "info").returncode == 1


def test_bad_input_exits_2_with_a_message(tmp_path: Path) -> None:
    missing = run(str(tmp_path / "Dockerfile"))
    assert missing.returncode == 2 and "no such Dockerfile" in missing.stderr
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM alpine:3.20\nRUN true\nRUN <<EOF\necho never closed\n")
    broken = run(str(bad), "--no-hadolint")
    assert broken.returncode == 2
    assert f"{bad}:3" in broken.stderr and "heredoc" in broken.stderr
    unknown = run("--explain", "no-such-rule")
    assert unknown.returncode == 2 and "--list-rules" in unknown.stderr
    project = run(str(GOOD), "--project", str(tmp_path / "nope"))
    assert project.returncode == 2 and "not a directory" in project.stderr


def test_default_dockerfile_is_in_the_current_directory(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(GOOD.read_text())
    proc = run("--no-hadolint", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "no Go module" in proc.stdout  # cross-check rules skipped with a note


@pytest.mark.parametrize("rule_id", [r.id for r in RULES])
def test_explain_every_rule(rule_id: str) -> None:
    proc = run("--explain", rule_id)
    assert proc.returncode == 0
    rule = next(r for r in RULES if r.id == rule_id)
    assert proc.stdout.startswith(f"{rule_id} ({rule.severity})")
    assert rule.doc.splitlines()[0] in proc.stdout and "Fix:" in proc.stdout


def test_list_rules() -> None:
    proc = run("--list-rules")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert [ln.split()[0] for ln in lines] == [r.id for r in RULES]


def test_json_contract() -> None:
    proc = run(str(dockerfile("bad-secret-env")), "--no-hadolint", "--format", "json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert [d["line"] for d in data] == [2, 3, 13]
    for d in data:
        assert list(d) == ["id", "severity", "message", "file", "line", "column", "source"]
        assert d["id"] == "secret-in-arg-env" and d["severity"] == "error"
        assert d["source"] == "goship" and d["column"] == 1
        assert d["file"].endswith("bad-secret-env.Dockerfile")


def _validate(doc: dict[str, object]) -> None:
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))


def test_sarif_validates_and_lists_rules(tmp_path: Path) -> None:
    out = tmp_path / "lint.sarif"
    hadolint = find_hadolint()
    args = [str(dockerfile("bad-unpinned-latest")), "--format", "sarif", "-o", str(out)]
    proc = run(*args, *([] if hadolint else ["--no-hadolint"]))
    assert proc.returncode == 0, proc.stderr  # only warnings
    doc = json.loads(out.read_text())
    _validate(doc)
    run0 = doc["runs"][0]
    rule_ids = [r["id"] for r in run0["tool"]["driver"]["rules"]]
    assert rule_ids[: len(RULES)] == [r.id for r in RULES]
    results = run0["results"]
    assert results
    for res in results:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
    if hadolint:
        assert "DL3007" in rule_ids  # hadolint rules are SARIF rules too
        assert any(r["properties"]["source"] == "hadolint" for r in results)


def test_text_output_to_file(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    proc = run(str(ERR), "--no-hadolint", "-o", str(out))
    assert proc.returncode == 1 and proc.stdout == ""
    assert "cgo-static-base" in out.read_text()


def test_hadolint_missing_is_a_note_not_an_error(tmp_path: Path) -> None:
    # a Python whose folder has no hadolint, and an empty PATH
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.executable = '/nonexistent/python';"
            "from goship.cli import main; sys.argv = ['goship', 'lint', sys.argv[1]]; main()",
            str(WARN),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATH": str(tmp_path)},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("hadolint not found") == 1


def test_inline_ignore_and_config_ignore(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM alpine:3.20\n# goship:ignore=root-user\nFROM scratch\nCOPY app /app\n"
    )
    proc = run(str(tmp_path / "Dockerfile"), "--no-hadolint", "--format", "json")
    assert json.loads(proc.stdout) == []
    (tmp_path / "Dockerfile").write_text("FROM alpine\nUSER root\n")
    before = {
        d["id"]
        for d in json.loads(
            run(str(tmp_path / "Dockerfile"), "--no-hadolint", "--format", "json").stdout
        )
    }
    assert before == {"unpinned-base", "root-user"}
    (tmp_path / "goship.toml").write_text('[lint]\nignore = ["unpinned-base", "DL3002"]\n')
    # an ignored id silences its equivalents too (unpinned-base ~ DL3006, DL3002 ~ root-user)
    after = json.loads(run(str(tmp_path / "Dockerfile"), "--format", "json").stdout)
    assert {d["id"] for d in after} <= {"DL3066"}


def test_bad_config_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "goship.toml").write_text('[lint]\nignore = ["no-such-rule"]\n')
    proc = run(str(tmp_path / "Dockerfile"), "--no-hadolint")
    assert proc.returncode == 2 and "no-such-rule" in proc.stderr
    (tmp_path / "goship.toml").write_text('[lint]\nignores = ["root-user"]\n')
    proc = run(str(tmp_path / "Dockerfile"), "--no-hadolint")
    assert proc.returncode == 2 and "ignores" in proc.stderr


def test_cross_check_uses_project(tmp_path: Path) -> None:
    df = dockerfile("bad-port-mismatch")
    with_project = run(
        str(df), "--no-hadolint", "--format", "json", "--project", str(FIXTURES / "tz-embedded")
    )
    assert [d["id"] for d in json.loads(with_project.stdout)] == ["port-mismatch"]
    without = run(str(df), "--no-hadolint", "--format", "json", "--project", str(CORPUS))
    assert json.loads(without.stdout) == []


def test_dockerfile_in_a_subfolder_of_the_module(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    shutil.copytree(FIXTURES / "tz-embedded", root)
    (root / "deploy").mkdir()
    (root / "deploy" / "Dockerfile").write_text(dockerfile("bad-port-mismatch").read_text())
    # default --project: deploy/ has no main package, so the module root is analysed
    proc = run(str(root / "deploy" / "Dockerfile"), "--no-hadolint", "--format", "json")
    assert [d["id"] for d in json.loads(proc.stdout)] == ["port-mismatch"]
    (root / "goship.toml").write_text('[lint]\nignore = ["port-mismatch"]\n')
    proc = run(str(root / "deploy" / "Dockerfile"), "--no-hadolint", "--format", "json")
    assert json.loads(proc.stdout) == []
    # an explicit --project without a main package is bad input
    explicit = run(str(root / "deploy" / "Dockerfile"), "--project", str(root / "deploy"))
    assert explicit.returncode == 2 and "no main package" in explicit.stderr
