"""Which project files the image build needs before and during ``go build``.

``module_copies`` lists the go.mod-like files copied before ``go mod download`` (so that
layer stays cached until dependencies change): go.mod, go.sum, go.work, go.work.sum, and the
go.mod/go.sum of every local module the build uses (``replace ... => ./dir`` targets and
go.work ``use`` directories). ``build_inputs`` lists the paths .dockerignore must never
exclude (Go source directories, embedded files, local modules).
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

from goship.errors import GoshipError
from goship.project.facts import ProjectFacts
from goship.project.gomod import read_gomod, read_gowork

SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".idea", ".vscode", "testdata"}


@dataclass(frozen=True)
class CopyGroup:
    """``COPY <files> <dest>`` of go.mod-like files before ``go mod download``."""

    files: tuple[str, ...]
    dest: str  # ends with "/"


def _rel_inside(root: Path, target: Path) -> str | None:
    """``target`` relative to ``root`` (posix) when inside it, else None."""
    try:
        rel = target.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return rel.as_posix()


def _local_modules(root: Path) -> list[str]:
    """Relative dirs of local modules used by the build (replace targets, go.work uses)."""
    dirs: list[str] = []
    mod_dirs = [root] if (root / "go.mod").is_file() else []
    if (root / "go.work").is_file():
        try:
            work = read_gowork(root / "go.work")
        except GoshipError:
            work = None
        if work is not None:
            mod_dirs.extend(d for d in work.uses if d.resolve() != root.resolve())
    for mod_dir in mod_dirs:
        if mod_dir != root:
            rel = _rel_inside(root, mod_dir)
            if rel and rel not in dirs:
                dirs.append(rel)
        try:
            gomod = read_gomod(mod_dir / "go.mod")
        except GoshipError:
            continue
        for rep in gomod.replaces:
            if not rep.is_local:
                continue
            rel = _rel_inside(root, mod_dir / rep.new)
            if rel and rel != "." and rel not in dirs and (root / rel / "go.mod").is_file():
                dirs.append(rel)
    return dirs


def module_copies(root: Path) -> list[CopyGroup]:
    top = tuple(f for f in ("go.mod", "go.sum", "go.work", "go.work.sum") if (root / f).is_file())
    groups = [CopyGroup(top or ("go.mod",), "./")]
    for rel in _local_modules(root):
        files = tuple(f"{rel}/{f}" for f in ("go.mod", "go.sum") if (root / rel / f).is_file())
        groups.append(CopyGroup(files, f"{rel}/"))
    return groups


def _go_dirs(root: Path) -> list[str]:
    """Directories holding Go source or a go.mod (a vendor/ tree counts as one entry)."""
    found: set[str] = set()
    if not root.is_dir():
        return []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root).as_posix()
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        if rel == "vendor":
            found.add(rel)
            dirnames[:] = []
            continue
        if any(f.endswith(".go") or f == "go.mod" for f in filenames):
            found.add(rel)
    return sorted(found)


def build_inputs(root: Path, facts: ProjectFacts, copies: list[CopyGroup]) -> list[str]:
    main = facts.main_package()
    main_dir = main.dir if main else "."
    paths: list[str] = []
    for group in copies:
        paths.extend(group.files)
    paths.extend(d for d in _go_dirs(root) if d != ".")
    for pattern in facts.needs.embedded:
        joined = posixpath.normpath(posixpath.join(main_dir, pattern))
        head = joined.split("*", 1)[0].rstrip("/")
        if head and head != "." and not head.startswith(".."):
            paths.append(head)
    return list(dict.fromkeys(paths))
