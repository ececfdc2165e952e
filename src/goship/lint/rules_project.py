"""Rules that cross-check the Dockerfile with the project's facts (``goship inspect``)."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from pathlib import Path

from goship.lint.final import Copy, FinalImage
from goship.lint.findings import LintContext
from goship.lint.stages import expand
from goship.project.facts import ProjectFacts

Out = list[tuple[int, str]]


def _ready(ctx: LintContext) -> tuple[FinalImage, ProjectFacts] | None:
    if ctx.final is None or ctx.facts is None:
        return None
    return ctx.final, ctx.facts


def _landing(src: str, c: Copy, rf: str, root: Path) -> tuple[bool, str | None]:
    """Whether context path ``src`` covers ``rf`` and where ``rf`` lands (None: unknown).
    A directory source copies its contents into the destination, not the directory."""
    s = src.removeprefix("./").strip("/")
    if s in ("", "."):
        return True, posixpath.join(c.dest, rf)
    if rf == s:
        if (root / rf).is_dir():
            return True, c.dest.rstrip("/") or "/"
        if c.dest.endswith("/"):
            return True, c.dest + posixpath.basename(rf)
        return True, c.dest.rstrip("/") or "/"
    if rf.startswith(s + "/"):
        return True, posixpath.join(c.dest, rf[len(s) + 1 :])
    if any(ch in s for ch in "*?[") and (
        fnmatch.fnmatch(rf, s) or fnmatch.fnmatch(rf.split("/")[0], s)
    ):
        return True, None
    return False, None


def _location(c: Copy, rf: str, root: Path) -> tuple[bool, str | None]:
    """Whether COPY ``c`` brings project path ``rf`` and, when known, where it lands."""
    if rf.startswith("/"):  # an absolute path the program opens: any COPY onto it counts
        dest = c.dest.rstrip("/") or "/"
        return rf == dest or rf.startswith(dest.rstrip("/") + "/"), None
    for src in c.sources:
        if c.from_stage is not None:
            s = posixpath.normpath(src)
            for ctx_root in c.from_stage.context_roots():
                if s == ctx_root or s.startswith(ctx_root.rstrip("/") + "/"):
                    found = _landing(posixpath.relpath(s, ctx_root), c, rf, root)
                    if found[0]:
                        return found
            if s.endswith("/" + rf.rstrip("/")):
                return True, None
        elif not c.from_ref:
            found = _landing(src, c, rf, root)
            if found[0]:
                return found
    return False, None


class RuntimeFilesMissing:
    ID = "runtime-files-missing"
    SEVERITY = "error"
    PROJECT = True
    DESCRIPTION = "Files the code opens at run time are not copied into the final stage."
    DOC = """
