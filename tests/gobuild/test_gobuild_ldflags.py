from __future__ import annotations

import pytest

from goship.errors import BadInputError
from goship.gobuild.ldflags import StampValues, build_ldflags, render, sanitize_goflags

V = StampValues("1.0.0", "c" * 40, "ccccccc", "2024-01-01T00:00:00Z", 1704067200)


def test_render_all_placeholders() -> None:
    out = render("{{.Version}} {{ .Commit }} {{.ShortCommit}} {{.Date}} {{.Epoch}}", V)
    assert out == f"1.0.0 {'c' * 40} ccccccc 2024-01-01T00:00:00Z 1704067200"


def test_unknown_placeholder_is_bad_input() -> None:
    with pytest.raises(BadInputError, match=r"\{\{\.Branch\}\}"):
        render("{{.Branch}}", V)


def test_ldflags_order_and_quoting() -> None:
    flags = build_ldflags(("main.v={{.Version}}", "main.name=my app"), "-extldflags=-static", V)
    assert flags == "-s -w -buildid= -X main.v=1.0.0 -X 'main.name=my app' -extldflags=-static"


def test_unbalanced_user_ldflags() -> None:
    with pytest.raises(BadInputError, match="ldflags"):
        build_ldflags((), "-X 'oops", V)


def test_goflags_sanitized() -> None:
    kept, dropped = sanitize_goflags("-mod=vendor -race --toolexec=evil -modcacherw -buildvcs=true")
    assert kept == "-mod=vendor -modcacherw"
    assert dropped == ["-race", "--toolexec=evil", "-buildvcs=true"]
