"""The base layer goship synthesizes instead of pulling a base image.

Contents (and nothing else): ``/etc/passwd`` and ``/etc/group`` with root (0) and nonroot
(65532), ``/etc/nsswitch.conf`` (``hosts: files dns``), ``/home/nonroot`` owned by 65532 (0700),
``/tmp`` (1777); optionally the CA bundle from ``certifi`` at
``/etc/ssl/certs/ca-certificates.crt`` (PEM blocks only) with ``SSL_CERT_FILE``, and the zones
of the ``tzdata`` package as one stored zip at ``/usr/share/zoneinfo/zoneinfo.zip`` with
``ZONEINFO`` pointing at it (see :mod:`goship.image.zonezip`; ~270 KB instead of ~800 KB of tar
entries). Go reads ``ZONEINFO`` for ``time.LoadLocation``; ``TZ=Zone`` for the Local zone is
read from directories only, so a service that relies on ``TZ`` should use ``--tzdata embed``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import zlib
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path

from goship.errors import EnvironmentMissingError
from goship.image import tarlayer, zonezip
from goship.image.blobs import BlobStore
from goship.image.model import Layer
from goship.image.tarlayer import DEFAULT_LEVEL, LAYER_FORMAT, Entry, build_layer
from goship.image.zonezip import build_zip, zone_files

NONROOT_UID = 65532
NONROOT_GID = 65532
NONROOT_USER = f"{NONROOT_UID}:{NONROOT_GID}"
NONROOT_HOME = "/home/nonroot"
CA_BUNDLE_PATH = "/etc/ssl/certs/ca-certificates.crt"
ZONEINFO_DIR = "/usr/share/zoneinfo"
ZONEINFO_ZIP = ZONEINFO_DIR + "/zoneinfo.zip"  # $ZONEINFO (see goship.image.zonezip)

PASSWD = (
    "root:x:0:0:root:/root:/sbin/nologin\n"
    f"nonroot:x:{NONROOT_UID}:{NONROOT_GID}:nonroot:{NONROOT_HOME}:/sbin/nologin\n"
)
GROUP = f"root:x:0:\nnonroot:x:{NONROOT_GID}:\n"
NSSWITCH = "passwd: files\ngroup: files\nhosts: files dns\n"


def ca_bundle_source() -> Path:
    """The certifi CA bundle on disk.

    Found next to the installed package without importing it (certifi imports
    importlib.resources, ~20 ms, on the path of a warm rebuild); ``certifi.where()`` when the
    package is not a plain directory (a zip, where it extracts the file)."""
    spec = importlib.util.find_spec("certifi")
    if spec is not None and spec.origin:
        bundle = Path(spec.origin).parent / "cacert.pem"
        if bundle.is_file():
            return bundle
    try:
        import certifi
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise EnvironmentMissingError(
            "the certifi package is not installed", "pip install certifi"
        ) from exc
    return Path(certifi.where())


def zoneinfo_source() -> Path:
    """``tzdata/zoneinfo`` inside the installed tzdata package."""
    try:
        import tzdata
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise EnvironmentMissingError(
            "the tzdata package is not installed", "pip install tzdata"
        ) from exc
    root = Path(tzdata.__file__).parent / "zoneinfo"
    if not root.is_dir():  # pragma: no cover
        raise EnvironmentMissingError(f"tzdata has no zoneinfo directory at {root}")
    return root


def ca_bundle_pem(source: Path | None = None) -> bytes:
    """The CA bundle with only its PEM blocks: certifi's comment lines (issuer, serial,
    fingerprints; ~25% of the file) are never read by Go's x509 loader."""
    text = (source or ca_bundle_source()).read_bytes()
    out: list[bytes] = []
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith(b"-----BEGIN "):
            inside = True
        if inside:
            out.append(line)
        if line.startswith(b"-----END "):
            inside = False
    return b"\n".join(out) + b"\n" if out else b""


def zoneinfo_zip(root: Path | None = None, zones: Collection[str] | None = None) -> bytes:
    """The tzdata zones (or only ``zones``) as the stored zip Go reads via ``ZONEINFO``."""
    return build_zip(zone_files(root or zoneinfo_source(), zones))


