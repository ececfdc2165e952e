"""Reference parsing follows docker's grammar; scheme selection follows the loopback/insecure
rules."""

from __future__ import annotations

import pytest

from goship.errors import ExitCode
from goship.registry.errors import ImageReferenceError
from goship.registry.reference import (
    Reference,
    insecure_registries,
    is_loopback,
    parse_reference,
    registry_scheme,
)

D = "sha256:" + "a" * 64

PARSED = [
    ("alpine", ("docker.io", "library/alpine", None, None)),
    ("alpine:3.20", ("docker.io", "library/alpine", "3.20", None)),
    ("docker.io/alpine", ("docker.io", "library/alpine", None, None)),
    ("index.docker.io/library/alpine:edge", ("docker.io", "library/alpine", "edge", None)),
    ("acme/api", ("docker.io", "acme/api", None, None)),
    ("ghcr.io/acme/api:1.4.2", ("ghcr.io", "acme/api", "1.4.2", None)),
    ("ghcr.io/acme/team/api", ("ghcr.io", "acme/team/api", None, None)),
    ("localhost/app", ("localhost", "app", None, None)),
    ("localhost:5000/app:v1", ("localhost:5000", "app", "v1", None)),
    ("127.0.0.1:5000/a/b:c", ("127.0.0.1:5000", "a/b", "c", None)),
    ("[::1]:5000/app", ("[::1]:5000", "app", None, None)),
    (f"ghcr.io/acme/api@{D}", ("ghcr.io", "acme/api", None, D)),
    (f"ghcr.io/acme/api:1@{D}", ("ghcr.io", "acme/api", "1", D)),
    ("Registry.Example.com/x", ("Registry.Example.com", "x", None, None)),
    ("reg.io/a__b/c.d/e-f---g", ("reg.io", "a__b/c.d/e-f---g", None, None)),
    ("reg.io/app:_under.score-1", ("reg.io", "app", "_under.score-1", None)),
    ("localhost:5000", ("docker.io", "library/localhost", "5000", None)),
    ("UPPER/app", ("UPPER", "app", None, None)),  # uppercase first component = a host
]


@pytest.mark.parametrize(("text", "expected"), PARSED)
def test_parse_reference(text: str, expected: tuple[str, str, str | None, str | None]) -> None:
    ref = parse_reference(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == expected


BAD = [
    "",
    "ghcr.io/Acme/api",
    "ghcr.io/acme/api:",
    "ghcr.io/acme/api:-leading-dash",
    "ghcr.io/acme/api:" + "t" * 129,
    "ghcr.io/acme//api",
    "ghcr.io/acme/api@sha256:abc",
    "ghcr.io/acme/api@sha256:" + "A" * 64,
    "https://ghcr.io/acme/api",
    "ghcr.io/acme/-api",
    "ghcr.io/acme/api_",
    "reg.io/" + "a" * 300,
]


@pytest.mark.parametrize("text", BAD)
def test_bad_references_are_bad_input(text: str) -> None:
    with pytest.raises(ImageReferenceError) as info:
        parse_reference(text)
    assert info.value.exit_code == ExitCode.BAD_INPUT


def test_reference_helpers() -> None:
    ref = parse_reference("alpine:3")
    assert ref.api_host == "registry-1.docker.io"
    assert ref.name == "docker.io/library/alpine"
    assert str(ref) == "docker.io/library/alpine:3"
    assert ref.identifier == "3"
    pinned = ref.with_digest(D)
    assert str(pinned) == f"docker.io/library/alpine@{D}"
    assert pinned.identifier == D
    assert Reference("r.io", "x").identifier == "latest"
    assert str(parse_reference("r.io/x").with_tag("v2")) == "r.io/x:v2"
    with pytest.raises(ImageReferenceError):
        ref.with_tag("bad tag")
    # The printed form parses back to the same reference.
    for text, _ in PARSED:
        parsed = parse_reference(text)
        assert parse_reference(str(parsed)) == parsed


@pytest.mark.parametrize(
    ("host", "loop"),
    [
        ("localhost", True),
        ("localhost:5000", True),
        ("reg.localhost:80", True),
        ("127.0.0.1:5000", True),
        ("127.3.4.5", True),
        ("[::1]:5000", True),
        ("::1", True),
        ("10.0.0.1:5000", False),
        ("ghcr.io", False),
        ("localhost.example.com", False),
    ],
)
def test_is_loopback(host: str, loop: bool) -> None:
    assert is_loopback(host) is loop


def test_registry_scheme() -> None:
    env = {"GOSHIP_INSECURE_REGISTRIES": "reg.lan:5000, other.lan"}
    assert insecure_registries(env) == {"reg.lan:5000", "other.lan"}
    assert registry_scheme("ghcr.io", env=env) == "https"
    assert registry_scheme("127.0.0.1:5000", env=env) == "http"
    assert registry_scheme("reg.lan:5000", env=env) == "http"
    assert registry_scheme("reg.lan:5001", env=env) == "https"
    assert registry_scheme("other.lan:9999", env=env) == "http"
    assert registry_scheme("ghcr.io", insecure=True, env={}) == "http"
    assert registry_scheme("reg.lan:5000", env={}) == "https"
