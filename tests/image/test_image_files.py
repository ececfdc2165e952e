"""Runtime-files and binary layers from a project directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from image_helpers import members_by_name

from goship.errors import BadInputError
from goship.image.blobs import BlobStore
from goship.image.files import (
    FileSpec,
    build_binary_layer,
    build_files_layer,
    runtime_entries,
)


def _make_project(root: Path, *, umask: int, reverse: bool, mtime: int) -> Path:
    old = os.umask(umask)
    try:
        files = {
            "templates/index.tmpl": "<h1>{{.Title}}</h1>\n",
            "templates/partials/footer.tmpl": "<footer/>\n",
            "static/app.css": "body{}\n",
            "static/js/app.js": "console.log(1)\n",
            "config.yaml": "port: 8080\n",
        }
        for rel in sorted(files, reverse=reverse):
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(files[rel])
            os.utime(path, (mtime, mtime))
        (root / "static" / "empty").mkdir()
    finally:
        os.umask(old)
    return root


SPECS = [
    FileSpec("templates", "/app/templates"),
    FileSpec("static", "/app/static"),
    FileSpec("config.yaml", "/etc/app/config.yaml", 0o600),
]


def test_files_layer_is_independent_of_umask_order_and_mtime(tmp_path: Path) -> None:
    a = _make_project(tmp_path / "a", umask=0o022, reverse=False, mtime=1)
    b = _make_project(tmp_path / "b", umask=0o002, reverse=True, mtime=2_000_000_000)
    la = build_files_layer(SPECS, a, BlobStore(tmp_path / "sa"), epoch=0)
    lb = build_files_layer(SPECS, b, BlobStore(tmp_path / "sb"), epoch=0)
    assert la.digest == lb.digest


def test_files_layer_content_and_modes(tmp_path: Path, store: BlobStore) -> None:
    root = _make_project(tmp_path / "p", umask=0o002, reverse=False, mtime=1)
    (root / "static" / "run.sh").write_text("#!/bin/sh\n")
    (root / "static" / "run.sh").chmod(0o775)
    layer = build_files_layer(SPECS, root, store, epoch=0, writable_dirs=["/app/uploads"])
    got = members_by_name(store, layer)
    assert got["app/templates/index.tmpl"][1] == b"<h1>{{.Title}}</h1>\n"
    assert got["app/templates/partials/footer.tmpl"][0].mode == 0o644
    assert got["app/templates/partials"][0].mode == 0o755
    assert got["app/static/empty"][0].isdir()
    assert got["app/static/run.sh"][0].mode == 0o755
    assert got["etc/app/config.yaml"][0].mode == 0o600
    up = got["app/uploads"][0]
    assert (up.uid, up.gid, up.mode) == (65532, 65532, 0o755)
    assert all(info.uid == 0 for name, (info, _) in got.items() if name != "app/uploads")
    assert "/app/static/js/app.js" in layer.files


def test_symlink_inside_project_is_followed(tmp_path: Path, store: BlobStore) -> None:
    root = _make_project(tmp_path / "p", umask=0o022, reverse=False, mtime=1)
    (root / "static" / "latest.css").symlink_to("app.css")
    (root / "static" / "tpl").symlink_to("../templates")
    entries = {e.path: e for e in runtime_entries([FileSpec("static", "/s")], root)}
    assert entries["/s/latest.css"].kind == "file"
    assert entries["/s/tpl/index.tmpl"].kind == "file"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda root: (root / "static" / "passwd").symlink_to("/etc/passwd"),
            "outside the project",
        ),
        (lambda root: (root / "static" / "up").symlink_to("../../"), "outside the project"),
        (lambda root: (root / "static" / "gone").symlink_to("nowhere"), "dangling"),
        (lambda root: (root / "static" / "loop").symlink_to("."), "loops back"),
    ],
)
def test_bad_symlinks_are_rejected(tmp_path: Path, make: object, message: str) -> None:
    root = _make_project(tmp_path / "p", umask=0o022, reverse=False, mtime=1)
    make(root)  # type: ignore[operator]
    with pytest.raises(BadInputError, match=message):
        runtime_entries([FileSpec("static", "/app/static")], root)


def test_sources_outside_root_and_missing_are_rejected(tmp_path: Path) -> None:
    root = _make_project(tmp_path / "p", umask=0o022, reverse=False, mtime=1)
    (tmp_path / "secret").write_text("x")
    with pytest.raises(BadInputError, match="outside the project root"):
        runtime_entries([FileSpec("../secret", "/secret")], root)
    with pytest.raises(BadInputError, match="does not exist"):
        runtime_entries([FileSpec("nope", "/nope")], root)


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("templates:/app/templates", FileSpec("templates", "/app/templates")),
        ("conf.yaml:/etc/app.yaml:0600", FileSpec("conf.yaml", "/etc/app.yaml", 0o600)),
    ],
)
def test_file_spec_parse(text: str, spec: FileSpec) -> None:
    assert FileSpec.parse(text) == spec


@pytest.mark.parametrize("text", ["templates", ":/x", "a:rel/path", "a:/b:999", "a:/b:rw"])
def test_file_spec_parse_rejects(text: str) -> None:
    with pytest.raises(BadInputError):
        FileSpec.parse(text)


def test_binary_layer(tmp_path: Path, store: BlobStore) -> None:
    binary = tmp_path / "server"
    binary.write_bytes(b"\x7fELF")
    binary.chmod(0o700)
    layer = build_binary_layer(binary, "/app/server", store, epoch=0)
    got = members_by_name(store, layer)
    assert sorted(got) == ["app", "app/server"]
    info = got["app/server"][0]
    assert (info.mode, info.uid, info.gid) == (0o755, 0, 0)
    assert layer.files == ("/app/server",)
    with pytest.raises(BadInputError):
        build_binary_layer(tmp_path / "missing", "/app/server", store, epoch=0)
