"""Deterministic tar layers.

A layer is a list of :class:`Entry` (file, directory, symlink) with explicit mode and owner.
:func:`build_layer` adds every missing parent directory, sorts entries by path, writes a PAX/USTAR
tar with a fixed mtime and empty user/group names, gzips it (no name, mtime 0, fixed level) and
streams the result into a :class:`~goship.image.blobs.BlobStore`. The same entries, epoch and
level always give the same bytes, independent of disk order, umask or file mtimes.

Source files are streamed (never read whole) and hashed on the way in; a layer whose recipe
(paths, modes, owners, content hashes, epoch, level) was built before is taken from the store's
layer cache instead of being re-compressed.
"""

from __future__ import annotations

import hashlib
import posixpath
import sys
import tarfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from goship.errors import BadInputError
from goship.image.blobs import BlobStore
from goship.image.model import OCI_LAYER_GZIP, Descriptor, Layer, canonical_json
from goship.image.pgzip import COMPRESSOR, GzipTee
from goship.image.tarstream import TarStream

__all__ = ["DEFAULT_LEVEL", "Entry", "GzipTee", "build_layer", "dir_map", "normalize_path"]

# Bump when the byte layout of layers changes, so cached layers are not reused.
# 2: multi-member gzip (goship.image.pgzip).
LAYER_FORMAT = 2
# gzip level 6 is zlib's default: ~3x faster than 9 on Go binaries for <1% larger blobs.
DEFAULT_LEVEL = 6
_CHUNK = 1 << 20
_MAX_MTIME = 8**11 - 1  # what a USTAR header holds without a PAX record

Kind = Literal["file", "dir", "symlink"]


def normalize_path(path: str) -> str:
    """An absolute, normalised in-image path; rejects ``..`` escapes, NUL and the root."""
    if not path or "\x00" in path or "\\" in path:
        raise BadInputError(f"bad path in image: {path!r}")
    norm = posixpath.normpath("/" + path.lstrip("/"))
    if norm == "/" or any(part == ".." for part in path.split("/")):
        raise BadInputError(f"bad path in image: {path!r}", "use an absolute path below /")
    return norm


@dataclass(frozen=True)
class Entry:
    """One tar member. ``path`` is absolute in the image; exactly one of ``data``/``source``
    is set for files, ``target`` for symlinks."""

    path: str
    kind: Kind
    mode: int
    uid: int = 0
    gid: int = 0
    data: bytes | None = None
    source: Path | None = None
    target: str | None = None
    # sha256 hex of ``source`` when the caller already knows it (goship's own build output):
    # it is then not read twice.
    sha256: str | None = None
    # What identifies ``source``'s content for the layer cache instead of its hash, e.g. the
    # binary cache key of a reproducible ``go build`` (the same key is the same bytes). The
    # content is then hashed only if the layer is written, while it is, and ``hashed`` gets
    # the result: a warm build after an edit reads its new binary once instead of twice.
    identity: str | None = None
    hashed: Callable[[str], None] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def file(
        cls, path: str, data: bytes | str, mode: int = 0o644, uid: int = 0, gid: int = 0
    ) -> Entry:
        raw = data.encode() if isinstance(data, str) else data
        return cls(normalize_path(path), "file", mode, uid, gid, data=raw)

    @classmethod
    def from_disk(
        cls,
        path: str,
        source: str | Path,
        mode: int = 0o644,
        uid: int = 0,
        gid: int = 0,
        sha256: str | None = None,
        identity: str | None = None,
        hashed: Callable[[str], None] | None = None,
    ) -> Entry:
        return cls(
            normalize_path(path),
            "file",
            mode,
            uid,
            gid,
            source=Path(source),
            sha256=sha256,
            identity=identity,
            hashed=hashed,
        )

    @classmethod
    def dir(cls, path: str, mode: int = 0o755, uid: int = 0, gid: int = 0) -> Entry:
        return cls(normalize_path(path), "dir", mode, uid, gid)

    @classmethod
    def symlink(cls, path: str, target: str, uid: int = 0, gid: int = 0) -> Entry:
        if not target or "\x00" in target:
            raise BadInputError(f"bad symlink target for {path}: {target!r}")
        return cls(normalize_path(path), "symlink", 0o777, uid, gid, target=target)

    def size(self) -> int:
        if self.kind != "file":
            return 0
        if self.data is not None:
            return len(self.data)
        assert self.source is not None
        try:
            return self.source.stat().st_size
        except OSError as exc:
            raise BadInputError(f"cannot read {self.source}: {exc.strerror}") from exc


def plan_entries(
    entries: Iterable[Entry], lower_dirs: Mapping[str, Entry] | None = None
) -> list[Entry]:
    """Entries plus missing parent directories, sorted by path.

    A missing parent takes its mode/owner from ``lower_dirs`` (directories of lower layers),
    so adding ``/home/nonroot/x`` does not reset ``/home/nonroot``'s owner. Duplicates must be
    identical; a file used as a directory is an error.
    """
    lower = lower_dirs or {}
    by_path: dict[str, Entry] = {}
    for entry in entries:
        if entry.kind not in ("file", "dir", "symlink"):
            raise BadInputError(f"unsupported entry kind {entry.kind!r} for {entry.path}")
        if not 0 <= entry.mode <= 0o7777:
            raise BadInputError(f"bad mode {oct(entry.mode)} for {entry.path}")
        old = by_path.get(entry.path)
        if old is not None and old != entry:
            raise BadInputError(
                f"two different entries for {entry.path} in one layer",
                "give each destination path only once",
            )
        by_path[entry.path] = entry
    for path in list(by_path):
        parent = posixpath.dirname(path)
        while parent != "/":
            existing = by_path.get(parent)
            if existing is None:
                by_path[parent] = lower.get(parent) or Entry.dir(parent)
            elif existing.kind != "dir":
                raise BadInputError(
                    f"{parent} is a {existing.kind} but {path} needs it to be a directory"
                )
            parent = posixpath.dirname(parent)
    return [by_path[p] for p in sorted(by_path)]


