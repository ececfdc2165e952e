"""A cache of the git facts that only change with a ref or the config (HEAD's commit and its
time, the tags at HEAD, the origin URL), so a build in a git checkout runs one ``git status``
instead of five git processes while ``go build`` compiles.

The key is made of what those facts are read from, found without running git: the ``.git``
directory (or the ``gitdir:`` of a ``.git`` file, and its ``commondir`` for a linked worktree),
the content of ``HEAD``, and the stat (size, mtime, ctime, inode) of the ref ``HEAD`` names,
``packed-refs``, every file under ``refs/tags`` and ``refs/replace``, ``shallow``, the
repository, global and system config files, and the ``git`` binary. Git replaces refs and
config files by renaming a lock file, so every change gives a new inode. Anything unusual (a
``GIT_*`` variable that moves the repository or adds config, a reftable repository, a bare
repository, an unreadable file) gives no key: git is asked every time. Dirtiness is never
cached: it depends on the work tree.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from goship.errors import GoshipError
from goship.fsutil import write_atomic

FORMAT = 1
_UNSAFE_ENV = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_CONFIG",
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_PARAMETERS",
    "GIT_REPLACE_REF_BASE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
)


def _stat(path: Path) -> str:
    try:
        st = path.stat()
    except FileNotFoundError:
        return "-"
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


def _tree(top: Path) -> list[str]:
    """Name and stat of every file under ``top`` (sorted; empty when it does not exist)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            out.append(f"{path.relative_to(top)}={_stat(path)}")
    return out


def find_git_dir(cwd: Path) -> tuple[Path, Path] | None:
    """``(git dir, common dir)`` of the checkout around ``cwd``, as git discovery finds
    them for a ``.git`` directory or ``.git`` file; None otherwise (e.g. a bare repository)."""
    for d in (cwd, *cwd.parents):
        dot = d / ".git"
        if dot.is_dir():
            git_dir = dot
        elif dot.is_file():
            text = dot.read_text(encoding="utf-8").strip()
            if not text.startswith("gitdir:"):
                return None
            git_dir = (d / text.removeprefix("gitdir:").strip()).resolve()
        elif os.path.lexists(dot):
            return None
        else:
            if (d / "HEAD").is_file() and (d / "objects").is_dir():
                return None  # bare repository: leave it to git
            continue
        common = git_dir
        commondir = git_dir / "commondir"
        if commondir.is_file():
            common = (git_dir / commondir.read_text(encoding="utf-8").strip()).resolve()
        return git_dir, common
    return None


def head_key(cwd: Path) -> str | None:
    """The cache key of the ref/config facts for the checkout around ``cwd``, or None."""
    if any(os.environ.get(k) for k in _UNSAFE_ENV):
        return None
    git = shutil.which("git")
    try:
        found = find_git_dir(cwd.resolve())
        if found is None or git is None:
            return None
        git_dir, common = found
        if (common / "reftable").exists():
            return None
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
        ref = head.removeprefix("ref:").strip() if head.startswith("ref:") else ""
        home = Path.home()
        xdg = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
        files = [
            git_dir / "HEAD",
            common / "packed-refs",
            common / "shallow",
            common / "config",
            git_dir / "config.worktree",
            Path(os.environ.get("GIT_CONFIG_GLOBAL") or home / ".gitconfig"),
            xdg / "git" / "config",
            Path(os.environ.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig"),
            Path(git),
        ]
        if ref:
            files.append(common / ref)
        header: list[Any] = [FORMAT, str(git_dir), str(common), head, git]
        header += [_stat(f) for f in files]
        header += [_tree(common / "refs" / "tags"), _tree(common / "refs" / "replace")]
        header.append(os.environ.get("GIT_CONFIG_NOSYSTEM", ""))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return hashlib.sha256(json.dumps(header).encode()).hexdigest()


def load(cache: Path, key: str) -> dict[str, Any] | None:
    try:
        data = json.loads((cache / f"{key[:40]}.json").read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def store(cache: Path, key: str, facts: dict[str, Any]) -> None:
    with contextlib.suppress(GoshipError):  # a cache: an unwritable one is no error
        write_atomic(cache / f"{key[:40]}.json", json.dumps({"format": FORMAT, **facts}).encode())
