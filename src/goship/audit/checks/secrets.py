"""Secrets in files, found while the layers stream by (a secret deleted by a later layer is
still in the lower layer's blob, so it is reported too)."""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator

from goship.audit.checks.base import Check

MAX_SCAN = 256 << 10
_PEM_KEY = re.compile(rb"-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY)")
_ENV_SAFE_SUFFIXES = (".example", ".sample", ".template", ".dist", ".defaults")
SECRET_NAMES = {
    "credentials.json", "credential", "credentials", "password.txt", "secret_token.rb",
    "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".git-credentials", ".htpasswd",
    "application_default_credentials.json",
}  # fmt: skip
SECRET_EXTENSIONS = (".secret", ".ovpn", ".private_key", ".cscfg", ".rdp", ".pfx", ".p12")
_TOKEN_FILES = {
    ".npmrc": re.compile(rb"(_authToken|_auth|_password)\s*=\s*\S"),
    ".netrc": re.compile(rb"\bpassword\s+\S"),
    ".pypirc": re.compile(rb"\bpassword\s*[=:]\s*\S"),
    "config.json": re.compile(rb'"auth"\s*:\s*"[A-Za-z0-9+/=]{8,}'),  # ~/.docker/config.json
}


def _wants_any(path: str, size: int) -> bool:
    return size <= MAX_SCAN and not path.startswith("/usr/share/zoneinfo/")


def _scan_private_key(path: str, data: bytes) -> Iterator[str]:
    m = _PEM_KEY.search(data)
    if m:
        yield f"{path} contains a {m.group(1).decode()} (PEM)"


def _is_env_file(base: str) -> bool:
    return (base == ".env" or base.startswith(".env.")) and not base.endswith(_ENV_SAFE_SUFFIXES)


def _gcloud_key(data: bytes) -> bool:
    if b"private_key" not in data and b"refresh_token" not in data:
        return False
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(doc, dict) and (
        (doc.get("type") == "service_account" and bool(doc.get("private_key")))
        or (doc.get("type") == "authorized_user" and bool(doc.get("refresh_token")))
    )


def _scan_secret_file(path: str, data: bytes) -> Iterator[str]:
    base = posixpath.basename(path)
    if _is_env_file(base):
        yield f"{path} is a .env file: supply it at run time, do not bake it in"
    elif path.endswith("/.aws/credentials") or b"aws_secret_access_key" in data:
        yield f"{path} holds AWS credentials"
    elif base.endswith(".json") and _gcloud_key(data):
        yield f"{path} is a Google Cloud credential (service account key or user token)"
    elif base in SECRET_NAMES or base.endswith(SECRET_EXTENSIONS):
        yield f"{path} is named like a secret file"
    elif (
        base in _TOKEN_FILES
        and _TOKEN_FILES[base].search(data)
        and (base != "config.json" or "/.docker/" in path)
    ):
        yield f"{path} holds a registry or package token"


PRIVATE_KEY = Check(
    "private-key", "error", "A private key (PEM) in a file of the image.", "CIS-DI-0010",
    wants=_wants_any, scan=_scan_private_key,
)  # fmt: skip
SECRET_FILE = Check(
    "secret-file", "error",
    "A credential file: .env, cloud credentials, gcloud keys, .npmrc/.netrc tokens.",
    "CIS-DI-0010", wants=_wants_any, scan=_scan_secret_file,
)  # fmt: skip
