"""What the shipped (final-stage) image holds: base facts plus installs and COPYs."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from goship.lint.images import BaseInfo, ImageRef, classify, with_additions
from goship.lint.model import Instruction
from goship.lint.shell import GoBuild, installed_packages
from goship.lint.stages import BuildFile, Stage, env_pairs, expand

CA_PATHS = ("/etc/ssl/certs", "/etc/pki/tls/certs", "/etc/ssl/cert.pem", "/etc/pki/ca-trust")
TZ_PATHS = ("/usr/share/zoneinfo", "zoneinfo.zip", "/usr/share/lib/zoneinfo")
TOOL_PACKAGES = {"curl": "curl", "wget": "wget", "busybox": "wget", "busybox-static": "wget"}


@dataclass(frozen=True)
class Copy:
    """A COPY/ADD into the final image."""

    line: int
    sources: tuple[str, ...]
    dest: str  # absolute (resolved against WORKDIR)
    from_ref: str | None  # --from value: a stage alias/index or an image
    from_stage: Stage | None
    workdir: str


@dataclass
class FinalImage:
    stage: Stage
    info: BaseInfo
    copies: list[Copy] = field(default_factory=list)
    user: Instruction | None = None
    workdir: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    exposes: list[tuple[str, Instruction]] = field(default_factory=list)
    healthchecks: list[Instruction] = field(default_factory=list)
    builds: list[tuple[Stage, GoBuild]] = field(default_factory=list)


def _copied_paths(c: Copy) -> list[str]:
    return [c.dest] + [s for s in c.sources]


def _covers(paths: list[str], wanted: tuple[str, ...]) -> bool:
    return any(w in p or p.rstrip("/").startswith(w) for p in paths for w in wanted)


def analyze_final(bf: BuildFile) -> FinalImage | None:
    """The final stage's image, or None for a file without FROM."""
    stage = bf.final
    if stage is None:
        return None
    base = stage.base_info()
    tools: set[str] = set()
    ca = tz = False
    libc: str | None = None
    out = FinalImage(stage, base)
    workdir = "/"
    for ins in stage.all_instructions():
        if ins.cmd == "WORKDIR" and ins.value:
            workdir = posixpath.normpath(posixpath.join(workdir, ins.value[0]))
        elif ins.cmd == "USER":
            out.user = ins
        elif ins.cmd == "ENV":
            out.env.update(env_pairs(ins))
        elif ins.cmd == "RUN":
            pkgs = installed_packages(ins)
            tools.update(TOOL_PACKAGES[p] for p in pkgs if p in TOOL_PACKAGES)
            tools.update(p for p in pkgs if p in ("curl", "wget"))
            ca = ca or "ca-certificates" in pkgs or "ca-certificates-bundle" in pkgs
            tz = tz or "tzdata" in pkgs
        elif ins.cmd in ("COPY", "ADD"):
            c = _copy(bf, ins, workdir)
            out.copies.append(c)
            paths = _copied_paths(c)
            ca = ca or _covers(paths, CA_PATHS)
            tz = tz or _covers(paths, TZ_PATHS)
            for p in paths:
                name = posixpath.basename(p.rstrip("/"))
                if name in ("curl", "wget", "busybox"):
                    tools.add("wget" if name == "busybox" else name)
            if c.from_ref and any(p.startswith(("/lib", "/usr/lib")) for p in c.sources):
                libc = "copied"  # a libc copied from another stage or image: unknown
        elif ins.cmd == "EXPOSE":
            out.exposes.extend((v, ins) for v in ins.value)
        elif ins.cmd == "HEALTHCHECK":
            out.healthchecks.append(ins)
    out.workdir = workdir
    out.info = with_additions(base, tools, ca, tz, libc)
    out.builds = bf.builds_for(stage)
    return out


def _copy(bf: BuildFile, ins: Instruction, workdir: str) -> Copy:
    words = [w for w in ins.value if not w.startswith("<<")]
    from_ref = ins.flag("from")
    dest = words[-1] if words else ""
    values = {k: v for k, v in bf.global_args.items()}
    dest, _ = expand(dest, values)
    dest = posixpath.normpath(posixpath.join(workdir, dest)) + ("/" if dest.endswith("/") else "")
    from_stage = bf.stage(from_ref) if from_ref else None
    return Copy(ins.line, tuple(words[:-1]), dest, from_ref, from_stage, workdir)


def image_info(ref: str) -> BaseInfo:
    return classify(ImageRef.parse(ref))
