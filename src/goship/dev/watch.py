"""What ``goship dev`` watches, and what a batch of changes asks for.

:class:`DevFilter` is the ``watch_filter`` handed to :func:`watchfiles.watch`: it drops noise
(VCS and dependency directories, editor swap and backup files, goship's own output) before a
change ever reaches the loop. :func:`classify` maps the paths that survive to an
:class:`Action`; :class:`Pending` merges the batches that arrive while a build is running, so a
burst of saves ends in one rebuild.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

import watchfiles

# Directories never watched. vendor/ is watched: its .go files are part of the build.
IGNORED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".idea",
        ".vscode",
        "node_modules",
        "tmp",
        ".tmp",
        "__pycache__",
        ".venv",
        ".cache",
        ".goship",
    }
)
# Editor swap/backup/temp files: vim (.swp/.swx/4913, ``~``), emacs (``.#x``, ``#x#``),
# JetBrains safe-write, kate, and atomic-save temp names.
_IGNORED_NAMES = re.compile(
    r"(\.sw[a-px]$|~$|^\.#|^#.*#$|^4913$|\.___jb_\w+___$|\.kate-swp$|\.tmp$|"
    r"\.(orig|rej|bak)$|^\.DS_Store$|\.crswap$)"
)
BUILD_FILES = frozenset({"go.mod", "go.sum", "go.work", "go.work.sum"})


class Action(IntEnum):
    """What a change needs, in increasing order of cost."""

    NONE = 0
    RESTART = 1  # a runtime file (template, static, config) or the env file changed
    REBUILD = 2  # Go source, go.mod/go.sum, or an embedded file changed


@dataclass(frozen=True)
class WatchSpec:
    """The paths the loop cares about, absolute and resolved."""

    root: Path
    runtime: tuple[Path, ...] = ()  # files/dirs read at run time: change -> restart
    embedded: tuple[Path, ...] = ()  # files/dirs compiled in with //go:embed: change -> rebuild
    env_files: tuple[Path, ...] = ()  # the .env file(s): change -> reload env and restart
    ignored: tuple[Path, ...] = ()  # e.g. the output directory
    restart_on_runtime: bool = True

    def roots(self) -> list[Path]:
        """Directories/files to hand to watchfiles: the root plus anything outside it."""
        out = [self.root]
        for p in (*self.runtime, *self.embedded, *self.env_files):
            if not _under(p, self.root) and not any(_under(p, o) for o in out):
                out.append(p if p.exists() else p.parent)
        return out


def _under(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


class DevFilter:
    """``watch_filter`` for :func:`watchfiles.watch` (a callable ``(change, path) -> bool``)."""

    def __init__(self, spec: WatchSpec) -> None:
        self.spec = spec
        self._ignored = tuple(str(p) for p in spec.ignored)

    def __call__(self, change: object, path: str) -> bool:
        return self.accepts(path)

    def accepts(self, path: str) -> bool:
        if self._ignored and any(
            path == p or path.startswith(p.rstrip(os.sep) + os.sep) for p in self._ignored
        ):
            return False
        p = Path(path)
        try:
            rel_parts = p.relative_to(self.spec.root).parts
        except ValueError:
            rel_parts = p.parts[-1:]
        if any(part in IGNORED_DIRS for part in rel_parts[:-1]):
            return False
        if rel_parts and rel_parts[-1] in IGNORED_DIRS:
            return False
        return not _IGNORED_NAMES.search(p.name)


def _is_go_source(rel: Sequence[str]) -> bool:
    """A .go file that ``go build`` compiles: not a test, not under testdata/, ``_x``, ``.x``."""
    name = rel[-1]
    if not name.endswith(".go") or name.endswith("_test.go"):
        return False
    return not any(part == "testdata" or part.startswith(("_", ".")) for part in rel)


def classify(path: str | Path, spec: WatchSpec) -> Action:
    """The action one changed path asks for (NONE for files the service does not use)."""
    p = Path(path)
    if any(_under(p, e) for e in spec.env_files):
        return Action.RESTART
    if any(_under(p, e) for e in spec.embedded):
        return Action.REBUILD
    try:
        rel = p.relative_to(spec.root).parts
    except ValueError:
        rel = (p.name,)
    if rel and (rel[-1] in BUILD_FILES or _is_go_source(rel)):
        return Action.REBUILD
    if spec.restart_on_runtime and any(_under(p, r) for r in spec.runtime):
        return Action.RESTART
    return Action.NONE


@dataclass
class Pending:
    """Changes seen but not acted on yet; merged until the loop takes them."""

    action: Action = Action.NONE
    paths: set[str] = field(default_factory=set)
    env_changed: bool = False

    def add(self, paths: Iterable[str], spec: WatchSpec) -> None:
        for path in paths:
            action = classify(path, spec)
            if action is Action.NONE:
                continue
            self.paths.add(path)
            self.action = max(self.action, action)
            if any(_under(Path(path), e) for e in spec.env_files):
                self.env_changed = True

    def take(self) -> Pending:
        """Return the merged changes and reset."""
        taken = Pending(self.action, set(self.paths), self.env_changed)
        self.action, self.paths, self.env_changed = Action.NONE, set(), False
        return taken

    def __bool__(self) -> bool:
        return self.action is not Action.NONE


def describe(paths: Iterable[str], root: Path, limit: int = 3) -> str:
    """``handlers.go, templates/index.html (+2 more)`` for status lines. Paths that are gone
    again (editors' and sed's temp files) are left out when others remain."""
    paths = sorted(paths)
    existing = [p for p in paths if Path(p).exists()]
    rels = []
    for path in existing or paths:
        try:
            rels.append(str(Path(path).relative_to(root)))
        except ValueError:
            rels.append(path)
    shown = ", ".join(rels[:limit])
    return shown + (f" (+{len(rels) - limit} more)" if len(rels) > limit else "")


def is_code_error(message: str) -> bool:
    """True for inspect errors a save can fix (the source does not parse or compile), as
    opposed to a missing module or main package."""
    return "does not parse" in message or "does not compile" in message


def source_snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of every .go file, go.mod and go.sum under ``root`` that a rebuild
    would follow: taken before saying "waiting", so a save made right after it is not lost
    while the watcher starts."""
    spec = WatchSpec(root=root.resolve())
    accept = DevFilter(spec)
    found: dict[str, tuple[int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(spec.root):
        dirnames[:] = [d for d in dirnames if d not in IGNORED_DIRS]
        for name in filenames:
            path = os.path.join(dirpath, name)
            if accept.accepts(path) and classify(path, spec) is Action.REBUILD:
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                found[path] = (st.st_mtime_ns, st.st_size)
    return found


def wait_for_source_change(
    root: Path, stop: threading.Event, since: dict[str, tuple[int, int]] | None = None
) -> bool:
    """Block until a .go file, go.mod or go.sum under ``root`` changes (True) or ``stop`` is
    set (False). Used before the first build when the code does not even parse. ``since`` (a
    :func:`source_snapshot`) also counts changes made before the watcher started."""
    spec = WatchSpec(root=root.resolve())
    accept = DevFilter(spec)

    def relevant(change: object, path: str) -> bool:
        return accept(change, path) and classify(path, spec) is Action.REBUILD

    compared = since is None
    for changes in watchfiles.watch(
        spec.root,
        watch_filter=relevant,
        stop_event=stop,
        rust_timeout=200,
        yield_on_timeout=True,
        raise_interrupt=False,
    ):
        if stop.is_set():
            return False
        if changes:
            return True
        if not compared:  # the watcher runs now: what it cannot have seen is in the snapshot
            compared = True
            if source_snapshot(root) != since:
                return True
    return False