The Go code opens files at run time (html/template ParseGlob, gin LoadHTMLGlob, os.Open,
http.Dir, config files...) by a path relative to its working directory, and no COPY or ADD
brings them into the final stage, or brings them somewhere else than WORKDIR/<path>.
Symptom: `panic: html/template: pattern matches no files: templates/*` at start-up.
Fix: `COPY templates /app/templates` with `WORKDIR /app` in the final stage, or embed the
files with `//go:embed` so the binary carries them.
"""

    @staticmethod
    def check(ctx: LintContext) -> Out:
        ready = _ready(ctx)
        if ready is None:
            return []
        final, facts = ready
        out: Out = []
        for rf in facts.needs.runtime_files:
            rel = rf.removeprefix("./").rstrip("/")
            expected = rel if rel.startswith("/") else posixpath.join(final.workdir, rel)
            landed: list[str] = []
            found = False
            for c in final.copies:
                ok, where = _location(c, rel, Path(facts.root))
                if ok:
                    found = True
                    if where is None or posixpath.normpath(where) == expected:
                        landed = []
                        break
                    landed.append(posixpath.normpath(where))
            if not found:
                out.append(
                    (
                        final.stage.line,
                        f"{rel} is opened at run time but no COPY "
                        f"brings it into the final stage (expected at {expected})",
                    )
                )
            elif landed:
                out.append(
                    (
                        final.stage.line,
                        f"{rel} is copied to {landed[0]} but the "
                        f"program opens it relative to WORKDIR {final.workdir} "
                        f"(expected at {expected})",
                    )
                )
        return out


def _flag_port(final: FinalImage, flag: str) -> int | None:
    """The port set by ``-flag :N`` / ``--flag=host:N`` in the final ENTRYPOINT/CMD."""
    args: list[str] = []
    for ins in final.stage.all_instructions():
        if ins.cmd in ("ENTRYPOINT", "CMD"):
            args.extend(ins.value if ins.json else " ".join(ins.value).split())
    for i, a in enumerate(args):
        name, eq, val = a.lstrip("-").partition("=")
        if a.startswith("-") and name == flag:
            val = val if eq else (args[i + 1] if i + 1 < len(args) else "")
            m = re.search(r"(\d+)$", val)
            if m:
                return int(m.group(1))
    return None


def _port(final: FinalImage, facts: ProjectFacts) -> int | None:
    if facts.service.port_flag:
        flagged = _flag_port(final, facts.service.port_flag)
        if flagged is not None:
            return flagged
    env_name = facts.service.port_env
    if env_name and env_name in final.env:
        m = re.search(r"(\d+)\s*$", final.env[env_name])
        if m:
            return int(m.group(1))
    return facts.service.port


class PortMismatch:
    ID = "port-mismatch"
    SEVERITY = "warning"
    PROJECT = True
    DESCRIPTION = "EXPOSE does not match the port the code listens on."
    DOC = """
