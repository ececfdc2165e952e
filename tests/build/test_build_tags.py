from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goship.build.tags import TAG_RE, resolve_tags, semver_tags, validate_tag
from goship.errors import BadInputError


@pytest.mark.parametrize(
    ("version", "tags"),
    [
        ("1.4.2", ["1.4.2", "1.4", "1", "latest"]),
        ("v2.0.0", ["2.0.0", "2.0", "2", "latest"]),
        ("0.4.2", ["0.4.2", "0.4", "latest"]),
        ("1.4.2-rc.1", ["1.4.2-rc.1"]),
        ("0.1.0-alpha", ["0.1.0-alpha"]),
    ],
)
def test_semver_expansion(version: str, tags: list[str]) -> None:
    assert semver_tags(version) == tags


@pytest.mark.parametrize("bad", ["1.4", "01.2.3", "1.2.3+build.7", "latest", ""])
def test_bad_semver(bad: str) -> None:
    with pytest.raises(BadInputError):
        semver_tags(bad)


@pytest.mark.parametrize("bad", ["-x", ".x", "a/b", "a:b", "x" * 129, "", "ümlaut"])
def test_invalid_tags(bad: str) -> None:
    with pytest.raises(BadInputError, match="invalid image tag"):
        validate_tag(bad)


def test_resolve_order_dedup_and_sha() -> None:
    assert resolve_tags(["edge", "1.4"], "1.4.2", "abc1234") == [
        "edge",
        "1.4",
        "1.4.2",
        "1",
        "latest",
        "sha-abc1234",
    ]
    assert resolve_tags([], None, None) == ["latest"]
    assert resolve_tags([], None, "abc1234") == ["latest", "sha-abc1234"]
    assert resolve_tags([], "1.0.0-rc.1", None) == ["1.0.0-rc.1"]


@given(st.from_regex(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}", fullmatch=True))
def test_every_expanded_tag_is_valid(version: str) -> None:
    try:
        tags = semver_tags(version)
    except BadInputError:
        return  # leading zeros
    assert all(TAG_RE.fullmatch(t) for t in tags)
    assert tags[0] == version and tags[-1] == "latest"
