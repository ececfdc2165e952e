"""Atomic file output: the one way goship writes a user-facing file.

Everything goes to a temp file in the target's directory and is renamed into place only when
complete, so a failure (bad input, full disk, Ctrl-C) never leaves a half-written report,
SBOM, archive or generated file behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from goship.errors import BadInputError


@contextmanager
def atomic_output(
    target: str | os.PathLike[str],
    *,
    mode: int | None = 0o644,
    hint: str = "choose a writable --output path",
) -> Iterator[BinaryIO]:
    """Yield a binary file handle whose content replaces ``target`` on a clean exit.

    ``mode=None`` keeps the mode of an existing ``target`` (0644 for a new one). An
    ``OSError`` becomes a :class:`BadInputError` naming the path; on any failure the temp
    file is removed and ``target`` is left as it was.
    """
    dest = Path(target).absolute()
    if dest.is_dir():
        raise BadInputError(f"{dest} is a directory", "give a file name, not a directory")
    if mode is None:
        mode = dest.stat().st_mode & 0o7777 if dest.exists() else 0o644
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".goship-tmp", dir=dest.parent)
    except OSError as exc:
        raise BadInputError(f"cannot write {dest}: {exc.strerror}", hint) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.chmod(tmp, mode)
        os.replace(tmp, dest)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise BadInputError(f"cannot write {dest}: {exc.strerror}", hint) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(target: str | os.PathLike[str], data: bytes, mode: int | None = 0o644) -> Path:
    """Write ``data`` to ``target`` atomically (see :func:`atomic_output`); return the path."""
    with atomic_output(target, mode=mode) as fh:
        fh.write(data)
    return Path(target).absolute()
