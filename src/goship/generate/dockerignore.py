""".dockerignore patterns, and the re-includes that keep needed files in the context.

Patterns follow Docker's rules (Go ``filepath.Match`` per path segment, ``**`` for any number
of directories, a pattern matching a directory excludes everything below it). When a pattern
would drop a runtime file or a build input, goship appends ``!<path>`` for it.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "templates" / "docker" / "dockerignore.j2"


def patterns() -> list[str]:
    """The exclusion patterns of the template (comments, blanks and jinja lines skipped)."""
    out: list[str] = []
    for line in TEMPLATE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "{", "!")):
            continue
        out.append(line)
    return out


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    pat = pattern.strip().rstrip("/").lstrip("/")
    parts: list[str] = []
    i = 0
    while i < len(pat):
        if pat.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            parts.append(".*")
            i += 2
        elif pat[i] == "*":
            parts.append("[^/]*")
            i += 1
        elif pat[i] == "?":
            parts.append("[^/]")
            i += 1
        else:
            parts.append(re.escape(pat[i]))
            i += 1
    return re.compile("^" + "".join(parts) + "$")


def excluded_by(path: str, pats: list[str]) -> str | None:
    """The first pattern that excludes ``path`` or one of its parent directories."""
    segments = path.strip("/").split("/")
    prefixes = ["/".join(segments[: i + 1]) for i in range(len(segments))]
    for pat in pats:
        rx = _regex(pat)
        if any(rx.match(p) for p in prefixes):
            return pat
    return None


def reincludes(needed: list[str]) -> list[str]:
    """``needed`` paths that the patterns would exclude, to re-include with ``!path``."""
    pats = patterns()
    return [p for p in dict.fromkeys(needed) if excluded_by(p, pats) is not None]
