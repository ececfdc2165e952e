"""What ``IMAGE`` names, and getting it into the engine.

IMAGE is an image the engine already has (name or id; never pulled), or a path: an OCI layout
directory (``DIR`` or ``DIR:REF``), an OCI archive or a docker-archive. A path is read with
goship's own image library; the platform that runs natively on this host is loaded into the
engine under a temporary ``goship-verify/<run-id>:image`` tag (removed afterwards by the
caller's :class:`~goship.runtime.cleanup.Cleanup`), the other platforms are reported as
skipped. When no platform runs natively the image is refused up front (``mismatch``): nothing
is loaded, and verify reports the ``exec-format`` diagnosis instead of running an emulator.
"""

from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goship.errors import BadInputError
from goship.image.base import read_docker_archive, read_oci_archive
from goship.image.blobs import BlobStore
from goship.image.index import parse_artifact
from goship.image.layout import parse_index_json, select_ref
from goship.image.load import docker_load
from goship.image.model import INDEX_TYPES, Artifact, Image, ImageIndex
from goship.image.platform import Platform
from goship.runtime.cleanup import Cleanup
from goship.runtime.engine import Engine

_HINT = (
    "give an image the engine has (`goship build --load`), an OCI layout directory, "
    "or an OCI/docker archive (.tar)"
)


@dataclass
class ResolvedImage:
    display: str
    ref: str | None  # engine image id to run; None when refused (mismatch)
    platform: str
    config: dict[str, Any]  # the image config's "config" object (User, Labels, ...)
    skipped_platforms: list[str] = field(default_factory=list)
    mismatch: bool = False


def _split_path(target: str) -> tuple[Path, str | None] | None:
    if Path(target).exists():
        return Path(target), None
    head, sep, ref = target.rpartition(":")
    if sep and head and Path(head).is_dir():
        return Path(head), ref
    return None


def _read_layout(root: Path, ref: str | None) -> tuple[Artifact, BlobStore]:
    if not (root / "oci-layout").is_file():
        raise BadInputError(f"{root} is a directory but not an OCI image layout", _HINT)
    try:
        raw = (root / "index.json").read_bytes()
    except OSError as exc:
        raise BadInputError(f"cannot read {root / 'index.json'}: {exc.strerror}") from exc
    entries = parse_index_json(raw, str(root / "index.json"))
    if ref is None and len({d.digest for d in entries}) > 1:
        # goship build lists each platform of an index too (TAG-linux-arm64): take the index.
        indexes = [d for d in entries if d.media_type in INDEX_TYPES]
        if len({d.digest for d in indexes}) == 1:
            entries = indexes
    store = BlobStore(root, create=False)
    return parse_artifact(store, select_ref(entries, ref, str(root))), store


def _tar_kind(path: Path) -> str:
    try:
        with tarfile.open(path, "r:*") as tar:
            names = {n.removeprefix("./") for n in tar.getnames()}
    except (OSError, tarfile.TarError) as exc:
        msg = f"{path} is neither a directory nor a readable tar: {exc}"
        raise BadInputError(msg, _HINT) from exc
    if "index.json" in names and "oci-layout" in names:
        return "oci"
    if "manifest.json" in names:
        return "docker"
    raise BadInputError(f"{path} is a tar but not an OCI or docker archive", _HINT)


def read_path(path: Path, ref: str | None, cleanup: Cleanup) -> tuple[Artifact, BlobStore]:
    """The artifact stored at ``path`` and a blob store holding its blobs."""
    if path.is_dir():
        return _read_layout(path, ref)
    tmp = tempfile.mkdtemp(prefix="goship-verify-")
    cleanup.add(f"remove {tmp}", lambda: shutil.rmtree(tmp, ignore_errors=True))
    store = BlobStore(tmp)
    if _tar_kind(path) == "oci":
        return read_oci_archive(str(path), store, ref), store
    return read_docker_archive(str(path), store, ref), store


def _images(artifact: Artifact) -> list[Image]:
    return list(artifact.images) if isinstance(artifact, ImageIndex) else [artifact]


def resolve_artifact(
    engine: Engine,
    artifact: Artifact,
    store: BlobStore,
    *,
    display: str,
    run_id: str,
    cleanup: Cleanup,
    host: Platform,
) -> ResolvedImage:
    """Load the native platform of ``artifact`` under a temporary tag (or refuse it)."""
    images = _images(artifact)
    native = next((img for img in images if img.platform.matches(host)), None)
    if native is None:
        first = images[0]
        return ResolvedImage(
            display,
            None,
            str(first.platform),
            dict(first.config.get("config") or {}),
            skipped_platforms=[str(img.platform) for img in images],
            mismatch=True,
        )
    tag = f"goship-verify/{run_id}:image"
    cleanup.add(f"remove image {tag}", lambda: engine.run(["rmi", tag], timeout=60))
    docker_load(artifact, store, [tag], platform=native.platform, docker=engine.cli)
    resolved = inspect_local(engine, tag, display, host)
    resolved.skipped_platforms = [str(i.platform) for i in images if i is not native]
    return resolved


def inspect_local(engine: Engine, name: str, display: str, host: Platform) -> ResolvedImage:
    """An image the engine has: its id, platform and config (never pulls)."""
    proc = engine.run(["image", "inspect", name], timeout=60)
    if proc.returncode != 0:
        raise BadInputError(
            f"{display}: no such image in the {engine.name} engine, and no such file", _HINT
        )
    try:
        info = json.loads(proc.stdout)[0]
    except (ValueError, IndexError, KeyError) as exc:
        raise BadInputError(f"cannot read `{engine.name} image inspect {name}`: {exc}") from exc
    platform = Platform(
        str(info.get("Os") or "linux"),
        str(info.get("Architecture") or "amd64"),
        info.get("Variant") or None,
    )
    config = dict(info.get("Config") or {})
    if not platform.matches(host):
        return ResolvedImage(display, None, str(platform), config, [str(platform)], True)
    return ResolvedImage(display, str(info.get("Id") or name), str(platform), config)


def resolve_image(
    engine: Engine, target: str, *, run_id: str, cleanup: Cleanup, host: Platform
) -> ResolvedImage:
    """Resolve IMAGE (engine name or path) to something the engine can run."""
    split = _split_path(target)
    if split is None:
        return inspect_local(engine, target, target, host)
    path, ref = split
    artifact, store = read_path(path, ref, cleanup)
    return resolve_artifact(
        engine, artifact, store, display=target, run_id=run_id, cleanup=cleanup, host=host
    )
