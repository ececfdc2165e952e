"""The CLI: formats, --output, --fail-on, --top, --chart (and its missing extra)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import pytest
from audit_support import PEM_KEY, make_image

from goship.cli import run
from goship.image.config import RuntimeConfig
from goship.image.tarlayer import Entry

SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    return make_image(
        tmp_path / "bad",
        [[Entry.file("/srv/id_rsa", PEM_KEY), Entry.file("/usr/bin/su", "x" * 3000, mode=0o4755)],
         [Entry.file("/data/blob", "b" * 2000)]],
        runtime=RuntimeConfig(entrypoint=["/app/server"], user="root"),
    )  # fmt: skip


def test_fail_on_levels(bad: Path) -> None:
    assert run(["audit", str(bad), "--format", "json"]) == 1  # private-key is an error
    assert run(["audit", str(bad), "--fail-on", "warning", "--format", "json"]) == 1
    clean = make_image(bad.parent.parent / "clean", [[Entry.file("/a", "x")]])
    assert run(["audit", str(clean), "--format", "json"]) == 0
    assert run(["audit", str(clean), "--fail-on", "warning", "--format", "json"]) == 0
    assert run(["audit", str(clean), "--fail-on", "info", "--format", "json"]) == 1  # labels


def test_text_output(bad: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["audit", str(bad), "--top", "2"]) == 1
    out = capsys.readouterr()
    for word in ("[linux/amd64]", "layers", "largest files (top 2)", "/usr/bin/su", "private-key",
                 "CIS-DI-0010", "root-user", "tripping"):  # fmt: skip
        assert word in out.out
    assert "Traceback" not in out.err and "fail-on error" in out.err


def test_json_shape(bad: Path, tmp_path: Path) -> None:
    out = tmp_path / "r" / "audit.json"
    assert run(["audit", str(bad), "--format", "json", "-o", str(out), "--top", "1"]) == 1
    doc = json.loads(out.read_text())
    assert doc["summary"]["error"] >= 1 and doc["summary"]["tripping"] >= 1
    plat = doc["platforms"][0]
    assert plat["largest_files"] == [{"path": "/usr/bin/su", "size": 3000, "layer": 0}]
    f = next(f for f in plat["findings"] if f["id"] == "private-key")
    assert f == {"id": "private-key", "severity": "error", "path": "/srv/id_rsa", "layer": 0,
                 "dockle": "CIS-DI-0010", "message": f["message"]}  # fmt: skip
    assert [x["index"] for x in plat["layers"]] == [0, 1]
    assert list(out.parent.iterdir()) == [out]  # no temp files left


def test_sarif(bad: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit.sarif"
    assert run(["audit", str(bad), "--format", "sarif", "-o", str(out)]) == 1
    log = json.loads(out.read_text())
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text()))
    run0 = log["runs"][0]
    rules = {r["id"]: r for r in run0["tool"]["driver"]["rules"]}
    assert rules["root-user"]["properties"]["dockle"] == "CIS-DI-0001"
    by_rule = {r["ruleId"]: r for r in run0["results"]}
    key = by_rule["private-key"]
    assert key["level"] == "error"
    assert key["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "srv/id_rsa"
    assert key["properties"]["layer_digest"].startswith("sha256:")
    assert by_rule["root-user"]["level"] == "warning"


def test_chart(bad: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    png = tmp_path / "layers.png"
    assert run(["audit", str(bad), "--chart", str(png), "--format", "json", "-o",
                str(tmp_path / "r.json")]) == 1  # fmt: skip
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_without_matplotlib(
    bad: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    png = tmp_path / "layers.png"
    assert run(["audit", str(bad), "--chart", str(png)]) == 3
    assert "pip install 'goship[chart]'" in capsys.readouterr().err
    assert not png.exists()


def test_bad_flags(bad: Path) -> None:
    assert run(["audit", str(bad), "--format", "xml"]) == 2
    assert run(["audit", str(bad), "--max-size", "0"]) == 2
    assert run(["audit"]) == 2


def test_missing_path_and_non_image_say_which(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["audit", str(tmp_path / "nope")]) == 2
    assert "no such file or directory" in capsys.readouterr().err
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert run(["audit", str(text)]) == 2
    assert "not an image" in capsys.readouterr().err
