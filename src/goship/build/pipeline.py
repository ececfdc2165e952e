"""``goship build``: facts -> compile per platform -> image per platform -> index -> outputs.

:func:`build` is the whole command minus argument parsing and printing. It raises
:class:`~goship.errors.GoshipError` subclasses only; every output it writes is atomic, and the
compiled binaries live in a temp directory removed at the end. Layers and blobs go to the
shared blob store (``$GOSHIP_CACHE``), which is a cache, not output.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from goship.build.early import EarlyCompile
from goship.build.early import remember as remember_early
from goship.build.early import start as start_early
from goship.build.factcache import cached_facts
from goship.build.progress import BuildProgress
from goship.build.publish import OutputRequest, Published, precheck, publish
from goship.build.spec import ImagePlan, go_tags, plan_image
from goship.build.tags import resolve_tags
from goship.config import BuildOptions, resolve_options
from goship.errors import BadInputError, ProjectError
from goship.gobuild.bincache import BinaryCache
from goship.gobuild.compile import Binary, CompileRequest, compile_all, go_jobs, output_path
from goship.gobuild.request import make_request, resolve_version
from goship.gobuild.vcs import GitInfo, git_info, source_date_epoch
from goship.image.assemble import (
    LowerLayers,
    ServiceImageSpec,
    build_service_image,
    lower_layers,
    summary_json,
)
from goship.image.blobs import BlobStore
from goship.image.config import RuntimeConfig
from goship.image.index import build_index
from goship.image.model import ANN_BASE_DIGEST, ANN_BASE_NAME, Artifact, Image
from goship.image.pgzip import warm_up as warm_up_gzip
from goship.image.platform import Platform
from goship.project.facts import ProjectFacts

if TYPE_CHECKING:
    from goship.build.base import LoadedBase

# gzip level for every layer. 1 (what ko uses, Go's gzip.BestSpeed) compresses a Go binary
# ~2.5x faster than zlib's default 6 for ~10% larger blobs; after a code change the binary
# layer is the one thing re-compressed, so this is most of goship's own share of a rebuild.
GZIP_LEVEL = 1


@dataclass
class BuildResult:
    artifact: Artifact
    tags: list[str]
    binaries: list[Binary]
    published: Published
    warnings: list[str] = field(default_factory=list)
    name: str = ""

    @property
    def digest(self) -> str:
        return self.artifact.digest

    @property
    def pinned(self) -> str:
        return self.published.references[0]

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` document: digest, references, platforms, size_bytes, layers, ..."""
        summary = summary_json(self.artifact)
        return {
            "digest": summary["digest"],
            "references": self.published.references,
            "platforms": summary["platforms"],
            "size_bytes": summary["size_bytes"],
            "layers": summary["layers"],
            "media_type": summary["media_type"],
            "tags": self.tags,
            "outputs": self.published.outputs,
            "bytes_pushed": self.published.bytes_sent,
            "binaries": [
                {
                    "platform": str(b.platform),
                    "size": b.size,
                    "sha256": b.known_sha256 or None,  # known unless hash_binaries=False
                    "cgo": b.cgo,
                }
                for b in self.binaries
            ],
            "warnings": self.warnings,
        }


def _image_spec(
    platform: Platform,
    binary_path: Path,
    plan: ImagePlan,
    facts: ProjectFacts,
    base: LoadedBase | None,
) -> ServiceImageSpec:
    """The platform's image as planned, for the binary that ``go build`` leaves at
    ``binary_path``; its hash is filled in once it is built (:func:`_image_for`)."""
    base_image = base.for_platform(platform) if base else None
    runtime: RuntimeConfig = plan.runtime
    if base_image is not None:
        labels = {
            ANN_BASE_NAME: base_image.name,
            ANN_BASE_DIGEST: base_image.image.digest,
            **plan.runtime.labels,
        }
        runtime = replace(plan.runtime, labels=labels)
    return ServiceImageSpec(
        platform=platform,
        binary=binary_path,
        project_root=Path(facts.root),
        binary_path=plan.binary_path,
        files=plan.files,
        writable_dirs=plan.writable_dirs,
        ca_certificates=plan.ca_certificates,
        zoneinfo=plan.zoneinfo,
        zones=plan.zones,
        runtime=runtime,
        annotations=plan.annotations,
        base=base_image,
        level=GZIP_LEVEL,
        created_by=f"goship build {facts.service.main or facts.module}",
    )


