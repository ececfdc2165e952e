"""Rules about how the Go binary and the image are built."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from goship.lint.findings import LintContext
from goship.lint.model import Instruction
from goship.lint.shell import GoBuild, go_builds, installed_packages, runs_go
from goship.lint.stages import Stage, arg_defaults, env_pairs

Out = list[tuple[int, str]]
_MODULE_FILES = {"go.mod", "go.sum", "go.work", "go.work.sum"}


class SingleStageGo:
    ID = "single-stage-go"
    SEVERITY = "warning"
    DESCRIPTION = "The final image is a Go toolchain image (single-stage build)."
    DOC = """
The final stage is (or is built FROM a stage based on) a golang image, or installs the Go
toolchain: the shipped image carries the compiler, the module cache and the sources —
about 1 GB instead of a few MB, and a much larger attack surface.
Fix: a multi-stage build: compile in `FROM golang:1.24 AS build`, then
`FROM gcr.io/distroless/static-debian12:nonroot` (or scratch) and COPY --from=build only
the binary and the files it needs.
"""

    @staticmethod
    def check(ctx: LintContext) -> Out:
        final = ctx.final
        if final is None:
            return []
        if final.info.toolchain:
            return [
                (
                    final.stage.line,
                    f"the final stage is based on {final.stage.chain()[-1].base}"
                    ": the Go toolchain and sources ship in the image",
                )
            ]
        for ins in final.stage.all_instructions():
            if ins.cmd == "RUN" and installed_packages(ins) & {"go", "golang", "golang-go"}:
                return [(ins.line, "the final stage installs the Go toolchain")]
        return []


def _is_mod_cache(ins: Instruction) -> bool:
    for m in ins.flag_values("mount"):
        opts = dict(p.partition("=")[::2] for p in m.split(","))
        target = opts.get("target") or opts.get("dst") or opts.get("destination") or ""
        if opts.get("type") == "cache" and "pkg/mod" in target:
            return True
    return False


def _source_copy(ins: Instruction) -> bool:
    if ins.cmd not in ("COPY", "ADD") or ins.flag("from") or ins.heredocs:
        return False
    sources = ins.value[:-1]
    return any(posixpath.basename(s.rstrip("/")) not in _MODULE_FILES for s in sources)


class CacheBustingCopy:
    ID = "cache-busting-copy"
    SEVERITY = "warning"
    DESCRIPTION = "Sources are copied before `go mod download`, so every edit refetches modules."
    DOC = """
A build stage copies the source tree (COPY . .) before it downloads the modules, so any
source change invalidates the download layer and every build fetches all modules again.
Not reported when the build caches the module directory with
`RUN --mount=type=cache,target=/go/pkg/mod`, when the module download already happened
in an earlier instruction or parent stage, or for a vendored build (-mod=vendor, or a
vendor/modules.txt in the project).
Fix: `COPY go.mod go.sum ./` then `RUN go mod download`, and only then `COPY . .`
(or bind-mount the sources: `RUN --mount=type=bind,target=. go build ...`).
"""

    @staticmethod
    def check(ctx: LintContext) -> Out:
        out: Out = []
        for stage in ctx.build.stages:
            own = stage.instructions
            if not any(
                ins.cmd == "RUN" and (go_builds(ins) or runs_go(ins, "mod download")) for ins in own
            ):
                continue
            downloaded = any(
                ins.cmd == "RUN" and runs_go(ins, "mod download")
                for s in stage.chain()[1:]
                for ins in s.instructions
            )
            copied: Instruction | None = None
            for ins in own:
                if ins.cmd == "RUN" and runs_go(ins, "mod download"):
                    if copied is not None and not downloaded:
                        out.append(
                            (
                                copied.line,
                                "sources are copied before `go mod download`"
                                ": every source change downloads all modules again",
                            )
                        )
                    downloaded = True
                    break
                if ins.cmd == "RUN" and go_builds(ins):
                    if (
                        copied is not None
                        and not downloaded
                        and not _is_mod_cache(ins)
                        and not _vendored(ctx, stage, ins)
                    ):
                        out.append(
                            (
                                copied.line,
                                "sources are copied and built without a "
                                "`go mod download` layer or a module cache mount: every "
                                "source change downloads all modules again",
                            )
                        )
                    break
                if copied is None and _source_copy(ins):
                    copied = ins
        return out


def _vendored(ctx: LintContext, stage: Stage, ins: Instruction) -> bool:
    """A vendored build downloads nothing: -mod=vendor, or a vendor/ dir in the project."""
    if ctx.facts is not None and (Path(ctx.facts.root) / "vendor" / "modules.txt").is_file():
        return True
    return any(
        "-mod=vendor" in " ".join(b.args) or "-mod=vendor" in _goflags(stage, b)
        for b in go_builds(ins)
    )


def _goflags(stage: Stage, b: GoBuild) -> str:
    return b.env.get("GOFLAGS") or stage.env_before(b.line).get("GOFLAGS") or ""


class NoTrimpath:
    ID = "no-trimpath"
    SEVERITY = "warning"
    DESCRIPTION = "The shipped binary is built without -trimpath."
    DOC = """
