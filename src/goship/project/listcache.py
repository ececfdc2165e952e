"""A cache of ``go list -deps`` output keyed on what ``go list`` reads, not on whole files.

``go list`` (without ``-export``) reads only the *header* of each Go file: everything before the
first top-level ``func``/``var``/``const``/``type`` (package clause, build constraints, imports,
the cgo preamble) plus the ``//go:embed`` lines, and the names of the files in each directory.
So the key is: the go arguments and environment, the go binary, the project path, ``go.mod``,
``go.sum``, ``go.work``, ``vendor/modules.txt`` by content, every file's path, and every ``.go``
file's header and embed lines. An edit inside a function body keeps the key (the package graph
is reused and only the source rules run again); a new import, a new or renamed file, a build tag
or a dependency change makes a new key. Listings with package errors are never stored (they
may depend on the network or the module cache), and only :func:`cacheable_root` trees are keyed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from goship.gobuild.sourcehash import cacheable_root, iter_files, stat_key
from goship.gobuild.toolchain import find_go

FORMAT = 1
_CONTENT_FILES = frozenset({"go.mod", "go.sum", "go.work", "go.work.sum", "modules.txt"})
_ENV_PREFIXES = ("GO", "CGO_", "CC", "CXX")
# Tokens up to the first top-level declaration: comments and string literals are consumed as
# whole tokens, so a keyword inside them never ends the header.
_TOKEN = re.compile(
    rb"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\\n])*\"|`[^`]*`|^(?:func|var|const|type)\b",
    re.M | re.S,
)
_EMBED = re.compile(rb"^[ \t]*//go:embed\b[^\n]*", re.M)


def go_header(data: bytes) -> bytes:
    """The part of a Go file ``go list`` depends on: the text before the first top-level
    declaration plus every ``//go:embed`` line (the whole file when there is no declaration)."""
    end = len(data)
    for m in _TOKEN.finditer(data):
        if m.group(0)[:1] not in (b"/", b'"', b"`"):
            end = m.start()
            break
    return data[:end] + b"\0" + b"\n".join(_EMBED.findall(data[end:]))


def listing_key(root: Path, args: Sequence[str], env: Mapping[str, str]) -> str | None:
    """The cache key for ``go ARGS`` in ``root`` with ``env``; None when not cacheable."""
    if os.environ.get("GOSHIP_NO_FACT_CACHE") or not cacheable_root(root):
        return None
    go = find_go()
    h = hashlib.sha256()
    head = {
        "format": FORMAT,
        "root": str(root.resolve()),
        "args": list(args),
        "env": dict(env),
        "osenv": {k: v for k, v in sorted(os.environ.items()) if k.startswith(_ENV_PREFIXES)},
        "go": f"{go}:{stat_key(Path(go))}",
    }
    h.update(json.dumps(head, sort_keys=True).encode())
    for path in iter_files(root):
        rel = path.relative_to(root).as_posix()
        h.update(b"\0" + rel.encode() + b"\0")
        if path.suffix == ".go":
            h.update(hashlib.sha256(go_header(path.read_bytes())).digest())
        elif path.name in _CONTENT_FILES:
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def load(cache_dir: Path, key: str) -> str | None:
    try:
        return (cache_dir / f"{key}.json").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def store(cache_dir: Path, key: str, output: str) -> None:
    """Remember a listing (atomically; a cache that cannot be written is not an error)."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=cache_dir)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(output)
        os.replace(tmp, cache_dir / f"{key}.json")
    except OSError:
        pass
