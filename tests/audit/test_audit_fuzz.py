"""Fuzzing the archive reader: random bytes, mutated valid archives and random tar members
give either a report or a BadInputError, never another exception."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from audit_support import gz, make_image, member, raw_layout, tar_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goship.audit.limits import Limits
from goship.audit.run import AuditOptions, run_audit
from goship.errors import BadInputError
from goship.image.config import RuntimeConfig
from goship.image.tarlayer import Entry

FUZZ = settings(
    max_examples=int(os.environ.get("GOSHIP_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SMALL = AuditOptions(limits=Limits(max_layer_bytes=32 << 20, max_total_bytes=64 << 20))


def audit_or_refuse(path: Path) -> None:
    try:
        report = run_audit(str(path), SMALL)
    except BadInputError as exc:
        assert exc.message and exc.hint
    else:
        assert report.images
        report.to_json()


@pytest.fixture(scope="module")
def valid_archive(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    tmp = tmp_path_factory.mktemp("fuzz-valid")
    tar = make_image(
        tmp,
        [[Entry.file("/etc/passwd", "root:x:0:0::/root:/bin/sh\n"), Entry.dir("/tmp", 0o1777),
          Entry.symlink("/bin/sh", "/bin/busybox"), Entry.file("/app/.env", "A=b\n")],
         [Entry.file("/app/server", "\x7fELF" + "x" * 2000, mode=0o755)]],
        docker=True,
        runtime=RuntimeConfig(entrypoint=["/app/server"], env={"TOKEN": "t"}),
    )  # fmt: skip
    return tar.read_bytes()


@FUZZ
@given(blob=st.binary(max_size=4096), compress=st.booleans())
def test_random_layer_bytes(tmp_path: Path, blob: bytes, compress: bool) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as d:
        audit_or_refuse(raw_layout(Path(d) / "img", [gz(blob) if compress else blob]))


@FUZZ
@given(data=st.data())
def test_mutated_docker_archive(tmp_path: Path, valid_archive: bytes, data: st.DataObject) -> None:
    raw = bytearray(valid_archive)
    flips = data.draw(st.lists(st.integers(0, len(raw) - 1), min_size=1, max_size=8))
    for pos in flips:
        raw[pos] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(512, len(raw)))
    with tempfile.TemporaryDirectory(dir=tmp_path) as d:
        path = Path(d) / "img.tar"
        path.write_bytes(bytes(raw[:cut]))
        audit_or_refuse(path)


NAMES = st.lists(
    st.sampled_from(["a", "b", "..", ".", "", ".wh.a", ".wh..wh..opq", "etc", "usr", "lib"]),
    min_size=1,
    max_size=4,
).map("/".join)
MEMBERS = st.lists(
    st.tuples(
        NAMES,
        st.sampled_from(["file", "dir", "symlink", "hardlink"]),
        st.one_of(NAMES, NAMES.map(lambda n: "/" + n)),
        st.sampled_from([0o644, 0o4755, 0o777, 0o1777]),
    ),
    max_size=12,
)


@FUZZ
@given(layers=st.lists(MEMBERS, min_size=1, max_size=3))
def test_random_members(tmp_path: Path, layers: list[list[tuple[str, str, str, int]]]) -> None:
    blobs = [
        gz(
            tar_bytes(
                [
                    member(name or ".", kind, link=link, mode=mode)
                    for name, kind, link, mode in layer
                ]
            )
        )
        for layer in layers
    ]
    with tempfile.TemporaryDirectory(dir=tmp_path) as d:
        audit_or_refuse(raw_layout(Path(d) / "img", blobs))
