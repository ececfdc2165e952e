"""Audit every platform image of a source: stream its layers, then run the image checks."""

from __future__ import annotations

import functools
import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goship.audit.checks import CONTENT_CHECKS, IMAGE_CHECKS, Check
from goship.audit.fsview import FsView
from goship.audit.limits import HINTS, Limits
from goship.audit.model import Finding, GoFacts, ImageAudit, LayerFacts, severity_rank
from goship.audit.reader import Collected, ContentHit, ContentReader
from goship.errors import BadInputError, UsageError
from goship.image.layerstream import Budget
from goship.image.layerwalk import layer_where, walk_layer
from goship.image.platform import Platform
from goship.image.source import ImageSource, PlatformImage, iter_images, open_image_source

LIB_DIRS = ("/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib")


@dataclass(frozen=True)
class AuditOptions:
    platform: str | None = None
    limits: Limits = field(default_factory=Limits)
    top: int = 10
    fail_on: str = "error"
    # the Go project the image was built from: its facts say which files it opens at run time
    project: Path | None = None


@dataclass
class AuditReport:
    target: str
    options: AuditOptions
    images: list[ImageAudit]

    @property
    def findings(self) -> list[Finding]:
        return [f for img in self.images for f in img.findings]

    @property
    def tripping(self) -> list[Finding]:
        floor = severity_rank(self.options.fail_on)
        return [f for f in self.findings if severity_rank(f.severity) >= floor]

    def to_json(self) -> dict[str, Any]:
        counts = {s: 0 for s in ("error", "warning", "info")}
        for f in self.findings:
            counts[f.severity] += 1
        return {
            "schema": "goship.audit/v1",
            "image": self.target,
            "fail_on": self.options.fail_on,
            "limits": self.options.limits.to_json(),
            "summary": {**counts, "tripping": len(self.tripping)},
            "platforms": [img.to_json() for img in self.images],
        }


def _created_by(config: dict[str, Any], count: int) -> list[str]:
    history = [
        h for h in config.get("history") or [] if isinstance(h, dict) and not h.get("empty_layer")
    ]
    out = [str(h.get("created_by") or "") for h in history]
    return out[:count] + [""] * max(0, count - len(out))


def _lib_dirs(view: FsView, rpath: tuple[str, ...], binary: str) -> list[str]:
    origin = posixpath.dirname(binary)
    dirs = [p.replace("$ORIGIN", origin).replace("${ORIGIN}", origin) for p in rpath]
    dirs += LIB_DIRS
    for base in ("/lib", "/usr/lib"):
        dirs += [f"{base}/{d}" for d in view.listdir(base) if "-linux-" in d]
    return dirs


def _missing(view: FsView, b: GoFacts) -> tuple[str, ...]:
    if b.interpreter is None:
        return ()
    missing = [] if view.exists(b.interpreter) else [b.interpreter]
    dirs = _lib_dirs(view, b.rpath, b.path)
    for lib in b.needed:
        found = view.exists(lib) if "/" in lib else any(view.exists(f"{d}/{lib}") for d in dirs)
        if not found:
            missing.append(lib)
    return tuple(missing)


def _content_finding(hit: ContentHit, view: FsView) -> Finding | None:
    final = view.files.get(hit.path)
    current = final is not None and final.layer == hit.layer and final.kind == "file"
    if not current and not hit.check.persists:
        return None
    message = hit.message
    if not current:
        message += f" (removed or replaced later, but still in layer {hit.layer})"
    c = hit.check
    return Finding(c.id, c.severity, message, hit.path, hit.layer, c.dockle)


def _run_check(check: Check, audit: ImageAudit) -> list[Finding]:
    assert check.run is not None
    return [
        Finding(check.id, check.severity, h.message, h.path, h.layer, check.dockle)
        for h in check.run(audit)
    ]


@functools.lru_cache(maxsize=4)  # once per run, not once per platform
def _project_runtime_files(project: Path | None) -> list[str] | None:
    if project is None:
        return None
    from goship.project.analyze import inspect_project  # tree-sitter etc.: only when asked

    return list(inspect_project(project).needs.runtime_files)


def audit_image(source: ImageSource, img: PlatformImage, options: AuditOptions) -> ImageAudit:
    view, collected = FsView(), Collected()
    budget = Budget(options.limits, HINTS)
    on_file = ContentReader(options.limits, CONTENT_CHECKS, collected)
    created = _created_by(img.config, len(img.layers))
    for i, ref in enumerate(img.layers):
        facts = LayerFacts(i, ref.key, ref.media_type, ref.size, created_by=created[i])
        view.layers.append(facts)  # before the walk: wasted bytes are counted into it
        where = layer_where(source.name, i, ref.key)
        with source.open(ref.key) as fh:
            stats = walk_layer(
                fh, view=view, budget=budget, layer=i, key=ref.key, where=where, on_file=on_file
            )
        facts.entries, facts.files, facts.file_bytes = stats.entries, stats.files, stats.file_bytes
        facts.compressed_size = stats.compressed_size
        facts.uncompressed_size = stats.uncompressed_size
    audit = ImageAudit(source.name, img.digest, img.platform, img.config, view.layers, view)
    audit.top = options.top
    audit.project_runtime_files = _project_runtime_files(options.project)
    audit.warnings = collected.warnings
    for path, b in sorted(collected.binaries.items()):
        entry = view.files.get(path)
        if entry is not None and entry.kind == "file" and entry.layer == b.layer:
            b.missing = _missing(view, b)
            audit.binaries.append(b)
    found = [f for hit in collected.hits if (f := _content_finding(hit, view)) is not None]
    for check in IMAGE_CHECKS:
        found += _run_check(check, audit)
    order = {c.id: i for i, c in enumerate(IMAGE_CHECKS + CONTENT_CHECKS)}
    found.sort(key=lambda f: (-severity_rank(f.severity), order.get(f.id, 0), f.path))
    audit.findings = found
    return audit


def _select(images: list[PlatformImage], platform: str | None, name: str) -> list[PlatformImage]:
    if platform is None:
        return images
    want = Platform.parse(platform)
    chosen = [
        img
        for img in images
        if img.platform.split("/")[:2] == [want.os, want.architecture]
        and (not want.variant or img.config.get("variant") in (None, "", want.variant))
    ]
    if not chosen:
        have = ", ".join(img.platform for img in images) or "none"
        raise UsageError(f"{name} has no {platform} image (it has: {have})", "pick one of those")
    return chosen[:1]


def run_audit(target: str, options: AuditOptions) -> AuditReport:
    source = open_image_source(target)
    if source is None:
        looks_like_path = target.startswith(("/", ".", "~")) or os.sep in target
        what = (
            "no such file or directory"
            if looks_like_path and not os.path.exists(target)
            else ("not an image")
        )
        raise BadInputError(
            f"{target}: {what}",
            "give an OCI layout directory, an OCI/docker archive, docker-daemon:NAME or a "
            "registry reference",
        )
    try:
        unique = {img.digest: img for img in iter_images(source)}  # tags share manifests
        images = _select(list(unique.values()), options.platform, source.name)
        if not images:
            raise BadInputError(f"{source.name} contains no image")
        audits = [audit_image(source, img, options) for img in images]
    finally:
        source.close()
    return AuditReport(target, options, audits)
