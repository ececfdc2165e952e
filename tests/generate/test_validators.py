"""The generated files of every fixture project and both examples pass the field's own
validators: hadolint, helm lint --strict, helm template | kubeconform -strict (vendored
schemas), actionlint, check-jsonschema (vendored gitlab-ci / compose-spec schemas),
docker compose config -q and systemd-analyze verify.

A missing validator skips the test with its reason outside CI and fails it with CI=true
(``scripts/install-validators.sh`` and the dev extras install them).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from init_support import (
    context_for,
    copy_project,
    project_dirs,
    render_project,
    validator,
    write_files,
)

pytestmark = pytest.mark.integration

KEYS = sorted(project_dirs())
SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "schemas" / "kubernetes"
SCHEMA_LOCATION = str(SCHEMAS) + "/{{ .ResourceKind }}{{ .KindSuffix }}.json"
# every optional object on, so kubeconform sees every kind the chart can emit
ALL_ON = (
    "ingress.enabled=true,autoscaling.enabled=true,podDisruptionBudget.enabled=true,"
    "secretEnv.EXAMPLE=value,metrics.enabled=true,podAnnotations.team=x,"
    "ingress.tls[0].secretName=tls,ingress.tls[0].hosts[0]=example.com"
)


def _run(args: list[str], cwd: Path | None = None, stdin: str | None = None) -> str:
    proc = subprocess.run(
        args, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, (
        f"{' '.join(args)} exited {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    )
    return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each project copied to a temp dir with all its generated files written."""
    out: dict[str, Path] = {}
    base = tmp_path_factory.mktemp("init-rendered")
    for key in KEYS:
        root = copy_project(project_dirs()[key], base / key)
        write_files(root, render_project(key))
        out[key] = root
    return out


@pytest.mark.parametrize("key", KEYS)
def test_hadolint(key: str, rendered: dict[str, Path]) -> None:
    hadolint = validator("hadolint")
    out = _run([hadolint, "--no-color", "Dockerfile"], cwd=rendered[key])
    assert out.strip() == "", out


@pytest.mark.parametrize("key", KEYS)
def test_helm_lint_and_kubeconform(key: str, rendered: dict[str, Path]) -> None:
    helm = validator("helm")
    kubeconform = validator("kubeconform")
    chart = rendered[key] / "deploy" / "helm" / context_for(key).name
    lint = _run([helm, "lint", "--strict", str(chart)])
    assert "0 chart(s) failed" in lint
    for extra in ([], ["--set", ALL_ON]):
        manifests = _run([helm, "template", "release", str(chart), *extra])
        kinds = {
            line.split(":", 1)[1].strip()
            for line in manifests.splitlines()
            if line.startswith("kind:")
        }
        assert {"Deployment", "Service", "ServiceAccount", "Pod"} <= kinds
        if extra:
            assert {"Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Secret"} <= kinds
        report = _run(
            [kubeconform, "-strict", "-summary", "-schema-location", SCHEMA_LOCATION, "-"],
            stdin=manifests,
        )
        assert "Invalid: 0, Errors: 0, Skipped: 0" in report, report


@pytest.mark.parametrize("key", KEYS)
def test_actionlint(key: str, rendered: dict[str, Path]) -> None:
    actionlint = validator("actionlint")
    _run([actionlint, "-no-color", ".github/workflows/ci.yml"], cwd=rendered[key])


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ("vendor.gitlab-ci", ".gitlab-ci.yml"),
        ("vendor.compose-spec", "compose.yaml"),
        ("vendor.github-workflows", ".github/workflows/ci.yml"),
    ],
)
def test_check_jsonschema(schema: str, path: str, rendered: dict[str, Path]) -> None:
    """One run per schema over every project's file (the checker starts slowly)."""
    checker = validator("check-jsonschema")
    files = [str(rendered[key] / path) for key in KEYS]
    _run([checker, "--builtin-schema", schema, *files])


@pytest.mark.parametrize("key", KEYS)
def test_docker_compose_config(key: str, rendered: dict[str, Path]) -> None:
    compose = validator("docker-compose")
    root = rendered[key]
    for profile in ([], ["--profile", "dev"], ["--profile", "debug"]):
        _run([compose, "-f", "compose.yaml", *profile, "config", "-q"], cwd=root)


@pytest.fixture(scope="module")
def systemd_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A --root for systemd-analyze: the host's unit directory (targets the unit needs)."""
    root = tmp_path_factory.mktemp("systemd-root")
    host_units = next(
        (p for p in (Path("/usr/lib/systemd/system"), Path("/lib/systemd/system")) if p.is_dir()),
        None,
    )
    if host_units is None:
        pytest.skip("no systemd unit directory on this machine")
    shutil.copytree(host_units, root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    (root / "usr/local/bin").mkdir(parents=True)
    return root


@pytest.mark.parametrize("key", KEYS)
def test_systemd_analyze_verify(key: str, rendered: dict[str, Path], systemd_root: Path) -> None:
    """systemd-analyze verify where available; it only warns on unknown keys, so any output
    about the unit fails the test."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (verification is 'where available')")
    name = context_for(key).name
    unit = rendered[key] / "deploy" / "systemd" / f"{name}.service"
    shutil.copy(unit, systemd_root / "etc/systemd/system" / unit.name)
    binary = systemd_root / "usr/local/bin" / name  # ExecStart must exist and be executable
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    out = _run([analyze, "verify", "--man=no", f"--root={systemd_root}", unit.name])
    assert unit.name not in out and "Unknown" not in out, out
