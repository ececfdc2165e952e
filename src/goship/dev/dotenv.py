"""A small ``.env`` parser for ``goship dev`` (python-dotenv is not a dependency).

Supported syntax, one assignment per line::

    # comment                      blank lines and comment lines are skipped
    KEY=value                      unquoted: trimmed; `` #`` starts an inline comment
    export KEY=value               the ``export`` prefix is accepted and ignored
    KEY = value                    spaces around ``=`` are allowed
    KEY="a ${OTHER} \\n b"          double quotes: escapes \\n \\t \\r \\" \\\\ \\$, ${VAR}
                                   expansion, may span several lines
    KEY='literal ${NOT}'           single quotes: taken literally, may span several lines
    KEY=${HOME}/data               expansion in unquoted values too
    KEY=${NAME:-fallback}          default when NAME is unset or empty (``${NAME-x}``: unset)

``${VAR}`` is looked up first among the keys assigned earlier in the file, then in ``base`` (the
process environment); an unknown variable expands to the empty string. ``$VAR`` without braces
is left as it is, so ``$`` in unquoted passwords survives. A line that is none of the above
is a :class:`BadInputError` naming ``file:line``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from goship.errors import BadInputError

_KEY = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(=?)\s*")
_REF = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)(.*))?", re.S)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}
_HINT = "use KEY=value, KEY=\"quoted value\" or KEY='literal'; lines starting with # are comments"


def _expand(value: str, known: Mapping[str, str], base: Mapping[str, str]) -> str:
    """Replace ``${NAME}``, ``${NAME:-default}`` and ``${NAME-default}`` (defaults may nest)."""
    out: list[str] = []
    i = 0
    while i < len(value):
        start = value.find("${", i)
        if start < 0:
            out.append(value[i:])
            break
        out.append(value[i:start])
        end, depth = start + 2, 1
        while end < len(value) and depth:
            if value.startswith("${", end):
                depth, end = depth + 1, end + 2
                continue
            depth -= value[end] == "}"
            end += 1
        m = _REF.fullmatch(value[start + 2 : end - 1]) if depth == 0 else None
        if m is None:  # not a reference: keep the text as it is
            out.append(value[start:end])
        else:
            name, op, default = m.group(1), m.group(2), m.group(3) or ""
            current = known.get(name, base.get(name))
            if (op == ":-" and not current) or (op == "-" and current is None):
                current = _expand(default, known, base)
            out.append(current or "")
        i = end
    return "".join(out)


def _double_quoted(body: str, known: Mapping[str, str], base: Mapping[str, str]) -> str:
    """Expand ``${VAR}`` then resolve backslash escapes (an escaped ``\\$`` is never expanded)."""
    out: list[str] = []
    chunk: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body) and body[i + 1] in _ESCAPES:
            out.append(_expand("".join(chunk), known, base))
            chunk = []
            out.append(_ESCAPES[body[i + 1]])
            i += 2
            continue
        chunk.append(ch)
        i += 1
    out.append(_expand("".join(chunk), known, base))
    return "".join(out)


def _closing_quote(text: str, start: int, quote: str) -> int:
    """Index of the quote that closes the value opened at ``start`` (-1 if none)."""
    i = start + 1
    while i < len(text):
        if text[i] == "\\" and quote == '"':
            i += 2
            continue
        if text[i] == quote:
            return i
        i += 1
    return -1


def parse_dotenv(
    text: str, base: Mapping[str, str] | None = None, source: str = ".env"
) -> dict[str, str]:
    """The assignments in ``text`` in file order (a later one replaces an earlier one).

    ``base`` is used for ``${VAR}`` lookups only; it is not part of the result. ``source``
    names the file in error messages.
    """
    base = base or {}
    result: dict[str, str] = {}
    lines = text.replace("\r\n", "\n").split("\n")
    n = 0
    while n < len(lines):
        lineno = n + 1
        line = lines[n].lstrip("\ufeff") if n == 0 else lines[n]
        n += 1
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        m = _KEY.match(line)
        if m is None or not m.group(2):
            raise BadInputError(f"{source}:{lineno}: cannot parse {stripped[:60]!r}", _HINT)
        key, rest = m.group(1), line[m.end() :]
        if rest[:1] in ('"', "'"):
            quote = rest[0]
            # a quoted value may continue on the following lines
            while (end := _closing_quote(rest, 0, quote)) < 0 and n < len(lines):
                rest += "\n" + lines[n]
                n += 1
            if end < 0:
                raise BadInputError(f"{source}:{lineno}: {key}: unterminated {quote} quote", _HINT)
            tail = rest[end + 1 :].strip()
            if tail and not tail.startswith("#"):
                raise BadInputError(
                    f"{source}:{lineno}: {key}: unexpected text after the closing quote: {tail!r}",
                    _HINT,
                )
            body = rest[1:end]
            value = body if quote == "'" else _double_quoted(body, result, base)
        else:
            comment = re.search(r"(^|\s)#", rest)
            raw = rest[: comment.start()] if comment else rest
            value = _expand(raw.strip(), result, base)
        result[key] = value
    return result


def load_dotenv(path: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Parse the file at ``path`` (see :func:`parse_dotenv`); unreadable files are bad input."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(
            f"cannot read the env file {path}: {exc}", "pass a readable UTF-8 file to --env-file"
        ) from exc
    return parse_dotenv(text, base, source=str(path))
