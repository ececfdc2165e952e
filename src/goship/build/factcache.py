"""A cache of ``inspect`` facts for ``goship build``, so a warm rebuild costs about what
``go build`` costs.

The key covers everything the analysis reads: the content of every Go source, ``go.mod``,
``go.sum``, ``go.work`` and config-like file under the project (``vendor/`` included), the
absolute project path, the ``--main``/tags arguments, the Go toolchain binary, the Go
environment variables that change ``go list`` and the analysis code itself. Directories that
are goship outputs (they hold ``oci-layout``), ``.git`` and ``node_modules`` are skipped. Only
a module root (a directory with ``go.mod`` and no ``go.work`` above it) is cached; anything
else is analysed every time. ``GOSHIP_NO_FACT_CACHE=1`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import goship
from goship.gobuild.sourcehash import cacheable_root, stat_key, tree_digest
from goship.gobuild.toolchain import find_go
from goship.project.facts import ProjectFacts

FORMAT = 1
_SUFFIXES = frozenset(
    {
        ".go",
        ".mod",
        ".sum",
        ".work",
        ".s",
        ".c",
        ".h",
        ".yaml",
        ".yml",
        ".json",
        ".toml",
        ".env",
        ".ini",
        ".hcl",
        ".properties",
        ".syso",
    }
)
_ENV_KEYS = (
    "GOFLAGS",
    "GOOS",
    "GOARCH",
    "CGO_ENABLED",
    "GOEXPERIMENT",
    "GOWORK",
    "GO111MODULE",
    "GOTOOLCHAIN",
    "CC",
)


def _analysis_fingerprint() -> str:
    pkg = Path(__file__).resolve().parent.parent / "project"
    parts = [goship.__version__]
    for f in sorted(pkg.glob("*.py")):
        parts.append(f"{f.name}:{stat_key(f)}")
    return "|".join(parts)


def fact_key(root: Path, main: str | None, tags: str) -> str | None:
    """The cache key for ``root``, or None when it must not be cached."""
    if os.environ.get("GOSHIP_NO_FACT_CACHE") or not cacheable_root(root):
        return None
    go = find_go()
    header = {
        "format": FORMAT,
        "root": str(root.resolve()),
        "main": main,
        "tags": tags,
        "go": f"{go}:{stat_key(Path(go))}",
        "env": {k: os.environ.get(k) for k in _ENV_KEYS},
        "analysis": _analysis_fingerprint(),
        "tree": tree_digest(root, _SUFFIXES),
    }
    return hashlib.sha256(json.dumps(header, sort_keys=True).encode()).hexdigest()


def cached_facts(
    root: Path,
    main: str | None,
    tags: str,
    cache_dir: Path,
    analyse: Callable[[], ProjectFacts],
) -> ProjectFacts:
    """Facts from the cache when the key matches, else ``analyse()`` (then stored)."""
    key = fact_key(root, main, tags)
    if key is None:
        return analyse()
    hit = _read(cache_dir / f"{key}.json")
    if hit is not None:
        return hit
    facts = analyse()
    _write(cache_dir / f"{key}.json", facts)
    return facts


def _read(record: Path) -> ProjectFacts | None:
    try:
        return ProjectFacts.from_json(json.loads(record.read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write(record: Path, facts: ProjectFacts) -> None:
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=record.parent)
        with os.fdopen(fd, "w") as fh:
            json.dump(facts.to_json(), fh)
        os.replace(tmp, record)
    except OSError:
        pass  # a cache that cannot be written is not an error
