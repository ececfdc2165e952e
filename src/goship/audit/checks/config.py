"""Checks of the image configuration: user, HEALTHCHECK, labels, secrets in ENV."""

from __future__ import annotations

import re
from collections.abc import Iterator

from goship.audit.checks.base import Check, Hit
from goship.audit.model import ImageAudit

OCI_LABELS = ("created", "source", "revision", "version")
_SECRET_WORDS = {
    "PASS", "PASSWD", "PASSWORD", "SECRET", "SECRETS", "KEY", "APIKEY", "TOKEN", "CREDENTIAL",
    "CREDENTIALS", "PRIVATE",
}  # fmt: skip
_NOT_SECRET_NAMES = {"GPG_KEY", "GPG_KEYS"}
_REFERENCE_SUFFIXES = ("_FILE", "_PATH", "_DIR", "_ID", "_NAME")
_TOKEN_VALUES = re.compile(
    r"(AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}"
    r"|glpat-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{16,}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----)"
)


def _root_user(audit: ImageAudit) -> Iterator[Hit]:
    user = str(audit.runtime.get("User") or "").strip()
    name = user.split(":", 1)[0]
    if name in ("", "root", "0"):
        shown = f"User {user!r}" if user else "no User"
        yield Hit(f"the image runs as root ({shown} in the config); set a non-root USER")


def _healthcheck(audit: ImageAudit) -> Iterator[Hit]:
    hc = audit.runtime.get("Healthcheck")
    test = hc.get("Test") if isinstance(hc, dict) else None
    if not test or test == ["NONE"]:
        yield Hit(
            "no HEALTHCHECK in the image config; fine when the orchestrator probes the service "
            "(goship images rely on Kubernetes/compose probes and have no shell or curl)"
        )


def _labels(audit: ImageAudit) -> Iterator[Hit]:
    labels = audit.runtime.get("Labels")
    have = labels if isinstance(labels, dict) else {}
    missing = [k for k in OCI_LABELS if f"org.opencontainers.image.{k}" not in have]
    if missing:
        names = ", ".join(f"org.opencontainers.image.{k}" for k in missing)
        yield Hit(f"missing OCI labels: {names}")


def secret_env_reason(name: str, value: str) -> str | None:
    """Why ``name=value`` looks like a secret, or None."""
    if not value.strip():
        return None
    if _TOKEN_VALUES.search(value):
        return "its value looks like a token or key"
    upper = name.upper()
    if upper in _NOT_SECRET_NAMES or upper.endswith(_REFERENCE_SUFFIXES):
        return None
    words = set(re.split(r"[^A-Z0-9]+", upper))
    if words & _SECRET_WORDS or upper.endswith(("PASSWORD", "TOKEN", "SECRET", "APIKEY")):
        return "its name says it holds a secret"
    return None


def _secret_env(audit: ImageAudit) -> Iterator[Hit]:
    for name, value in sorted(audit.env().items()):
        reason = secret_env_reason(name, value)
        if reason:
            yield Hit(
                f"ENV {name} is baked into the image config and {reason} "
                f"(value {value[:2]}…, {len(value)} chars); pass it at run time instead"
            )


ROOT_USER = Check(
    "root-user", "warning", "The image runs as root (no USER, or USER root/0).", "CIS-DI-0001",
    run=_root_user,
)  # fmt: skip
NO_HEALTHCHECK = Check(
    "no-healthcheck", "info", "No HEALTHCHECK in the config (orchestrator probes may cover it).",
    "CIS-DI-0006", run=_healthcheck,
)  # fmt: skip
OCI_LABELS_MISSING = Check(
    "missing-oci-labels", "info",
    "Recommended org.opencontainers.image.* labels (created, source, revision, version) missing.",
    run=_labels,
)  # fmt: skip
SECRET_ENV = Check(
    "secret-env", "error", "A secret (password, token, key) is set with ENV in the image config.",
    "CIS-DI-0010", run=_secret_env,
)  # fmt: skip
