"""Content digests of a Go project tree, the key material of goship's build caches.

A tree is cacheable when its ``go.mod`` is at the root, no ``go.work`` above it takes over,
and no ``replace`` points at a directory outside it (that content would not be hashed).
Walks skip ``.git``/``.hg``/``.svn``, ``node_modules`` and goship's own outputs (directories
holding ``oci-layout``). Files up to 4 MiB are hashed by content (so two clones hash alike),
larger ones by size and mtime.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Collection, Iterator
from pathlib import Path

from goship.gobuild.treewalk import walk_files

_MAX_HASHED = 4 << 20
_REPLACE_RE = re.compile(r"=>\s*(\S+)\s*(\S*)\s*$")


def cacheable_root(root: Path) -> bool:
    gomod = root / "go.mod"
    if not gomod.is_file() or os.environ.get("GOWORK", "") not in ("", "off"):
        return False
    if any((p / "go.work").is_file() for p in root.resolve().parents):
        return False
    resolved = root.resolve()
    try:
        text = gomod.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        m = _REPLACE_RE.search(line.split("//", 1)[0])
        if m and not m.group(2) and m.group(1).startswith((".", "/")):
            target = (root / m.group(1)).resolve()
            if not target.is_relative_to(resolved):
                return False
    return True


def stat_key(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def iter_files(root: Path, suffixes: Collection[str] | None = None) -> Iterator[Path]:
    """Regular files under ``root`` in a stable order (optionally only these suffixes)."""
    for name in walk_files(str(root)):
        path = Path(name)
        if suffixes is not None and path.suffix not in suffixes:
            continue
        if path.is_file():
            yield path


def tree_digest(root: Path, suffixes: Collection[str] | None = None) -> str:
    """sha256 over (relative path, content) of every file :func:`iter_files` yields."""
    h = hashlib.sha256()
    for path in iter_files(root, suffixes):
        h.update(f"\0{path.relative_to(root).as_posix()}\0".encode())
        if path.stat().st_size > _MAX_HASHED:
            h.update(stat_key(path).encode())
        else:
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()
