"""What goes into the image, decided from the facts and the options (no I/O beyond stat).

* base layer: CA bundle only when ``needs.ca_certificates``; zoneinfo only when
  ``needs.tzdata`` and the zone database is not compiled in (``time/tzdata`` or
  ``--tzdata embed``);
* runtime files: each ``needs.runtime_files`` path is read by the program relative to its
  working directory, so ``templates`` found next to the main package goes to
  ``<workdir>/templates``; then the ``--file`` extras (they win on the same destination);
* the binary at ``<workdir>/<name>`` (``/usr/local/bin/<name>`` if a runtime file takes that
  name), last;
* config: Entrypoint, WorkingDir, User 65532:65532, Env, ExposedPorts, OCI labels and the
  ``dev.goship.service`` label that ``goship verify`` reads back.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from goship.config import BuildOptions
from goship.gobuild.vcs import GitInfo, epoch_rfc3339
from goship.image.baselayer import NONROOT_USER
from goship.image.config import SERVICE_LABEL, RuntimeConfig
from goship.image.files import FileSpec, in_image, runtime_root
from goship.image.model import (
    ANN_CREATED,
    ANN_REVISION,
    ANN_SOURCE,
    ANN_TITLE,
    ANN_VERSION,
)
from goship.project.facts import ProjectFacts


@dataclass(frozen=True)
class ImagePlan:
    binary_path: str
    files: tuple[FileSpec, ...]
    writable_dirs: tuple[str, ...]
    ca_certificates: bool
    zoneinfo: bool
    runtime: RuntimeConfig
    annotations: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    # only these zones (the code loads no others; see project.tz.constant_zones); None = all
    zones: tuple[str, ...] | None = None


def needs_zoneinfo(facts: ProjectFacts, options: BuildOptions) -> bool:
    return facts.needs.tzdata and not facts.needs.tzdata_embedded and options.tzdata != "embed"


def go_tags(facts: ProjectFacts, options: BuildOptions) -> tuple[str, ...]:
    """Build tags: the user's, plus ``timetzdata`` in embed mode when zones are needed."""
    tags = tuple(options.build_tags)
    wants = options.tzdata == "embed" and facts.needs.tzdata and not facts.needs.tzdata_embedded
    if wants and "timetzdata" not in tags:
        tags = (*tags, "timetzdata")
    return tags


def runtime_file_specs(
    facts: ProjectFacts, options: BuildOptions, warnings: list[str]
) -> list[FileSpec]:
    """Detected runtime files (skipping ones absent from the source) then ``--file`` extras."""
    root = Path(facts.root)
    main = facts.main_package()
    main_dir = root / (main.dir if main else ".")
    by_dst: dict[str, FileSpec] = {}
    for rel in facts.needs.runtime_files:
        clean = runtime_root(rel)
        if clean.startswith("/"):
            candidates = [root / clean.lstrip("/")]
        else:
            candidates = [main_dir / clean, root / clean]
        src = next((c for c in candidates if c.exists()), None)
        if src is None or clean in (".", "/"):
            warnings.append(
                f"runtime file {rel!r} is not in the source tree; it is not copied "
                "(mount it at run time or add it with --file)"
            )
            continue
        dst = in_image(clean, options.workdir)
        by_dst[dst] = FileSpec(str(src.relative_to(root)), dst)
    for extra in options.files:
        dst = in_image(extra.dst, options.workdir)
        by_dst[dst] = FileSpec(extra.src, dst, extra.mode)
    return [by_dst[k] for k in sorted(by_dst)]


def binary_path(name: str, workdir: str, files: list[FileSpec]) -> str:
    preferred = posixpath.join(workdir, name)
    taken = any(
        f.dst == preferred or f.dst.startswith(preferred + "/") or preferred.startswith(f.dst + "/")
        for f in files
    )
    return f"/usr/local/bin/{name}" if taken else preferred


def writable_dirs(facts: ProjectFacts, workdir: str) -> tuple[str, ...]:
    """Directories the program writes to, owned by 65532 (``/tmp`` is in the base already)."""
    out: set[str] = set()
    for path in facts.needs.writable_paths:
        full = in_image(path, workdir)
        if full == "/" or full == "/tmp" or full.startswith("/tmp/"):
            continue
        out.add(full)
    return tuple(sorted(out))


def exposed_port(facts: ProjectFacts) -> int | None:
    """The detected port, else the default of the port's environment variable."""
    if facts.service.port:
        return facts.service.port
    if facts.service.port_env:
        for var in facts.env:
            if var.name == facts.service.port_env and var.default and var.default.isdigit():
                return int(var.default)
    return None


def service_label(facts: ProjectFacts, binary: str, port: int | None) -> str:
    data = {
        "module": facts.module,
        "main": facts.service.main,
        "framework": facts.service.framework,
        "port": port,
        "port_env": facts.service.port_env,
        "health_path": facts.service.health_path,
        "binary": binary,
        "user": NONROOT_USER,
        "runtime_files": list(facts.needs.runtime_files),
        # what the source analysis decided (goship audit trusts it over symbol heuristics)
        "needs": {
            "ca_certificates": facts.needs.ca_certificates,
            "tzdata": facts.needs.tzdata and not facts.needs.tzdata_embedded,
        },
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def plan_image(
    facts: ProjectFacts,
    options: BuildOptions,
    *,
    name: str,
    git: GitInfo,
    epoch: int,
    version: str,
) -> ImagePlan:
    warnings: list[str] = []
    files = runtime_file_specs(facts, options, warnings)
    path = binary_path(name, options.workdir, files)
    port = exposed_port(facts)
    if port is None:
        warnings.append("no listening port detected: the image exposes none")
    annotations = {ANN_TITLE: name, ANN_CREATED: epoch_rfc3339(epoch), ANN_VERSION: version}
    if git.commit:
        annotations[ANN_REVISION] = git.commit
        if git.dirty:
            warnings.append("the git tree has uncommitted changes; the revision label names HEAD")
    if git.source_url:
        annotations[ANN_SOURCE] = git.source_url
    labels = {**annotations, SERVICE_LABEL: service_label(facts, path, port), **options.labels}
    runtime = RuntimeConfig(
        entrypoint=[path],
        working_dir=options.workdir,
        user=NONROOT_USER,
        env=dict(options.env),
        exposed_ports=[port] if port else [],
        labels=labels,
    )
    return ImagePlan(
        binary_path=path,
        files=tuple(files),
        writable_dirs=writable_dirs(facts, options.workdir),
        ca_certificates=facts.needs.ca_certificates,
        zoneinfo=needs_zoneinfo(facts, options),
        runtime=runtime,
        annotations=annotations,
        warnings=warnings,
        zones=zone_subset(facts),
    )


def zone_subset(facts: ProjectFacts) -> tuple[str, ...] | None:
    """The zones to ship when every zone the code loads is a constant (plus UTC, which
    tools other than Go's time package may look up); None ships them all."""
    zones = facts.needs.tzdata_zones
    if not zones:
        return None
    return tuple(sorted({*zones, "UTC", "Etc/UTC"}))
