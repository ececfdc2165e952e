"""Platform parsing and the GOOS/GOARCH/GOARM/GOAMD64 mapping."""

from __future__ import annotations

import pytest

from goship.errors import BadInputError
from goship.image.platform import Platform


@pytest.mark.parametrize(
    ("text", "expected", "env"),
    [
        ("linux/amd64", "linux/amd64", {"GOOS": "linux", "GOARCH": "amd64"}),
        ("linux/arm64", "linux/arm64", {"GOOS": "linux", "GOARCH": "arm64"}),
        ("linux/arm64/v8", "linux/arm64", {"GOOS": "linux", "GOARCH": "arm64"}),
        ("linux/arm/v7", "linux/arm/v7", {"GOOS": "linux", "GOARCH": "arm", "GOARM": "7"}),
        ("linux/arm", "linux/arm/v7", {"GOOS": "linux", "GOARCH": "arm", "GOARM": "7"}),
        ("linux/arm/v6", "linux/arm/v6", {"GOOS": "linux", "GOARCH": "arm", "GOARM": "6"}),
        ("linux/amd64/v3", "linux/amd64/v3", {"GOOS": "linux", "GOARCH": "amd64", "GOAMD64": "v3"}),
        ("linux/amd64/v1", "linux/amd64", {"GOOS": "linux", "GOARCH": "amd64"}),
        ("Linux/x86_64", "linux/amd64", {"GOOS": "linux", "GOARCH": "amd64"}),
        ("linux/aarch64", "linux/arm64", {"GOOS": "linux", "GOARCH": "arm64"}),
        ("linux/riscv64", "linux/riscv64", {"GOOS": "linux", "GOARCH": "riscv64"}),
    ],
)
def test_parse_normalises_and_maps_to_go_env(text: str, expected: str, env: dict[str, str]) -> None:
    plat = Platform.parse(text)
    assert str(plat) == expected
    assert plat.go_env() == env
    assert Platform.from_go_env(plat.go_env()) == plat


@pytest.mark.parametrize(
    "text", ["linux", "linux/", "/amd64", "windows/amd64", "linux/sparc", "linux/arm/v9", "a/b/c/d"]
)
def test_parse_rejects_bad_platforms(text: str) -> None:
    with pytest.raises(BadInputError):
        Platform.parse(text)


def test_parse_list_dedupes_and_keeps_order() -> None:
    plats = Platform.parse_list("linux/arm64, linux/amd64,linux/arm64/v8,linux/arm/v7")
    assert [str(p) for p in plats] == ["linux/arm64", "linux/amd64", "linux/arm/v7"]
    with pytest.raises(BadInputError):
        Platform.parse_list(" , ")


def test_oci_json_round_trip() -> None:
    arm64 = Platform.parse("linux/arm64")
    assert arm64.to_json() == {"architecture": "arm64", "os": "linux", "variant": "v8"}
    assert Platform.from_json(arm64.to_json()) == arm64
    armv7 = Platform.parse("linux/arm/v7")
    assert armv7.to_json() == {"architecture": "arm", "os": "linux", "variant": "v7"}
    assert Platform.parse("linux/amd64").to_json() == {"architecture": "amd64", "os": "linux"}


def test_matches_ignores_missing_variant() -> None:
    assert Platform("linux", "amd64").matches(Platform("linux", "amd64", "v3"))
    assert not Platform("linux", "arm", "v6").matches(Platform("linux", "arm", "v7"))
    assert not Platform("linux", "arm64").matches(Platform("linux", "amd64"))


def test_host_is_a_known_linux_platform() -> None:
    host = Platform.host()
    assert host.os == "linux"
    assert Platform.parse(str(host)) == host
    assert host.slug == str(host).replace("/", "-")
