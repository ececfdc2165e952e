"""Reading a Dockerfile with BuildKit's own parser (the ``dockerfile`` package).

:func:`read_dockerfile` never crashes on garbled input: the text is made valid UTF-8 first
(the parser's C bridge aborts the process on lone surrogates), and every parser failure
becomes a :class:`BadInputError` naming the line where parsing stops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import dockerfile  # type: ignore[import-not-found]

from goship.errors import BadInputError

MAX_BYTES = 1 << 20  # a Dockerfile over 1 MiB is not a Dockerfile
_IGNORE_RE = re.compile(r"#\s*goship:ignore=([A-Za-z0-9_,\- ]+)")
_SEARCH_LIMIT = 1500  # lines: above this a parse error is reported without a line number


@dataclass(frozen=True)
class Heredoc:
    name: str
    content: str


@dataclass(frozen=True)
class Instruction:
    """One logical instruction (line continuations joined by the parser)."""

    cmd: str  # upper case: FROM, RUN, COPY, ...
    sub_cmd: str | None  # the instruction inside ONBUILD
    json: bool  # exec (JSON array) form
    original: str
    line: int  # 1-based first line
    end_line: int
    flags: tuple[str, ...]
    value: tuple[str, ...]
    heredocs: tuple[Heredoc, ...] = ()
    ignores: frozenset[str] = frozenset()  # ids named by `# goship:ignore=` for this line

    def flag(self, name: str) -> str | None:
        """Value of ``--name=value`` (last one wins), ``""`` for a bare ``--name``."""
        found: str | None = None
        for f in self.flags:
            key, eq, val = f.lstrip("-").partition("=")
            if key == name:
                found = val if eq else ""
        return found

    def flag_values(self, name: str) -> list[str]:
        """Every value of a repeatable flag such as ``--mount``."""
        out = []
        for f in self.flags:
            key, _, val = f.lstrip("-").partition("=")
            if key == name:
                out.append(val)
        return out


@dataclass
class Dockerfile:
    path: str  # as shown in reports
    text: str
    instructions: list[Instruction] = field(default_factory=list)

    def ignores_at(self, line: int) -> frozenset[str]:
        """The ignore ids that apply to a finding reported at ``line``."""
        for ins in self.instructions:
            if ins.line <= line <= ins.end_line:
                return ins.ignores
        return frozenset()


def clean_text(text: str) -> str:
    """Valid UTF-8 without NULs, so the Go parser sees what Python sees."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


def _parse(text: str) -> tuple[object, ...]:
    try:
        result: tuple[object, ...] = dockerfile.parse_string(text)
    except UnicodeDecodeError:
        # the binding can cut a multi-byte character when it splits words (found by the
        # fuzz test); non-ASCII text never matters to the rules, so parse it as '?'
        result = dockerfile.parse_string(text.encode("ascii", "replace").decode("ascii"))
    return result


def _error_line(lines: list[str]) -> int | None:
    """The first line of the instruction where parsing stops: the longest prefix of the file
    that parses is everything before it (heredocs make shorter prefixes fail too)."""
    if len(lines) > _SEARCH_LIMIT:
        return None
    for k in range(len(lines) - 1, -1, -1):
        prefix = "\n".join(lines[:k]) + "\n"
        try:
            _parse(prefix)
        except dockerfile.GoParseError as exc:
            if "no instructions" not in str(exc):
                continue
        for n in range(k, len(lines)):
            if lines[n].strip() and not lines[n].lstrip().startswith("#"):
                return n + 1
        return k + 1
    return None


def _ignores(lines: list[str], start: int, end: int) -> frozenset[str]:
    """Ids from ``# goship:ignore=`` on the line before ``start`` or within start..end."""
    ids: set[str] = set()
    candidates = lines[start - 1 : end]
    if start >= 2 and lines[start - 2].lstrip().startswith("#"):
        candidates = [lines[start - 2], *candidates]
    for text in candidates:
        for m in _IGNORE_RE.finditer(text):
            ids.update(p.strip() for p in m.group(1).split(",") if p.strip())
    return frozenset(ids)


def parse_dockerfile(text: str, path: str = "Dockerfile") -> Dockerfile:
    """Parse ``text``; raise :class:`BadInputError` (with the line) when BuildKit cannot."""
    text = clean_text(text)
    lines = text.splitlines()
    try:
        commands = _parse(text)
    except dockerfile.GoParseError as exc:
        where = _error_line(lines)
        at = f"{path}:{where}" if where else path
        raise BadInputError(
            f"{at}: cannot parse the Dockerfile: {exc}",
            "fix the instruction at that line (BuildKit's parser rejects it)",
        ) from exc
    out = Dockerfile(path=path, text=text)
    for c in commands:
        start, end = int(c.start_line), int(c.end_line)  # type: ignore[attr-defined]
        out.instructions.append(
            Instruction(
                cmd=str(c.cmd).upper(),  # type: ignore[attr-defined]
                sub_cmd=c.sub_cmd.upper() if c.sub_cmd else None,  # type: ignore[attr-defined]
                json=bool(c.json),  # type: ignore[attr-defined]
                original=str(c.original),  # type: ignore[attr-defined]
                line=start,
                end_line=end,
                flags=tuple(c.flags),  # type: ignore[attr-defined]
                value=tuple(c.value),  # type: ignore[attr-defined]
                heredocs=tuple(
                    Heredoc(h.name, h.content)
                    for h in c.heredocs  # type: ignore[attr-defined]
                ),
                ignores=_ignores(lines, start, end),
            )
        )
    return out


def read_dockerfile(path: Path, shown: str | None = None) -> Dockerfile:
    """Read and parse the Dockerfile at ``path``."""
    try:
        if not path.is_file():
            raise BadInputError(
                f"{path}: no such Dockerfile",
                "give the path of a Dockerfile (default ./Dockerfile)",
            )
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise BadInputError(f"cannot read {path}: {exc.strerror}", "check the path") from exc
    if len(data) > MAX_BYTES:
        raise BadInputError(f"{path} is over 1 MiB", "point goship lint at a Dockerfile")
    return parse_dockerfile(data.decode("utf-8", "replace"), shown or str(path))
