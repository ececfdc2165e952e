"""``goship build --sbom``: the SBOM next to the output, attached as an OCI 1.1 referrer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from spdx_tools.spdx.parser.json.json_parser import parse_from_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from goship.cli import run
from goship.registry import RegistryClient
from goship.sbom.attach import layout_referrers, sbom_tag

EXAMPLE = Path(__file__).resolve().parent.parent.parent / "examples" / "stdlib-api"


def test_build_sbom_into_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "layout"
    assert run(["build", str(EXAMPLE), "--output", str(out), "--sbom", "cyclonedx", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    sidecar = Path(result["sbom"]["path"])
    assert sidecar == tmp_path / "layout.sbom.cdx.json"
    text = sidecar.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    names = {c["name"] for c in json.loads(text)["components"]}
    assert "stdlib" in names and "/app/stdlib-api" in names
    refs = layout_referrers(out, result["digest"])
    assert len(refs) == 1 and refs[0]["artifactType"] == "application/vnd.cyclonedx+json"
    blob = out / "blobs" / "sha256" / refs[0]["layers"][0]["digest"].split(":")[1]
    assert blob.read_text() == text


def test_build_sbom_needs_a_destination(tmp_path: Path) -> None:
    assert run(["build", str(EXAMPLE), "--sbom", "spdx"]) == 2


def test_build_sbom_push_falls_back_to_tag(registry: str, tmp_path: Path) -> None:
    ref = f"{registry}/goship-test/sbom:1"
    out = tmp_path / "app.tar"
    code = run(["build", str(EXAMPLE), "--push", ref, "--output", str(out), "--sbom", "spdx"])
    assert code == 0
    sidecar = tmp_path / "app.tar.sbom.spdx.json"
    assert validate_full_spdx_document(parse_from_file(str(sidecar))) == []
    with RegistryClient() as client:
        image = client.get_manifest(ref)
        referrers = client.referrers(ref, image.digest)
        if referrers.supported:  # a registry with the OCI 1.1 referrers API
            assert any(
                m.get("artifactType") == "application/spdx+json" for m in referrers.manifests
            )
        else:
            art = client.get_manifest(
                f"{registry}/goship-test/sbom:{sbom_tag(image.digest)}"
            ).json()
            assert art["subject"]["digest"] == image.digest
            assert art["artifactType"] == "application/spdx+json"
