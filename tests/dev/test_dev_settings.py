"""goship dev settings: env layering, port for readiness, build flags, bad input and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import require_tool, write_go_module

from goship.dev.build import BuildPlan, dev_stamp
from goship.dev.settings import DevSettings, parse_env_flags, port_of, resolve_settings
from goship.dev.watch import WatchSpec
from goship.errors import BadInputError

SERVICE = {
    "main.go": (
        'package main\n\nimport (\n\t"net/http"\n\t"os"\n)\n\n'
        'func main() { _ = http.ListenAndServe(":"+os.Getenv("PORT"), nil) }\n'
    ),
}


def _settings(tmp_path: Path, **kw: object) -> DevSettings:
    base: dict[str, object] = {
        "root": tmp_path,
        "build": BuildPlan(root=tmp_path, package=".", name="app"),
        "watch": WatchSpec(root=tmp_path),
        "base_env": {"A": "base", "B": "base", "C": "base", "HOME": "/home/me"},
        "env_file": tmp_path / ".env",
    }
    base.update(kw)
    return DevSettings(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "port"),
    [("8080", 8080), (":9000", 9000), ("0.0.0.0:81", 81), ("[::]:443", 443), ("x", None)],
)
def test_port_of(value: str, port: int | None) -> None:
    assert port_of(value) == port


def test_env_layers_process_then_env_file_then_flags(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("B=file\nC=file\nD=${HOME}/d\n")
    settings = _settings(tmp_path, overrides={"C": "flag"})
    env = settings.child_env()
    assert (env["A"], env["B"], env["C"], env["D"]) == ("base", "file", "flag", "/home/me/d")


def test_missing_default_env_file_is_fine(tmp_path: Path) -> None:
    assert _settings(tmp_path).child_env()["A"] == "base"


def test_readiness_port_precedence(tmp_path: Path) -> None:
    s = _settings(tmp_path, port_env="ADDR", port_flag="addr", default_port=8080)
    assert s.service_port({}) == 8080
    assert s.service_port({"ADDR": "127.0.0.1:9001"}) == 9001
    with_flag = _settings(
        tmp_path, port_env="ADDR", port_flag="addr", default_port=8080, args=("-addr=:9002",)
    )
    assert with_flag.service_port({"ADDR": ":9001"}) == 9002
    explicit = _settings(tmp_path, port=7000, port_env="ADDR", args=("--addr", ":9002"))
    assert explicit.service_port({"ADDR": ":9001"}) == 7000


@pytest.mark.parametrize("item", ["NOEQUALS", "1BAD=x", "=x", "A-B=c"])
def test_bad_env_flags(item: str) -> None:
    with pytest.raises(BadInputError, match="KEY=VALUE"):
        parse_env_flags([item])


def test_env_flag_values_may_contain_equals() -> None:
    assert parse_env_flags(["DSN=a=b", "EMPTY="]) == {"DSN": "a=b", "EMPTY": ""}


def test_build_flags_dev_and_debug(tmp_path: Path) -> None:
    stamp = dev_stamp(1_700_000_000)
    plan = BuildPlan(tmp_path, "./cmd/api", "api", tags=("dev",), x=("main.version={{.Version}}",))
    args = plan.args(tmp_path / "out", stamp)
    assert "-trimpath" not in args and "-buildvcs=false" in args
    assert "-ldflags=-s -w -X main.version=dev" in args
    assert args[-3:] == ["-o", str(tmp_path / "out"), "./cmd/api"] and "-tags=dev" in args
    debug = BuildPlan(tmp_path, ".", "api", debug=True).args(tmp_path / "out", stamp)
    assert "-gcflags=all=-N -l" in debug
    assert not any(a.startswith("-ldflags") for a in debug)  # DWARF kept, nothing to add


def test_resolve_settings_for_a_module(tmp_path: Path) -> None:
    require_tool("go")
    write_go_module(tmp_path, SERVICE)
    (tmp_path / "templates").mkdir()
    (tmp_path / "goship.toml").write_text('[build]\nenv = { GIN_MODE = "release" }\n')
    settings = resolve_settings(tmp_path, env=["PORT=9100"])
    assert settings.root == tmp_path.resolve() and settings.build.package == "."
    assert settings.service_port(settings.child_env()) == 9100
    assert settings.child_env()["GIN_MODE"] == "release"  # goship.toml image env applies
    assert settings.watch.env_files == (tmp_path.resolve() / ".env",)


def test_resolve_settings_bad_env_file_reports_line(tmp_path: Path) -> None:
    require_tool("go")
    write_go_module(tmp_path, SERVICE)
    (tmp_path / ".env").write_text("OK=1\nthis is wrong\n")
    with pytest.raises(BadInputError, match=r"\.env:2"):
        resolve_settings(tmp_path)
    with pytest.raises(BadInputError, match="does not exist"):
        resolve_settings(tmp_path, env_file=tmp_path / "nope.env")


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "goship", "dev", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_cli_exit_2_without_a_go_module(tmp_path: Path) -> None:
    require_tool("go")
    proc = _cli(str(tmp_path))
    assert proc.returncode == 2 and "go.mod" in proc.stderr and "go mod init" in proc.stderr


def test_cli_exit_2_without_a_main_package(tmp_path: Path) -> None:
    require_tool("go")
    write_go_module(tmp_path, {"lib.go": "package lib\n\nfunc X() int { return 1 }\n"})
    proc = _cli(str(tmp_path))
    assert proc.returncode == 2 and "main package" in proc.stderr


def test_cli_exit_2_for_a_bad_env_flag(tmp_path: Path) -> None:
    require_tool("go")
    write_go_module(tmp_path, SERVICE)
    proc = _cli(str(tmp_path), "--env", "oops")
    assert proc.returncode == 2 and "KEY=VALUE" in proc.stderr


def test_cli_exit_3_without_go(tmp_path: Path) -> None:
    write_go_module(tmp_path, SERVICE)
    proc = _cli(str(tmp_path), env={"GOSHIP_GO": str(tmp_path / "no-go")})
    assert proc.returncode == 3 and "GOSHIP_GO" in proc.stderr


def test_cli_exit_3_for_debug_without_dlv(tmp_path: Path) -> None:
    require_tool("go")
    write_go_module(tmp_path, SERVICE)
    proc = _cli(str(tmp_path), "--debug", env={"GOSHIP_DLV": str(tmp_path / "no-dlv")})
    assert proc.returncode == 3
    assert "go install github.com/go-delve/delve/cmd/dlv@latest" in proc.stderr


def test_several_mains_need_main(tmp_path: Path) -> None:
    require_tool("go")
    server = (
        'package main\n\nimport "net/http"\n\n'
        'func main() {{ _ = http.ListenAndServe(":{port}", nil) }}\n'
    )
    write_go_module(
        tmp_path,
        {"cmd/a/main.go": server.format(port=8081), "cmd/b/main.go": server.format(port=8082)},
    )
    with pytest.raises(BadInputError, match="--main"):
        resolve_settings(tmp_path)
    settings = resolve_settings(tmp_path, main="./cmd/b")
    assert (settings.build.package, settings.build.name) == ("./cmd/b", "b")
    assert settings.service_port(settings.child_env()) == 8082
