"""Known Go-in-a-container failure signatures, matched over a failed run's logs.

Each :class:`Diagnosis` is one registered unit: an id, a regex over the container's output
(logs, the engine's start error and its State.Error), optionally the exit codes that reveal it
without any output, what it means, and the goship option that fixes it. :data:`DIAGNOSES` is
the one registry; :func:`diagnose` runs all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from goship.runtime.findings import Finding


@dataclass(frozen=True)
class Diagnosis:
    id: str
    pattern: re.Pattern[str]
    explanation: str
    fix: str
    exit_codes: tuple[int, ...] = ()
    # Only when the output is empty: exit codes are too common to trust next to other text.

    def match(self, text: str, exit_code: int | None) -> str | None:
        """The evidence (the matching line, or the exit code) or None."""
        found = self.pattern.search(text)
        if found is not None:
            start = text.rfind("\n", 0, found.start()) + 1
            end = text.find("\n", found.end())
            return text[start : end if end >= 0 else len(text)].strip()[:300]
        if exit_code is not None and exit_code in self.exit_codes and not text.strip():
            return f"exit code {exit_code} with no output"
        return None


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


DIAGNOSES: tuple[Diagnosis, ...] = (
    Diagnosis(
        "ca-certificates",
        _re(r"x509: (certificate signed by unknown authority|failed to load system roots)"),
        "the program verifies TLS certificates but the image has no CA bundle "
        "(scratch has no /etc/ssl/certs)",
        "rebuild with `goship build`: it adds the CA bundle and sets SSL_CERT_FILE when "
        "`goship inspect` reports needs.ca_certificates; otherwise add a bundle with "
        "`--file SRC:/etc/ssl/certs/ca-certificates.crt` ([build] files in goship.toml) or "
        'import _ "golang.org/x/crypto/x509roots/fallback"',
    ),
    Diagnosis(
        "runtime-files",
        _re(
            r"pattern matches no files"
            r"|open [^\s:]*(templates?|static|assets|public|views|web|config)[^\s:]*"
            r": no such file or directory"
        ),
        "templates or static files the program opens at run time are not in the image "
        "(or the working directory differs from where it looks for them)",
        "goship build copies the runtime files `goship inspect` finds (needs.runtime_files) "
        "into the working directory (--workdir, default /app); add missing ones with "
        "`--file SRC:DST` ([build] files), or embed them with //go:embed",
    ),
    Diagnosis(
        "tzdata",
        _re(r"unknown time zone \S+"),
        "time.LoadLocation found no zone database (no /usr/share/zoneinfo, no ZONEINFO zip)",
        '`goship build --tzdata embed` (-tags timetzdata, [build] tzdata = "embed") or the '
        "default --tzdata zoneinfo, which ships a zone zip (ZONEINFO) when inspect reports "
        'needs.tzdata; or import _ "time/tzdata"',
    ),
    Diagnosis(
        "exec-format",
        _re(r"exec format error"),
        "the binary was built for another CPU architecture than the one running it",
        "build for this host: `goship build --platform linux/<arch>` (or several platforms at "
        "once: --platform linux/amd64,linux/arm64 builds an index)",
    ),
    Diagnosis(
        "dynamic-binary",
        _re(
            r"exec (user process caused: )?[^\s:\"]*:? ?no such file or directory"
            r"|error while loading shared libraries"
            r"|ld-linux[^\s]*: no such file"
        ),
        "a dynamically linked (cgo) binary on an image without its C library and loader",
        "build static with `goship build --cgo off` (CGO_ENABLED=0), or keep cgo and give a "
        "base with a matching libc: `--base` (e.g. a distroless/base-debian12 layout)",
        exit_codes=(127,),
    ),
    Diagnosis(
        "privileged-port",
        _re(r"listen(ing)? (tcp|tcp4|tcp6|on)? ?[^\s]*:(\d{1,3}): bind: permission denied"),
        "a non-root user cannot bind a port below 1024 (production runs without "
        "NET_BIND_SERVICE and without the engine's unprivileged-port sysctl)",
        "listen on 8080 (or read the port from PORT) and map 80 to it outside the container; "
        "`goship build` records the detected port in the image",
    ),
    Diagnosis(
        "read-only-fs",
        _re(r"read-only file system"),
        "the program writes to the image's file system, which is read-only in production",
        "write under /tmp (a tmpfs here) or a mounted volume (an emptyDir in the Helm chart "
        "from `goship init`); goship build makes detected writable dirs owned by 65532, but "
        "with a read-only root they still need a volume",
    ),
    Diagnosis(
        "engine-rlimits",
        _re(r"error setting rlimit"),
        "the engine asked the kernel for resource limits (open files, processes) above what "
        "it may set here (no CAP_SYS_RESOURCE: rootless engines, nested containers, CI "
        "sandboxes); the image is not at fault",
        "lower the engine's default ulimits: for Podman, `default_ulimits = "
        '["nofile=1024:1024", "nproc=1024:1024"]` in containers.conf (or CONTAINERS_CONF); '
        "for Docker, dockerd's --default-ulimit",
    ),
)


def diagnose(texts: Iterable[str], exit_code: int | None, severity: str = "error") -> list[Finding]:
    """Every registered diagnosis that matches the joined ``texts``."""
    text = "\n".join(t for t in texts if t)
    findings = []
    for diag in DIAGNOSES:
        evidence = diag.match(text, exit_code)
        if evidence is not None:
            findings.append(
                Finding(diag.id, severity, diag.explanation, diag.fix, evidence=evidence)
            )
    return findings


def by_id(diag_id: str) -> Diagnosis:
    """The registered diagnosis ``diag_id`` (KeyError when unknown)."""
    for diag in DIAGNOSES:
        if diag.id == diag_id:
            return diag
    raise KeyError(diag_id)