def _image_for(
    binary: Binary,
    spec: ServiceImageSpec,
    lower: LowerLayers,
    store: BlobStore,
    epoch: int,
    want_sha256: bool = True,
) -> tuple[Image, Binary]:
    """The platform's image from ``spec`` on ``lower``, and ``binary`` with its sha256 known
    (a new cacheable binary is hashed while its layer is written, see
    :class:`goship.image.tarlayer.Entry`). Without ``want_sha256`` a cacheable binary is
    not hashed at all: its layer is keyed by its cache key, and its diff_id and blob digest
    come from the layer's own streams."""
    if binary.interpreter is not None:
        if spec.base is None:  # pragma: no cover - compile refuses this already
            raise ProjectError(f"the {binary.platform} binary is dynamically linked")
        from goship.build.base import check_interpreter

        check_interpreter(spec.base, binary.interpreter, binary.platform)
    spec = replace(
        spec,
        binary=binary.path,
        # keyed by its cache key when it has one (below), else by its content
        binary_sha256=(binary.known_sha256 or None) if binary.cache_key else binary.sha256,
    )
    if not binary.cache_key:  # not reproducible from its key (cgo): keyed by its content
        return build_service_image(spec, store, epoch=epoch, lower=lower), binary
    hashed: list[str] = []
    spec = replace(
        spec,
        binary_identity=f"go-binary:{binary.cache_key}",
        binary_hashed=hashed.append if want_sha256 else None,
    )
    image = build_service_image(spec, store, epoch=epoch, lower=lower)
    if not want_sha256:
        return image, binary
    if hashed or not binary.known_sha256:
        # seen while the layer was written, else (a cached layer, its hash not recorded) read
        # now, while the binary still exists; the binary cache remembers it for next time
        digest = hashed[0] if hashed else binary.sha256
        BinaryCache(store.root.parent / "bin").record_sha256(binary.cache_key, digest)
        binary = binary.with_sha256(digest)
    return image, binary


