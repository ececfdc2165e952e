"""The .env parser of goship dev: syntax, quoting, expansion, errors with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from goship.dev.dotenv import load_dotenv, parse_dotenv
from goship.errors import BadInputError


def test_plain_comments_blank_lines_and_export() -> None:
    text = "# a comment\n\nA=1\nexport B=two\n  C = spaced value  \nD=\n"
    assert parse_dotenv(text) == {"A": "1", "B": "two", "C": "spaced value", "D": ""}


def test_inline_comment_needs_whitespace_before_hash() -> None:
    text = "URL=http://x/#frag\nN=5 # five\nH=#not-a-comment-start\n"
    assert parse_dotenv(text) == {"URL": "http://x/#frag", "N": "5", "H": ""}


def test_single_quotes_are_literal() -> None:
    text = "A=x\nB='${A} \\n $A # kept'\n"
    assert parse_dotenv(text)["B"] == "${A} \\n $A # kept"


def test_double_quotes_expand_and_unescape() -> None:
    text = 'A=world\nB="hello ${A}\\n\\t\\"q\\" \\\\ \\${A}" # trailing comment\n'
    assert parse_dotenv(text)["B"] == 'hello world\n\t"q" \\ ${A}'


def test_multiline_quoted_values() -> None:
    text = "KEY=\"line one\nline two\"\nNEXT=after\nLIT='a\nb'\n"
    assert parse_dotenv(text) == {"KEY": "line one\nline two", "NEXT": "after", "LIT": "a\nb"}


def test_expansion_prefers_earlier_keys_then_base_then_empty() -> None:
    base = {"HOME": "/home/me", "A": "from-base"}
    text = "A=from-file\nP=${HOME}/data\nQ=${A}\nR=${MISSING}x\nS=$HOME\n"
    got = parse_dotenv(text, base)
    assert got == {"A": "from-file", "P": "/home/me/data", "Q": "from-file", "R": "x", "S": "$HOME"}
    assert "HOME" not in got  # base is for lookups only


def test_expansion_defaults() -> None:
    text = (
        "EMPTY=\nA=${EMPTY:-dflt}\nB=${EMPTY-dflt}\nC=${UNSET-dflt}\nD=${UNSET:-${EMPTY:-nested}}\n"
    )
    got = parse_dotenv(text)
    assert (got["A"], got["B"], got["C"], got["D"]) == ("dflt", "", "dflt", "nested")


def test_later_assignment_wins_and_crlf_and_bom() -> None:
    text = "\ufeffA=1\r\nA=2\r\n"
    assert parse_dotenv(text) == {"A": "2"}


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("A=1\nnot an assignment\n", 2, "cannot parse"),
        ('A=1\n\nB="never closed\nC=3\n', 3, "unterminated"),
        ("A='x' junk\n", 1, "after the closing quote"),
        ("1BAD=x\n", 1, "cannot parse"),
        ("JUSTAKEY\n", 1, "cannot parse"),
    ],
)
def test_errors_name_file_and_line(text: str, line: int, needle: str) -> None:
    with pytest.raises(BadInputError) as info:
        parse_dotenv(text, source="proj/.env")
    assert f"proj/.env:{line}:" in info.value.message
    assert needle in info.value.message
    assert info.value.hint


def test_load_dotenv_reads_file_and_reports_unreadable(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("PORT=9000\n")
    assert load_dotenv(env) == {"PORT": "9000"}
    with pytest.raises(BadInputError, match="cannot read"):
        load_dotenv(tmp_path / "missing.env")
