"""Bad input gives one clear error, the documented exit code and no output on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from build_support import AUTH_PASSWORD, AUTH_USER, GoshipRunner, auth_registry
from helpers import free_port, write_go_module

HELLO = (
    'package main\n\nimport (\n\t"fmt"\n\t"net/http"\n)\n\nfunc main() {\n'
    '\thttp.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) '
    '{ fmt.Fprintln(w, "ok") })\n\t_ = http.ListenAndServe(":8080", nil)\n}\n'
)
BROKEN = 'package main\n\nfunc main() {\n\tvar x int = "not an int"\n\t_ = x\n}\n'
CGO_DB = (
    'package db\n\n// static int answer(void) { return 42; }\nimport "C"\n\n'
    "func Answer() int { return int(C.answer()) }\n"
)
CGO_MAIN = (
    'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/svc/db"\n)\n\n'
    "func main() { fmt.Println(db.Answer()) }\n"
)


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def _assert_error(run, code: int, *needles: str) -> None:  # type: ignore[no-untyped-def]
    assert run.code == code, f"exit {run.code}, want {code}\nstdout:{run.stdout}\n{run.stderr}"
    assert run.stderr.count("error:") == 1, run.stderr
    assert "Traceback" not in run.stderr
    for needle in needles:
        assert needle in run.stderr, run.stderr
    assert run.stdout == ""


def test_cgo_without_base_is_refused(goship: GoshipRunner, tmp_path: Path) -> None:
    project = write_go_module(
        tmp_path / "svc", {"main.go": CGO_MAIN, "db/db.go": CGO_DB}, module="example.com/svc"
    )
    out = tmp_path / "out"
    run = goship("build", str(project), "--output", str(out / "image.tar"))
    _assert_error(run, 2, "example.com/svc/db", "needs cgo", "--base", "modernc.org/sqlite")
    assert not out.exists()


def test_non_compiling_code(goship: GoshipRunner, tmp_path: Path) -> None:
    project = write_go_module(tmp_path / "svc", {"main.go": BROKEN}, module="example.com/svc")
    out = tmp_path / "out"
    out.mkdir()
    run = goship("build", str(project), "--output", str(out / "layout"))
    _assert_error(run, 2, "does not compile", "main.go:4:")
    assert _leftovers(out) == []


def test_a_compile_error_comes_before_an_image_error(goship: GoshipRunner, tmp_path: Path) -> None:
    """The image plan and its lower layers are made while go build runs; when both fail, the
    error shown is the compile's (what the user fixes first)."""
    project = write_go_module(tmp_path / "svc", {"main.go": BROKEN}, module="example.com/svc")
    (project / "conf.yaml").symlink_to(project / "missing.yaml")
    out = tmp_path / "out"
    out.mkdir()
    args = ("build", str(project), "--file", "conf.yaml:/etc/svc/conf.yaml")
    run = goship(*args, "--output", str(out / "layout"))
    _assert_error(run, 2, "does not compile", "main.go:4:")
    (project / "main.go").write_text(HELLO)
    run = goship(*args, "--output", str(out / "layout"))
    _assert_error(run, 2, "conf.yaml is a dangling symlink")
    assert _leftovers(out) == []


def test_unwritable_output(goship: GoshipRunner, tmp_path: Path) -> None:
    project = write_go_module(tmp_path / "svc", {"main.go": HELLO}, module="example.com/svc")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    run = goship("build", str(project), "--output", str(blocker / "image.tar"))
    _assert_error(run, 2, "not a writable directory")
    assert blocker.read_text() == "not a directory"


def test_existing_non_layout_dir_is_not_overwritten(goship: GoshipRunner, tmp_path: Path) -> None:
    project = write_go_module(tmp_path / "svc", {"main.go": HELLO}, module="example.com/svc")
    target = tmp_path / "precious"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    run = goship("build", str(project), "--output", str(target))
    _assert_error(run, 2, "refusing to overwrite")
    assert _leftovers(target) == ["notes.txt"]


def test_bad_flag_combination(goship: GoshipRunner, tmp_path: Path) -> None:
    run = goship("build", str(tmp_path), "--output", str(tmp_path / "x.tar"), "--format", "layout")
    assert run.code == 2


@pytest.mark.integration
def test_unreachable_registry(goship: GoshipRunner, tmp_path: Path) -> None:
    project = write_go_module(tmp_path / "svc", {"main.go": HELLO}, module="example.com/svc")
    out = tmp_path / "out"
    out.mkdir()
    ref = f"127.0.0.1:{free_port()}/goship/svc"
    run = goship("build", str(project), "--push", ref, "--output", str(out / "image.tar"))
    _assert_error(run, 3, "127.0.0.1")
    assert _leftovers(out) == []


@pytest.mark.integration
def test_bad_credentials(goship: GoshipRunner, tmp_path: Path) -> None:
    project = write_go_module(tmp_path / "svc", {"main.go": HELLO}, module="example.com/svc")
    base = tmp_path / "registry"
    base.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    with auth_registry(base) as address:
        ref = f"{address}/goship/svc"
        wrong = {"GOSHIP_REGISTRY_USER": AUTH_USER, "GOSHIP_REGISTRY_PASSWORD": "wrong"}
        run = goship(
            "build", str(project), "--push", ref, "--output", str(out / "i.tar"), env=wrong
        )
        _assert_error(run, 2, address)
        assert _leftovers(out) == []
        right = {"GOSHIP_REGISTRY_USER": AUTH_USER, "GOSHIP_REGISTRY_PASSWORD": AUTH_PASSWORD}
        ok = goship("build", str(project), "--push", ref, env=right)
        assert ok.code == 0, ok.stderr
        assert ok.stdout.strip().startswith(f"{ref}@sha256:")


def test_load_without_daemon(goship: GoshipRunner, tmp_path: Path) -> None:
    project = write_go_module(tmp_path / "svc", {"main.go": HELLO}, module="example.com/svc")
    env = {"DOCKER_HOST": f"unix://{tmp_path}/no-such.sock"}
    run = goship("build", str(project), "--load", env=env)
    _assert_error(run, 3, "Docker")
