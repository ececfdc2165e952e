"""Deliberately broken images: each must fail `goship verify` with the right diagnosis.

Programs are built with the local Go toolchain, images `FROM scratch` by the engine. Every
test checks (``clean_engine``) that no container, volume, network or temp tag is left.
"""

from __future__ import annotations

from pathlib import Path

import certifi
import pytest
from helpers import DockerEngine, build_go_program
from verify_support import goship, scratch_image, verify_args

SERVE = """
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("ok"))
	})
	log.Fatal(http.ListenAndServe(ADDR, nil))
"""


def program(imports: str, body: str, addr: str = '":8080"') -> str:
    return (
        f'package main\n\nimport (\n\t"log"\n\t"net/http"\n{imports}\n)\n\n'
        f"func main() {{\n{body}\n{SERVE.replace('ADDR', addr)}}}\n"
    )


def first_public_root() -> str:
    """A real root CA from certifi's bundle (the one goship puts into images)."""
    text = Path(certifi.where()).read_text()
    end = "-----END CERTIFICATE-----"
    start = text.index("-----BEGIN CERTIFICATE-----")
    return text[start : text.index(end, start) + len(end)] + "\n"


CA_CHECK = """
	block, _ := pem.Decode(rootPEM)
	if block == nil {
		log.Fatal("no PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		log.Fatal(err)
	}
	// Verify against the system roots, as a TLS client would at startup.
	opts := x509.VerifyOptions{CurrentTime: cert.NotBefore.Add(time.Hour)}
	if _, err := cert.Verify(opts); err != nil {
		log.Fatalf("checking TLS roots: %v", err)
	}
"""


@pytest.fixture(scope="module")
def ca_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Checks an embedded real root CA against the system roots at startup."""
    imports = '\t"crypto/x509"\n\t"encoding/pem"\n\t"time"\n\t_ "embed"'
    src = program(imports, CA_CHECK).replace(
        "func main() {", "//go:embed root.pem\nvar rootPEM []byte\n\nfunc main() {"
    )
    tmp = tmp_path_factory.mktemp("ca")
    return build_go_program(tmp, {"main.go": src, "root.pem": first_public_root()})


def test_no_ca_bundle(ca_binary: Path, clean_engine: DockerEngine, tmp_path: Path) -> None:
    ref = scratch_image(clean_engine, tmp_path, "noca", ca_binary, user="65532:65532", expose=8080)
    run = goship(tmp_path / "cache", *verify_args(ref))
    assert run.code == 1, run.stderr
    report = run.json()
    assert "ca-certificates" in run.error_ids()
    assert "exited" in run.error_ids()
    assert report["ok"] is False and report["started"] is True
    assert any(
        "x509: certificate signed by unknown authority" in line for line in report["logs_tail"]
    )


def test_with_ca_bundle_the_same_program_passes(
    ca_binary: Path, clean_engine: DockerEngine, tmp_path: Path
) -> None:
    bundle = {"/etc/ssl/certs/ca-certificates.crt": Path(certifi.where())}
    ref = scratch_image(clean_engine, tmp_path, "ca", ca_binary, user="65532:65532", files=bundle)
    run = goship(tmp_path / "cache", *verify_args(ref, "--port", "8080", "--health", "/healthz"))
    assert run.code == 0, run.stdout + run.stderr
    report = run.json()
    assert report["ok"] is True and report["response"]["status"] == 200
    assert report["user"] == "65532:65532"


def test_templates_missing(clean_engine: DockerEngine, tmp_path: Path) -> None:
    body = '\ttmpl := template.Must(template.ParseGlob("templates/*.html"))\n\t_ = tmpl'
    binary = build_go_program(tmp_path, program('\t"html/template"', body))
    ref = scratch_image(clean_engine, tmp_path, "tmpl", binary, user="65532:65532", expose=8080)
    run = goship(tmp_path / "cache", *verify_args(ref, "--health", "/healthz"))
    assert run.code == 1
    assert "runtime-files" in run.error_ids()
    assert run.json()["exit_code"] == 2  # a Go panic


def test_zoneinfo_missing(clean_engine: DockerEngine, tmp_path: Path) -> None:
    body = '\tif _, err := time.LoadLocation("Europe/Paris"); err != nil {\n\t\tlog.Fatal(err)\n\t}'
    binary = build_go_program(tmp_path, program('\t"time"', body))
    ref = scratch_image(clean_engine, tmp_path, "tz", binary, user="65532:65532", expose=8080)
    run = goship(tmp_path / "cache", *verify_args(ref))
    assert run.code == 1
    assert "tzdata" in run.error_ids()
    tz = next(f for f in run.json()["findings"] if f["id"] == "tzdata")
    assert "--tzdata embed" in tz["fix"]


def test_dynamic_binary_on_scratch(clean_engine: DockerEngine, tmp_path: Path) -> None:
    binary = build_go_program(tmp_path, program("", ""), cgo=True)
    assert b"ld-linux" in binary.read_bytes(), "expected a dynamically linked binary"
    ref = scratch_image(clean_engine, tmp_path, "dyn", binary, user="65532:65532", expose=8080)
    run = goship(tmp_path / "cache", *verify_args(ref))
    assert run.code == 1
    assert "dynamic-binary" in run.error_ids()
    assert "tzdata" not in run.ids()


def test_binary_for_another_arch_in_an_amd64_labelled_image(
    clean_engine: DockerEngine, tmp_path: Path
) -> None:
    other = (
        "arm64"
        if clean_engine.run(["info", "-f", "{{.Architecture}}"]).stdout.strip()
        in (
            "x86_64",
            "amd64",
        )
        else "amd64"
    )
    binary = build_go_program(tmp_path, program("", ""), goarch=other)
    ref = scratch_image(clean_engine, tmp_path, "arch", binary, user="65532:65532", expose=8080)
    run = goship(tmp_path / "cache", *verify_args(ref))
    assert run.code == 1
    assert "exec-format" in run.error_ids()


def test_ignores_sigterm(clean_engine: DockerEngine, tmp_path: Path) -> None:
    body = "\tsignal.Ignore(syscall.SIGTERM)"
    binary = build_go_program(tmp_path, program('\t"os/signal"\n\t"syscall"', body))
    ref = scratch_image(clean_engine, tmp_path, "term", binary, user="65532:65532", expose=8080)
    run = goship(tmp_path / "cache", *verify_args(ref, "--health", "/healthz", "--grace", "2"))
    assert run.code == 1
    report = run.json()
    assert run.error_ids() == {"not-graceful"}
    assert report["response"]["status"] == 200  # it served fine; only the stop failed
    assert report["stop"]["graceful"] is False
    assert report["stop"]["seconds"] >= 2


def test_binds_port_80_as_non_root(clean_engine: DockerEngine, tmp_path: Path) -> None:
    binary = build_go_program(tmp_path, program("", "", '":80"'))
    # No USER and only EXPOSE 80: verify runs it as 65532 (reported) on the exposed port.
    ref = scratch_image(clean_engine, tmp_path, "port80", binary, expose=80)
    run = goship(tmp_path / "cache", *verify_args(ref))
    assert run.code == 1
    report = run.json()
    assert "privileged-port" in run.error_ids()
    assert "runs-as-root" in run.ids()
    assert report["port"] == 80 and report["sources"]["port"] == "expose"
    assert any("bind: permission denied" in line for line in report["logs_tail"])
