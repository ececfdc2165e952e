"""Versions the generated files pin, in one place (bump them here; golden files show the diff).

GitHub Actions are pinned by full commit SHA (GitHub's hardening guide: the only immutable
reference); the comment after each SHA names the release it was taken from.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActionPin:
    repo: str
    sha: str
    version: str

    @property
    def uses(self) -> str:
        """The ``uses:`` value followed by its version comment."""
        return f"{self.repo}@{self.sha} # {self.version}"


ACTIONS: dict[str, ActionPin] = {
    p.repo: p
    for p in (
        ActionPin("actions/checkout", "11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2"),
        ActionPin("actions/setup-go", "d35c59abb061a4a6fb18e82ac0862c26744d6ab5", "v5.5.0"),
        ActionPin("actions/upload-artifact", "ea165f8d65b6e75b540449e92b4886f43607fa02", "v4"),
        ActionPin(
            "docker/setup-buildx-action", "e468171a9de216ec08956ac3ada2f0791b6bd435", "v3.11.1"
        ),
        ActionPin("docker/login-action", "74a5d142397b4f367a81961eba4e8cd7edddf772", "v3.4.0"),
        ActionPin("docker/metadata-action", "c1e51972afc2121e065aed6d45c65596fe445f3f", "v5.8.0"),
        ActionPin(
            "docker/build-push-action", "263435318d21b8e681c14492fe198d362a7d2c83", "v6.18.0"
        ),
        ActionPin(
            "aquasecurity/trivy-action", "ed142fd0673e97e23eac54620cfb913e5ce36c25", "v0.36.0"
        ),
        ActionPin(
            "github/codeql-action/upload-sarif",
            "48ab28a6f5dbc2a99bf1e0131198dd8f1df78169",
            "v3.28.0",
        ),
    )
}

DELVE_VERSION = "v1.27.2"  # github.com/go-delve/delve
AIR_VERSION = "v1.67.4"  # github.com/air-verse/air
BUILDKIT_IMAGE = "moby/buildkit:v0.23.2-rootless"
TRIVY_IMAGE = "aquasec/trivy:0.65.0"
CRANE_IMAGE = "gcr.io/go-containerregistry/crane:debug"
HELM_TEST_IMAGE = "busybox:1.37"
GO_IMAGE_SUFFIX = "-bookworm"  # golang:<version>-bookworm: has CA bundle + tzdata to copy
CGO_RUNTIME_IMAGE = "gcr.io/distroless/base-debian12:nonroot"  # glibc, matches bookworm
