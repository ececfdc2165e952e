"""Layers of files from the project: runtime files (templates/, static/, config) and the binary.

Directories are walked in sorted order. Symlinks are followed (their target's content is
stored) only when the target stays inside the project root; a link that escapes it, dangles or
loops is a :class:`~goship.errors.BadInputError`. Modes are normalised so the umask and the
checkout do not leak into the image: 0755 for directories and executables, 0644 otherwise,
unless a mode is given explicitly.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from goship.errors import BadInputError
from goship.image.baselayer import NONROOT_GID, NONROOT_UID
from goship.image.blobs import BlobStore
from goship.image.model import Layer
from goship.image.tarlayer import DEFAULT_LEVEL, Entry, build_layer, normalize_path

_SPEC_HINT = (
    "write extra files as src:dst[:mode], "
    "e.g. templates:/app/templates or conf.yaml:/etc/app.yaml:0600"
)


@dataclass(frozen=True)
class FileSpec:
    """``src`` (a file or directory, relative to the project root or absolute) goes to ``dst``
    (absolute in the image). ``mode`` applies to files; directories are always 0755."""

    src: str
    dst: str
    mode: int | None = None

    @classmethod
    def parse(cls, text: str) -> FileSpec:
        """Parse ``src:dst[:mode]`` (mode in octal)."""
        parts = text.split(":")
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            raise BadInputError(f"bad file spec {text!r}", _SPEC_HINT)
        mode: int | None = None
        if len(parts) == 3:
            try:
                mode = int(parts[2], 8)
            except ValueError:
                raise BadInputError(f"bad mode in file spec {text!r}", _SPEC_HINT) from None
            if not 0 <= mode <= 0o7777:
                raise BadInputError(f"bad mode in file spec {text!r}", _SPEC_HINT)
        if not parts[1].startswith("/"):
            raise BadInputError(f"destination in {text!r} must be absolute", _SPEC_HINT)
        return cls(parts[0], parts[1], mode)


def in_image(path: str, workdir: str) -> str:
    """Where ``path`` is in the image: absolute as is, relative under ``workdir``."""
    return posixpath.normpath(path if path.startswith("/") else posixpath.join(workdir, path))


def runtime_root(pattern: str) -> str:
    """The file or directory a run-time file pattern names (``templates/*`` -> ``templates``,
    ``static/`` -> ``static``); ``.`` when it names the working directory itself."""
    return pattern.split("*", 1)[0].rstrip("/") or "."


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _resolve(link: Path, root: Path, shown: str) -> Path:
    """Resolve ``link`` fully; it must exist and stay inside ``root``."""
    try:
        real = link.resolve(strict=True)
    except FileNotFoundError:
        raise BadInputError(
            f"{shown} is a dangling symlink", "remove it or point it at a file in the project"
        ) from None
    except RuntimeError:  # symlink loop
        raise BadInputError(f"{shown} is a symlink loop") from None
    if not _inside(real, root):
        raise BadInputError(
            f"{shown} points outside the project root ({real})",
            "copy the file into the project, or list its real location as an extra file",
        )
    return real


def _file_mode(st: os.stat_result, explicit: int | None) -> int:
    if explicit is not None:
        return explicit
    return 0o755 if st.st_mode & 0o111 else 0o644


class _Walker:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.entries: list[Entry] = []

    def add(
        self, src: Path, dst: str, mode: int | None, shown: str, stack: tuple[Path, ...]
    ) -> None:
        try:
            lst = src.lstat()
        except OSError as exc:
            raise BadInputError(f"cannot read {shown}: {exc.strerror}") from exc
        real = _resolve(src, self.root, shown) if stat.S_ISLNK(lst.st_mode) else src
        st = real.stat()
        if stat.S_ISDIR(st.st_mode):
            if real in stack:
                raise BadInputError(f"{shown} loops back to {real}", "remove the symlink loop")
            self.entries.append(Entry.dir(dst, 0o755))
            try:
                names = sorted(os.listdir(real))
            except OSError as exc:
                raise BadInputError(f"cannot list {shown}: {exc.strerror}") from exc
            for name in names:
                self.add(real / name, f"{dst}/{name}", mode, f"{shown}/{name}", (*stack, real))
        elif stat.S_ISREG(st.st_mode):
            self.entries.append(Entry.from_disk(dst, real, _file_mode(st, mode)))
        else:
            raise BadInputError(f"{shown} is not a regular file or directory")


def runtime_entries(specs: Iterable[FileSpec], project_root: str | Path) -> list[Entry]:
    """Entries for the runtime-files layer."""
    root = Path(project_root).resolve()
    walker = _Walker(root)
    for spec in specs:
        dst = normalize_path(spec.dst)
        if not spec.dst.startswith("/"):
            raise BadInputError(f"destination {spec.dst!r} must be absolute", _SPEC_HINT)
        given = Path(spec.src)
        src = given if given.is_absolute() else root / given
        if not os.path.lexists(src):
            raise BadInputError(f"extra file {spec.src} does not exist", _SPEC_HINT)
        # The spec's own path must not leave the project either (e.g. ../../etc/shadow).
        parent_real = src.parent.resolve()
        if not _inside(parent_real / src.name, root):
            raise BadInputError(
                f"extra file {spec.src} is outside the project root {root}",
                "copy it into the project first",
            )
        walker.add(parent_real / src.name, dst, spec.mode, spec.src, ())
    return walker.entries


def writable_dir_entries(paths: Iterable[str]) -> list[Entry]:
    """Directories the program writes to, owned by nonroot (65532), mode 0755."""
    return [Entry.dir(p, 0o755, NONROOT_UID, NONROOT_GID) for p in paths]


def build_files_layer(
    specs: Iterable[FileSpec],
    project_root: str | Path,
    store: BlobStore,
    *,
    epoch: int,
    writable_dirs: Iterable[str] = (),
    lower_dirs: Mapping[str, Entry] | None = None,
    level: int = DEFAULT_LEVEL,
) -> Layer:
    """The runtime-files layer (may be empty of files when only writable dirs are given)."""
    spec_list = list(specs)
    writable = list(writable_dirs)
    entries = runtime_entries(spec_list, project_root) + writable_dir_entries(writable)
    return build_layer(
        entries,
        store,
        epoch=epoch,
        lower_dirs=lower_dirs,
        level=level,
        created_by="goship files",
        comment="runtime files: " + ", ".join([s.dst for s in spec_list] + writable),
    )


def build_binary_layer(
    binary: str | Path,
    dst: str,
    store: BlobStore,
    *,
    epoch: int,
    lower_dirs: Mapping[str, Entry] | None = None,
    level: int = DEFAULT_LEVEL,
    created_by: str = "goship build",
) -> Layer:
    """The last layer: the compiled binary at ``dst``, mode 0755, root-owned (not writable by
    the 65532 runtime user)."""
    path = Path(binary)
    if not path.is_file():
        raise BadInputError(f"binary {path} does not exist")
    return build_layer(
        [Entry.from_disk(dst, path, 0o755)],
        store,
        epoch=epoch,
        lower_dirs=lower_dirs,
        level=level,
        created_by=created_by,
        comment=f"go build output at {normalize_path(dst)}",
    )
