"""Deliberately bad images, built with goship's image library: each problem is reported with
its check id (and a passing twin is not)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from audit_support import PEM_KEY, GoPrograms, make_image, make_index

from goship.audit.model import Finding
from goship.audit.run import AuditOptions, run_audit
from goship.cli import run
from goship.image.config import SERVICE_LABEL, RuntimeConfig
from goship.image.tarlayer import Entry

APP = "/app/server"


def findings(path: Path, **kw: Any) -> list[Finding]:
    report = run_audit(str(path), AuditOptions(**kw))
    return [f for img in report.images for f in img.findings]


def ids(path: Path, **kw: Any) -> set[str]:
    return {f.id for f in findings(path, **kw)}


def binary_image(tmp: Path, binary: Path, *extra: Entry, **kw: Any) -> Path:
    return make_image(tmp, [[*extra], [Entry.from_disk(APP, binary, 0o755)]], **kw)


@pytest.mark.parametrize("user", ["", "root", "0", "0:0", "root:root"])
def test_root_user(tmp_path: Path, user: str) -> None:
    img = make_image(tmp_path, [[Entry.file("/a", "x")]],
                     runtime=RuntimeConfig(entrypoint=[APP], user=user))  # fmt: skip
    found = [f for f in findings(img) if f.id == "root-user"]
    assert len(found) == 1 and found[0].dockle == "CIS-DI-0001"
    assert found[0].severity == "warning"


def test_nonroot_user_passes(tmp_path: Path) -> None:
    img = make_image(tmp_path, [[Entry.file("/a", "x")]])
    assert "root-user" not in ids(img)


def test_setuid_setgid_and_world_writable(tmp_path: Path) -> None:
    img = make_image(
        tmp_path,
        [[
            Entry.file("/usr/bin/su", "x", mode=0o4755),
            Entry.file("/usr/bin/wall", "x", mode=0o2755),
            Entry.file("/usr/bin/ok", "x", mode=0o755),
            Entry.file("/data/open", "x", mode=0o666),
            Entry.dir("/tmp", 0o1777),
            Entry.dir("/shared", 0o777),
        ]],
    )  # fmt: skip
    found = findings(img)
    setuid = {f.path: f for f in found if f.id == "setuid-setgid"}
    assert set(setuid) == {"/usr/bin/su", "/usr/bin/wall"}
    assert setuid["/usr/bin/su"].dockle == "CIS-DI-0008" and setuid["/usr/bin/su"].layer == 0
    assert "setuid" in setuid["/usr/bin/su"].message and "setgid" in setuid["/usr/bin/wall"].message
    writable = {f.path for f in found if f.id == "world-writable"}
    assert writable == {"/data/open", "/shared"}  # sticky /tmp is fine


def test_leaked_private_key_even_when_deleted_later(tmp_path: Path) -> None:
    img = make_image(
        tmp_path,
        [
            [Entry.file("/root/.ssh/id_ed25519", PEM_KEY, mode=0o600)],
            [Entry.file("/root/.ssh/.wh.id_ed25519", "")],
            [Entry.file("/srv/key.pem", PEM_KEY)],
        ],
    )
    keys = {f.path: f for f in findings(img) if f.id == "private-key"}
    assert set(keys) == {"/root/.ssh/id_ed25519", "/srv/key.pem"}
    assert keys["/root/.ssh/id_ed25519"].layer == 0
    assert "still in layer 0" in keys["/root/.ssh/id_ed25519"].message
    assert keys["/srv/key.pem"].severity == "error"
    assert keys["/srv/key.pem"].dockle == "CIS-DI-0010"


SECRET_FILES = {
    "/app/.env": "DB_PASSWORD=hunter2\n",
    "/root/.aws/credentials": "[default]\naws_access_key_id=AKIA\n",
    "/app/sa.json": json.dumps({"type": "service_account", "private_key": "-----BEGIN"}),
    "/home/u/.npmrc": "//registry.npmjs.org/:_authToken=npm_abcdef\n",
    "/home/u/.netrc": "machine github.com login me password tok123\n",
    "/root/.docker/config.json": '{"auths":{"r.io":{"auth":"dXNlcjpwYXNzd29yZA=="}}}',
}
NOT_SECRETS = {
    "/app/.env.example": "DB_PASSWORD=\n",
    "/home/u/.npmrc.bak": "registry=https://registry.npmjs.org/\n",
    "/app/config.json": '{"auth": "dXNlcjpwYXNzd29yZA=="}',
    "/app/package.json": '{"name": "x"}',
}


def test_secret_files(tmp_path: Path) -> None:
    entries = [Entry.file(p, text) for p, text in {**SECRET_FILES, **NOT_SECRETS}.items()]
    img = make_image(tmp_path, [entries])
    found = {f.path for f in findings(img) if f.id == "secret-file"}
    assert found == set(SECRET_FILES)


def test_secret_env(tmp_path: Path) -> None:
    env = {
        "DB_PASSWORD": "hunter2",
        "GITHUB_TOKEN_X": "ghp_" + "a" * 36,
        "MISC": "AKIAABCDEFGHIJKLMNOP",
        "API_KEY": "k-123",
        "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt",
        "PASSWORD_FILE": "/run/secrets/db",
        "GPG_KEY": "ABCDEF",
        "EMPTY_TOKEN": "",
        "PORT": "8080",
    }
    img = make_image(tmp_path, [[Entry.file("/a", "x")]],
                     runtime=RuntimeConfig(entrypoint=[APP], env=env))  # fmt: skip
    found = [f for f in findings(img) if f.id == "secret-env"]
    named = {f.message.split()[1] for f in found}
    assert named == {"DB_PASSWORD", "GITHUB_TOKEN_X", "MISC", "API_KEY"}
    assert all("hunter2" not in f.message for f in found)  # values are not echoed


def test_healthcheck_and_labels(tmp_path: Path) -> None:
    bare = make_image(tmp_path / "bare", [[Entry.file("/a", "x")]])
    found = {f.id: f for f in findings(bare)}
    assert found["no-healthcheck"].severity == "info"
    assert found["no-healthcheck"].dockle == "CIS-DI-0006"
    assert "orchestrator" in found["no-healthcheck"].message
    assert "missing-oci-labels" in found

    def patch(cfg: dict[str, Any]) -> None:
        cfg["config"]["Healthcheck"] = {"Test": ["CMD", "/app/server", "-health"]}

    labels = {f"org.opencontainers.image.{k}": "x" for k in ("created", "source", "revision",
                                                               "version")}  # fmt: skip
    good = make_image(tmp_path / "good", [[Entry.file("/a", "x")]], patch=patch,
                      runtime=RuntimeConfig(entrypoint=[APP], labels=labels))  # fmt: skip
    assert not {"no-healthcheck", "missing-oci-labels"} & ids(good)


def test_shell_package_manager_cache_and_clutter(tmp_path: Path) -> None:
    img = make_image(
        tmp_path,
        [[
            Entry.file("/bin/busybox", "x", mode=0o755),
            Entry.symlink("/bin/sh", "busybox"),
            Entry.file("/usr/bin/dpkg", "x", mode=0o755),
            Entry.file("/var/lib/apt/lists/deb.debian.org_dists_Release", "x" * 100),
            Entry.file("/var/lib/apt/lists/lock", ""),
            Entry.file("/app/.git/HEAD", "ref: refs/heads/main"),
            Entry.file("/etc/shadow", "root::19000:0:99999:7:::\nnobody:!:19000::::::\n"),
        ]],
    )  # fmt: skip
    found = {f.id: f for f in findings(img)}
    assert found["shell-present"].path in ("/bin/sh", "/bin/busybox")
    assert found["package-manager-present"].path == "/usr/bin/dpkg"
    assert found["package-manager-cache"].dockle == "DKL-DI-0005"
    assert "1 files, 100 bytes" in found["package-manager-cache"].message
    assert found["unnecessary-files"].path == "/app/.git"
    assert (
        found["empty-password"].dockle == "DKL-LI-0001"
        and "root" in found["empty-password"].message
    )
    clean = make_image(tmp_path / "clean", [[Entry.file("/etc/shadow", "root:!:19000::::::\n")]])
    assert not {"shell-present", "package-manager-present", "empty-password"} & ids(clean)


def test_shadow_fixed_in_a_later_layer_passes(tmp_path: Path) -> None:
    img = make_image(tmp_path, [[Entry.file("/etc/shadow", "root::1:::::\n")],
                                [Entry.file("/etc/shadow", "root:!:1:::::\n")]])  # fmt: skip
    assert "empty-password" not in ids(img)


def test_whiteouts_and_wasted_bytes(tmp_path: Path) -> None:
    img = make_image(
        tmp_path,
        [
            [Entry.file("/data/a", "a" * 1000), Entry.file("/data/b", "b" * 500),
             Entry.file("/opt/x/1", "1" * 300), Entry.file("/keep", "k" * 7)],
            [Entry.file("/data/.wh.a", ""), Entry.file("/data/b", "B" * 50),
             Entry.file("/opt/x/.wh..wh..opq", ""), Entry.file("/opt/x/2", "2" * 20)],
        ],
    )  # fmt: skip
    report = run_audit(str(img), AuditOptions(top=2))
    audit = report.images[0]
    assert [x.wasted_bytes for x in audit.layers] == [1800, 0]
    assert [x.files for x in audit.layers] == [4, 2]  # whiteout markers are not files
    regular = sorted(p for p, f in audit.files.items() if f.kind == "file")
    assert regular == ["/data/b", "/keep", "/opt/x/2"]
    doc = report.to_json()["platforms"][0]
    assert doc["size"]["wasted_bytes"] == 1800
    assert doc["largest_files"] == [
        {"path": "/data/b", "size": 50, "layer": 1},
        {"path": "/opt/x/2", "size": 20, "layer": 1},
    ]


def test_dynamic_binary_on_scratch(tmp_path: Path, goprogs: GoPrograms) -> None:
    binary = goprogs.get("cgo")
    img = binary_image(tmp_path / "bad", binary)
    found = [f for f in findings(img) if f.id == "go-dynamic-deps-missing"]
    assert len(found) == 1 and found[0].severity == "error" and found[0].path == APP
    assert "ld-linux" in found[0].message or "ld-musl" in found[0].message
    audit = run_audit(str(img), AuditOptions()).images[0]
    b = audit.binaries[0]
    assert not b.static and "libc.so.6" in b.needed and b.cgo == "1"
    # the same binary with its loader and libc (the host's, at the same paths): no finding
    libs = [Entry.from_disk(b.interpreter or "", Path(b.interpreter or "").resolve(), 0o755)]
    libc = next(Path(d) / "libc.so.6" for d in ("/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
                                                "/lib64", "/usr/lib64")
                if (Path(d) / "libc.so.6").exists())  # fmt: skip
    libs.append(Entry.from_disk(str(libc), libc.resolve(), 0o755))
    good = binary_image(tmp_path / "good", binary, *libs)
    assert "go-dynamic-deps-missing" not in ids(good)


def test_ca_bundle(tmp_path: Path, goprogs: GoPrograms) -> None:
    client = goprogs.get("client")
    bad = binary_image(tmp_path / "bad", client)
    found = [f for f in findings(bad) if f.id == "go-ca-bundle-missing"]
    assert len(found) == 1 and found[0].path == APP and "x509" in found[0].message
    bundle = Entry.file("/etc/ssl/certs/ca-certificates.crt", "CERT")
    with_bundle = binary_image(tmp_path / "good", client, bundle)
    assert "go-ca-bundle-missing" not in ids(with_bundle)
    env_bundle = binary_image(
        tmp_path / "env", client, Entry.file("/certs/roots.pem", "CERT"),
        runtime=RuntimeConfig(entrypoint=[APP], env={"SSL_CERT_FILE": "/certs/roots.pem"}),
    )  # fmt: skip
    assert "go-ca-bundle-missing" not in ids(env_bundle)
    plain = binary_image(tmp_path / "plain", goprogs.get("plain"))
    assert "go-ca-bundle-missing" not in ids(plain)


def test_zoneinfo(tmp_path: Path, goprogs: GoPrograms) -> None:
    bad = binary_image(tmp_path / "bad", goprogs.get("zones"))
    assert "go-zoneinfo-missing" in ids(bad)
    embedded = binary_image(tmp_path / "emb", goprogs.get("zones-embedded"))
    assert "go-zoneinfo-missing" not in ids(embedded)
    files = binary_image(tmp_path / "files", goprogs.get("zones"),
                         Entry.file("/usr/share/zoneinfo/Europe/Paris", "TZif"))  # fmt: skip
    assert "go-zoneinfo-missing" not in ids(files)
    zipped = binary_image(
        tmp_path / "zip", goprogs.get("zones"), Entry.file("/z/zoneinfo.zip", "PK"),
        runtime=RuntimeConfig(entrypoint=[APP], env={"ZONEINFO": "/z/zoneinfo.zip"}),
    )  # fmt: skip
    assert "go-zoneinfo-missing" not in ids(zipped)


def test_zoneinfo_trusts_goships_source_analysis(tmp_path: Path, goprogs: GoPrograms) -> None:
    """A linked LoadLocation can be a dependency's unused opt-in; goship build records in its
    service label whether the source loads zones, and audit believes it for that binary."""

    def labelled(name: str, binary: str, tzdata: bool) -> Path:
        label = json.dumps({"binary": binary, "needs": {"tzdata": tzdata}})
        runtime = RuntimeConfig(entrypoint=[APP], labels={SERVICE_LABEL: label})
        return binary_image(tmp_path / name, goprogs.get("zones"), runtime=runtime)

    assert "go-zoneinfo-missing" not in ids(labelled("analysed-no", APP, False))
    assert "go-zoneinfo-missing" in ids(labelled("analysed-yes", APP, True))
    assert "go-zoneinfo-missing" in ids(labelled("other-binary", "/app/other", False))


def test_wrong_machine(tmp_path: Path, goprogs: GoPrograms) -> None:
    img = binary_image(tmp_path / "bad", goprogs.get("plain-arm64"), platform="linux/amd64")
    found = [f for f in findings(img) if f.id == "elf-machine-mismatch"]
    assert len(found) == 1 and "EM_AARCH64" in found[0].message
    ok = binary_image(tmp_path / "ok", goprogs.get("plain-arm64"), platform="linux/arm64")
    assert "elf-machine-mismatch" not in ids(ok)


def test_go_binary_facts_stripped_trimpath(tmp_path: Path, goprogs: GoPrograms) -> None:
    img = binary_image(tmp_path / "u", goprogs.get("plain-unstripped"))
    report = run_audit(str(img), AuditOptions())
    b = report.images[0].binaries[0]
    assert (b.path, b.static, b.stripped, b.trimpath) == (APP, True, False, True)
    assert b.module == "example.com/app" and b.go_version.startswith("go1.")
    assert "go-not-stripped" in {f.id for f in report.findings}
    stripped = binary_image(tmp_path / "s", goprogs.get("plain"))
    assert "go-not-stripped" not in ids(stripped) and "go-no-trimpath" not in ids(stripped)


def test_binary_replaced_by_later_layer_is_not_reported(
    tmp_path: Path, goprogs: GoPrograms
) -> None:
    img = make_image(tmp_path, [[Entry.from_disk(APP, goprogs.get("cgo"), 0o755)],
                                [Entry.file(APP, "#!/bin/sh\n", mode=0o755)]])  # fmt: skip
    report = run_audit(str(img), AuditOptions())
    assert report.images[0].binaries == []
    assert report.images[0].layers[0].wasted_bytes > 0


def test_multi_platform_index(tmp_path: Path) -> None:
    idx = make_index(tmp_path, [("linux/amd64", [[Entry.file("/a", "1")]]),
                                ("linux/arm64", [[Entry.file("/b", "22")]])])  # fmt: skip
    report = run_audit(str(idx), AuditOptions())
    assert sorted(img.platform for img in report.images) == ["linux/amd64", "linux/arm64/v8"]
    one = run_audit(str(idx), AuditOptions(platform="linux/arm64"))
    assert [img.platform for img in one.images] == ["linux/arm64/v8"]
    assert "/b" in one.images[0].files
    assert run(["audit", str(idx), "--platform", "linux/s390x"]) == 2


def test_docker_archive_form(tmp_path: Path) -> None:
    tar = make_image(tmp_path, [[Entry.file("/usr/bin/su", "x", mode=0o4755)]], docker=True,
                     runtime=RuntimeConfig(entrypoint=[APP], user="root"))  # fmt: skip
    assert {"root-user", "setuid-setgid"} <= ids(tar)


def test_runtime_files_from_the_label(tmp_path: Path) -> None:
    """goship build records what the code opens; audit checks it against WorkingDir."""

    def image(name: str, *entries: Entry) -> Path:
        label = json.dumps({"binary": APP, "runtime_files": ["templates/*", "static"]})
        runtime = RuntimeConfig(entrypoint=[APP], working_dir="/app",
                                labels={SERVICE_LABEL: label})  # fmt: skip
        return make_image(tmp_path / name, [[Entry.file(APP, "bin"), *entries]], runtime=runtime)

    bad = [f for f in findings(image("none")) if f.id == "runtime-files-missing"]
    assert sorted(f.path for f in bad) == ["/app/static", "/app/templates"]
    assert all(f.severity == "error" and "pattern matches no files" in f.message for f in bad)
    half = image("half", Entry.file("/app/templates/index.html", "<html>"))
    assert [f.path for f in findings(half) if f.id == "runtime-files-missing"] == ["/app/static"]
    full = image("full", Entry.file("/app/templates/index.html", "<html>"),
                 Entry.file("/app/static/app.css", "body{}"))  # fmt: skip
    assert "runtime-files-missing" not in ids(full)
    unlabelled = make_image(tmp_path / "plain", [[Entry.file(APP, "bin")]])
    assert "runtime-files-missing" not in ids(unlabelled)


def test_runtime_files_from_the_project(tmp_path: Path, repo_root: Path) -> None:
    """`--project`: goship inspect of the source says what must be there (no label needed)."""
    project = repo_root / "tests/fixtures/inspect/gin-templates-static"
    runtime = RuntimeConfig(entrypoint=[APP], working_dir="/srv")
    img = make_image(tmp_path / "img", [[Entry.file(APP, "bin")]], runtime=runtime)
    assert "runtime-files-missing" not in ids(img)  # nothing to compare with
    missing = [f for f in findings(img, project=project) if f.id == "runtime-files-missing"]
    assert missing and all(f.path.startswith("/srv/") for f in missing)
    assert "goship inspect of --project" in missing[0].message
    assert run(["audit", str(img), "--project", str(project)]) == 1
