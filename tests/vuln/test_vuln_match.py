"""Version ranges, Go tags, severity and symbol splitting: small, table-driven unit tests."""

from __future__ import annotations

import pytest

from goship.vuln.findings import Finding, severity_of, trips
from goship.vuln.match import affects, fixed_version, range_contains, reachability
from goship.vuln.osv import Affected, Event, Import, Range, parse_entry
from goship.vuln.pclntab import split_symbol
from goship.vuln.semver import compare, go_tag_to_semver, semver_to_go_tag


def rng(*events: tuple[str, str]) -> Range:
    return Range("SEMVER", tuple(Event(k, v) for k, v in events))


@pytest.mark.parametrize(
    ("a", "b", "want"),
    [
        ("v1.2.3", "v1.2.4", -1),
        ("v1.10.0", "v1.9.9", 1),
        ("v1.2.3-rc.1", "v1.2.3", -1),
        ("v1.2.3-alpha", "v1.2.3-alpha.1", -1),
        ("v1.2.3-alpha.2", "v1.2.3-alpha.10", -1),
        ("v1.2.3-1", "v1.2.3-alpha", -1),
        ("v2.0.0+incompatible", "v2.0.0", 0),
        ("v0.0.0-20200220183623-bac4c82f6975", "v0.0.0-20201216223049-8b5274cf687f", -1),
        ("v0.1.1-0.20221104162952-702349b0e862", "v0.1.1", -1),
        ("v0.1.1-0.20221104162952-702349b0e862", "v0.1.0", 1),
        ("v1.2", "v1.2.0", 0),
        ("bad", "v0.0.1", -1),
    ],
)
def test_compare(a: str, b: str, want: int) -> None:
    assert compare(a, b) == want
    assert compare(b, a) == -want


@pytest.mark.parametrize(
    ("tag", "semver"),
    [
        ("go1.21.5", "v1.21.5"),
        ("go1.21", "v1.21.0"),
        ("go1.21rc2", "v1.21.0-rc.2"),
        ("go1.20beta1", "v1.20.0-beta.1"),
        ("go1.19", "v1.19.0"),
        ("go1", "v1.0.0"),
        ("go1.22.1 X:boringcrypto", "v1.22.1"),
        ("devel go1.23-abcdef", ""),
        ("(devel)", ""),
    ],
)
def test_go_tags(tag: str, semver: str) -> None:
    assert go_tag_to_semver(tag) == semver


def test_semver_to_go_tag() -> None:
    assert semver_to_go_tag("v1.21.0-rc.2") == "go1.21rc2"
    assert semver_to_go_tag("v1.20.0") == "go1.20"
    assert semver_to_go_tag("v1.21.0") == "go1.21.0"
    assert semver_to_go_tag("v1.20.3") == "go1.20.3"


def test_ranges() -> None:
    r = rng(("introduced", "0"), ("fixed", "1.6.0"))
    assert range_contains(r, "v1.5.9") and range_contains(r, "1.5.0")
    assert not range_contains(r, "v1.6.0")
    two = rng(
        ("fixed", "1.19.8"), ("introduced", "0"), ("introduced", "1.20.0"), ("fixed", "1.20.3")
    )
    assert range_contains(two, "v1.19.7")
    assert not range_contains(two, "v1.19.9")
    assert range_contains(two, "go1.20.2")
    assert not range_contains(two, "v1.20.3")
    pseudo = rng(
        ("introduced", "0.0.0-20220524220425-1d687d428aca"),
        ("fixed", "0.1.1-0.20221104162952-702349b0e862"),
    )
    assert range_contains(pseudo, "v0.1.0")
    assert not range_contains(pseudo, "v0.0.0-20210101000000-000000000000")
    last = rng(("introduced", "1.0.0"), ("last_affected", "1.2.0"))
    assert range_contains(last, "v1.2.0") and not range_contains(last, "v1.2.1")
    assert range_contains(rng(("introduced", "0")), "v99.0.0")


def test_affects_and_fixed() -> None:
    aff = Affected("m", "Go", (rng(("introduced", "0"), ("fixed", "1.7.7")),), ())
    assert affects(aff, "v1.6.0")
    assert not affects(aff, "(devel)") and not affects(aff, "")
    assert fixed_version(aff, "v1.6.0") == "v1.7.7"
    no_ranges = Affected("m", "Go", (), ())
    assert affects(no_ranges, "v1.0.0")
    assert fixed_version(no_ranges, "v1.0.0") == ""
    assert affects(Affected("m", "Go", (Range("GIT", ()),), ()), "v1.0.0")


def test_reachability() -> None:
    present = {"github.com/gin-gonic/gin": {"Context.ClientIP", "New"}, "net/http": {"Get"}}
    imp = (Import("github.com/gin-gonic/gin", ("Context.ClientIP", "Engine.Run")),)
    got = reachability(imp, present, "github.com/gin-gonic/gin")
    assert got.called == "yes" and got.symbols == ("github.com/gin-gonic/gin.Context.ClientIP",)
    assert (
        reachability(
            (Import("github.com/gin-gonic/gin", ("Context.FileAttachment",)),), present
        ).called
        == "no"
    )
    assert reachability((Import("github.com/gin-gonic/gin"),), present).called == "yes"
    assert reachability((), present, "stdlib").called == "yes"
    assert reachability((), present, "example.com/absent").called == "no"
    assert reachability(imp, None).called == "unknown"


@pytest.mark.parametrize(
    ("name", "want"),
    [
        (
            "github.com/gin-gonic/gin.(*Context).SaveUploadedFile",
            ("github.com/gin-gonic/gin", "Context.SaveUploadedFile"),
        ),
        ("net/http.(*Server).Serve", ("net/http", "Server.Serve")),
        ("net/http.Get", ("net/http", "Get")),
        ("main.main.func1", ("main", "main.func1")),
        ("gopkg.in/yaml%2ev2.Unmarshal", ("gopkg.in/yaml.v2", "Unmarshal")),
        ("slices.Sort[...]", ("slices", "Sort[...]")),
        ("go:buildid", ("", "")),
        ("type:.eq.[2]string", ("", "")),
    ],
)
def test_split_symbol(name: str, want: tuple[str, str]) -> None:
    assert split_symbol(name) == want


def _entry(**extra: object) -> dict[str, object]:
    base: dict[str, object] = {"id": "GO-1", "modified": "2024-01-01T00:00:00Z", "affected": []}
    base.update(extra)
    return base


def test_severity() -> None:
    assert severity_of(parse_entry(_entry())) == ("unknown", "")
    cvss = parse_entry(
        _entry(
            severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]
        )
    )
    assert severity_of(cvss)[0] == "critical"
    ghsa = parse_entry(_entry(database_specific={"severity": "MODERATE"}))
    assert severity_of(ghsa)[0] == "medium"


def _finding(severity: str, called: str) -> Finding:
    return Finding("GO-1", (), "m", "v1", "", "s", "", called, (), "", severity, "", "bin")


@pytest.mark.parametrize(
    ("severity", "called", "fail_on", "strict", "want"),
    [
        ("unknown", "yes", "high", False, True),  # unknown counts as high
        ("unknown", "yes", "critical", False, False),
        ("unknown", "unknown", "high", False, True),
        ("critical", "no", "any", False, False),  # not in the binary
        ("critical", "no", "any", True, True),
        ("low", "yes", "medium", False, False),
        ("medium", "yes", "medium", False, True),
        ("critical", "yes", "none", True, False),
    ],
)
def test_gate(severity: str, called: str, fail_on: str, strict: bool, want: bool) -> None:
    assert trips(_finding(severity, called), fail_on, strict) is want
