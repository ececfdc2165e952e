"""Compare rendered files with what is on disk, then write safely.

Never silently overwrites: a file that exists with other content is *kept* unless ``force``.
Writes are atomic (a temp file in the same directory, then ``os.replace``), so an interrupted
run never leaves half a file; an existing file's permission bits are preserved.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from goship.fsutil import write_atomic
from goship.generate.render import RenderedFile


class Action(Enum):
    CREATE = "create"  # missing: written
    UNCHANGED = "unchanged"  # identical: nothing to do
    OVERWRITE = "overwrite"  # differs and --force: rewritten
    KEEP = "keep"  # differs, no --force: left alone (user edits survive)


@dataclass(frozen=True)
class Planned:
    file: RenderedFile
    target: Path
    action: Action
    current: str | None  # content on disk, None when missing

    @property
    def writes(self) -> bool:
        return self.action in {Action.CREATE, Action.OVERWRITE}

    def diff(self) -> str:
        """Unified diff from the file on disk (or /dev/null) to the rendered content."""
        old = (self.current or "").splitlines(keepends=True)
        new = self.file.content.splitlines(keepends=True)
        lines = difflib.unified_diff(
            old,
            new,
            fromfile=f"a/{self.file.path}" if self.current is not None else "/dev/null",
            tofile=f"b/{self.file.path}",
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        return ""


def plan(root: Path, files: list[RenderedFile], force: bool) -> list[Planned]:
    out: list[Planned] = []
    for f in files:
        target = root / f.path
        current = _read(target)
        if current is None:
            action = Action.CREATE
        elif current == f.content:
            action = Action.UNCHANGED
        else:
            action = Action.OVERWRITE if force else Action.KEEP
        out.append(Planned(f, target, action, current))
    return out


def apply(planned: list[Planned]) -> None:
    for p in planned:
        if p.writes:
            write_atomic(p.target, p.file.content.encode(), mode=None)
