"""goship.toml + flags -> BuildOptions."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from goship.config import BuildOptions, ExtraFile, click_options, default_of, resolve_options
from goship.errors import BadInputError
from goship.image.platform import Platform

TOML = """\
# comment
[build]
main = "./cmd/api"
platforms = ["linux/amd64", "linux/arm/v7"]
tags = ["edge"]
x = ["main.version={{.Version}}"]
files = ["config/app.yaml:/etc/app/app.yaml:0440", "README.md:docs/README.md"]
env = { GIN_MODE = "release", PORT = 8080 }
labels = { team = "core" }
build_tags = "netgo,osusergo"
tzdata = "embed"

[lint]
anything = "ignored here"
"""


def _write(root: Path, text: str) -> Path:
    (root / "goship.toml").write_text(text)
    return root


def test_toml_only(tmp_path: Path) -> None:
    opts = resolve_options(_write(tmp_path, TOML))
    assert opts.main == "./cmd/api"
    assert opts.platforms == (Platform("linux", "amd64"), Platform("linux", "arm", "v7"))
    assert opts.tags == ("edge",)
    assert opts.files == (
        ExtraFile("config/app.yaml", "/etc/app/app.yaml", 0o440),
        ExtraFile("README.md", "docs/README.md", 0o444),
    )
    assert opts.env == {"GIN_MODE": "release", "PORT": "8080"}
    assert opts.build_tags == ("netgo", "osusergo")
    assert opts.go_tags == ("netgo", "osusergo", "timetzdata")
    assert opts.cgo == "auto" and opts.workdir == "/app"


def test_flags_win_lists_replace_maps_merge(tmp_path: Path) -> None:
    flags = {
        "platforms": ("linux/arm64",),
        "tags": ("v1", "v2"),
        "env": ("GIN_MODE=debug", "EXTRA=1"),
        "main": None,
        "tzdata": "zoneinfo",
    }
    opts = resolve_options(_write(tmp_path, TOML), flags)
    assert opts.platforms == (Platform("linux", "arm64"),)
    assert opts.tags == ("v1", "v2")
    assert opts.env == {"GIN_MODE": "debug", "PORT": "8080", "EXTRA": "1"}
    assert opts.main == "./cmd/api"  # None = flag not given
    assert opts.tzdata == "zoneinfo"


def test_defaults_without_file(tmp_path: Path) -> None:
    opts = resolve_options(tmp_path)
    assert opts.platforms == (Platform.host(),)
    assert opts.ldflags == "" and opts.tags == () and opts.base is None
    assert default_of("tzdata") == "zoneinfo"


def test_unknown_key_names_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path, '[build]\nmain = "."\n\nplatfroms = ["linux/amd64"]\n')
    with pytest.raises(BadInputError) as exc:
        resolve_options(tmp_path)
    assert f"{tmp_path / 'goship.toml'}:4" in exc.value.message
    assert "'platfroms'" in exc.value.message
    assert "platforms" in (exc.value.hint or "")


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("tags = 3", "setting 'tags': expected a string or a list of strings"),
        ('tzdata = "bundle"', "'bundle' is not one of zoneinfo, embed"),
        ('platforms = ["windows/amd64"]', "only linux"),
        ('files = ["nodest"]', "not src:dst[:mode]"),
        ('files = ["../secret:/x"]', "inside the project"),
        ('files = ["a:/b:999"]', "not octal"),
        ('env = ["1BAD=x"]', "not an environment variable name"),
        ('x = ["version=1"]', "importpath.name=value"),
        ('workdir = "app"', "absolute"),
    ],
)
def test_bad_values(tmp_path: Path, body: str, needle: str) -> None:
    _write(tmp_path, f"[build]\n{body}\n")
    with pytest.raises(BadInputError) as exc:
        resolve_options(tmp_path)
    assert needle in str(exc.value)
    assert "goship.toml:2" in exc.value.message


def test_toml_syntax_error(tmp_path: Path) -> None:
    _write(tmp_path, "[build\n")
    with pytest.raises(BadInputError, match=r"goship\.toml"):
        resolve_options(tmp_path)


def test_top_level_key_rejected(tmp_path: Path) -> None:
    _write(tmp_path, 'main = "."\n')
    with pytest.raises(BadInputError) as exc:
        resolve_options(tmp_path)
    assert "[build]" in (exc.value.hint or "")


def test_bad_flag_value(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="flag --env"):
        resolve_options(tmp_path, {"env": ("NOEQUALS",)})


def test_click_options_cover_every_setting(tmp_path: Path) -> None:
    seen: dict[str, object] = {}

    @click.command()
    @click_options
    def cmd(**kwargs: object) -> None:
        seen.update(kwargs)

    result = CliRunner().invoke(
        cmd,
        ["--platform", "linux/amd64,linux/arm64", "-X", "main.v=1", "--env", "A=1", "--cgo", "off"],
    )
    assert result.exit_code == 0, result.output
    names = {f for f in BuildOptions.__dataclass_fields__}
    assert set(seen) == names
    opts = resolve_options(tmp_path, seen)
    assert [str(p) for p in opts.platforms] == ["linux/amd64", "linux/arm64"]
    assert opts.x == ("main.v=1",) and opts.env == {"A": "1"} and opts.cgo == "off"
