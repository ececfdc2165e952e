"""Layer blobs and hand-made OCI layouts for image tests (``raw_layout`` writes what goship's
own image library refuses to: ``..`` names, escaping links, bombs, broken JSON)."""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from goship.image.model import OCI_CONFIG, OCI_LAYER_GZIP, OCI_LAYER_TAR, OCI_MANIFEST
from helpers.env import require_tool

__all__ = ["OCI_LAYER_GZIP", "OCI_LAYER_TAR", "default_config", "gz", "raw_layout", "zstd"]


def zstd(data: bytes) -> bytes:
    """``data`` compressed by the zstd program (as other tools write tar+zstd layers)."""
    program = require_tool("zstd")
    return subprocess.run([program, "-c", "-q"], input=data, capture_output=True, check=True).stdout


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def default_config(n_layers: int = 1, **run: Any) -> dict[str, Any]:
    return {
        "architecture": "amd64",
        "os": "linux",
        "config": {"User": "65532:65532", **run},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 64] * n_layers},
    }


def raw_layout(
    root: Path,
    layers: Sequence[bytes | Path],
    config: dict[str, Any] | bytes | None = None,
    *,
    manifest: bytes | None = None,
    index: bytes | None = None,
    layer_media_type: str | Sequence[str] = OCI_LAYER_GZIP,
    layer_digests: Sequence[str] | None = None,
) -> Path:
    """An OCI layout written byte by byte; layer blobs may be files (large bombs).
    ``layer_media_type`` is one media type or one per layer; ``layer_digests`` replaces the
    digests the manifest names for the layers (a blob that does not match its descriptor);
    ``config``, ``manifest`` and ``index`` replace those documents (bytes as they are)."""
    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    (root / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')

    def put(data: bytes) -> str:
        digest = _digest(data)
        (blobs / digest.split(":")[1]).write_bytes(data)
        return digest

    descs = []
    for layer in layers:
        if isinstance(layer, Path):
            h, size = hashlib.sha256(), 0
            with layer.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
                    size += len(chunk)
            digest = "sha256:" + h.hexdigest()
            layer.rename(blobs / digest.split(":")[1])
        else:
            digest, size = put(layer), len(layer)
        if layer_digests is not None:
            digest = layer_digests[len(descs)]
        media = layer_media_type
        if not isinstance(media, str):
            media = media[len(descs)]
        descs.append({"mediaType": media, "digest": digest, "size": size})
    cfg = config if config is not None else default_config(len(layers))
    cfg_bytes = cfg if isinstance(cfg, bytes) else json.dumps(cfg).encode()
    cfg_desc = {"mediaType": OCI_CONFIG, "digest": put(cfg_bytes), "size": len(cfg_bytes)}
    if manifest is None:
        doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": cfg_desc, "layers": descs}
        manifest = json.dumps(doc).encode()
    man_desc = {"mediaType": OCI_MANIFEST, "digest": put(manifest), "size": len(manifest)}
    if index is None:
        index = json.dumps({"schemaVersion": 2, "manifests": [man_desc]}).encode()
    (root / "index.json").write_bytes(index)
    return root


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)
