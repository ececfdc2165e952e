"""Look a key up in the service's own config files (ini, yaml, toml, json, .env).

Used when the listen port comes from a config loader (viper without a default, go-ini
MapTo, ...): the value written in the config file that ships with the service is the
port it listens on unless overridden. The lookup is line based on purpose — no YAML
library, and it reports the line for evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CONFIG_EXTS = (".ini", ".yaml", ".yml", ".toml", ".json", ".env", ".conf", ".properties")
_LINE = re.compile(r"""^(\s*)["']?([A-Za-z0-9_.-]+)["']?\s*[:=]\s*(.*?)\s*,?\s*$""")
_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")


@dataclass(frozen=True)
class ConfigValue:
    value: str
    file: str  # relative to the project root
    line: int
    key: str


def _norm(key: str) -> str:
    return re.sub(r"[_\-]", "", key).lower()


def _clean(raw: str) -> str:
    raw = re.split(r"\s+[#;]|\s+//", raw, maxsplit=1)[0].strip().rstrip(",")
    return raw.strip("\"'")


def config_files(root: Path, runtime: list[str]) -> list[str]:
    """Runtime paths that are config files (or directories holding them), as files."""
    out = []
    for rel in runtime:
        p = root / rel
        if p.is_file() and p.suffix in CONFIG_EXTS:
            out.append(rel)
        elif p.is_dir():
            out.extend(
                f"{rel}/{c.name}" if rel != "." else c.name
                for c in sorted(p.iterdir())
                if c.is_file() and c.suffix in CONFIG_EXTS
            )
    return out


def lookup(root: Path, files: list[str], names: list[str]) -> ConfigValue | None:
    """The first value for one of ``names`` (``server.port``, ``HttpPort``) in ``files``.

    A dotted name matches a key under its parent (yaml nesting, ini/toml section); a plain
    name matches a key anywhere. Comparison ignores case, ``_`` and ``-``.
    """
    for rel in files:
        try:
            text = (root / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for name in names:
            found = _find(text, name)
            if found is not None:
                value, line = found
                return ConfigValue(value, rel, line, name)
    return None


def _find(text: str, name: str) -> tuple[str, int] | None:
    parts = [_norm(p) for p in name.split(".") if p]
    if not parts:
        return None
    want, parents = parts[-1], parts[:-1]
    stack: list[tuple[int, str]] = []  # (indent, key) of enclosing yaml/json blocks
    section: list[str] = []
    for no, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith(("#", ";", "//")):
            continue
        sec = _SECTION.match(raw)
        if sec:
            section = [_norm(s) for s in sec.group(1).strip().strip("[]").split(".")]
            stack = []
            continue
        m = _LINE.match(raw)
        if not m:
            continue
        indent, key, value = len(m.group(1)), _norm(m.group(2)), _clean(m.group(3))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if value in ("", "{"):
            stack.append((indent, key))
            continue
        dotted = [_norm(k) for k in m.group(2).split(".")]
        path = section + [k for _, k in stack] + dotted[:-1]
        if dotted[-1] == want and (not parents or path[-len(parents) :] == parents):
            return value, no
    return None
