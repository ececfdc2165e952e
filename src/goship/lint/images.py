"""What goship knows about common base images: libc, shell, tools, CA roots, zoneinfo.

``None`` means unknown: rules never fire on what they cannot know. Sources: the distroless
and chainguard build definitions and the official images' contents (see
docs/lint-rules.md and the team's reference sheet, sections 5 and 6).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class ImageRef:
    """``[registry/]repo[:tag][@digest]`` split up; ``name`` is the repository path."""

    raw: str
    name: str
    tag: str | None
    digest: str | None

    @classmethod
    def parse(cls, raw: str) -> ImageRef:
        ref, _, digest = raw.partition("@")
        slash = ref.rfind("/")
        colon = ref.rfind(":")
        if colon > slash:
            name, tag = ref[:colon], ref[colon + 1 :]
        else:
            name, tag = ref, None
        return cls(raw, name.lower(), tag or None, digest or None)

    @property
    def short(self) -> str:
        """The repository without registry and ``library/``: ``golang``, ``distroless/static``."""
        parts = self.name.split("/")
        if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
            parts = parts[1:]
        if parts and parts[0] == "library":
            parts = parts[1:]
        return "/".join(parts)


@dataclass(frozen=True)
class BaseInfo:
    kind: str  # scratch | distroless | chainguard | alpine | debian | golang | busybox | unknown
    libc: str | None = None  # glibc | musl | none
    shell: bool | None = None
    ca: bool | None = None
    tzdata: bool | None = None
    toolchain: bool = False
    nonroot: bool | None = None  # runs as a non-root user by default
    tools: frozenset[str] = field(default_factory=frozenset)
    tools_known: bool = False  # False: ``tools`` is not the full list


UNKNOWN = BaseInfo("unknown")
SCRATCH = BaseInfo(
    "scratch", libc="none", shell=False, ca=False, tzdata=False, nonroot=False, tools_known=True
)
_BUSYBOX_TOOLS = frozenset({"sh", "wget", "nc"})
_GOLANG_TOOLS = frozenset({"sh", "bash", "curl", "wget", "git", "gcc", "go"})


def _distroless(short: str, tag: str | None) -> BaseInfo:
    flavour = short.split("/", 1)[1] if "/" in short else ""
    debug = bool(tag and "debug" in tag)
    nonroot = bool(tag and "nonroot" in tag)
    libc = "none" if flavour.startswith("static") else "glibc"
    return BaseInfo(
        "distroless",
        libc=libc,
        shell=debug,
        ca=True,
        tzdata=True,
        nonroot=nonroot,
        tools=_BUSYBOX_TOOLS if debug else frozenset(),
        tools_known=True,
    )


def classify(ref: ImageRef) -> BaseInfo:
    """What the image ``ref`` contains, as far as goship knows."""
    short, tag = ref.short, (ref.tag or "")
    if short == "scratch":
        return SCRATCH
    if short.startswith("distroless/"):
        return _distroless(short, ref.tag)
    if short.startswith("chainguard/") or ref.name.startswith("cgr.dev/"):
        flavour = short.rsplit("/", 1)[-1]
        if flavour == "static":
            return BaseInfo("chainguard", "none", False, True, True, nonroot=True, tools_known=True)
        if flavour in ("glibc-dynamic", "cc-dynamic"):
            return BaseInfo(
                "chainguard", "glibc", False, True, True, nonroot=True, tools_known=True
            )
        return BaseInfo("chainguard")
    if short == "golang":
        musl = "alpine" in tag
        return BaseInfo(
            "golang",
            libc="musl" if musl else "glibc",
            shell=True,
            ca=True,
            tzdata=not musl,
            toolchain=True,
            nonroot=False,
            tools=_BUSYBOX_TOOLS | {"go", "git"} if musl else _GOLANG_TOOLS,
            tools_known=not musl,
        )
    if short == "alpine":
        return BaseInfo(
            "alpine",
            "musl",
            True,
            True,
            False,
            nonroot=False,
            tools=_BUSYBOX_TOOLS,
            tools_known=True,
        )
    if short == "busybox":
        return BaseInfo(
            "busybox",
            None,
            True,
            False,
            False,
            nonroot=False,
            tools=_BUSYBOX_TOOLS,
            tools_known=True,
        )
    if short in ("debian", "ubuntu"):
        tz = short == "debian" and not re.match(r"(13|trixie|sid|testing|unstable)", tag)
        return BaseInfo(
            short,
            "glibc",
            True,
            False,
            tz,
            nonroot=False,
            tools=frozenset({"sh", "bash"}),
            tools_known=True,
        )
    return UNKNOWN


def with_additions(
    base: BaseInfo, tools: set[str], ca: bool, tzdata: bool, libc: str | None
) -> BaseInfo:
    """``base`` plus what the stage installs or copies in."""
    return replace(
        base,
        tools=base.tools | frozenset(tools),
        ca=True if ca else base.ca,
        tzdata=True if tzdata else base.tzdata,
        libc=libc or base.libc,
    )
