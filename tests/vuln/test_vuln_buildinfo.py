"""The pure-Python build-info reader against `go version -m`, on real and crafted binaries."""

from __future__ import annotations

import contextlib
import struct
import subprocess

import pytest
from helpers import go_binary, go_env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vuln_support import RECIPES, Corpus

from goship.errors import BadInputError
from goship.vuln.buildinfo import MAGIC, read_buildinfo, read_buildinfo_file
from goship.vuln.errors import MalformedBinary, NotAGoBinary
from goship.vuln.modinfo import parse_go_version_m


def go_version_m(path: object) -> str:
    proc = subprocess.run(
        [go_binary(), "version", "-m", str(path)],
        env=go_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return proc.stdout


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_matches_go_version_m(corpus: Corpus, name: str) -> None:
    path = corpus.get(name)
    expected = parse_go_version_m(go_version_m(path))[str(path)]
    got = read_buildinfo_file(path)
    assert got.go_version == expected.go_version
    assert got.path == expected.path
    assert got.main == expected.main
    assert got.deps == expected.deps
    assert got.settings == expected.settings
    assert got.goos and got.goarch  # every corpus binary records them


def test_settings_cover_flags(corpus: Corpus) -> None:
    tags = read_buildinfo_file(corpus.get("stdlib-tags"))
    assert tags.setting("-tags") == "netgo,goshiptest"
    assert tags.setting("CGO_ENABLED") == "0"
    ld = read_buildinfo_file(corpus.get("stdlib-ldflags-x"))
    assert ld.setting("-ldflags") == "-X main.version=1.2.3 -s"
    sw = read_buildinfo_file(corpus.get("stdlib-trimpath-sw"))
    assert sw.trimpath  # (go omits -ldflags from the build info under -trimpath)
    assert read_buildinfo_file(corpus.get("stdlib-386")).goarch == "386"
    assert read_buildinfo_file(corpus.get("stdlib-darwin")).goos == "darwin"
    assert read_buildinfo_file(corpus.get("stdlib-windows")).goos == "windows"


def test_replacements(corpus: Corpus) -> None:
    info = read_buildinfo_file(corpus.get("replaced"))
    by_path = {d.path: d for d in info.deps}
    local = by_path["example.com/lib"]
    assert local.replace is not None and local.replace.path == "./lib"
    assert local.replace.version == "(devel)"
    text = by_path["golang.org/x/text"]
    assert text.version == "v0.3.0"
    assert text.replace is not None and text.replace.version == "v0.3.6"
    assert text.replace.sum.startswith("h1:")


def test_old_toolchain_binary(corpus: Corpus) -> None:
    info = read_buildinfo_file(corpus.get("netcrypto-old"))
    if "netcrypto-old" in corpus.notes:
        pytest.skip(corpus.notes["netcrypto-old"])
    assert info.go_version == "go1.21.0"


# --- the pre-1.18 pointer format, in crafted ELF files ------------------------------------


def _pointer_elf(ptr: int, big: bool, vers: str, mod: str) -> bytes:
    """A minimal ELF with one writable PT_LOAD holding a pointer-format build-info header."""
    order = ">" if big else "<"
    word = "Q" if ptr == 8 else "I"
    base = 0x400000
    ehsize, phsize = (64, 56) if ptr == 8 else (52, 32)
    data_off = 0x100
    # data: header (32 bytes) | string headers | strings
    strings_off = data_off + 32 + 4 * ptr
    v_addr = base + strings_off
    m_addr = v_addr + len(vers)
    hdr_v = base + data_off + 32
    hdr_m = hdr_v + 2 * ptr
    header = MAGIC + bytes([ptr, 1 if big else 0])
    header += struct.pack(order + word * 2, hdr_v, hdr_m)
    header = header.ljust(32, b"\x00")
    str_hdrs = struct.pack(order + word * 4, v_addr, len(vers), m_addr, len(mod))
    payload = header + str_hdrs + vers.encode() + mod.encode()
    total = data_off + len(payload)
    ident = b"\x7fELF" + bytes([2 if ptr == 8 else 1, 2 if big else 1, 1]) + b"\x00" * 9
    if ptr == 8:
        eh = ident + struct.pack(
            order + "HHIQQQIHHHHHH", 2, 62, 1, base, ehsize, 0, 0, ehsize, phsize, 1, 64, 0, 0
        )
        ph = struct.pack(order + "IIQQQQQQ", 1, 6, 0, base, base, total, total, 0x1000)
    else:
        eh = ident + struct.pack(
            order + "HHIIIIIHHHHHH", 2, 3, 1, base, ehsize, 0, 0, ehsize, phsize, 1, 40, 0, 0
        )
        ph = struct.pack(order + "IIIIIIII", 1, 0, base, base, total, total, 6, 0x1000)
    blob = (eh + ph).ljust(data_off, b"\x00") + payload
    return blob


MODINFO = (
    "S" * 16  # stands in for cmd/go's 16-byte start sentinel
    + "path\texample.com/old\nmod\texample.com/old\t(devel)\t\n"
    + "dep\tgolang.org/x/text\tv0.3.0\th1:abc=\n"
    + "E" * 16
)


@pytest.mark.parametrize(("ptr", "big"), [(8, False), (4, True), (4, False), (8, True)])
def test_pointer_format(ptr: int, big: bool) -> None:
    data = _pointer_elf(ptr, big, "go1.17.13", MODINFO)
    info = read_buildinfo(data)
    assert info.go_version == "go1.17.13"
    assert info.path == "example.com/old"
    assert [(d.path, d.version, d.sum) for d in info.deps] == [
        ("golang.org/x/text", "v0.3.0", "h1:abc=")
    ]


# --- malformed input: clear errors only ----------------------------------------------------


def test_non_executable(tmp_path: object) -> None:
    with pytest.raises(NotAGoBinary, match="not an executable"):
        read_buildinfo(b"#!/bin/sh\necho hello\n" * 10)
    with pytest.raises(NotAGoBinary):
        read_buildinfo(b"")


def test_c_like_elf_has_no_build_info(corpus: Corpus) -> None:
    data = bytearray(corpus.get("stdlib").read_bytes())
    pos = data.find(MAGIC)
    data[pos : pos + len(MAGIC)] = b"\x00" * len(MAGIC)  # wrong magic
    with pytest.raises(NotAGoBinary, match="no Go build information"):
        read_buildinfo(bytes(data))


def test_huge_varint(corpus: Corpus) -> None:
    data = bytearray(corpus.get("stdlib").read_bytes())
    pos = data.find(MAGIC)
    data[pos + 32 : pos + 42] = b"\xff" * 10  # a varint that overflows 64 bits
    with pytest.raises(MalformedBinary, match="varint"):
        read_buildinfo(bytes(data))
    data[pos + 32 : pos + 42] = b"\xff\xff\xff\xff\x0f" + b"\x00" * 5  # 4 GiB string
    with pytest.raises(MalformedBinary, match=r"implausibly large|truncated"):
        read_buildinfo(bytes(data))


@pytest.mark.parametrize("fraction", [0.001, 0.01, 0.3, 0.6, 0.95])
def test_truncated(corpus: Corpus, fraction: float) -> None:
    data = corpus.get("stdlib-trimpath-sw").read_bytes()
    cut = data[: int(len(data) * fraction)]
    try:
        info = read_buildinfo(cut)
    except (NotAGoBinary, MalformedBinary) as exc:
        assert exc.message  # a sentence, not a traceback
    else:  # the build info lies before the cut: it must then be complete and right
        assert info.go_version.startswith("go")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096), st.sampled_from([b"", b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe"]))
def test_fuzz_random(data: bytes, prefix: bytes) -> None:
    with contextlib.suppress(BadInputError):  # any other exception fails the test
        read_buildinfo(prefix + data)


_SEED: dict[str, bytes] = {}


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 255)), max_size=12),
    st.integers(0, 64),
)
def test_fuzz_mutated_header(corpus: Corpus, edits: list[tuple[int, int]], hdr: int) -> None:
    if "seed" not in _SEED:
        _SEED["seed"] = corpus.get("stdlib-386").read_bytes()
    data = bytearray(_SEED["seed"])
    pos = data.find(MAGIC)
    for off, value in edits:
        data[(pos + off) % len(data)] = value
    data[pos + (hdr % 48)] ^= 0xFF
    with contextlib.suppress(BadInputError):
        read_buildinfo(bytes(data))
