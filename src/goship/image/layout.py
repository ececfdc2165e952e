"""OCI image layout directories: write one atomically, read one back.

Writing builds the whole layout in a temp directory next to the target and renames it into
place, so a reader never sees a half-written layout. An existing target is replaced only if it
is an OCI layout (has ``oci-layout``) or an empty directory; anything else is refused.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from goship.errors import BadInputError
from goship.image.blobs import BlobStore
from goship.image.index import parse_artifact
from goship.image.model import (
    ANN_REF_NAME,
    OCI_INDEX,
    Artifact,
    Descriptor,
    ImageIndex,
    all_descriptors,
    canonical_json,
    digest_hex,
)

OCI_LAYOUT_FILE = {"imageLayoutVersion": "1.0.0"}


def layout_index(
    artifact: Artifact, tags: Sequence[str] = (), platform_refs: bool = False
) -> dict[str, Any]:
    """The layout's ``index.json``: one entry per tag (``ref.name`` annotation), or a single
    untagged entry when there are no tags.

    With ``platform_refs`` and an image index, each platform's manifest is also listed as
    ``<tag>-<os>-<arch>[-<variant>]`` (e.g. ``1.4.2-linux-arm64``): tools that cannot pick a
    platform from an index (umoci 0.4) can then address one image directly.
    """
    base = artifact.descriptor
    entries: list[Descriptor] = []
    for tag in dict.fromkeys(tags):  # dedupe, keep order
        if not tag or any(c.isspace() for c in tag):
            raise BadInputError(f"bad tag {tag!r}")
        entries.append(
            Descriptor(base.media_type, base.digest, base.size, annotations={ANN_REF_NAME: tag})
        )
        if platform_refs and isinstance(artifact, ImageIndex):
            for img in artifact.images:
                d = img.descriptor
                ref = f"{tag}-{img.platform.slug}"
                entries.append(replace(d, annotations={ANN_REF_NAME: ref}))
    if not entries:
        entries.append(base)
    return {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [e.to_json() for e in entries],
    }


def layout_blobs(artifact: Artifact) -> list[Descriptor]:
    """Every blob the layout must hold, each digest once."""
    return list({d.digest: d for d in all_descriptors(artifact)}.values())


def _check_target(target: Path) -> bool:
    """True if ``target`` exists and may be replaced; raise if it must not be touched."""
    if not os.path.lexists(target):
        return False
    if target.is_symlink() or not target.is_dir():
        raise BadInputError(
            f"{target} exists and is not a directory", "choose another --output path"
        )
    if (target / "oci-layout").is_file() or not any(target.iterdir()):
        return True
    raise BadInputError(
        f"{target} exists and is not an OCI image layout; refusing to overwrite it",
        "point --output at a new or empty directory, or at an earlier goship output",
    )


def _prepare_parent(target: Path) -> Path:
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInputError(
            f"cannot create {parent}: {exc.strerror}", "choose a writable --output path"
        ) from exc
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BadInputError(f"{parent} is not writable", "choose a writable --output path")
    return parent


def _place_blob(src: Path, dst: Path) -> None:
    """A hard link to the store's read-only, content-addressed blob when both are on one file
    system (a 10 MiB binary layer costs no copy on every rebuild), else a copy."""
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links not allowed
        shutil.copyfile(src, dst)


def write_layout(
    target: str | os.PathLike[str],
    artifact: Artifact,
    store: BlobStore,
    tags: Sequence[str] = (),
    *,
    platform_refs: bool = False,
) -> Path:
    """Write ``artifact`` (an Image or ImageIndex whose blobs are in ``store``) as an OCI layout
    at ``target``, tagging it with each of ``tags`` (``org.opencontainers.image.ref.name``);
    see :func:`layout_index` for ``platform_refs``."""
    dest = Path(target).absolute()
    replace_existing = _check_target(dest)
    parent = _prepare_parent(dest)
    index = layout_index(artifact, tags, platform_refs)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.goship-", dir=parent))
    except OSError as exc:
        raise BadInputError(
            f"cannot write in {parent}: {exc.strerror}", "choose a writable --output path"
        ) from exc
    try:
        os.chmod(tmp, 0o755)
        blob_dir = tmp / "blobs" / "sha256"
        blob_dir.mkdir(parents=True)
        for desc in layout_blobs(artifact):
            _place_blob(store.path(desc.digest), blob_dir / digest_hex(desc.digest))
        (tmp / "oci-layout").write_bytes(canonical_json(OCI_LAYOUT_FILE))
        (tmp / "index.json").write_bytes(canonical_json(index))
        if replace_existing:
            old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=parent))
            os.rename(dest, old / "layout")
            os.rename(tmp, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, dest)
    except FileNotFoundError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise BadInputError(f"a blob is missing from the store: {exc.filename}") from exc
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise BadInputError(f"cannot write the OCI layout {dest}: {exc.strerror}") from exc
    return dest


def layout_refs(layout_dir: str | os.PathLike[str]) -> list[str]:
    """The ``ref.name`` tags listed in a layout's index.json."""
    return [
        d.annotations[ANN_REF_NAME]
        for d in _read_index(Path(layout_dir))
        if ANN_REF_NAME in d.annotations
    ]


def _read_index(root: Path) -> list[Descriptor]:
    if not (root / "oci-layout").is_file():
        raise BadInputError(f"{root} is not an OCI image layout (no oci-layout file)")
    try:
        raw = (root / "index.json").read_bytes()
    except OSError as exc:
        raise BadInputError(f"cannot read {root / 'index.json'}: {exc.strerror}") from exc
    return parse_index_json(raw, str(root / "index.json"))


def select_ref(entries: Sequence[Descriptor], ref: str | None, where: str) -> Descriptor:
    """The index.json entry tagged ``ref``, or the only image when ``ref`` is None."""
    if ref is not None:
        chosen = [d for d in entries if d.annotations.get(ANN_REF_NAME) == ref]
        if not chosen:
            refs = [d.annotations[ANN_REF_NAME] for d in entries if ANN_REF_NAME in d.annotations]
            have = ", ".join(refs) or "none"
            raise BadInputError(f"{where} has no image tagged {ref!r} (tags: {have})")
        return chosen[0]
    unique = list({d.digest: d for d in entries}.values())
    if len(unique) != 1:
        raise BadInputError(
            f"{where} holds {len(unique)} images; name one",
            "append :TAG to the layout path, e.g. DIR:latest",
        )
    return unique[0]


def parse_index_json(raw: bytes, where: str) -> list[Descriptor]:
    try:
        doc = json.loads(raw)
        return [Descriptor.from_json(m) for m in doc.get("manifests", [])]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadInputError(f"cannot read {where}: {exc}") from exc


def read_layout(
    layout_dir: str | os.PathLike[str], ref: str | None = None
) -> tuple[Artifact, BlobStore]:
    """Read the image tagged ``ref`` (or the only one) from a layout, plus a store over its
    blobs."""
    root = Path(layout_dir)
    chosen = select_ref(_read_index(root), ref, str(root))
    store = BlobStore(root, create=False)
    return parse_artifact(store, chosen), store
