"""The one registry of audit checks. Add a check: write it next to its kind (config, files,
secrets, gobin) and list it here; ids are stable, documented in docs/audit.md."""

from __future__ import annotations

from goship.audit.checks import config, files, gobin, runtime, secrets
from goship.audit.checks.base import Check, Hit

CHECKS: tuple[Check, ...] = (
    config.ROOT_USER,
    config.SECRET_ENV,
    config.NO_HEALTHCHECK,
    config.OCI_LABELS_MISSING,
    files.SHELL,
    files.PACKAGE_MANAGER,
    files.PACKAGE_CACHE,
    files.SETUID,
    files.WORLD_WRITABLE,
    files.UNNECESSARY,
    files.EMPTY_PASSWORD,
    secrets.PRIVATE_KEY,
    secrets.SECRET_FILE,
    runtime.RUNTIME_FILES_MISSING,
    gobin.DYNAMIC_DEPS,
    gobin.MACHINE,
    gobin.CA_MISSING,
    gobin.ZONEINFO_MISSING,
    gobin.NOT_STRIPPED,
    gobin.NO_TRIMPATH,
)

BY_ID: dict[str, Check] = {c.id: c for c in CHECKS}
if len(BY_ID) != len(CHECKS):  # pragma: no cover - a registry bug
    raise RuntimeError("two audit checks share an id")

CONTENT_CHECKS: tuple[Check, ...] = tuple(c for c in CHECKS if c.is_content)
IMAGE_CHECKS: tuple[Check, ...] = tuple(c for c in CHECKS if not c.is_content)

__all__ = ["BY_ID", "CHECKS", "CONTENT_CHECKS", "IMAGE_CHECKS", "Check", "Hit"]
