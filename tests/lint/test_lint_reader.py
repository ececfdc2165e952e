"""The Dockerfile reader: garbled input never crashes (it parses or raises BadInputError),
parse errors name the line, and the stage model resolves ARG bases and --from."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lint_corpus import CORPUS

from goship.errors import BadInputError
from goship.lint.engine import lint_parsed
from goship.lint.final import analyze_final
from goship.lint.model import parse_dockerfile
from goship.lint.stages import expand, stages_of

WORDS = st.sampled_from(
    [
        "FROM",
        "RUN",
        "COPY",
        "ARG",
        "ENV",
        "USER",
        "HEALTHCHECK",
        "EXPOSE",
        "ONBUILD",
        "WORKDIR",
        "AS",
        "<<EOF",
        "EOF",
        "\\",
        "#",
        "--from=",
        "--mount=type=cache,target=/x",
        "${A:-b}",
        "$",
        "[",
        "]",
        '"',
        "'",
        "go build -o /x .",
        "CMD",
        "=",
        ":",
        "\n",
        " ",
        "\t",
    ]
)
GARBLE = st.one_of(
    st.text(max_size=400),
    st.lists(WORDS, max_size=60).map("".join),
    st.lists(st.one_of(WORDS, st.text(max_size=5)), max_size=60).map(" ".join),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(GARBLE)
def test_garbled_text_parses_or_is_bad_input(text: str) -> None:
    try:
        df = parse_dockerfile(text)
    except BadInputError as exc:
        assert "cannot parse" in exc.message
        return
    # whatever parses goes through the whole rule set without crashing
    lint_parsed(df, None)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    with contextlib.suppress(BadInputError):
        lint_parsed(parse_dockerfile(data.decode("utf-8", "surrogateescape")), None)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("FROM a:1\nRUN true\nRUN <<EOF\necho x\n", 3),
        ("FROM a:1\nCOPY <<EOF /x\nok\nEOF\nRUN <<END\nnever\n", 5),
        ("# only a comment\n", None),
    ],
)
def test_parse_errors_name_the_line(text: str, line: int | None) -> None:
    with pytest.raises(BadInputError) as info:
        parse_dockerfile(text, "Dockerfile")
    if line is not None:
        assert info.value.message.startswith(f"Dockerfile:{line}:")


def test_expand() -> None:
    vals: dict[str, str | None] = {"A": "x", "E": ""}
    assert expand("${A}-$A-${B:-d}-${E:-e}-${A:+set}-${B:+no}", vals) == ("x-x-d-e-set-", True)
    assert expand("img:$MISSING", vals) == ("img:$MISSING", False)


def test_stage_model() -> None:
    df = parse_dockerfile(
        "ARG GO=1.24\nARG RT=gcr.io/distroless/static-debian12:nonroot\n"
        "FROM golang:${GO} AS build\nRUN go build -o /app .\n"
        "FROM build AS test\nRUN go test ./...\n"
        "FROM ${RT}\nCOPY --from=build /app /app\n"
    )
    bf = stages_of(df)
    assert [s.name for s in bf.stages] == ["build", "test", None]
    assert bf.stages[0].base == "golang:1.24" and bf.stages[1].parent is bf.stages[0]
    final = analyze_final(bf)
    assert final is not None
    assert final.info.kind == "distroless" and final.info.libc == "none" and final.info.nonroot
    assert [s.name for s, _ in final.builds] == ["build"]  # the test stage does not feed it
    assert final.copies[0].from_stage is bf.stages[0]


def test_surrogates_and_nul_do_not_reach_the_parser() -> None:
    df = parse_dockerfile("FROM a:1\nRUN echo \udcff\x00\n")
    assert df.instructions[1].cmd == "RUN"


CORPUS_TEXTS = sorted(p.read_text() for p in CORPUS.glob("*.Dockerfile"))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(CORPUS_TEXTS),
    st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 40), st.text(max_size=8)), max_size=6),
)
def test_mutated_corpus_files(text: str, edits: list[tuple[int, int, str]]) -> None:
    for pos, cut, insert in edits:
        pos %= len(text) + 1
        text = text[:pos] + insert + text[pos + cut :]
    try:
        df = parse_dockerfile(text)
    except BadInputError:
        return
    lint_parsed(df, None)


def test_multibyte_character_cut_by_the_binding() -> None:
    # found by test_mutated_corpus_files: the binding used to raise UnicodeDecodeError
    text = "FROM --platform=$BUILDPLATFORM golang:1.24 AS build\n"
    df = parse_dockerfile(text[:14] + "\U00020000" + text[14:] + "RUN true\n")
    assert [i.cmd for i in df.instructions] == ["FROM", "RUN"]


def test_huge_expose_range_is_cheap() -> None:
    from goship.project.facts import ProjectFacts, Service

    facts = ProjectFacts(root="/nonexistent", module="m", go_version=None, service=Service(port=80))
    df = parse_dockerfile("FROM scratch\nEXPOSE 1-999999999999999999\nUSER 1\n")
    assert lint_parsed(df, facts) == []
