"""The Go build information of a binary as data, and the parser for its text form.

The text form is what ``runtime/debug.BuildInfo.String`` writes and ``go version -m`` prints:
tab-separated ``path``, ``mod``, ``dep``, ``=>`` (replacement of the line above) and ``build``
lines. Build setting keys and values that contain spaces, tabs, quotes or ``=`` are written as
Go double-quoted strings.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from goship.vuln.errors import MalformedBinary

MAX_LINES = 100_000


@dataclass(frozen=True)
class Module:
    """A module as recorded in the build info. ``sum`` is the go.sum ``h1:`` hash (may be empty,
    e.g. for the main module or for replacements by a local directory)."""

    path: str
    version: str
    sum: str = ""
    replace: Module | None = None

    @property
    def effective(self) -> Module:
        """The module whose code was built: the replacement when there is one."""
        return self.replace if self.replace is not None else self

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "version": self.version}
        if self.sum:
            data["sum"] = self.sum
        if self.replace is not None:
            data["replace"] = self.replace.to_json()
        return data


@dataclass(frozen=True)
class BuildInfo:
    """What ``go version -m`` shows for one binary."""

    go_version: str
    path: str = ""
    main: Module | None = None
    deps: tuple[Module, ...] = ()
    settings: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def setting(self, key: str) -> str | None:
        for k, v in self.settings:
            if k == key:
                return v
        return None

    @property
    def goos(self) -> str:
        return self.setting("GOOS") or ""

    @property
    def goarch(self) -> str:
        return self.setting("GOARCH") or ""

    @property
    def trimpath(self) -> bool:
        return self.setting("-trimpath") == "true"

    def to_json(self) -> dict[str, Any]:
        return {
            "go_version": self.go_version,
            "path": self.path,
            "main": self.main.to_json() if self.main else None,
            "deps": [d.to_json() for d in self.deps],
            "settings": dict(self.settings),
        }


def unquote_go(text: str) -> str:
    """Undo Go's ``strconv.Quote`` for a build setting key or value (plain text is returned
    as is)."""
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return text
        return value if isinstance(value, str) else text
    return text


def _module(fields: list[str], line_no: int) -> Module:
    if len(fields) < 2:
        raise MalformedBinary(f"build info line {line_no}: a module line needs a path")
    path = fields[1]
    version = fields[2] if len(fields) > 2 else ""
    summ = fields[3] if len(fields) > 3 else ""
    return Module(path, version, summ)


def parse_modinfo(go_version: str, text: str) -> BuildInfo:
    """Parse the module-info text embedded in a binary (sentinels already removed)."""
    path = ""
    main: Module | None = None
    deps: list[Module] = []
    settings: list[tuple[str, str]] = []
    last: str | None = None  # "main" or "dep": what a "=>" line replaces
    lines = text.split("\n")
    if len(lines) > MAX_LINES:
        raise MalformedBinary("build info has too many lines")
    for no, raw in enumerate(lines, 1):
        line = raw.rstrip("\r")
        if not line:
            continue
        kind, _, rest = line.partition("\t")
        if kind == "go":
            go_version = go_version or rest
        elif kind == "path":
            path = rest
        elif kind == "mod":
            main, last = _module(line.split("\t"), no), "main"
        elif kind == "dep":
            deps.append(_module(line.split("\t"), no))
            last = "dep"
        elif kind == "=>":
            repl = _module(line.split("\t"), no)
            if last == "main" and main is not None:
                main = Module(main.path, main.version, main.sum, repl)
            elif last == "dep" and deps:
                d = deps[-1]
                deps[-1] = Module(d.path, d.version, d.sum, repl)
            else:
                raise MalformedBinary(f"build info line {no}: replacement without a module")
            last = None
        elif kind == "build":
            settings.append(_setting(rest))
        # unknown line kinds are ignored, as Go does for forward compatibility
    return BuildInfo(go_version, path, main, tuple(deps), tuple(settings))


def _setting(rest: str) -> tuple[str, str]:
    if rest.startswith('"'):
        # quoted key: find the closing quote that is not escaped
        i, escaped = 1, False
        while i < len(rest):
            ch = rest[i]
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                break
            i += 1
        key, value = rest[: i + 1], rest[i + 2 :]
    else:
        key, _, value = rest.partition("=")
    return unquote_go(key), unquote_go(value)


def parse_go_version_m(output: str) -> dict[str, BuildInfo]:
    """Parse ``go version -m FILE...`` output (used to cross-check the reader in tests)."""
    result: dict[str, BuildInfo] = {}
    current: str | None = None
    go_version = ""
    body: list[str] = []

    def flush() -> None:
        if current is not None:
            result[current] = parse_modinfo(go_version, "\n".join(body))

    for line in output.splitlines():
        if line.startswith("\t"):
            body.append(line[1:])
            continue
        flush()
        name, _, ver = line.rpartition(": ")
        current, go_version, body = name, ver.strip(), []
    flush()
    return result