The `go build` whose output reaches the final image has no -trimpath (neither on the
command line nor in GOFLAGS): the binary records the build machine's file-system paths
(/src/..., /root/go/pkg/mod/...) in stack traces and build info, which leaks layout and
makes the build non-reproducible. Build stages whose output is not shipped (debug, test)
are not checked.
Fix: `go build -trimpath ...` (or ENV GOFLAGS=-trimpath).
"""

    @staticmethod
    def check(ctx: LintContext) -> Out:
        if ctx.final is None:
            return []
        return [
            (b.line, "go build without -trimpath: build paths end up in the shipped binary")
            for s, b in ctx.final.builds
            if not b.trimpath and "-trimpath" not in _goflags(s, b)
        ]


_STRIP = re.compile(r"(^|[\s'\"])-s(=true)?($|[\s'\"])")


class UnstrippedBinary:
    ID = "unstripped-binary"
    SEVERITY = "info"
    DESCRIPTION = "The shipped binary keeps its symbol table and DWARF (no -ldflags -s -w)."
    DOC = """
The `go build` whose output reaches the final image does not pass `-ldflags "-s -w"`:
the binary keeps its symbol table and DWARF debug info, typically 25-30% of its size.
Stack traces and `go version -m` still work on a stripped binary (pclntab and build info
stay); only debuggers lose symbols — build a separate debug target for those.
Fix: `go build -trimpath -ldflags "-s -w" ...`.
"""

    @staticmethod
    def check(ctx: LintContext) -> Out:
        if ctx.final is None:
            return []
        return [
            (
                b.line,
                'go build without -ldflags "-s -w": the symbol table and DWARF ship in the image',
            )
            for s, b in ctx.final.builds
            if not _STRIP.search(b.ldflags) and "-s" not in _goflags(s, b).split("-ldflags")[-1]
        ]


class UnpinnedBase:
    ID = "unpinned-base"
    SEVERITY = "warning"
    HADOLINT = ("DL3006", "DL3007")
    DESCRIPTION = "A base image resolves to :latest or to no tag (ARG defaults included)."
    DOC = """
A FROM names an image without a tag or with :latest and no digest, after substituting
the ARGs declared before the first FROM with their defaults. hadolint's DL3006/DL3007
cover the literal case but exempt `FROM ${IMAGE}`; goship resolves the variable, so
`ARG RUNTIME_IMAGE=alpine` + `FROM ${RUNTIME_IMAGE}` is caught too. scratch, stage names
and digests are fine. When hadolint reports DL3006/DL3007 on the same line, goship's
duplicate is dropped.
Fix: pin a version tag (alpine:3.20) or a digest (alpine:3.20@sha256:...).
"""

    @staticmethod
    def check(ctx: LintContext) -> Out:
        out: Out = []
        for stage in ctx.build.stages:
            if stage.parent is not None or not stage.resolved:
                continue
            ref = stage.root_ref
            if ref is None or ref.short == "scratch" or ref.digest:
                continue
            if ref.tag in (None, "latest"):
                shown = "no tag" if ref.tag is None else ":latest"
                out.append(
                    (
                        stage.line,
                        f"base image {stage.base} has {shown}: builds change without notice",
                    )
                )
        return out


_SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH_?KEY",
)
_SAFE_NAME = re.compile(r"(_FILE|_PATH|_DIR|_ENDPOINT|_URL_PATH)$|^GPG_KEYS?$")
_SECRET_VALUE = re.compile(
    r"://[^/\s:@]+:[^/\s@]+@"  # credentials in a URL (GOPROXY, git remotes)
    r"|\bgh[pousr]_[A-Za-z0-9]{20,}|\bgithub_pat_\w{20,}|\bglpat-[\w-]{20}"
    r"|\bAKIA[0-9A-Z]{16}\b|\bxox[abpr]-[\w-]{10,}|-----BEGIN [A-Z ]*PRIVATE KEY"
)


class SecretInArgEnv:
    ID = "secret-in-arg-env"
    SEVERITY = "error"
    HADOLINT = ("DL3064",)
    DESCRIPTION = "A secret is passed through ARG or ENV (kept in the image history)."
    DOC = """
An ARG or ENV carries a secret: its name says so (TOKEN, PASSWORD, SECRET, API_KEY, ...;
names ending in _FILE/_PATH are fine) or its value looks like one (credentials in a URL
such as GOPROXY=https://user:token@proxy, GitHub/GitLab/AWS/Slack tokens, a private key).
ARG values are recorded in the image history and ENV values ship in the image config.
The usual Go case is a token for private modules.
Fix: `RUN --mount=type=secret,id=netrc,target=/root/.netrc go mod download` with
`docker build --secret id=netrc,src=$HOME/.netrc`, and GOPRIVATE for the module paths.
When hadolint reports DL3064 on the same line, goship's duplicate is dropped.
"""

    @staticmethod
    def check(ctx: LintContext) -> Out:
        out: Out = []
        for ins in ctx.dockerfile.instructions:
            if ins.cmd == "ARG":
                pairs = {k: v or "" for k, v in arg_defaults(ins).items()}
            elif ins.cmd == "ENV":
                pairs = env_pairs(ins)
            else:
                continue
            names = [
                k
                for k, v in pairs.items()
                if (_SECRET_NAME.search(k.upper()) and not _SAFE_NAME.search(k.upper()))
                or _SECRET_VALUE.search(v)
            ]
            if names:
                out.append(
                    (
                        ins.line,
                        f"{ins.cmd} {', '.join(names)} passes a secret through "
                        "the build; use a build secret mount",
                    )
                )
        return out