def _hash_source(source: Path) -> str:
    h = hashlib.sha256()
    try:
        with source.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                h.update(chunk)
    except OSError as exc:
        raise BadInputError(f"cannot read {source}: {exc.strerror}") from exc
    return h.hexdigest()


def recipe_key(
    plan: list[Entry], epoch: int, level: int, media_type: str
) -> tuple[str, dict[str, str]]:
    """The layer cache key and the content hash of each source file."""
    hashes: dict[str, str] = {}
    rows: list[list[object]] = []
    for e in plan:
        content = ""
        if e.data is not None:
            content = hashlib.sha256(e.data).hexdigest()
        elif e.identity is not None:
            content = "identity:" + e.identity
        elif e.sha256 is not None:
            content = e.sha256
        elif e.source is not None:
            content = hashes[e.path] = _hash_source(e.source)
        rows.append([e.path, e.kind, e.mode, e.uid, e.gid, e.target or "", content])
    head = [LAYER_FORMAT, epoch, level, media_type, sys.version_info[:2], COMPRESSOR]
    key = hashlib.sha256(canonical_json([head, rows])).hexdigest()
    return key, hashes


def _tarinfo(entry: Entry, epoch: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(entry.path.lstrip("/"))
    info.mode = entry.mode
    info.uid, info.gid = entry.uid, entry.gid
    info.uname = info.gname = ""
    info.mtime = epoch
    if entry.kind == "dir":
        info.type = tarfile.DIRTYPE
    elif entry.kind == "symlink":
        info.type = tarfile.SYMTYPE
        info.linkname = entry.target or ""
    else:
        info.type = tarfile.REGTYPE
        info.size = entry.size()
    return info


def write_tar(
    plan: list[Entry], out: GzipTee, epoch: int, source_hashes: Mapping[str, str] | None = None
) -> None:
    """Write ``plan`` (already planned/sorted) as an uncompressed tar stream into ``out``.

    A source file is hashed while it is written when its hash is wanted: to catch a file that
    changed since the layer's recipe was hashed (``source_hashes``), or to hand the hash of a
    file keyed by its ``identity`` to ``entry.hashed``."""
    tar = TarStream(out)
    # (file, where its hash goes, the hash it must have, its hash once written)
    checks: list[tuple[Path, Callable[[str], None] | None, str | None, Callable[[], str]]] = []
    for entry in plan:
        info = _tarinfo(entry, epoch)
        if entry.kind != "file":
            tar.add(info)
        elif entry.data is not None:
            tar.add(info, entry.data)
        else:
            assert entry.source is not None
            want = (source_hashes or {}).get(entry.path)
            observer = entry.hashed if entry.sha256 is None else None
            digest = hashlib.sha256() if want is not None or observer else None
            try:
                with entry.source.open("rb", buffering=0) as fh:
                    tar.add(info, fh, digest)
            except OSError as exc:
                raise BadInputError(f"cannot read {entry.source}: {exc}") from exc
            if digest is not None:
                checks.append((entry.source, observer, want, digest.hexdigest))
    tar.close()
    out.wait_digests()
    for source, observer, want, hexdigest in checks:
        if observer is not None:
            observer(hexdigest())
        if want is not None and hexdigest() != want:
            raise BadInputError(
                f"{source} changed while the image was being built",
                "wait for other writers (a running build?) to finish and retry",
            )


def build_layer(
    entries: Iterable[Entry],
    store: BlobStore,
    *,
    epoch: int,
    lower_dirs: Mapping[str, Entry] | None = None,
    level: int = DEFAULT_LEVEL,
    media_type: str = OCI_LAYER_GZIP,
    created_by: str = "",
    comment: str = "",
    use_cache: bool = True,
) -> Layer:
    """Build (or fetch from the layer cache) the gzip layer for ``entries``."""
    if not 0 <= epoch <= _MAX_MTIME:
        raise BadInputError(f"bad SOURCE_DATE_EPOCH {epoch}", "use seconds since 1970, >= 0")
    if not 1 <= level <= 9:
        raise BadInputError(f"bad gzip level {level}", "use 1..9")
    plan = plan_entries(entries, lower_dirs)
    key, hashes = recipe_key(plan, epoch, level, media_type)
    if use_cache:
        hit = store.cached_layer(key)
        if hit is not None:
            return replace(hit, created_by=created_by, comment=comment)
    with store.writer() as blob:
        tee = GzipTee(blob, level)
        try:
            write_tar(plan, tee, epoch, hashes)
            tee.finish()
        finally:
            tee.close()
        size = blob.size
        digest = blob.commit()
    layer = Layer(
        descriptor=Descriptor(media_type, digest, size),
        diff_id="sha256:" + tee.diff.hexdigest(),
        files=tuple(e.path for e in plan if e.kind != "dir"),
        uncompressed_size=tee.size,
        created_by=created_by,
        comment=comment,
    )
    store.remember_layer(key, replace(layer, created_by="", comment=""))
    return layer


def dir_map(*entry_lists: Iterable[Entry]) -> dict[str, Entry]:
    """Directories of lower layers by path (later lists win), for ``lower_dirs``."""
    out: dict[str, Entry] = {}
    for entries in entry_lists:
        for e in entries:
            if e.kind == "dir":
                out[e.path] = e
    return out