The service listens on the port found by `goship inspect` (a literal, a flag default, or the
fallback of an env var such as PORT; an ENV PORT=... in the final stage, or the port flag
in ENTRYPOINT/CMD such as `-addr :9000`, wins), but the
final stage EXPOSEs other ports or none. Compose files, Helm charts and `docker run -P`
follow EXPOSE, so traffic goes to a port nobody listens on.
Fix: EXPOSE the port the code listens on (or set the port's env var in the image).
"""

    @staticmethod
    def check(ctx: LintContext) -> Out:
        ready = _ready(ctx)
        if ready is None:
            return []
        final, facts = ready
        port = _port(final, facts)
        if port is None:
            return []
        values: dict[str, str | None] = {**ctx.build.global_args, **final.env}
        exposed = False
        for raw, _ins in final.exposes:
            text, _ = expand(raw, values)
            spec = text.split("/")[0]
            lo, _, hi = spec.partition("-")
            if lo.isdigit():
                exposed = exposed or int(lo) <= port <= int(hi if hi.isdigit() else lo)
        if exposed:
            return []
        if not final.exposes:
            return [
                (
                    final.stage.line,
                    f"the service listens on {port} but the final stage has no EXPOSE",
                )
            ]
        shown = ", ".join(r for r, _ in final.exposes)
        line = final.exposes[-1][1].line
        return [(line, f"EXPOSE {shown} but the service listens on {port}")]


class CaCertificatesMissing:
    ID = "ca-certificates-missing"
    SEVERITY = "error"
    PROJECT = True
    DESCRIPTION = "The code makes TLS connections and the final stage has no CA roots."
    DOC = """
The service links crypto/x509 or crypto/tls (every net/http client or server does) and the
final stage has no CA bundle: the base has none (scratch, debian/ubuntu without the
ca-certificates package) and nothing copies /etc/ssl/certs or installs ca-certificates.
Symptom: `x509: certificate signed by unknown authority` on the first HTTPS call.
Fix: `COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/`, use
distroless/static, or import golang.org/x/crypto/x509roots/fallback.
"""

    @staticmethod
    def check(ctx: LintContext) -> Out:
        ready = _ready(ctx)
        if ready is None:
            return []
        final, facts = ready
        if facts.needs.ca_certificates and final.info.ca is False:
            return [
                (
                    final.stage.line,
                    f"the service uses TLS but the final base "
                    f"({final.stage.base}) has no CA certificates and none are copied in",
                )
            ]
        return []


class TzdataMissing:
    ID = "tzdata-missing"
    SEVERITY = "error"
    PROJECT = True
    DESCRIPTION = "The code loads time zones and the final stage has no zoneinfo."
    DOC = """
The code calls time.LoadLocation (directly or through a library such as robfig/cron with
CRON_TZ) without linking time/tzdata, and the final stage has no /usr/share/zoneinfo:
the base has none (scratch, alpine, ubuntu) and nothing installs tzdata or copies the
zoneinfo directory or zoneinfo.zip.
Symptom: `unknown time zone Europe/Paris` at run time.
Fix: `import _ "time/tzdata"`, build with `-tags timetzdata`, install tzdata, or
`COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo`.
"""

    @staticmethod
    def check(ctx: LintContext) -> Out:
        ready = _ready(ctx)
        if ready is None:
            return []
        final, facts = ready
        needs = facts.needs
        if not needs.tzdata or needs.tzdata_embedded or final.info.tzdata is not False:
            return []
        if any("timetzdata" in b.tags for _s, b in final.builds) or "ZONEINFO" in final.env:
            return []
        return [
            (
                final.stage.line,
                f"the code loads time zones but the final base "
                f"({final.stage.base}) has no zoneinfo and none is copied in",
            )
        ]


class MainPackageMismatch:
    ID = "main-package-mismatch"
    SEVERITY = "error"
    PROJECT = True
    DESCRIPTION = "go build targets a package that is not the service's main package."
    DOC = """
The `go build` whose output reaches the final image builds a package that is not the
service's main package found by `goship inspect` (another command such as cmd/migrate, a
library package, or a directory that does not exist). Package paths are resolved against
the WORKDIR of the build and where the build context is copied or bind-mounted.
Fix: build the service's main package, e.g. `go build -o /out/api ./cmd/api`.
"""

    @staticmethod
    def check(ctx: LintContext) -> Out:
        ready = _ready(ctx)
        if ready is None or not ready[1].mains:
            return []
        final, facts = ready
        by_dir = {posixpath.normpath(m.dir): m.package for m in facts.mains}
        packages = set(by_dir.values())
        service = facts.main_package()
        out: Out = []
        others: Out = []
        built: set[str] = set()
        for stage, b in final.builds:
            wd = stage.workdir_before(b.line)
            roots = stage.context_roots() or [wd]
            base = next((r for r in roots if wd == r or wd.startswith(r.rstrip("/") + "/")), wd)
            rel = posixpath.relpath(wd, base)
            for t in b.targets or ["."]:
                if "$" in t or "..." in t:
                    continue
                if t.endswith(".go"):
                    t = posixpath.dirname(t) or "."
                first = t.split("/")[0]
                if "." in first and first not in (".", ".."):
                    pkg = t.rstrip("/")
                else:
                    d = posixpath.normpath(posixpath.join(rel, t))
                    pkg = by_dir.get(d, f"./{d}" if d != "." else ".")
                built.add(pkg)
                if pkg not in packages:
                    out.append(
                        (
                            b.line,
                            f"go build {t} is not a main package of "
                            f"{facts.module} (main packages: "
                            f"{', '.join(sorted(packages))})",
                        )
                    )
                elif service is not None and pkg != service.package:
                    others.append(
                        (
                            b.line,
                            f"go build {t} builds {pkg}, not the service's "
                            f"main package {service.package}",
                        )
                    )
        # a second binary (e.g. a migrate command) next to the service is fine
        if service is not None and service.package not in built:
            out.extend(others)
        return sorted(out)
