"""Read one layer's tar stream into a :class:`~goship.audit.fsview.FsView`, safely.

Refused with a :class:`~goship.errors.BadInputError` naming the layer and the member: names
with ``..`` (path traversal), symlinks whose target climbs above the root, members written
through a symlink that leaves the root, hard links to nothing, more members or bytes than the
limits allow, truncated or corrupt compression, a blob that does not match its digest.
Content checks see small files; ELF executables are reduced to Go facts one at a time.
"""

from __future__ import annotations

import gzip
import posixpath
import tarfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO

from goship.audit.checks.base import Check
from goship.audit.elfinfo import NotAnalysable, go_facts
from goship.audit.fsview import EscapeError, FsView, lexical_target, split
from goship.audit.model import FileEntry, GoFacts, LayerFacts
from goship.audit.stream import Budget, open_layer
from goship.errors import BadInputError

ELF_MAGIC = b"\x7fELF"
MIN_EXECUTABLE = 1024


@dataclass(frozen=True)
class ContentHit:
    check: Check
    message: str
    path: str
    layer: int


@dataclass
class Collected:
    """What streaming found beyond the filesystem: Go binaries (by path, latest wins) and
    content-check hits, plus warnings."""

    binaries: dict[str, GoFacts] = field(default_factory=dict)
    hits: list[ContentHit] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def member_path(name: str, where: str) -> str:
    """The absolute, normalised path of a tar member; refuses ``..`` components."""
    parts = split(name)
    if ".." in parts:
        raise EscapeError(
            f"{where}: entry {name!r} escapes the image root (path traversal)",
            "do not use this archive; it was made to write outside the directory it unpacks to",
        )
    return "/" + "/".join(parts)


class LayerReader:
    def __init__(
        self,
        view: FsView,
        budget: Budget,
        checks: Sequence[Check],
        collected: Collected,
    ) -> None:
        self.view = view
        self.budget = budget
        self.checks = checks
        self.collected = collected

    def read(self, fh: IO[bytes], facts: LayerFacts, where: str) -> None:
        limited, raw = open_layer(fh, self.budget, where)
        try:
            tar = tarfile.open(fileobj=limited, mode="r|")  # noqa: SIM115 - a stream
            for member in tar:
                self._member(tar, member, facts, where)
            while limited.read(1 << 20):  # the rest: gzip trailer (CRC), padding
                pass
            while raw.read(1 << 20):
                pass
        except EscapeError as exc:
            raise EscapeError(exc.message, exc.hint or "do not use this archive") from None
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
            raise BadInputError(
                f"{where} is not a readable layer (truncated or corrupt): {exc}",
                "re-export or re-pull the image",
            ) from exc
        facts.uncompressed_size = limited.count
        facts.compressed_size = raw.count
        key = facts.key
        if key.startswith("sha256:") and "sha256:" + raw.sha256.hexdigest() != key:
            raise BadInputError(
                f"{where}: the blob does not match its digest", "re-export or re-pull the image"
            )

    def _budget_member(self, member: tarfile.TarInfo, facts: LayerFacts, where: str) -> None:
        lim = self.budget.limits
        self.budget.entries += 1
        facts.entries += 1
        if self.budget.entries > lim.max_entries:
            raise BadInputError(
                f"{where}: more than {lim.max_entries} entries in the image; stopped reading",
                "raise --max-files if the image really has this many files",
            )
        if member.isreg():
            facts.file_bytes += member.size
            if facts.file_bytes > lim.max_layer_bytes:
                raise BadInputError(
                    f"{where}: files of more than {lim.max_layer_bytes} bytes (member "
                    f"{member.name!r} declares {member.size}); stopped reading (sparse bomb?)",
                    "raise --max-size if the image is really this large",
                )

    def _member(
        self, tar: tarfile.TarFile, member: tarfile.TarInfo, facts: LayerFacts, where: str
    ) -> None:
        self._budget_member(member, facts, where)
        path = member_path(member.name, where)
        if path == "/":
            return
        parent, base = posixpath.split(path)
        try:
            parent = self.view.resolve(parent)
        except EscapeError as exc:
            raise EscapeError(
                f"{where}: entry {member.name!r} is written through a link: {exc}"
            ) from None
        path = posixpath.join(parent, base)
        layer = facts.index
        if base == ".wh..wh..opq":
            self.view.opaque(parent, layer)
            return
        if base.startswith(".wh."):
            if not base.startswith(".wh..wh."):
                self.view.whiteout(posixpath.join(parent, base[4:]), layer)
            return
        mode, uid, gid = member.mode & 0o7777, member.uid, member.gid
        if member.isdir():
            self.view.put(FileEntry(path, "dir", 0, mode, uid, gid, layer))
        elif member.issym():
            try:
                lexical_target(path, member.linkname)
            except EscapeError as exc:
                raise EscapeError(f"{where}: {exc.message}") from None
            self.view.put(FileEntry(path, "symlink", 0, mode, uid, gid, layer, member.linkname))
        elif member.islnk():
            self._hardlink(member, path, layer, where)
        elif member.isreg():
            facts.files += 1
            self.view.put(FileEntry(path, "file", member.size, mode, uid, gid, layer))
            self._content(tar, member, path, layer)
        else:
            self.view.put(FileEntry(path, "other", 0, mode, uid, gid, layer))

    def _hardlink(self, member: tarfile.TarInfo, path: str, layer: int, where: str) -> None:
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
        self.view.put(FileEntry(path, "hardlink", 0, m.mode & 0o7777, m.uid, m.gid, layer, real))

    def _content(
        self, tar: tarfile.TarFile, member: tarfile.TarInfo, path: str, layer: int
    ) -> None:
        size = member.size
        wanted = [c for c in self.checks if c.wants is not None and c.wants(path, size)]
        executable = size >= MIN_EXECUTABLE and bool(member.mode & 0o111)
        if not wanted and not executable:
            return
        stream = tar.extractfile(member)
        if stream is None:
            return
        limits = self.budget.limits
        if wanted and size <= limits.max_scan_file:
            data = stream.read(size)
            for check in wanted:
                assert check.scan is not None
                for message in check.scan(path, data):
                    self.collected.hits.append(ContentHit(check, message, path, layer))
        else:
            data = stream.read(4)
        if not executable or not data.startswith(ELF_MAGIC):
            self.collected.binaries.pop(path, None)
            return
        if size > limits.max_binary:
            self.collected.warnings.append(f"{path}: {size} bytes, larger than the binary limit")
            return
        if len(data) < size:
            data += stream.read(size - len(data))
        try:
            found = go_facts(data, path, layer)
        except NotAnalysable as exc:
            self.collected.warnings.append(f"{path}: {exc}")
            return
        if found is None:
            self.collected.binaries.pop(path, None)
        else:
            self.collected.binaries[path] = found
