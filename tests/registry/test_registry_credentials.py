"""Credential lookup: env vars, docker config.json (auths, identitytoken, credHelpers,
credsStore) with a temporary HOME / DOCKER_CONFIG."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from goship.errors import BadInputError
from goship.registry.credentials import (
    ANONYMOUS,
    config_keys,
    docker_config_path,
    resolve_credentials,
)


def _write_config(home: Path, data: object) -> Path:
    path = home / ".docker" / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _helper(bin_dir: Path, name: str, script: str) -> None:
    bin_dir.mkdir(exist_ok=True)
    exe = bin_dir / f"docker-credential-{name}"
    exe.write_text("#!/bin/sh\n" + script)
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)


def test_env_vars_win(tmp_path: Path) -> None:
    _write_config(tmp_path, {"auths": {"reg.io": {"auth": _b64("cfg:pw")}}})
    env = {
        "HOME": str(tmp_path),
        "GOSHIP_REGISTRY_USER": "ci",
        "GOSHIP_REGISTRY_PASSWORD": "tok",
    }
    creds = resolve_credentials("reg.io", env)
    assert (creds.username, creds.password, creds.source) == ("ci", "tok", "env")


def test_env_vars_must_come_in_pairs(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="GOSHIP_REGISTRY_PASSWORD"):
        resolve_credentials("reg.io", {"HOME": str(tmp_path), "GOSHIP_REGISTRY_USER": "x"})


def test_auths_base64(tmp_path: Path) -> None:
    _write_config(tmp_path, {"auths": {"reg.io:5000": {"auth": _b64("me:pa:ss")}}})
    creds = resolve_credentials("reg.io:5000", {"HOME": str(tmp_path)})
    assert (creds.username, creds.password) == ("me", "pa:ss")
    assert resolve_credentials("other.io", {"HOME": str(tmp_path)}) == ANONYMOUS


def test_auths_url_keys_and_docker_hub(tmp_path: Path) -> None:
    _write_config(
        tmp_path,
        {
            "auths": {
                "https://index.docker.io/v1/": {"auth": _b64("hub:pw")},
                "https://ghcr.io/v2/": {"username": "gh", "password": "pat"},
                "reg.io": {"identitytoken": "refresh-me"},
            }
        },
    )
    env = {"HOME": str(tmp_path)}
    assert resolve_credentials("docker.io", env).username == "hub"
    assert resolve_credentials("ghcr.io", env).password == "pat"
    token = resolve_credentials("reg.io", env)
    assert token.identity_token == "refresh-me" and not token.anonymous
    assert "https://index.docker.io/v1/" in config_keys("docker.io")


def test_docker_config_env_var(tmp_path: Path) -> None:
    conf_dir = tmp_path / "elsewhere"
    conf_dir.mkdir()
    (conf_dir / "config.json").write_text(json.dumps({"auths": {"r.io": {"auth": _b64("a:b")}}}))
    env = {"HOME": str(tmp_path / "nohome"), "DOCKER_CONFIG": str(conf_dir)}
    assert docker_config_path(env) == conf_dir / "config.json"
    assert resolve_credentials("r.io", env).username == "a"


def test_missing_or_empty_config_is_anonymous(tmp_path: Path) -> None:
    assert resolve_credentials("r.io", {"HOME": str(tmp_path)}).anonymous
    _write_config(tmp_path, {})
    assert resolve_credentials("r.io", {"HOME": str(tmp_path)}).anonymous


@pytest.mark.parametrize(
    "content",
    ["{not json", "[1, 2]"],
)
def test_broken_config_is_bad_input(tmp_path: Path, content: str) -> None:
    path = tmp_path / ".docker" / "config.json"
    path.parent.mkdir()
    path.write_text(content)
    with pytest.raises(BadInputError, match=r"config\.json"):
        resolve_credentials("r.io", {"HOME": str(tmp_path)})


def test_auth_without_colon_is_bad_input(tmp_path: Path) -> None:
    _write_config(tmp_path, {"auths": {"r.io": {"auth": _b64("nocolon")}}})
    with pytest.raises(BadInputError, match=r"docker login|':'"):
        resolve_credentials("r.io", {"HOME": str(tmp_path)})


def test_cred_helpers_and_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    # The helper reads the server URL on stdin and answers in docker's JSON format.
    _helper(
        bin_dir,
        "fake",
        'read server\n[ "$1" = get ] || exit 2\n'
        'case "$server" in\n'
        '  helped.io) echo \'{"ServerURL":"helped.io","Username":"hu","Secret":"hs"}\' ;;\n'
        '  tok.io) echo \'{"ServerURL":"tok.io","Username":"<token>","Secret":"idt"}\' ;;\n'
        '  *) echo "credentials not found in native keychain"; exit 1 ;;\n'
        "esac\n",
    )
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    _write_config(
        tmp_path,
        {
            "credHelpers": {"helped.io": "fake", "missing.io": "not-installed"},
            "credsStore": "fake",
            "auths": {"missing.io": {"auth": _b64("fallback:pw")}},
        },
    )
    env = {"HOME": str(tmp_path)}
    helped = resolve_credentials("helped.io", env)
    assert (helped.username, helped.password, helped.source) == ("hu", "hs", "helper:fake")
    assert resolve_credentials("tok.io", env).identity_token == "idt"
    # A configured helper that is not installed falls back to auths.
    assert resolve_credentials("missing.io", env).username == "fallback"
    # The store knows nothing about this host: anonymous, not an error.
    assert resolve_credentials("unknown.io", env).anonymous
