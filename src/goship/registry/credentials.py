"""Where registry credentials come from, first match wins:

1. ``GOSHIP_REGISTRY_USER`` + ``GOSHIP_REGISTRY_PASSWORD`` (for CI; apply to every registry
   goship talks to in that run; ``GOSHIP_REGISTRY_PASSWORD`` may be a token).
2. Docker's client config, ``$DOCKER_CONFIG/config.json`` or ``~/.docker/config.json``:
   ``credHelpers[host]`` -> ``docker-credential-<name> get``; ``auths[host]`` with a base64
   ``auth`` (``user:password``), ``username``/``password`` or an ``identitytoken``;
   ``credsStore`` -> ``docker-credential-<name> get``.
3. Nothing: anonymous (enough to pull public images and to push to an open registry).

A credential helper that is configured but not installed, fails, or knows nothing about the
host is skipped (anonymous), never fatal: the registry's 401 then produces the login hint.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goship.errors import BadInputError
from goship.registry.reference import DOCKER_HUB

USER_ENV = "GOSHIP_REGISTRY_USER"
PASSWORD_ENV = "GOSHIP_REGISTRY_PASSWORD"
HELPER_TIMEOUT_S = 30.0
_HUB_KEYS = (
    "https://index.docker.io/v1/",
    "index.docker.io",
    "docker.io",
    "registry-1.docker.io",
    "https://registry-1.docker.io",
)


@dataclass(frozen=True)
class Credentials:
    """Username/password, or an OAuth2 identity (refresh) token."""

    username: str = ""
    password: str = ""
    identity_token: str = ""
    source: str = ""
    """Where they came from (``env``, ``config.json``, ``helper:<name>``), for messages."""

    @property
    def anonymous(self) -> bool:
        return not (self.username or self.password or self.identity_token)


ANONYMOUS = Credentials(source="anonymous")


def docker_config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("DOCKER_CONFIG"):
        return Path(env["DOCKER_CONFIG"]) / "config.json"
    home = env.get("HOME") or str(Path.home())
    return Path(home) / ".docker" / "config.json"


def load_docker_config(path: Path) -> dict[str, Any]:
    """The parsed config; ``{}`` if absent. A file that is not JSON is bad input (exit 2)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise BadInputError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise BadInputError(
            f"{path} is not valid JSON (line {exc.lineno})", "fix or remove the file"
        ) from exc
    if not isinstance(data, dict):
        raise BadInputError(f"{path} is not a JSON object", "fix or remove the file")
    return data


def config_keys(host: str) -> tuple[str, ...]:
    """Keys a ``config.json`` may use for ``host`` (Docker Hub has historic spellings)."""
    if host == DOCKER_HUB:
        return _HUB_KEYS
    return (host, f"https://{host}", f"http://{host}", f"https://{host}/v1/", f"https://{host}/v2/")


def _lookup(table: Any, host: str) -> Any:
    if not isinstance(table, dict):
        return None
    for key in config_keys(host):
        if key in table:
            return table[key]
    # Tolerate keys written as URLs with paths or trailing slashes.
    for key, value in table.items():
        bare = str(key).removeprefix("https://").removeprefix("http://").split("/", 1)[0]
        if bare == host or (host == DOCKER_HUB and bare in _HUB_KEYS):
            return value
    return None


def _from_auth_entry(entry: Any, path: Path) -> Credentials | None:
    if not isinstance(entry, dict):
        return None
    source = "config.json"
    token = str(entry.get("identitytoken") or "")
    username = str(entry.get("username") or "")
    password = str(entry.get("password") or "")
    encoded = entry.get("auth")
    if encoded:
        try:
            decoded = base64.b64decode(str(encoded), validate=False).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise BadInputError(
                f"{path}: the stored 'auth' value is not valid base64 user:password",
                "run `docker login` again",
            ) from exc
        username, sep, password = decoded.partition(":")
        if not sep:
            raise BadInputError(
                f"{path}: the stored 'auth' value has no ':' between user and password",
                "run `docker login` again",
            )
    creds = Credentials(username, password, token, source)
    return None if creds.anonymous else creds


def run_credential_helper(name: str, server: str) -> Credentials | None:
    """``docker-credential-<name> get`` for ``server``; ``None`` if missing or it fails."""
    exe = shutil.which(f"docker-credential-{name}")
    if exe is None:
        return None
    try:
        proc = subprocess.run(
            [exe, "get"],
            input=server,
            capture_output=True,
            text=True,
            timeout=HELPER_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    user, secret = str(data.get("Username") or ""), str(data.get("Secret") or "")
    if not secret:
        return None
    if user == "<token>":
        return Credentials(identity_token=secret, source=f"helper:{name}")
    return Credentials(user, secret, source=f"helper:{name}")


def _helper_server(host: str) -> str:
    return "https://index.docker.io/v1/" if host == DOCKER_HUB else host


def resolve_credentials(host: str, env: Mapping[str, str] | None = None) -> Credentials:
    """Credentials for registry ``host`` (normalised, as in ``Reference.registry``)."""
    env = os.environ if env is None else env
    user, password = env.get(USER_ENV, ""), env.get(PASSWORD_ENV, "")
    if user or password:
        if not (user and password):
            missing = PASSWORD_ENV if user else USER_ENV
            raise BadInputError(
                f"{missing} is not set but {USER_ENV if user else PASSWORD_ENV} is",
                f"set both {USER_ENV} and {PASSWORD_ENV}, or neither",
            )
        return Credentials(user, password, source="env")
    path = docker_config_path(env)
    config = load_docker_config(path)
    helper = _lookup(config.get("credHelpers"), host)
    if isinstance(helper, str) and helper:
        found = run_credential_helper(helper, _helper_server(host))
        if found:
            return found
    entry = _from_auth_entry(_lookup(config.get("auths"), host), path)
    if entry:
        return entry
    store = config.get("credsStore")
    if isinstance(store, str) and store:
        found = run_credential_helper(store, _helper_server(host))
        if found:
            return found
    return ANONYMOUS
