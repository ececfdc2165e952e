"""A cache of compiled binaries (like ko's ``KOCACHE``), so a rebuild of unchanged source
skips the link step that ``-ldflags=-buildid=`` otherwise forces on every ``go build``.

The key covers the whole source tree by content (every file, since ``//go:embed`` can pull in
any of them; see :mod:`goship.gobuild.sourcehash`), the package, platform, tags, ldflags, the
sanitised GOFLAGS, ``GOEXPERIMENT``/``GOTOOLCHAIN``/``GOFIPS140`` and the Go binary. Module
dependencies are pinned by ``go.sum``, which is part of the tree. cgo builds (which depend on
the system's C toolchain and headers) and trees that are not :func:`cacheable_root` are never
cached. ``GOSHIP_NO_BUILD_CACHE=1`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from goship.gobuild.sourcehash import cacheable_root, stat_key, tree_digest
from goship.gobuild.toolchain import find_go

FORMAT = 1
_ENV_KEYS = ("GOEXPERIMENT", "GOTOOLCHAIN", "GOFIPS140", "GODEBUG", "GOROOT")


def tree_key(root: Path) -> str | None:
    """The source half of the key, or None when the tree must not be cached."""
    if os.environ.get("GOSHIP_NO_BUILD_CACHE") or not cacheable_root(root):
        return None
    return tree_digest(root)


def binary_key(tree: str, args: list[str], env: dict[str, str], package: str) -> str:
    go = find_go()
    header = {
        "format": FORMAT,
        "tree": tree,
        "args": args,
        "env": {**{k: os.environ.get(k, "") for k in _ENV_KEYS}, **env},
        "package": package,
        "go": f"{go}:{stat_key(Path(go))}",
    }
    return hashlib.sha256(json.dumps(header, sort_keys=True).encode()).hexdigest()


class BinaryCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    def fetch(self, key: str, dest: Path) -> bool:
        """Put the cached binary for ``key`` at ``dest`` (a hard link, else a copy); False on a
        miss."""
        src = self.root / key[:2] / key
        if not src.is_file():
            return False
        try:
            try:  # goship never writes to a built binary in place (see store)
                os.link(src, dest)
            except OSError:  # another file system
                shutil.copyfile(src, dest)
            os.chmod(dest, 0o755)
        except OSError:
            return False
        return True

    def sha256(self, key: str) -> str | None:
        """The sha256 of the binary cached under ``key``, when it was recorded."""
        try:
            text = (self.root / key[:2] / f"{key}.sha256").read_text().strip()
        except OSError:
            return None
        return text if len(text) == 64 and all(c in "0123456789abcdef" for c in text) else None

    def record_sha256(self, key: str, digest: str) -> None:
        """Remember the sha256 of the binary under ``key`` (so an unchanged rebuild does not
        read 20 MiB to hash it again); failures are ignored."""
        target = self.root / key[:2] / f"{key}.sha256"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
            with os.fdopen(fd, "w") as fh:
                fh.write(digest + "\n")
            os.replace(tmp, target)
        except OSError:
            pass

    def store(self, key: str, binary: Path) -> None:
        """Remember ``binary`` under ``key`` (atomically; failures are ignored)."""
        target = self.root / key[:2] / key
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
            os.close(fd)
            try:  # a hard link costs nothing; goship never writes to a built binary in place
                os.unlink(tmp)
                os.link(binary, tmp)
            except OSError:  # another file system
                shutil.copyfile(binary, tmp)
            os.replace(tmp, target)
        except OSError:
            pass
