"""Walk one layer's tar stream into a :class:`~goship.image.fsview.FsView`, safely.

The one layer reader of goship's image consumers (``audit``, ``scan``, ``sbom``): the blob is
opened by :func:`~goship.image.layerstream.open_layer` (gzip, zstd or plain, bounded by the
caller's :class:`~goship.image.layerstream.Budget`), its members are applied to the view in
layer order (whiteouts and opaque directories hide lower layers, symlinks are resolved inside
the image tree) and every regular file is handed to the caller's callback as a
:class:`LayerFile`, whose bytes can be read while the callback runs.

Refused with a :class:`~goship.errors.BadInputError` naming the layer and the member: names
with ``..`` (path traversal), symlinks whose target climbs above the root, members written
through a symlink that leaves the root, hard links to nothing, more members or bytes than the
limits allow, truncated or corrupt compression, a blob that does not match its digest.
"""

from __future__ import annotations

import gzip
import posixpath
import tarfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from goship.errors import BadInputError
from goship.image.fsview import EscapeError, FileEntry, FsView, lexical_target, split
from goship.image.layerstream import Budget, open_layer

CORRUPT_HINT = "re-export or re-pull the image"


@dataclass
class LayerStats:
    """What walking one layer counted."""

    entries: int = 0  # every tar member (dirs, links, whiteouts too)
    files: int = 0  # regular files
    file_bytes: int = 0  # their declared sizes
    compressed_size: int = 0
    uncompressed_size: int = 0


class LayerFile:
    """A regular file of the layer being walked (already put into the view). :meth:`open`
    streams its bytes; it is valid only while the callback it was passed to runs."""

    def __init__(self, tar: tarfile.TarFile, member: tarfile.TarInfo, path: str, layer: int):
        self._tar = tar
        self._member = member
        self.path = path  # absolute, symlinks of its directories resolved
        self.size = member.size
        self.mode = member.mode & 0o7777
        self.layer = layer

    def open(self) -> IO[bytes] | None:
        return self._tar.extractfile(self._member)


FileCallback = Callable[[LayerFile], None]


def layer_where(image: str, index: int, key: str) -> str:
    """How errors name a layer: ``IMAGE: layer N (KEY)``."""
    return f"{image}: layer {index} ({key})"


def member_path(name: str, where: str) -> str:
    """The absolute, normalised path of a tar member; refuses ``..`` components."""
    parts = split(name)
    if ".." in parts:
        raise EscapeError(
            f"{where}: entry {name!r} escapes the image root (path traversal)",
            "do not use this archive; it was made to write outside the directory it unpacks to",
        )
    return "/" + "/".join(parts)


def walk_layer(
    fh: IO[bytes],
    *,
    view: FsView,
    budget: Budget,
    layer: int,
    key: str,
    where: str,
    on_file: FileCallback | None = None,
) -> LayerStats:
    """Apply layer ``layer`` (blob ``fh``, digest or archive path ``key``) to ``view``."""
    stats = LayerStats()
    walker = _Walker(view, budget, stats, layer, where, on_file)
    limited, raw = open_layer(fh, budget, where)
    try:
        tar = tarfile.open(fileobj=limited, mode="r|")  # noqa: SIM115 - a stream
        for member in tar:
            walker.member(tar, member)
        while limited.read(1 << 20):  # the rest: gzip trailer (CRC), padding
            pass
        while raw.read(1 << 20):
            pass
    except EscapeError as exc:
        raise EscapeError(exc.message, exc.hint or "do not use this archive") from None
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
        raise BadInputError(
            f"{where} is not a readable layer (truncated or corrupt): {exc}", CORRUPT_HINT
        ) from exc
    finally:
        limited.close()
    stats.uncompressed_size = limited.count
    stats.compressed_size = raw.count
    if key.startswith("sha256:") and "sha256:" + raw.sha256.hexdigest() != key:
        raise BadInputError(f"{where}: the blob does not match its digest", CORRUPT_HINT)
    return stats


class _Walker:
    def __init__(
        self,
        view: FsView,
        budget: Budget,
        stats: LayerStats,
        layer: int,
        where: str,
        on_file: FileCallback | None,
    ) -> None:
        self.view = view
        self.budget = budget
        self.stats = stats
        self.layer = layer
        self.where = where
        self.on_file = on_file

    def _count(self, member: tarfile.TarInfo) -> None:
        lim, where = self.budget.limits, self.where
        self.budget.entries += 1
        self.stats.entries += 1
        if self.budget.entries > lim.max_entries:
            raise BadInputError(
                f"{where}: more than {lim.max_entries} entries in the image; stopped reading",
                self.budget.hints.entries,
            )
        if member.isreg():
            self.stats.file_bytes += member.size
            if self.stats.file_bytes > lim.max_layer_bytes:
                raise BadInputError(
                    f"{where}: files of more than {lim.max_layer_bytes} bytes (member "
                    f"{member.name!r} declares {member.size}); stopped reading (sparse bomb?)",
                    self.budget.hints.size,
                )

    def member(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        self._count(member)
        where, view, layer = self.where, self.view, self.layer
        path = member_path(member.name, where)
        if path == "/":
            return
        parent, base = posixpath.split(path)
        try:
            parent = view.resolve(parent)
        except EscapeError as exc:
            raise EscapeError(
                f"{where}: entry {member.name!r} is written through a link: {exc}"
            ) from None
        path = posixpath.join(parent, base)
        if base == ".wh..wh..opq":
            view.opaque(parent, layer)
            return
        if base.startswith(".wh."):
            if not base.startswith(".wh..wh."):  # .wh..wh..plnk etc. are AUFS metadata
                view.whiteout(posixpath.join(parent, base[4:]), layer)
            return
        mode, uid, gid = member.mode & 0o7777, member.uid, member.gid
        if member.isdir():
            view.put(FileEntry(path, "dir", 0, mode, uid, gid, layer))
        elif member.issym():
            try:
                lexical_target(path, member.linkname)
            except EscapeError as exc:
                raise EscapeError(f"{where}: {exc.message}") from None
            view.put(FileEntry(path, "symlink", 0, mode, uid, gid, layer, member.linkname))
        elif member.islnk():
            self._hardlink(member, path)
        elif member.isreg():
            self.stats.files += 1
            view.put(FileEntry(path, "file", member.size, mode, uid, gid, layer))
            if self.on_file is not None:
                self.on_file(LayerFile(tar, member, path, layer))
        else:
            view.put(FileEntry(path, "other", 0, mode, uid, gid, layer))

    def _hardlink(self, member: tarfile.TarInfo, path: str) -> None:
        where = self.where
        target = member_path(member.linkname, where)
        try:
            head, name = posixpath.split(target)
            target = posixpath.join(self.view.resolve(head), name)
        except EscapeError as exc:
            raise EscapeError(f"{where}: hard link {member.name!r}: {exc.message}") from None
        entry = self.view.files.get(target)
        if entry is None or entry.kind not in ("file", "hardlink"):
            raise BadInputError(
                f"{where}: hard link {member.name!r} points to {target}, which is not a file "
                "of the image",
                "re-export the image; the archive is malformed",
            )
        real = entry.target if entry.kind == "hardlink" else target
        m = member
        mode = m.mode & 0o7777
        self.view.put(FileEntry(path, "hardlink", 0, mode, m.uid, m.gid, self.layer, real))
