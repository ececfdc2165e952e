"""One call from a compiled binary to a complete single-platform image.

Layer order (lowest first): the synthesized base layer (or a user-given base image's layers),
the runtime-files layer (only when there are files or writable dirs), the binary layer last, so
a code change touches only the last layer.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goship.image.baselayer import base_dirs, base_env, build_base_layer
from goship.image.blobs import BlobStore
from goship.image.config import RuntimeConfig, build_config
from goship.image.files import FileSpec, runtime_entries, writable_dir_entries
from goship.image.manifest import assemble_image
from goship.image.model import ANN_BASE_DIGEST, ANN_BASE_NAME, Artifact, Image, ImageIndex, Layer
from goship.image.platform import Platform
from goship.image.tarlayer import DEFAULT_LEVEL, Entry, build_layer, dir_map, normalize_path

DEFAULT_BINARY_PATH = "/app/server"


@dataclass(frozen=True)
class BaseImage:
    """A user-given base (e.g. a glibc image for cgo), read with
    :func:`goship.image.layout.read_layout`; its blobs are copied into the build's store."""

    image: Image
    store: BlobStore
    name: str  # the reference the user gave, for org.opencontainers.image.base.name


@dataclass
class ServiceImageSpec:
    platform: Platform
    binary: Path
    project_root: Path
    binary_sha256: str | None = None  # when known (the compile step hashes it)
    # identifies the binary's bytes for the layer cache instead of its hash (its binary cache
    # key), and receives its sha256 when the layer is written (see tarlayer.Entry.identity)
    binary_identity: str | None = None
    binary_hashed: Callable[[str], None] | None = None
    # r-xr-xr-x like ko and distroless: nobody, not even root in the container, rewrites it.
    binary_mode: int = 0o555
    binary_path: str = DEFAULT_BINARY_PATH
    files: Sequence[FileSpec] = ()
    writable_dirs: Sequence[str] = ()
    ca_certificates: bool = False
    zoneinfo: bool = False
    zones: Collection[str] | None = None  # only these zones (None: all of them)
    # Entrypoint defaults to [binary_path]; User defaults to 65532:65532.
    runtime: RuntimeConfig | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)
    base: BaseImage | None = None
    level: int = DEFAULT_LEVEL
    created_by: str = "goship build"


@dataclass(frozen=True)
class LowerLayers:
    """The layers under the binary's (base, then runtime files) and the directories they
    hold. None of it depends on the binary, so a build makes them while that compiles."""

    layers: tuple[Layer, ...]
    dirs: Mapping[str, Entry]


def lower_layers(spec: ServiceImageSpec, store: BlobStore, *, epoch: int) -> LowerLayers:
    """Build (or take from the layer cache) the base layer, or copy a given base's, and the
    runtime-files layer when there are files or writable dirs. Reads none of ``spec``'s
    binary fields: a build calls it before the binary exists."""
    if spec.base is not None:
        for layer in spec.base.image.layers:
            store.copy_from(spec.base.store, layer.digest)
        layers, lower = list(spec.base.image.layers), []
    else:
        base = build_base_layer(
            store,
            epoch=epoch,
            ca_certificates=spec.ca_certificates,
            zoneinfo=spec.zoneinfo,
            zones=spec.zones,
            level=spec.level,
        )
        layers, lower = [base], base_dirs(zoneinfo=spec.zoneinfo)
    files = runtime_entries(spec.files, spec.project_root) + writable_dir_entries(
        spec.writable_dirs
    )
    if files:
        layers.append(
            build_layer(
                files,
                store,
                epoch=epoch,
                lower_dirs=dir_map(lower),
                level=spec.level,
                created_by="goship files",
                comment="runtime files: "
                + ", ".join([f.dst for f in spec.files] + list(spec.writable_dirs)),
            )
        )
    return LowerLayers(tuple(layers), dir_map(lower, files))


def build_service_image(
    spec: ServiceImageSpec, store: BlobStore, *, epoch: int, lower: LowerLayers | None = None
) -> Image:
    """Build every layer (reusing cached ones), the config and the manifest for one platform;
    ``lower`` when :func:`lower_layers` made the layers under the binary's already."""
    binary_path = normalize_path(spec.binary_path)
    if lower is None:
        lower = lower_layers(spec, store, epoch=epoch)
    layers = list(lower.layers)
    binary = Entry.from_disk(
        binary_path,
        spec.binary,
        spec.binary_mode,
        sha256=spec.binary_sha256,
        identity=spec.binary_identity,
        hashed=spec.binary_hashed,
    )
    layers.append(
        build_layer(
            [binary],
            store,
            epoch=epoch,
            lower_dirs=lower.dirs,
            level=spec.level,
            created_by=spec.created_by,
            comment=f"go build output at {binary_path}",
        )
    )
    runtime = spec.runtime or RuntimeConfig(entrypoint=[binary_path])
    own_base = spec.base is None
    env = {
        **base_env(
            ca_certificates=spec.ca_certificates and own_base, zoneinfo=spec.zoneinfo and own_base
        ),
        **runtime.env,
    }
    runtime = RuntimeConfig(
        entrypoint=runtime.entrypoint,
        cmd=runtime.cmd,
        working_dir=runtime.working_dir,
        user=runtime.user,
        env=env,
        exposed_ports=runtime.exposed_ports,
        labels=runtime.labels,
        stop_signal=runtime.stop_signal,
    )
    base_config = spec.base.image.config if spec.base else None
    own_layers = layers[len(spec.base.image.layers) :] if spec.base else layers
    config = build_config(spec.platform, runtime, own_layers, epoch=epoch, base_config=base_config)
    annotations = dict(spec.annotations)
    if spec.base is not None:
        annotations.setdefault(ANN_BASE_NAME, spec.base.name)
        annotations.setdefault(ANN_BASE_DIGEST, spec.base.image.digest)
    return assemble_image(store, spec.platform, layers, config, annotations)


def summary_json(artifact: Artifact) -> dict[str, Any]:
    """The image part of ``goship build --json``: digest, platforms, size_bytes and, per layer,
    digest/size/files (layers of all platforms, each digest once)."""
    layers: dict[str, dict[str, Any]] = {}
    for img in artifact.manifests():
        for layer in img.layers:
            layers.setdefault(
                layer.digest,
                {"digest": layer.digest, "size": layer.size, "files": list(layer.files)},
            )
    platforms = artifact.platforms if isinstance(artifact, ImageIndex) else [artifact.platform]
    return {
        "digest": artifact.digest,
        "media_type": artifact.descriptor.media_type,
        "platforms": [str(p) for p in platforms],
        "size_bytes": artifact.size_bytes(),
        "layers": list(layers.values()),
    }
