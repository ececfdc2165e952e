"""Images that ``goship build`` makes for the examples pass the audit without errors, in
layout and docker-archive form, and every output format is well formed."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from goship.audit.run import AuditOptions, run_audit
from goship.cli import run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, go_toolchain: str) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("audit-examples")
    images: dict[str, Path] = {}
    for example in ("gin-notes", "stdlib-api"):
        layout = out / f"{example}-layout"
        archive = out / f"{example}.tar"
        assert run(["build", str(EXAMPLES / example), "--output", str(layout)]) == 0
        assert run(["build", str(EXAMPLES / example), "--output", str(archive),
                    "--format", "docker"]) == 0  # fmt: skip
        images[f"{example}-layout"] = layout
        images[f"{example}-docker"] = archive
    return images


@pytest.mark.parametrize(
    "name", ["gin-notes-layout", "gin-notes-docker", "stdlib-api-layout", "stdlib-api-docker"]
)
def test_goship_images_have_no_errors(built: dict[str, Path], name: str) -> None:
    report = run_audit(str(built[name]), AuditOptions())
    assert len(report.images) == 1
    img = report.images[0]
    assert [f for f in report.findings if f.severity in ("error", "warning")] == []
    assert {f.id for f in report.findings} & {"root-user", "secret-env", "private-key",
                                              "secret-file", "shell-present"} == set()  # fmt: skip
    [binary] = img.binaries
    example = name.rsplit("-", 1)[0]
    assert binary.module.endswith(f"examples/{example}")
    assert binary.static and binary.trimpath and binary.stripped and binary.cgo == "0"
    assert binary.path.startswith("/app/")
    if example == "gin-notes":
        assert any(path == "github.com/gin-gonic/gin" for path, _ in binary.modules)
    assert img.layers[-1].files == 1  # the binary layer
    assert sum(x.wasted_bytes for x in img.layers) == 0
    assert img.largest(1)[0].path == binary.path
    assert run(["audit", str(built[name])]) == 0


def test_json_and_sarif_of_an_example(built: dict[str, Path], tmp_path: Path) -> None:
    target = built["gin-notes-layout"]
    out = tmp_path / "audit.json"
    assert run(["audit", str(target), "--format", "json", "--output", str(out), "--top", "3"]) == 0
    doc = json.loads(out.read_text())
    assert doc["schema"] == "goship.audit/v1" and doc["summary"]["error"] == 0
    [plat] = doc["platforms"]
    assert plat["platform"] == "linux/amd64" and plat["user"] == "65532:65532"
    assert len(plat["largest_files"]) == 3
    assert {"index", "digest", "compressed_size", "uncompressed_size", "files",
            "wasted_bytes", "created_by"} <= set(plat["layers"][0])  # fmt: skip
    assert plat["go_binaries"][0]["uses"]["crypto_x509"] is True
    sarif = tmp_path / "audit.sarif"
    assert run(["audit", str(target), "--format", "sarif", "-o", str(sarif)]) == 0
    log = json.loads(sarif.read_text())
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text()))
    results = log["runs"][0]["results"]
    assert results and all(
        not r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("/")
        for r in results
    )
