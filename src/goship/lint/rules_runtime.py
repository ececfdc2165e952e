"""Rules about whether the final image can run the Go binary: libc, health check tools,
the user it runs as."""

from __future__ import annotations

import posixpath

from goship.lint.findings import LintContext
from goship.lint.shell import GoBuild, installed_packages, simple_commands
from goship.lint.stages import Stage, expand

Out = list[tuple[int, str]]


def cgo_state(stage: Stage, b: GoBuild) -> str:
    """``off``, ``on`` or ``unknown`` for one ``go build``."""
    val = b.env.get("CGO_ENABLED")
    if val is None:
        val = stage.env_before(b.line).get("CGO_ENABLED")
    if val is not None:
        return "off" if val.strip("\"'") == "0" else "on"
    info = stage.base_info()
    compilers = {"gcc", "build-base", "clang", "build-essential"}
    if any(installed_packages(i) & compilers for i in stage.all_instructions() if i.cmd == "RUN"):
        return "on"  # a C compiler in the builder turns cgo on for native builds
    if info.kind == "golang":
        # the official golang images (not -alpine) ship gcc: cgo is on for native builds
        return "on" if info.libc == "glibc" else "off"
    return "unknown"


def _static_link(b: GoBuild) -> bool:
    return "-static" in b.ldflags and ("extldflags" in b.ldflags or "-linkmode" in b.ldflags)


class CgoStaticBase:
    ID = "cgo-static-base"
    SEVERITY = "error"
    DESCRIPTION = "A cgo (dynamically linked) binary runs on a final base without its libc."
    DOC = """
The binary copied into the final stage is built with cgo (CGO_ENABLED=1, or not set in a
golang image, which ships gcc so cgo is on and net/os/user link libc dynamically), or the
project needs cgo (e.g. mattn/go-sqlite3), while the final base has no libc (scratch,
distroless/static, chainguard/static) or a different one (a glibc build on musl alpine).
Symptom: `exec /app: no such file or directory` although the file is there.
Fix: CGO_ENABLED=0 for a pure-Go build, or a base with the builder's libc
(gcr.io/distroless/base-debian12 for a bookworm builder), or link statically with
`-ldflags '-linkmode external -extldflags "-static"'`.
"""

    @staticmethod
    def check(ctx: LintContext) -> Out:
        final = ctx.final
        if final is None:
            return []
        libc = final.info.libc
        needs_cgo = bool(ctx.facts and ctx.facts.needs.cgo)
        out: Out = []
        for stage, b in final.builds:
            if stage in final.stage.chain() or _static_link(b):
                continue
            state = cgo_state(stage, b)
            if state == "off" or (state == "unknown" and not needs_cgo):
                continue
            explicit = b.env.get("CGO_ENABLED") or stage.env_before(b.line).get("CGO_ENABLED")
            if state == "unknown":
                why = "the project needs cgo"
            elif explicit:
                why = f"CGO_ENABLED={explicit}"
            else:
                why = "CGO_ENABLED is not set and the builder has a C compiler, so cgo is on"
            built = stage.base_info().libc
            if libc == "none":
                out.append(
                    (
                        final.stage.line,
                        f"the binary built at line {b.line} links libc "
                        f"dynamically ({why}) but the final base {final.stage.base} has no "
                        "libc",
                    )
                )
            elif libc in ("glibc", "musl") and built in ("glibc", "musl") and built != libc:
                out.append(
                    (
                        final.stage.line,
                        f"the binary built at line {b.line} links {built} "
                        f"({why}) but the final base {final.stage.base} has {libc}",
                    )
                )
        return out


class HealthcheckWithoutTool:
    ID = "healthcheck-without-tool"
    SEVERITY = "error"
    DESCRIPTION = "HEALTHCHECK calls curl/wget (or a shell) that the final image lacks."
    DOC = """
The final stage's HEALTHCHECK runs curl or wget, which scratch, distroless and chainguard
static images do not have (alpine has busybox wget but no curl; debian-slim has neither),
or uses the shell form, which needs /bin/sh. The check then always fails and the container
is marked unhealthy (and restarted by orchestrators that act on it).
Fix: install the tool in the final stage, or ship a tiny Go probe (`/app -healthcheck`,
or a second static binary) and use the exec form: HEALTHCHECK CMD ["/app", "-healthcheck"].
"""

    @staticmethod
    def check(ctx: LintContext) -> Out:
        final = ctx.final
        if final is None or not final.healthchecks:
            return []
        hc = final.healthchecks[-1]
        if not hc.value or hc.value[0].upper() != "CMD":
            return []
        info = final.info
        if hc.json:
            argv = list(hc.value[1:])
        else:
            if info.shell is False:
                return [
                    (
                        hc.line,
                        f"HEALTHCHECK uses the shell form but the final base "
                        f"{final.stage.base} has no /bin/sh; use the exec form",
                    )
                ]
            cmds = simple_commands(" ".join(hc.value[1:]))
            argv = cmds[0][1] if cmds else []
        if not argv:
            return []
        tool = posixpath.basename(argv[0])
        if tool in ("curl", "wget") and info.tools_known and tool not in info.tools:
            return [
                (
                    hc.line,
                    f"HEALTHCHECK runs {tool}, which the final base "
                    f"{final.stage.base} does not have and no instruction adds",
                )
            ]
        return []


class RootUser:
    ID = "root-user"
    SEVERITY = "warning"
    HADOLINT = ("DL3002",)
    DESCRIPTION = "The final stage runs as root (no USER, or USER root/0)."
    DOC = """
The shipped image runs as root: the final stage (including the stages it is built FROM)
sets no USER and its base does not default to a non-root user (distroless :nonroot and
chainguard images do), or the last USER is root / 0. hadolint's DL3002 only sees an
explicit `USER root` that is last in a stage; goship looks at the final stage only (build
stages may run as root) and also catches a missing USER. When hadolint reports DL3002 on
the same line, goship's duplicate is dropped.
Fix: `USER 65532:65532` (numeric, so it works without /etc/passwd on scratch).
"""

    @staticmethod
    def check(ctx: LintContext) -> Out:
        final = ctx.final
        if final is None:
            return []
        if final.user is None:
            if final.info.nonroot:
                return []
            return [
                (
                    final.stage.line,
                    f"the final stage ({final.stage.base}) sets no USER, "
                    "so the service runs as root",
                )
            ]
        raw = final.user.value[0] if final.user.value else ""
        values: dict[str, str | None] = {**final.stage.env_before(final.user.line)}
        user, _ = expand(raw, values)
        if user.split(":")[0] in ("root", "0"):
            return [(final.user.line, f"USER {raw} in the final stage: the service runs as root")]
        return []
