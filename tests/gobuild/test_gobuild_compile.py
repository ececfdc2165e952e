"""Compile step: real `go build` of tiny stdlib programs, checked with pyelftools."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import go_binary, write_go_module

from goship.config import BuildOptions
from goship.errors import ExitCode, ProjectError
from goship.gobuild.cgo import CgoPlan
from goship.gobuild.compile import (
    CompileRequest,
    binary_name,
    compile_all,
    main_target,
    trim_compiler_output,
)
from goship.gobuild.elfcheck import read_elf
from goship.gobuild.ldflags import StampValues, build_ldflags
from goship.gobuild.request import make_request
from goship.gobuild.vcs import GitInfo
from goship.image.platform import Platform
from goship.project.facts import MainPackage, ProjectFacts, Service

HELLO = """package main

import "fmt"

var version = "unset"
var commit = "unset"

func main() { fmt.Println("version=" + version + " commit=" + commit) }
"""

STAMP = StampValues("1.4.2", "a" * 40, "aaaaaaa", "2024-01-01T00:00:00Z", 1704067200)
AMD64 = Platform("linux", "amd64")
ARM64 = Platform("linux", "arm64")


def _request(root: Path, out: Path, platforms: tuple[Platform, ...], x: tuple[str, ...] = ()):
    go_binary()  # skip/fail early without a toolchain
    return CompileRequest(
        root=root,
        package="./cmd/hello",
        name="hello",
        platforms=platforms,
        tags=(),
        ldflags=build_ldflags(x, "", STAMP),
        cgo=CgoPlan(),
        out_dir=out,
    )


def _project(root: Path, main_go: str = HELLO) -> Path:
    return write_go_module(root, {"cmd/hello/main.go": main_go}, module="example.com/hello")


@pytest.fixture(scope="module")
def two_arch(tmp_path_factory: pytest.TempPathFactory):
    root = _project(tmp_path_factory.mktemp("src"))
    req = _request(
        root,
        tmp_path_factory.mktemp("out"),
        (AMD64, ARM64),
        x=("main.version={{.Version}}", "main.commit={{.ShortCommit}}"),
    )
    events: list[tuple[str, str]] = []
    binaries = compile_all(req, on_event=lambda p, e: events.append((str(p), e)))
    return req, binaries, events


def test_each_platform_gets_a_static_binary_of_its_machine(two_arch) -> None:
    _, binaries, events = two_arch
    assert [str(b.platform) for b in binaries] == ["linux/amd64", "linux/arm64"]
    machines = {str(b.platform): read_elf(b.path).machine for b in binaries}
    assert machines == {"linux/amd64": "EM_X86_64", "linux/arm64": "EM_AARCH64"}
    assert all(b.interpreter is None and not b.cgo for b in binaries)
    assert sorted(events) == sorted(
        [
            ("linux/amd64", "start"),
            ("linux/amd64", "done"),
            ("linux/arm64", "start"),
            ("linux/arm64", "done"),
        ]
    )


def test_x_injection_reaches_the_running_binary(two_arch) -> None:
    _, binaries, _ = two_arch
    amd64 = next(b for b in binaries if b.platform == AMD64)
    if Platform.host() != AMD64:
        pytest.skip("needs an amd64 host to run the binary")
    out = subprocess.run([str(amd64.path)], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "version=1.4.2 commit=aaaaaaa"


def test_binary_is_stripped_and_has_no_vcs_or_buildid(two_arch, go_toolchain: str) -> None:
    _, binaries, _ = two_arch
    info = subprocess.run(
        [go_toolchain, "version", "-m", str(binaries[0].path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "-trimpath=true" in info
    assert "vcs.revision" not in info
    buildid = subprocess.run(
        [go_toolchain, "tool", "buildid", str(binaries[0].path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert buildid.strip() == ""
    with binaries[0].path.open("rb") as fh:
        from elftools.elf.elffile import ELFFile

        names = {s.name for s in ELFFile(fh).iter_sections()}
    assert ".symtab" not in names


def test_two_builds_from_two_copies_are_identical(two_arch, tmp_path: Path) -> None:
    req, binaries, _ = two_arch
    copy = tmp_path / "elsewhere" / "deeper"
    shutil.copytree(req.root, copy)
    again = compile_all(
        CompileRequest(**{**req.__dict__, "root": copy, "out_dir": tmp_path / "out2"})
    )
    assert [b.sha256 for b in again] == [b.sha256 for b in binaries]
    assert again[1].path.read_bytes() == binaries[1].path.read_bytes()


def test_compile_error_is_a_project_error_with_the_lines(tmp_path: Path) -> None:
    broken = "package main\n\nfunc main() {\n\tundefinedThing()\n}\n"
    root = _project(tmp_path / "src", broken)
    out = tmp_path / "out"
    with pytest.raises(ProjectError) as exc:
        compile_all(_request(root, out, (AMD64,)))
    assert exc.value.exit_code == ExitCode.BAD_INPUT
    assert "does not compile for linux/amd64" in exc.value.message
    assert "main.go:4:2: undefined: undefinedThing" in exc.value.message
    assert str(root) not in exc.value.message
    assert not (out / "linux-amd64" / "hello").exists()


def test_dynamic_binary_is_refused_without_cgo(tmp_path: Path) -> None:
    """A binary with an interpreter never passes the static check (cgo plan off)."""
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc")
    cgo_main = (
        'package main\n\n// int two() { return 2; }\nimport "C"\n\nfunc main() { _ = C.two() }\n'
    )
    root = _project(tmp_path / "src", cgo_main)
    req = _request(root, tmp_path / "out", (AMD64,))
    dyn = CompileRequest(**{**req.__dict__, "cgo": CgoPlan(enabled=True)})
    if Platform.host() != AMD64:
        pytest.skip("native cgo build needs an amd64 host")
    binary = compile_all(dyn)[0]
    assert binary.interpreter and binary.interpreter.startswith("/lib")
    from goship.gobuild.elfcheck import check_binary

    with pytest.raises(ProjectError, match="dynamically linked"):
        check_binary(binary.path, AMD64, require_static=True)


def test_make_request_wires_facts_options_and_stamp(tmp_path: Path) -> None:
    facts = ProjectFacts(
        root=str(tmp_path),
        module="example.com/shop/v2",
        go_version="1.22",
        mains=[MainPackage("example.com/shop/v2/cmd/api", "cmd/api", True)],
        service=Service(main="example.com/shop/v2/cmd/api"),
    )
    opts = BuildOptions(
        platforms=(AMD64,), x=("main.v={{.Version}}",), version="2.0.0", tzdata="embed"
    )
    req = make_request(facts, opts, GitInfo(), 0, tmp_path / "o")
    assert (req.package, req.name) == ("./cmd/api", "api")
    assert req.tags == ("timetzdata",)
    assert req.ldflags == "-s -w -buildid= -X main.v=2.0.0"
    assert not req.cgo.enabled


def test_main_target_errors_name_the_candidates(tmp_path: Path) -> None:
    facts = ProjectFacts(root=str(tmp_path), module="m", go_version=None)
    facts.service.candidates = ["m/cmd/a", "m/cmd/b"]
    with pytest.raises(ProjectError, match=r"m/cmd/a, m/cmd/b") as exc:
        main_target(facts)
    assert "--main" in (exc.value.hint or "")
    with pytest.raises(ProjectError, match="no main package"):
        main_target(ProjectFacts(root=str(tmp_path), module="m", go_version=None))


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("example.com/a/cmd/api", "api"),
        ("example.com/shop/v2", "shop"),
        ("example.com", "example.com"),
    ],
)
def test_binary_name(path: str, name: str) -> None:
    assert binary_name(path) == name


def test_trim_compiler_output_keeps_error_lines_only() -> None:
    stderr = "go: downloading example.com/x v1.0.0\n# example.com/hello\n" + "".join(
        f"/src/p/main.go:{i}:1: bad {i}\n" for i in range(1, 30)
    )
    trimmed = trim_compiler_output(stderr, Path("/src/p"))
    lines = trimmed.splitlines()
    assert lines[0].strip() == "# example.com/hello"
    assert lines[1].strip() == "main.go:1:1: bad 1"
    assert lines[-1].strip() == "... (10 more)"
    assert "downloading" not in trimmed