def _assemble(
    binaries: list[Binary],
    prepared: _Prepared,
    store: BlobStore,
    progress: BuildProgress,
    want_sha256: bool = True,
) -> tuple[Artifact, list[Binary]]:
    """The image (an index for several platforms) and the binaries, with their sha256 when
    ``want_sha256``."""

    def one(binary: Binary) -> tuple[Image, Binary]:
        key = f"layers {binary.platform}"
        with progress.step(key, f"layers {binary.platform}"):
            spec, lower = prepared.images[binary.platform]
            return _image_for(binary, spec, lower, store, prepared.epoch, want_sha256)

    if len(binaries) == 1:
        image, binary = one(binaries[0])
        return image, [binary]
    workers = max(1, min(len(binaries), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="layers") as pool:
        done = list(pool.map(one, binaries))
    images = [image for image, _ in done]
    annotations = prepared.plan.annotations
    return build_index(images, store, annotations=annotations), [b for _, b in done]


def image_tags(options: BuildOptions, git: GitInfo, out: OutputRequest) -> list[str]:
    """``--tag``s, the ``--semver`` expansion and ``sha-<short>`` (clean git trees only);
    ``latest`` when nothing names a tag and the push reference carries none."""
    default = "latest"
    if out.push:
        from goship.registry import parse_reference

        if parse_reference(out.push).tag:
            default = ""
    short = git.short_commit if git.is_git and not git.dirty else None
    return resolve_tags(options.tags, options.semver, short, default=default)


def _fact_args(root: Path, options: BuildOptions, store: BlobStore) -> tuple[str, Path]:
    return ",".join(options.build_tags), store.root.parent / "facts"


def _facts(root: Path, options: BuildOptions, store: BlobStore) -> ProjectFacts:
    """``inspect`` facts (cached by source content). The compile check is left to go build."""
    tags, cache_dir = _fact_args(root, options, store)

    def analyse() -> ProjectFacts:
        from goship.project.analyze import inspect_project

        return inspect_project(
            root,
            main=options.main,
            tags=tags or None,
            compile_check=False,
            list_cache=cache_dir.parent / "golist",
        )

    return cached_facts(root, options.main, tags, cache_dir, analyse)


@dataclass
class _Context:
    """Everything the compile request is made from, besides the facts."""

    options: BuildOptions
    store: BlobStore
    workdir: Path
    _git: dict[str, GitInfo] = field(default_factory=dict)

    def git(self, root: str) -> GitInfo:
        if root not in self._git:
            self._git[root] = git_info(root, self.store.root.parent / "git")
        return self._git[root]

    def request(self, facts: ProjectFacts, out_dir: str) -> CompileRequest:
        git = self.git(facts.root)
        req = make_request(
            facts,
            self.options,
            git,
            source_date_epoch(git),
            self.workdir / out_dir,
            go_tags(facts, self.options),
        )
        return replace(req, cache_dir=self.store.root.parent / "bin")


@dataclass
class _Prepared:
    """What the image needs besides the binaries, made while they compile: the plan and,
    per platform, the image spec and the layers under the binary's."""

    plan: ImagePlan
    epoch: int
    images: dict[Platform, tuple[ServiceImageSpec, LowerLayers]]


def _prepare(
    ctx: _Context, facts: ProjectFacts, req: CompileRequest, base: LoadedBase | None
) -> _Prepared:
    """:class:`_Prepared`, made in a helper while the main thread waits for ``go build``;
    it starts the gzip threads for the binary layers too."""
    git = ctx.git(facts.root)
    epoch = source_date_epoch(git)
    plan = plan_image(
        facts,
        ctx.options,
        name=req.name,
        git=git,
        epoch=epoch,
        version=resolve_version(ctx.options, git),
    )
    images: dict[Platform, tuple[ServiceImageSpec, LowerLayers]] = {}
    shared: LowerLayers | None = None  # goship's base is the same for every platform
    for platform in req.platforms:
        spec = _image_spec(platform, output_path(req, platform), plan, facts, base)
        lower = shared or lower_layers(spec, ctx.store, epoch=epoch)
        if base is None:
            shared = lower
        images[platform] = (spec, lower)
    warm_up_gzip()  # for the binary layers (this thread has the main thread's priority)
    return _Prepared(plan, epoch, images)


def _inspect_and_compile(
    ctx: _Context,
    root: Path,
    progress: BuildProgress,
    early: EarlyCompile | None,
    base: LoadedBase | None,
) -> tuple[ProjectFacts, CompileRequest, list[Binary], _Prepared]:
    """Analyse (or take cached facts), then compile; the previous build's ``go build`` may
    already be running (see :mod:`goship.build.early`) and is used when it is the same.
    Meanwhile a helper prepares the rest of the image (:func:`_prepare`); a compile error is
    raised before any of its errors."""
    with progress.step("inspect", f"inspect {root}"):
        facts = _facts(root, ctx.options, ctx.store)
    req = ctx.request(facts, "bin")
    with ThreadPoolExecutor(1, thread_name_prefix="prepare") as helper:
        prepared = helper.submit(_prepare, ctx, facts, req, base)
        binaries = compile_all(req, on_event=progress.compile_event, early=early)
    return facts, req, binaries, prepared.result()


def build(
    path: str | os.PathLike[str],
    flags: Mapping[str, Any],
    out: OutputRequest,
    progress: BuildProgress | None = None,
    store: BlobStore | None = None,
    early: EarlyCompile | None = None,
    hash_binaries: bool = True,
) -> BuildResult:
    """Run the whole build; see the module docstring. ``early`` holds ``go build``s the CLI
    started before importing this module (else they are started here). With
    ``hash_binaries`` False a new binary's sha256 (``BuildResult.to_json``'s
    ``binaries[].sha256``) is not computed when nothing else needs it: a warm rebuild after
    an edit then reads the binary for its layer only (the sha256 costs ~4 ms of CPU per
    6 MiB; ``goship build`` without ``--json`` prints nothing that needs it)."""
    progress = progress or BuildProgress(enabled=False)
    root = Path(path)
    if not root.is_dir():
        raise BadInputError(f"{root} is not a directory", "give the path of a Go project")
    store = store or BlobStore.default()
    with contextlib.ExitStack() as stack:
        if early is None:
            early = start_early(root, flags, store.root.parent)
        if early is not None:
            stack.enter_context(early)
        return _build(root, flags, out, progress, store, early, hash_binaries)


def _build(
    root: Path,
    flags: Mapping[str, Any],
    out: OutputRequest,
    progress: BuildProgress,
    store: BlobStore,
    early: EarlyCompile | None,
    hash_binaries: bool,
) -> BuildResult:
    options = resolve_options(root, flags)
    precheck(out)
    with tempfile.TemporaryDirectory(prefix="goship-build-") as work:
        ctx = _Context(options, store, Path(work))
        base = None
        if options.base:
            with progress.step("base", f"base {options.base}"):
                from goship.build.base import load_base  # only with --base

                base = load_base(options.base, store, list(options.platforms))
        facts, req, binaries, prepared = _inspect_and_compile(ctx, root, progress, early, base)
        try:
            plan = prepared.plan
            for warning in plan.warnings:
                progress.warn(warning)
            artifact, binaries = _assemble(binaries, prepared, store, progress, hash_binaries)
            tags = image_tags(options, ctx.git(facts.root), out)
            published = publish(
                artifact,
                store,
                out,
                tags=tags,
                name=req.name,
                epoch=prepared.epoch,
                progress=progress,
            )
        finally:  # the compile succeeded: the next build may start it early (after the
            # output, which is what the user waits for)
            remember_early(root, flags, store.root.parent, go_jobs(req), early)
    return BuildResult(artifact, tags, binaries, published, plan.warnings, req.name)
