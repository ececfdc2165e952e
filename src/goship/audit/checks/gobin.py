"""Checks of the Go binaries in the final filesystem: can they start here (loader, libraries,
machine), and does the image carry what they read at run time (CA roots, zoneinfo)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from goship.audit.checks.base import Check, Hit
from goship.audit.model import ImageAudit
from goship.gobuild.elfcheck import EXPECTED_MACHINE
from goship.image.config import read_service_label

# crypto/x509 root_linux.go: the bundle files and directories Go reads
CA_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
)
CA_DIRS = ("/etc/ssl/certs", "/etc/pki/tls/certs")
# time/zoneinfo_unix.go platformZoneSources, then $GOROOT/lib/time/zoneinfo.zip
ZONE_DIRS = ("/usr/share/zoneinfo", "/usr/share/lib/zoneinfo", "/usr/lib/locale/TZ")
DEFAULT_GOROOT = "/usr/local/go"


def has_ca_bundle(audit: ImageAudit) -> bool:
    env = audit.env()
    files = [env["SSL_CERT_FILE"]] if env.get("SSL_CERT_FILE") else list(CA_FILES)
    dirs = env["SSL_CERT_DIR"].split(":") if env.get("SSL_CERT_DIR") else list(CA_DIRS)
    if any(audit.view.lookup(f) is not None for f in files):
        return True
    return any(audit.view.listdir(d) for d in dirs if d)


def has_zoneinfo(audit: ImageAudit) -> bool:
    env = audit.env()
    places = [env["ZONEINFO"]] if env.get("ZONEINFO") else []
    places += list(ZONE_DIRS)
    places.append(f"{env.get('GOROOT') or DEFAULT_GOROOT}/lib/time/zoneinfo.zip")
    for place in places:
        entry = audit.view.lookup(place)
        if entry is not None and (entry.kind != "dir" or audit.view.listdir(place)):
            return True
    return False


def _missing_deps(audit: ImageAudit) -> Iterator[Hit]:
    for b in audit.binaries:
        if b.missing:
            yield Hit(
                f"{b.path} is dynamically linked (interpreter {b.interpreter}) and "
                f"{', '.join(b.missing)} {'is' if len(b.missing) == 1 else 'are'} not in the "
                "image: it fails with 'exec: no such file or directory'; build with "
                "CGO_ENABLED=0 or use a base image with its libc",
                b.path,
                b.layer,
            )


def _machine(audit: ImageAudit) -> Iterator[Hit]:
    arch = audit.platform.split("/")[1] if audit.platform.count("/") >= 1 else ""
    expected = EXPECTED_MACHINE.get(arch)
    if expected is None:
        return
    for b in audit.binaries:
        if (b.machine, b.elfclass, b.little_endian) != expected:
            yield Hit(
                f"{b.path} is a {b.machine}/{b.elfclass}-bit binary in a {audit.platform} "
                f"image (expected {expected[0]}): 'exec format error' at start",
                b.path,
                b.layer,
            )


def _stripped(audit: ImageAudit) -> Iterator[Hit]:
    for b in audit.binaries:
        if not b.stripped:
            message = f"{b.path} keeps its symbol table: build with -ldflags='-s -w'"
            yield Hit(message, b.path, b.layer)


def _trimpath(audit: ImageAudit) -> Iterator[Hit]:
    for b in audit.binaries:
        if not b.trimpath:
            yield Hit(f"{b.path} was built without -trimpath (build paths leak)", b.path, b.layer)


def _ca_bundle(audit: ImageAudit) -> Iterator[Hit]:
    needy = [b for b in audit.binaries if b.uses_x509 and not b.x509_fallback]
    if needy and not has_ca_bundle(audit):
        for b in needy:
            yield Hit(
                f"{b.path} links crypto/x509 but the image has no CA bundle "
                f"({CA_FILES[0]}, SSL_CERT_FILE…): outgoing TLS fails with 'x509: certificate "
                "signed by unknown authority'",
                b.path,
                b.layer,
            )


def _analysed_needs(audit: ImageAudit, binary: str) -> dict[str, Any]:
    """The ``needs`` that ``goship build`` recorded from the source analysis of ``binary``
    (label ``dev.goship.service``), or {} when the image carries no such label."""
    data = read_service_label(audit.runtime)
    if data.get("binary") != binary:
        return {}
    needs = data.get("needs")
    return needs if isinstance(needs, dict) else {}


def _zoneinfo(audit: ImageAudit) -> Iterator[Hit]:
    # a linked time.LoadLocation is often a dependency's opt-in (gin's time_location binding
    # tag, viper hooks); goship's source analysis knows whether the service uses it
    needy = [
        b
        for b in audit.binaries
        if b.uses_load_location
        and not b.embeds_tzdata
        and _analysed_needs(audit, b.path).get("tzdata") is not False
    ]
    if needy and not has_zoneinfo(audit):
        for b in needy:
            yield Hit(
                f"{b.path} calls time.LoadLocation without embedded time/tzdata and the image "
                "has no zoneinfo (/usr/share/zoneinfo, ZONEINFO): 'unknown time zone' at run "
                'time; import _ "time/tzdata" or add tzdata',
                b.path,
                b.layer,
            )


DYNAMIC_DEPS = Check(
    "go-dynamic-deps-missing", "error",
    "A dynamically linked Go binary whose interpreter or libraries are not in the image.",
    run=_missing_deps,
)  # fmt: skip
MACHINE = Check(
    "elf-machine-mismatch", "error", "A Go binary built for another CPU than the image platform.",
    run=_machine,
)  # fmt: skip
NOT_STRIPPED = Check(
    "go-not-stripped", "info", "A Go binary with its symbol table (-s -w not used).",
    run=_stripped,
)  # fmt: skip
NO_TRIMPATH = Check("go-no-trimpath", "info", "A Go binary built without -trimpath.", run=_trimpath)
CA_MISSING = Check(
    "go-ca-bundle-missing", "warning",
    "A Go binary links crypto/x509 and the image has no CA bundle.", run=_ca_bundle,
)  # fmt: skip
ZONEINFO_MISSING = Check(
    "go-zoneinfo-missing", "warning",
    "A Go binary calls time.LoadLocation without tzdata in the image or embedded.", run=_zoneinfo,
)  # fmt: skip
