"""The final filesystem of an image, built layer by layer from tar members (no disk).

Paths are absolute and normalised. Whiteouts (``.wh.NAME``, ``.wh..wh..opq``) hide what lower
layers had; each entry hidden or overwritten is passed to :meth:`FsView.hidden` (audit counts
the *wasted bytes* there). Symlinks are resolved inside the image tree the way the kernel
resolves them inside a container's root, except that a ``..`` climbing above the root is
refused: that is how a hostile archive reaches outside the directory it is unpacked into.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from goship.errors import BadInputError

MAX_LINK_HOPS = 40  # the kernel's ELOOP limit


@dataclass
class FileEntry:
    """The final state of one path: kind is file | dir | symlink | hardlink | other."""

    path: str  # absolute in the image
    kind: str
    size: int
    mode: int
    uid: int
    gid: int
    layer: int
    target: str = ""  # symlink / hardlink target


class EscapeError(BadInputError):
    """A path or link that leaves the image root."""


def split(path: str) -> list[str]:
    return [p for p in path.split("/") if p not in ("", ".")]


def lexical_target(link_path: str, target: str) -> str:
    """Where a symlink at ``link_path`` points, lexically; raises EscapeError when a ``..``
    climbs above the image root."""
    parts = [] if target.startswith("/") else split(posixpath.dirname(link_path))
    for comp in split(target):
        if comp == "..":
            if not parts:
                raise EscapeError(f"symlink {link_path} -> {target} points outside the image root")
            parts.pop()
        else:
            parts.append(comp)
    return "/" + "/".join(parts)


class FsView:
    def __init__(self) -> None:
        self.files: dict[str, FileEntry] = {"/": FileEntry("/", "dir", 0, 0o755, 0, 0, -1)}
        self.children: dict[str, set[str]] = {"/": set()}

    # -- lookups -----------------------------------------------------------------------
    def resolve(self, path: str, *, follow_last: bool = True) -> str:
        """The real path of ``path``, following symlinks in the image; EscapeError when a
        link chain leaves the root or loops."""
        todo = split(path)
        todo.reverse()
        parts: list[str] = []
        hops = 0
        while todo:
            comp = todo.pop()
            if comp == "..":
                if not parts:
                    raise EscapeError(f"{path} resolves outside the image root")
                parts.pop()
                continue
            cur = "/" + "/".join([*parts, comp])
            entry = self.files.get(cur)
            if entry is not None and entry.kind == "symlink" and (todo or follow_last):
                hops += 1
                if hops > MAX_LINK_HOPS:
                    raise EscapeError(f"{path}: too many levels of symbolic links")
                if entry.target.startswith("/"):
                    parts = []
                todo.extend(reversed(split(entry.target)))
                continue
            parts.append(comp)
        return "/" + "/".join(parts)

    def lookup(self, path: str) -> FileEntry | None:
        """The entry ``path`` ends at after following symlinks, or None (also for escapes)."""
        try:
            real = self.resolve(path)
        except EscapeError:
            return None
        entry = self.files.get(real)
        if entry is not None and entry.kind == "hardlink":
            return self.files.get(entry.target, entry)
        return entry

    def exists(self, path: str) -> bool:
        return self.lookup(path) is not None

    def listdir(self, path: str) -> list[str]:
        try:
            real = self.resolve(path)
        except EscapeError:
            return []
        return sorted(self.children.get(real, ()))

    # -- changes -----------------------------------------------------------------------
    def hidden(self, entry: FileEntry) -> None:
        """Called for each entry a whiteout or a later entry removes (a hook; no-op here)."""

    def _drop(self, path: str, below: int | None) -> bool:
        """Remove ``path`` and its subtree (only entries of layers < ``below`` when given);
        True when ``path`` itself is gone."""
        entry = self.files.get(path)
        if entry is None:
            return True
        kept = False
        for name in list(self.children.get(path, ())):
            if not self._drop(f"{path.rstrip('/')}/{name}", below):
                kept = True
        if kept or (below is not None and entry.layer >= below) or path == "/":
            return False
        self.hidden(entry)
        del self.files[path]
        self.children.pop(path, None)
        parent, name = posixpath.split(path)
        self.children.get(parent, set()).discard(name)
        return True

    def whiteout(self, path: str, layer: int) -> None:
        self._drop(path, layer)

    def opaque(self, directory: str, layer: int) -> None:
        for name in list(self.children.get(directory, ())):
            self._drop(f"{directory.rstrip('/')}/{name}", layer)

    def _ensure_dir(self, path: str, layer: int) -> None:
        if path in self.files and self.files[path].kind == "dir":
            return
        parent, name = posixpath.split(path)
        self._ensure_dir(parent, layer)
        old = self.files.get(path)
        if old is not None:  # a file where a directory is needed: the directory wins
            self._drop(path, None)
        self.files[path] = FileEntry(path, "dir", 0, 0o755, 0, 0, layer)
        self.children[path] = set()
        self.children[parent].add(name)

    def put(self, entry: FileEntry) -> None:
        """Add ``entry`` (its path already resolved), replacing what was there."""
        parent, name = posixpath.split(entry.path)
        self._ensure_dir(parent, entry.layer)
        old = self.files.get(entry.path)
        if old is not None:
            if old.kind == "dir" and entry.kind == "dir":
                self.files[entry.path] = entry
                return
            self._drop(entry.path, None)
        self.files[entry.path] = entry
        if entry.kind == "dir":
            self.children[entry.path] = set()
        self.children[parent].add(name)
