"""The files of a project tree that goship's source digests cover, in a stable order.

One walk for :mod:`goship.gobuild.sourcehash` (the binary cache's content digest) and
:mod:`goship.build.prestart` (the stat stamp that lets it skip an unneeded early compile): if
they disagreed on what the tree is, a stamp could call a changed tree unchanged. ``os`` only,
because prestart runs before anything heavy is imported. Version-control and ``node_modules``
directories are skipped, and so is any sub-directory that is an OCI layout (a previous
``goship build --output`` inside the project).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

SKIP_DIRS = frozenset({".git", "node_modules", ".hg", ".svn"})


def walk_files(root: str) -> Iterator[str]:
    """Every file name under ``root`` (joined to it), directories in sorted order."""
    for dirpath, dirnames, filenames in os.walk(root):
        if dirpath != root and "oci-layout" in filenames:
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            yield os.path.join(dirpath, name)
