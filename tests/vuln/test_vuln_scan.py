"""Acceptance: real advisories on binaries pinned to old modules, govulncheck as the reference,
the --fail-on gate, and the JSON/SARIF outputs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
from vuln_support import Corpus

from goship.cli import run
from goship.vuln.scan import ScanOptions, ScanReport, run_scan

SARIF_SCHEMA = Path(__file__).resolve().parent.parent / "data" / "sarif-schema-2.1.0.json"
# binaries compared with govulncheck: unstripped, so govulncheck has symbols to work with
COMPARED = ["ginold", "netcrypto-old", "fixed"]


def scan(path: Path, db: Path, **kw: object) -> ScanReport:
    return run_scan(str(path), ScanOptions(db=str(db), **kw))  # type: ignore[arg-type]


def govulncheck_findings(
    tool: str, binary: Path, layout: Path
) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(all (osv, module) pairs, the pairs with a function in the trace = symbol-level)."""
    proc = subprocess.run(
        [tool, "-mode=binary", "-db", layout.as_uri(), "-json", str(binary)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    decoder = json.JSONDecoder()
    text, pos = proc.stdout, 0
    found: set[tuple[str, str]] = set()
    called: set[tuple[str, str]] = set()
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        msg, pos = decoder.raw_decode(text, pos)
        if "finding" in msg:
            finding = msg["finding"]
            frame = finding["trace"][0]
            pair = (finding["osv"], frame["module"])
            found.add(pair)
            if frame.get("function"):
                called.add(pair)
    return found, called


def test_real_advisories_for_old_gin(corpus: Corpus, vulndb_zip: Path) -> None:
    report = scan(corpus.get("ginold"), vulndb_zip)
    by_id = {f.id: f for f in report.findings}
    # gin v1.6.0: GO-2021-0052 (fixed 1.7.7) and GO-2023-1737 (fixed 1.9.1)
    assert by_id["GO-2021-0052"].module == "github.com/gin-gonic/gin"
    assert by_id["GO-2021-0052"].fixed == "v1.7.7"
    assert by_id["GO-2021-0052"].called == "yes"  # the service calls Context.ClientIP
    assert "CVE-2020-28483" in by_id["GO-2021-0052"].aliases
    assert by_id["GO-2023-1737"].called == "no"  # FileAttachment is not linked in
    assert "GO-2020-0001" not in by_id  # fixed in 1.6.0 exactly


def test_real_advisories_for_old_net_and_crypto(corpus: Corpus, vulndb_zip: Path) -> None:
    report = scan(corpus.get("netcrypto-old"), vulndb_zip)
    modules = {(f.id, f.module) for f in report.findings}
    assert ("GO-2021-0227", "golang.org/x/crypto") in modules
    assert ("GO-2022-0968", "golang.org/x/crypto") in modules
    assert ("GO-2023-1988", "golang.org/x/net") in modules
    assert ("GO-2024-3333", "golang.org/x/net") in modules
    assert ("GO-2020-0012", "golang.org/x/crypto") not in modules  # fixed at that commit
    if "netcrypto-old" not in corpus.notes:  # built with go1.21.0: old stdlib advisories
        stdlib = {f.id for f in report.findings if f.module == "stdlib"}
        assert "GO-2023-2102" in stdlib  # net/http HTTP/2 rapid reset, fixed in 1.21.3
        assert all(f.version == "v1.21.0" for f in report.findings if f.module == "stdlib")


def test_fixed_versions_report_no_fixable_module_findings(corpus: Corpus, vulndb_zip: Path) -> None:
    old_ids = {
        f.id
        for n in ("ginold", "netcrypto-old")
        for f in scan(corpus.get(n), vulndb_zip).findings
        if f.module != "stdlib"
    }
    report = scan(corpus.get("fixed"), vulndb_zip)
    modules = [f for f in report.findings if f.module not in ("stdlib", "toolchain")]
    assert not {f.id for f in modules} & (old_ids - {"GO-2026-5932"})
    # what remains has no fix at all (e.g. the deprecated x/crypto/openpgp advisory)
    assert all(f.fixed == "" for f in modules), modules


@pytest.mark.parametrize("name", COMPARED)
def test_superset_of_govulncheck(
    corpus: Corpus, vulndb_layout: Path, govulncheck: str, name: str
) -> None:
    binary = corpus.get(name)
    theirs, their_called = govulncheck_findings(govulncheck, binary, vulndb_layout)
    report = scan(binary, vulndb_layout)
    ours = {(f.id, f.module) for f in report.findings}
    assert theirs <= ours, sorted(theirs - ours)
    # the only extras are toolchain advisories (govulncheck's binary mode skips them)
    assert {m for _, m in ours - theirs} <= {"toolchain"}
    # reachability agrees with govulncheck's symbol-level results
    ours_called = {(f.id, f.module) for f in report.findings if f.called == "yes"}
    assert ours_called == their_called


def test_stripped_binary_keeps_reachability(corpus: Corpus, vulndb_zip: Path) -> None:
    full = {(f.id, f.called) for f in scan(corpus.get("ginold"), vulndb_zip).findings}
    stripped = {(f.id, f.called) for f in scan(corpus.get("ginold-stripped"), vulndb_zip).findings}
    assert full == stripped  # the pclntab survives -s -w


def test_gate_and_exit_codes(corpus: Corpus, vulndb_zip: Path, tmp_path: Path) -> None:
    binary = str(corpus.get("ginold"))
    db = ["--db", str(vulndb_zip)]
    assert run(["scan", binary, *db, "--format", "json", "-o", str(tmp_path / "r.json")]) == 1
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["summary"]["gate_tripped"] is True
    assert data["database"]["modified"].startswith("2026-08-21")
    # unknown severity counts as high: --fail-on critical does not trip on Go advisories
    assert run(["scan", binary, *db, "--fail-on", "critical", "-o", str(tmp_path / "t")]) == 0
    assert run(["scan", binary, *db, "--fail-on", "none", "-o", str(tmp_path / "t")]) == 0
    # the fixed build only has findings without vulnerable code present (or no fix): gate
    fixed = str(corpus.get("fixed"))
    report = scan(corpus.get("fixed"), vulndb_zip)
    expected = 1 if report.tripping else 0
    assert run(["scan", fixed, *db, "-o", str(tmp_path / "f")]) == expected


def test_unreached_findings_need_strict(corpus: Corpus, vulndb_zip: Path) -> None:
    report = scan(corpus.get("ginold"), vulndb_zip, fail_on="any")
    unreached = [f for f in report.findings if f.called == "no"]
    assert unreached and not any(f in report.tripping for f in unreached)
    strict = scan(corpus.get("ginold"), vulndb_zip, fail_on="any", strict=True)
    assert len(strict.tripping) == len(strict.findings)


def test_sarif_is_valid(corpus: Corpus, vulndb_zip: Path, tmp_path: Path) -> None:
    out = tmp_path / "scan.sarif"
    run(
        [
            "scan",
            str(corpus.get("netcrypto-old")),
            "--db",
            str(vulndb_zip),
            "--format",
            "sarif",
            "-o",
            str(out),
        ]
    )
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, json.loads(SARIF_SCHEMA.read_text()))
    run0 = doc["runs"][0]
    rule_ids = [r["id"] for r in run0["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    assert {r["ruleId"] for r in run0["results"]} <= set(rule_ids)
    assert any(r["level"] == "error" for r in run0["results"])
    assert all(
        not r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("/")
        for r in run0["results"]
    )


def test_project_target_builds_first(vulndb_zip: Path) -> None:
    project = Path(__file__).resolve().parent.parent / "fixtures" / "vuln" / "ginold"
    report = run_scan(str(project), ScanOptions(db=str(vulndb_zip)))
    assert report.kind == "project"
    assert "GO-2021-0052" in {f.id for f in report.findings}


def test_directory_of_binaries(corpus: Corpus, vulndb_zip: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bins"
    folder.mkdir()
    (folder / "app").write_bytes(corpus.get("ginold").read_bytes())
    (folder / "notes.txt").write_text("not a binary\n" * 200)
    (folder / "script").write_bytes(b"\x7fELF" + b"\x00" * 4000)  # an ELF, not Go
    report = run_scan(str(folder), ScanOptions(db=str(vulndb_zip)))
    assert report.kind == "directory"
    assert [r.binary.location for r in report.results] == [str(folder / "app")]


def test_bad_targets(tmp_path: Path, vulndb_zip: Path) -> None:
    text = tmp_path / "file.txt"
    text.write_text("hello\n" * 500)
    assert run(["scan", str(text), "--db", str(vulndb_zip)]) == 2
    assert run(["scan", str(tmp_path / "missing"), "--db", str(vulndb_zip)]) == 2
    assert run(["scan"]) == 2