def base_entries(
    *, ca_certificates: bool = False, zoneinfo: bool = False, zones: Collection[str] | None = None
) -> list[Entry]:
    """The base layer's entries (parent directories are added by the layer builder)."""
    entries = [
        *base_dirs(zoneinfo=zoneinfo),
        Entry.file("/etc/passwd", PASSWD, 0o644),
        Entry.file("/etc/group", GROUP, 0o644),
        Entry.file("/etc/nsswitch.conf", NSSWITCH, 0o644),
    ]
    if ca_certificates:
        entries.append(Entry.file(CA_BUNDLE_PATH, ca_bundle_pem(), 0o644))
    if zoneinfo:
        entries.append(Entry.file(ZONEINFO_ZIP, zoneinfo_zip(zones=zones), 0o644))
    return entries


def base_dirs(*, zoneinfo: bool = False) -> list[Entry]:
    """The directories of the base layer (what upper layers inherit owners/modes from)."""
    dirs = [
        Entry.dir("/etc", 0o755),
        Entry.dir("/home", 0o755),
        Entry.dir(NONROOT_HOME, 0o700, NONROOT_UID, NONROOT_GID),
        Entry.dir("/tmp", 0o1777),
    ]
    if zoneinfo:
        dirs.append(Entry.dir(ZONEINFO_DIR, 0o755))
    return dirs


def base_env(*, ca_certificates: bool = False, zoneinfo: bool = False) -> dict[str, str]:
    """Environment the base layer implies: ``SSL_CERT_FILE`` for the CA bundle, ``ZONEINFO``
    for the zone zip (Go's ``time.LoadLocation`` reads it first)."""
    env: dict[str, str] = {}
    if ca_certificates:
        env["SSL_CERT_FILE"] = CA_BUNDLE_PATH
    if zoneinfo:
        env["ZONEINFO"] = ZONEINFO_ZIP
    return env


def build_base_layer(
    store: BlobStore,
    *,
    epoch: int,
    ca_certificates: bool = False,
    zoneinfo: bool = False,
    zones: Collection[str] | None = None,
    level: int = DEFAULT_LEVEL,
) -> Layer:
    """Build the synthesized base layer (cached by content in ``store``, and by its inputs:
    the installed certifi/tzdata files, so a warm build reads none of them)."""
    parts = ["users", "tmp"]
    if ca_certificates:
        parts.append("ca-certificates (certifi)")
    if zoneinfo:
        parts.append("zoneinfo (tzdata" + (f", {len(zones)} zones)" if zones else ")"))
    comment = "base: " + ", ".join(parts)
    memo = _inputs_key(epoch, level, ca_certificates, zoneinfo, zones)
    hit = store.cached_layer(memo)
    if hit is not None:
        return replace(hit, created_by="goship base", comment=comment)
    layer = build_layer(
        base_entries(ca_certificates=ca_certificates, zoneinfo=zoneinfo, zones=zones),
        store,
        epoch=epoch,
        level=level,
        created_by="goship base",
        comment=comment,
    )
    store.remember_layer(memo, replace(layer, created_by="", comment=""))
    return layer


def _inputs_key(epoch: int, level: int, ca: bool, tz: bool, zones: Collection[str] | None) -> str:
    """A key over what the base layer is made from: this module, the layer format, the
    options and the installed data files (path, size and mtime of each)."""
    parts: list[object] = [
        "base-inputs", LAYER_FORMAT, epoch, level, ca, tz, sorted(zones or []),
        _stat(Path(__file__)), _stat(Path(zonezip.__file__)), _stat(Path(tarlayer.__file__)),
        zlib.ZLIB_RUNTIME_VERSION,
    ]  # fmt: skip
    if ca:
        src = ca_bundle_source()
        parts += [str(src), _stat(src)]
    if tz:
        root = zoneinfo_source()
        parts += [str(root)] + [
            f"{d}:{_stat(Path(d))}" for d, _, _ in os.walk(root) if "__pycache__" not in d
        ]
        parts.append(_stat(root.parent / "__init__.py"))  # carries the tzdata version
    return "base-" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _stat(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return "-"
    return f"{st.st_size}:{st.st_mtime_ns}"
