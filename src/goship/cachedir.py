"""Where goship keeps its caches: ``$GOSHIP_CACHE``, else ``$XDG_CACHE_HOME/goship``, else
``~/.cache/goship``. Blobs and layers live in ``store/``, inspect facts in ``facts/``, binaries
in ``bin/``, early-compile records in ``early/``, the vulnerability database in ``vulndb/``.
``os`` only: the launcher's prestart reads it before anything heavy is imported."""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


def cache_root(environ: Mapping[str, str] | None = None) -> str:
    """The cache directory for ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ
    base = env.get("GOSHIP_CACHE")
    if base:
        return base
    xdg = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(xdg, "goship")
