"""Function names from the pclntab against `go tool nm`, across formats and stripping."""

from __future__ import annotations

import contextlib
import subprocess

import pytest
from helpers import go_binary, go_env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vuln_support import Corpus

from goship.vuln.errors import MalformedBinary
from goship.vuln.exe import open_executable
from goship.vuln.modinfo import parse_modinfo
from goship.vuln.pclntab import read_functions


def nm_functions(path: object) -> set[str]:
    proc = subprocess.run(
        [go_binary(), "tool", "nm", str(path)],
        env=go_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    names = set()
    for line in proc.stdout.splitlines():
        parts = line.split(maxsplit=2)
        if len(parts) == 3 and parts[1] in ("T", "t"):
            names.add(parts[2].removesuffix(".abi0"))
    return names


def names(path: object) -> frozenset[str]:
    with open(str(path), "rb") as fh:
        table = read_functions(open_executable(fh.read()))
    assert table is not None
    return table.names


@pytest.mark.parametrize("name", ["stdlib", "ginold", "stdlib-arm64", "stdlib-386"])
def test_superset_of_symbol_table(corpus: Corpus, name: str) -> None:
    path = corpus.get(name)
    ours, theirs = names(path), nm_functions(path)
    markers = {"runtime.text", "runtime.etext"}  # linker address markers, not functions
    missing = {
        n for n in theirs - ours - markers if not n.startswith(("go:", "type:")) and "." in n
    }
    assert not missing, sorted(missing)[:20]
    # inlined functions are included too (the name table holds them)
    assert len(ours) > len(theirs) * 0.9


@pytest.mark.parametrize(
    "name", ["stdlib-trimpath-sw", "stdlib-pie", "stdlib-windows", "stdlib-darwin"]
)
def test_found_without_symbols_or_sections(corpus: Corpus, name: str) -> None:
    found = names(corpus.get(name))
    assert "net/http.(*Server).Serve" in found
    assert "main.main" in found


def test_stripped_equals_unstripped(corpus: Corpus) -> None:
    assert names(corpus.get("ginold")) == names(corpus.get("ginold-stripped"))


def test_scan_fallback_without_section(corpus: Corpus) -> None:
    data = bytearray(corpus.get("stdlib").read_bytes())
    exe = open_executable(bytes(data))
    sec = exe.section(".gopclntab")
    assert sec is not None
    # hide the section name: the reader must find the table by its header
    idx = data.find(b".gopclntab\x00")
    data[idx : idx + 10] = b".xxxxxxxxx"
    table = read_functions(open_executable(bytes(data)))
    assert table is not None and "main.main" in table.names


_SEED: dict[str, bytes] = {}


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.tuples(st.integers(0, 96), st.integers(0, 255)), min_size=1, max_size=8))
def test_fuzz_pclntab_header(corpus: Corpus, edits: list[tuple[int, int]]) -> None:
    """Corrupted pclntab headers give no table or a partial one, never an exception."""
    if "seed" not in _SEED:
        _SEED["seed"] = corpus.get("stdlib-386").read_bytes()
    data = bytearray(_SEED["seed"])
    exe = open_executable(bytes(data))
    sec = exe.section(".gopclntab")
    assert sec is not None
    for off, value in edits:
        data[sec.offset + off] = value
    with contextlib.suppress(MalformedBinary):
        read_functions(open_executable(bytes(data)))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='\tpathmoddepbuild=>\n"\\ xv1.0', max_size=300))
def test_fuzz_modinfo_text(text: str) -> None:
    with contextlib.suppress(MalformedBinary):
        parse_modinfo("go1.22.0", text)
