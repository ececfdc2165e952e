"""Checks of the final filesystem: shells, package managers and their caches, special modes,
files that do not belong in an image, empty passwords."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator

from goship.audit.checks.base import Check, Hit
from goship.audit.model import ImageAudit

BIN_DIRS = ("/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/local/bin", "/busybox")
SHELLS = ("sh", "bash", "ash", "dash", "zsh", "ksh", "busybox")
PACKAGE_MANAGERS = (
    "apt", "apt-get", "dpkg", "apk", "yum", "dnf", "microdnf", "rpm", "zypper", "pacman",
)  # fmt: skip
CACHE_DIRS = (
    "/var/lib/apt/lists", "/var/cache/apt", "/var/cache/apk", "/var/cache/yum", "/var/cache/dnf",
)  # fmt: skip
_CACHE_IGNORE = {"lock", "partial", "auxfiles"}
_SPECIAL = ((0o4000, "setuid"), (0o2000, "setgid"))
UNNECESSARY_DIRS = {".git", ".cache", ".aws", ".azure", ".gcp", ".vscode", ".idea", ".npm"}
UNNECESSARY_FILES = {"Dockerfile", "docker-compose.yml", "docker-compose.yaml", ".DS_Store"}


def _found(audit: ImageAudit, names: Iterable[str]) -> list[str]:
    found = []
    for name in names:
        for d in BIN_DIRS:
            path = f"{d}/{name}"
            entry = audit.view.lookup(path)
            if entry is not None and entry.kind in ("file", "hardlink"):
                found.append(path)
                break
    return found


def _shell(audit: ImageAudit) -> Iterator[Hit]:
    found = _found(audit, SHELLS)
    if found:
        yield Hit(f"a shell is present ({', '.join(found)}): more to attack with", found[0])


def _package_manager(audit: ImageAudit) -> Iterator[Hit]:
    found = _found(audit, PACKAGE_MANAGERS)
    if found:
        yield Hit(f"a package manager is present ({', '.join(found)})", found[0])


def _cache(audit: ImageAudit) -> Iterator[Hit]:
    for d in CACHE_DIRS:
        files = [
            f
            for p, f in audit.files.items()
            if f.kind == "file"
            and p.startswith(d + "/")
            and posixpath.basename(p) not in _CACHE_IGNORE
        ]
        if files:
            size = sum(f.size for f in files)
            yield Hit(f"package manager cache left in {d}: {len(files)} files, {size} bytes", d)


def _setuid(audit: ImageAudit) -> Iterator[Hit]:
    for path, f in sorted(audit.files.items()):
        if f.kind == "file" and f.mode & 0o6000:
            bits = " and ".join(n for b, n in _SPECIAL if f.mode & b)
            yield Hit(f"{path} is {bits} (mode {f.mode:04o})", path, f.layer)


def _world_writable(audit: ImageAudit) -> Iterator[Hit]:
    for path, f in sorted(audit.files.items()):
        if f.kind not in ("file", "dir") or not f.mode & 0o002:
            continue
        if f.kind == "dir" and f.mode & 0o1000:
            continue  # sticky, like /tmp
        yield Hit(f"{path} is world-writable (mode {f.mode:04o})", path, f.layer)


def _unnecessary(audit: ImageAudit) -> Iterator[Hit]:
    for path, f in sorted(audit.files.items()):
        base = posixpath.basename(path)
        if (f.kind == "dir" and base in UNNECESSARY_DIRS) or (
            f.kind == "file" and base in UNNECESSARY_FILES
        ):
            yield Hit(f"{path} does not belong in a runtime image", path, f.layer)


def _wants_shadow(path: str, size: int) -> bool:
    return path in ("/etc/shadow", "/etc/master.passwd")


def _scan_shadow(path: str, data: bytes) -> Iterator[str]:
    for line in data.decode("utf-8", "replace").splitlines():
        fields = line.split(":")
        if len(fields) > 2 and fields[0] and fields[1] == "":
            yield f"user {fields[0]} has an empty password in {path}"


SHELL = Check(
    "shell-present", "info", "A shell is in the image (not needed by a Go binary).", run=_shell
)
PACKAGE_MANAGER = Check(
    "package-manager-present", "info", "A package manager is in the runtime image.",
    run=_package_manager,
)  # fmt: skip
PACKAGE_CACHE = Check(
    "package-manager-cache", "warning", "Package manager lists or caches left in the image.",
    "DKL-DI-0005", run=_cache,
)  # fmt: skip
SETUID = Check(
    "setuid-setgid", "warning", "Files with the setuid or setgid bit.", "CIS-DI-0008", run=_setuid
)
WORLD_WRITABLE = Check(
    "world-writable", "warning", "World-writable files or directories (sticky dirs excepted).",
    run=_world_writable,
)  # fmt: skip
UNNECESSARY = Check(
    "unnecessary-files", "info", "VCS, editor, cache or build files in the image.",
    "DKL-LI-0003", run=_unnecessary,
)  # fmt: skip
EMPTY_PASSWORD = Check(
    "empty-password", "error", "An account with an empty password field in /etc/shadow.",
    "DKL-LI-0001", wants=_wants_shadow, scan=_scan_shadow, persists=False,
)  # fmt: skip
