"""The test infrastructure itself: markers, tool gating, Go builds, engine and registry.

These prove the fixtures in conftest.py do real work, so a green integration run means the
engine, registry, skopeo and umoci were actually exercised.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import uuid
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from helpers import (
    DockerEngine,
    LocalRegistry,
    build_go_program,
    require_tool,
    unavailable,
    wait_http,
)

HELLO = """\
package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "ok uid=%d", os.Getuid())
		})
		if err := http.ListenAndServe(":8080", nil); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	fmt.Printf("hello from goship test uid=%d\\n", os.Getuid())
}
"""


# --- markers and tool gating (unit) ---------------------------------------------------------


def test_unmarked_test_is_auto_marked_unit(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("unit") is not None
    assert request.node.get_closest_marker("integration") is None


@pytest.mark.integration
def test_integration_marker_is_not_also_unit(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("unit") is None


def test_missing_tool_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        require_tool("goship-no-such-tool-" + uuid.uuid4().hex)


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_missing_tool_fails_in_ci(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        unavailable("no frobnicator")


def test_present_tool_returns_its_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert Path(require_tool("sh")).name == "sh"


# --- Go builds (unit: only the Go toolchain) ------------------------------------------------


def test_build_go_program_runs_on_host(tmp_path: Path) -> None:
    binary = build_go_program(tmp_path, HELLO, name="hello")
    out = subprocess.run([binary], capture_output=True, text=True, check=True, timeout=30)
    assert out.stdout.startswith("hello from goship test uid=")


def test_build_go_program_cross_compiles_static(tmp_path: Path) -> None:
    binary = build_go_program(tmp_path, HELLO, name="hello-arm64", goarch="arm64")
    with binary.open("rb") as fh:
        elf = ELFFile(fh)
        assert elf.header["e_machine"] == "EM_AARCH64"
        assert not any(seg["p_type"] == "PT_INTERP" for seg in elf.iter_segments())


def test_build_go_program_reports_compiler_errors(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="undefined: nope"):
        build_go_program(tmp_path, "package main\n\nfunc main() { nope() }\n")


# --- container engine (integration) ---------------------------------------------------------


@pytest.fixture(scope="module")
def hello_image(docker_engine: DockerEngine, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A FROM-scratch image (no pull needed) with a static Go binary, user 65532."""
    ctx = tmp_path_factory.mktemp("hello-image")
    build_go_program(ctx, HELLO, name="hello")
    (ctx / "Dockerfile").write_text(
        'FROM scratch\nCOPY hello /hello\nUSER 65532:65532\nENTRYPOINT ["/hello"]\n'
    )
    tag = f"goship-test/hello:{uuid.uuid4().hex[:8]}"
    docker_engine.run(["build", "-q", *docker_engine.label_args, "-t", tag, str(ctx)])
    return tag


def test_engine_runs_image_hardened_as_nonroot(
    docker_engine: DockerEngine, hello_image: str
) -> None:
    proc = docker_engine.run(
        [
            "run", "--rm", *docker_engine.label_args, "--read-only", "--cap-drop", "ALL",
            "--security-opt", "no-new-privileges", hello_image,
        ]
    )  # fmt: skip
    assert proc.stdout.strip() == "hello from goship test uid=65532"
    assert "containers" not in docker_engine.leftovers()


def test_engine_publishes_port_on_loopback(docker_engine: DockerEngine, hello_image: str) -> None:
    name = f"goship-test-{uuid.uuid4().hex[:8]}"
    docker_engine.run(
        ["run", "-d", "--name", name, *docker_engine.label_args, "-p", "127.0.0.1::8080",
         hello_image, "serve"]
    )  # fmt: skip
    try:
        port = docker_engine.run(["port", name, "8080/tcp"]).stdout.split(":")[-1].strip()
        url = f"http://127.0.0.1:{port}/healthz"
        assert wait_http(url, timeout=20) == 200
    finally:
        docker_engine.run(["rm", "-f", name], check=False)


def test_engine_loads_a_saved_archive(
    docker_engine: DockerEngine, hello_image: str, tmp_path: Path
) -> None:
    archive = tmp_path / "hello.tar"
    loaded = docker_engine.track_image(f"goship-test/loaded:{uuid.uuid4().hex[:8]}")
    docker_engine.run(["tag", hello_image, loaded])
    docker_engine.run(["save", "-o", str(archive), loaded])
    docker_engine.run(["rmi", loaded])
    out = docker_engine.run(["load", "-i", str(archive)]).stdout
    assert loaded in out
    proc = docker_engine.run(["run", "--rm", *docker_engine.label_args, loaded])
    assert "uid=65532" in proc.stdout


def test_engine_cleanup_removes_labelled_objects(docker_engine: DockerEngine) -> None:
    selector = f"goship.test=cleanup-{uuid.uuid4().hex[:8]}"
    label = ["--label", selector]
    docker_engine.run(["volume", "create", *label])
    docker_engine.run(["network", "create", *label, f"goship-test-{uuid.uuid4().hex[:8]}"])
    assert set(docker_engine.leftovers(selector)) == {"volumes", "networks"}
    docker_engine.cleanup(selector)
    assert docker_engine.leftovers(selector) == {}


# --- registry, skopeo, umoci (integration) --------------------------------------------------


def test_registry_speaks_distribution_v2(registry: LocalRegistry) -> None:
    import urllib.request

    assert registry.startswith("127.0.0.1:")
    with urllib.request.urlopen(f"{registry.url}/v2/", timeout=5) as resp:
        assert resp.status == 200
        assert resp.headers["Docker-Distribution-API-Version"] == "registry/2.0"


def _run(*cmd: str) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stderr}"
    return proc.stdout


def test_umoci_image_round_trips_through_registry(registry: LocalRegistry, tmp_path: Path) -> None:
    umoci, skopeo = require_tool("umoci"), require_tool("skopeo")
    binary = build_go_program(tmp_path, HELLO, name="hello")
    layout = tmp_path / "layout"
    ref = f"{layout}:v1"
    _run(umoci, "init", "--layout", str(layout))
    _run(umoci, "new", "--image", ref)
    _run(umoci, "insert", "--image", ref, str(binary), "/hello")
    _run(umoci, "config", "--image", ref, "--config.entrypoint", "/hello")
    index = json.loads((layout / "index.json").read_text())
    local_digest = index["manifests"][0]["digest"]

    remote = f"docker://{registry}/goship-test/hello:v1"
    _run(skopeo, "copy", "--dest-tls-verify=false", f"oci:{ref}", remote)
    raw = _run(skopeo, "inspect", "--raw", "--tls-verify=false", remote)
    assert "sha256:" + hashlib.sha256(raw.encode()).hexdigest() == local_digest
    pulled = tmp_path / "pulled"
    _run(skopeo, "copy", "--src-tls-verify=false", remote, f"oci:{pulled}:v1")
    assert "v1" in _run(umoci, "ls", "--layout", str(pulled)).split()


def test_engine_finds_unlabelled_test_repo_images(
    docker_engine: DockerEngine, hello_image: str
) -> None:
    """Tags a build adds by itself (e.g. sha-<commit>) are cleaned up via the repo name."""
    extra = f"goship-test/untracked:{uuid.uuid4().hex[:8]}"
    docker_engine.run(["tag", hello_image, extra])
    assert extra in docker_engine.test_repo_images()
    docker_engine.run(["rmi", extra])
    assert extra not in docker_engine.test_repo_images()
