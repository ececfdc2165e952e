"""Atomic writes of user-facing output (reports, SBOMs)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from goship.errors import BadInputError


def write_atomic(target: str | os.PathLike[str], data: bytes, mode: int = 0o644) -> Path:
    """Write ``data`` to a temp file next to ``target`` and rename it into place."""
    dest = Path(target).absolute()
    if dest.is_dir():
        raise BadInputError(f"{dest} is a directory", "give a file name for --output")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    except OSError as exc:
        raise BadInputError(
            f"cannot write {dest}: {exc.strerror}", "choose a writable --output path"
        ) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, dest)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise BadInputError(f"cannot write {dest}: {exc.strerror}") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest
