"""The one place generators are registered: ``--only`` name -> the files it writes.

A generator is data: a name, a one-line description, and its outputs (path in the project,
template under ``generate/templates/``, header style). Paths may use ``{name}``, the service
name chosen by the context.
"""

from __future__ import annotations

from dataclasses import dataclass

from goship.errors import UsageError
from goship.generate.header import Style


@dataclass(frozen=True)
class Output:
    path: str  # relative to the project root; "{name}" is replaced
    template: str  # relative to generate/templates/
    style: Style


@dataclass(frozen=True)
class Generator:
    name: str
    description: str
    outputs: tuple[Output, ...]


_CHART = "deploy/helm/{name}"
_HELM_TEMPLATES = (
    "_helpers.tpl",
    "deployment.yaml",
    "service.yaml",
    "serviceaccount.yaml",
    "secret.yaml",
    "ingress.yaml",
    "hpa.yaml",
    "pdb.yaml",
)

GENERATORS: dict[str, Generator] = {
    g.name: g
    for g in (
        Generator(
            "dockerfile",
            "multi-stage Dockerfile: cross-compiled static build, minimal runtime, debug/dev",
            (Output("Dockerfile", "docker/Dockerfile.j2", Style.DOCKERFILE),),
        ),
        Generator(
            "dockerignore",
            ".dockerignore keeping VCS, secrets and build output out of the context",
            (Output(".dockerignore", "docker/dockerignore.j2", Style.HASH),),
        ),
        Generator(
            "compose",
            "compose.yaml with backing services, watch, dev and debug profiles; .env.example",
            (
                Output("compose.yaml", "compose/compose.yaml.j2", Style.HASH),
                Output(".env.example", "compose/env.example.j2", Style.HASH),
            ),
        ),
        Generator(
            "dev",
            ".air.toml for hot reload in the compose dev profile",
            (Output(".air.toml", "compose/air.toml.j2", Style.HASH),),
        ),
        Generator(
            "helm",
            "Helm chart with restricted securityContext, probes, optional ingress/HPA/PDB",
            (
                Output(f"{_CHART}/Chart.yaml", "helm/Chart.yaml.j2", Style.HASH),
                Output(f"{_CHART}/values.yaml", "helm/values.yaml.j2", Style.HASH),
                Output(f"{_CHART}/values.schema.json", "helm/values.schema.json.j2", Style.JSON),
                Output(f"{_CHART}/.helmignore", "helm/helmignore.j2", Style.HASH),
                *(
                    Output(
                        f"{_CHART}/templates/{t}",
                        f"helm/templates/{t}.j2",
                        Style.HELM,
                    )
                    for t in _HELM_TEMPLATES
                ),
                Output(f"{_CHART}/templates/NOTES.txt", "helm/templates/NOTES.txt.j2", Style.HELM),
                Output(
                    f"{_CHART}/templates/tests/test-connection.yaml",
                    "helm/templates/tests/test-connection.yaml.j2",
                    Style.HELM,
                ),
            ),
        ),
        Generator(
            "github",
            "GitHub Actions: test, multi-arch image, scan gate with SARIF, SBOM, push",
            (Output(".github/workflows/ci.yml", "github/ci.yml.j2", Style.HASH),),
        ),
        Generator(
            "gitlab",
            "GitLab CI: test, rootless BuildKit image, scan, SBOM, release tags",
            (Output(".gitlab-ci.yml", "gitlab/gitlab-ci.yml.j2", Style.HASH),),
        ),
        Generator(
            "systemd",
            "hardened systemd unit, nginx reverse-proxy site and a README",
            (
                Output("deploy/systemd/{name}.service", "systemd/unit.service.j2", Style.HASH),
                Output("deploy/systemd/{name}.env", "systemd/unit.env.j2", Style.HASH),
                Output("deploy/systemd/nginx-{name}.conf", "systemd/nginx.conf.j2", Style.HASH),
                Output("deploy/systemd/README.md", "systemd/README.md.j2", Style.MARKDOWN),
            ),
        ),
    )
}


def select(only: str | None) -> list[Generator]:
    """Generators named in ``only`` (comma-separated), all when None; order of the registry."""
    if not only:
        return list(GENERATORS.values())
    wanted = [w.strip() for w in only.split(",") if w.strip()]
    unknown = [w for w in wanted if w not in GENERATORS]
    if unknown:
        raise UsageError(
            f"unknown generator(s): {', '.join(unknown)}",
            f"pick from: {','.join(GENERATORS)}",
        )
    return [g for g in GENERATORS.values() if g.name in wanted]
