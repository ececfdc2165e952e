"""Registry authentication: ``WWW-Authenticate`` challenges, Basic auth and the token flow.

A registry answers an unauthenticated request with 401 and a challenge. For ``Basic`` goship
sends the credentials on every later request; for ``Bearer`` it asks the ``realm`` for a token
for ``service`` and the needed ``scope`` (``repository:<name>:pull,push``) — with Basic
credentials (GET), with an identity token (OAuth2 POST ``grant_type=refresh_token``) or
anonymously — and caches it per scope until it expires.
"""

from __future__ import annotations

import base64
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import httpx

from goship.registry.credentials import Credentials
from goship.registry.errors import LOGIN_HINT, RegistryAuthError, RegistryRequestError

_TOKEN = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"
_CHALLENGE_PART = re.compile(
    rf"""\s*(?P<name>{_TOKEN})\s*(?:=\s*(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<plain>[^,\s]*)))?\s*,?""",
)
_DEFAULT_TOKEN_TTL = 60.0
_TOKEN_MARGIN = 10.0


@dataclass(frozen=True)
class Challenge:
    """One challenge of a ``WWW-Authenticate`` header; ``scheme`` is lowercased."""

    scheme: str
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def realm(self) -> str:
        return self.params.get("realm", "")


def parse_www_authenticate(header: str) -> list[Challenge]:
    """Parse ``Bearer realm="...",service="...",scope="a:b:pull,push", Basic realm=x``.

    Quoted values may hold commas and escaped quotes; parameter names are lowercased.
    """
    challenges: list[Challenge] = []
    scheme: str | None = None
    params: dict[str, str] = {}
    pos = 0
    while pos < len(header):
        match = _CHALLENGE_PART.match(header, pos)
        if match is None or match.end() == pos:
            pos += 1  # skip a stray character rather than loop forever
            continue
        pos = match.end()
        name = match.group("name")
        quoted, plain = match.group("quoted"), match.group("plain")
        if quoted is None and plain is None:
            # A bare token starts a new challenge (token68 values are not used by registries).
            if scheme is not None:
                challenges.append(Challenge(scheme, params))
            scheme, params = name.lower(), {}
            continue
        value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else (plain or "")
        if scheme is not None:
            params[name.lower()] = value
    if scheme is not None:
        challenges.append(Challenge(scheme, params))
    return challenges


def repository_scope(repository: str, actions: Iterable[str] = ("pull", "push")) -> str:
    return f"repository:{repository}:{','.join(actions)}"


def basic_header(username: str, password: str) -> str:
    raw = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


@dataclass
class _Token:
    value: str
    expires_at: float


TokenFetcher = Callable[[httpx.Request], httpx.Response]
"""Sends a request to a token realm (with transport retries) and returns the response."""


class Authenticator:
    """Auth state for one registry host; safe to share between threads."""

    def __init__(
        self, host: str, credentials: Credentials, fetch: TokenFetcher, *, client_id: str = "goship"
    ) -> None:
        self.host = host
        self.credentials = credentials
        self._fetch = fetch
        self._client_id = client_id
        self._lock = threading.Lock()
        self._basic = False
        self._bearer: Challenge | None = None
        self._tokens: dict[tuple[str, ...], _Token] = {}

    def header(self, scopes: tuple[str, ...]) -> str | None:
        """The ``Authorization`` value to send for ``scopes``, if one is known yet.

        Once a registry has shown a Bearer challenge, tokens for new scopes are fetched up
        front instead of waiting for another 401.
        """
        with self._lock:
            if self._basic:
                return basic_header(self.credentials.username, self.credentials.password)
            token = self._tokens.get(scopes)
            if token and token.expires_at > time.monotonic():
                return f"Bearer {token.value}"
            bearer = self._bearer
        if bearer is None:
            return None
        token = self._request_token(bearer, scopes)
        with self._lock:
            self._tokens[scopes] = token
        return f"Bearer {token.value}"

    def failure(self, scopes: tuple[str, ...]) -> RegistryAuthError:
        """The error for a request still refused after authenticating."""
        return self._denied(scopes) if self._bearer is not None else self._rejected()

    def respond(self, response: httpx.Response, scopes: tuple[str, ...], had_auth: bool) -> None:
        """React to a 401. Returns when a retry may succeed; raises :class:`RegistryAuthError`
        when it cannot (no credentials for Basic, credentials already refused)."""
        challenges = parse_www_authenticate(response.headers.get("www-authenticate", ""))
        by_scheme = {c.scheme: c for c in challenges}
        creds = self.credentials
        if "bearer" in by_scheme and by_scheme["bearer"].realm:
            challenge = by_scheme["bearer"]
            wanted = set(scopes)
            if challenge.params.get("scope"):
                wanted.update(challenge.params["scope"].split(" "))
            token = self._request_token(challenge, tuple(sorted(wanted)))
            with self._lock:
                self._bearer = challenge
                self._tokens[scopes] = token
            if had_auth and challenge.params.get("error") == "insufficient_scope":
                raise self._denied(scopes)
            return
        if "basic" in by_scheme:
            if creds.anonymous or not creds.username:
                raise RegistryAuthError(
                    f"registry {self.host} requires authentication and no credentials were found",
                    self.host,
                )
            if had_auth:
                raise self._rejected()
            # Another thread may have switched to Basic meanwhile: retrying is right either way.
            with self._lock:
                self._basic = True
            return
        if had_auth:
            raise self._rejected()
        raise RegistryAuthError(
            f"registry {self.host} refused the request (401) without a usable challenge",
            self.host,
        )

    def _rejected(self) -> RegistryAuthError:
        src = self.credentials.source or "anonymous"
        return RegistryAuthError(
            f"registry {self.host} rejected the credentials (from {src})", self.host
        )

    def _denied(self, scopes: tuple[str, ...]) -> RegistryAuthError:
        return RegistryAuthError(
            f"registry {self.host} denied access ({' '.join(scopes)})",
            self.host,
            "check that the account may push to this repository, or "
            + LOGIN_HINT.format(host=self.host),
        )

    def _request_token(self, challenge: Challenge, scopes: tuple[str, ...]) -> _Token:
        creds = self.credentials
        realm = challenge.realm
        service = challenge.params.get("service", "")
        if creds.identity_token:
            form = {
                "grant_type": "refresh_token",
                "refresh_token": creds.identity_token,
                "client_id": self._client_id,
                "scope": " ".join(scopes),
            }
            if service:
                form["service"] = service
            request = httpx.Request("POST", realm, data=form)
        else:
            params: list[tuple[str, str | int | float | bool | None]] = []
            if service:
                params.append(("service", service))
            params.extend(("scope", s) for s in scopes)
            headers = {}
            if not creds.anonymous:
                params.append(("account", creds.username))
                headers["Authorization"] = basic_header(creds.username, creds.password)
            request = httpx.Request("GET", realm, params=params, headers=headers)
        response = self._fetch(request)
        if response.status_code in (401, 403):
            if creds.anonymous:
                raise RegistryAuthError(
                    f"registry {self.host} requires authentication and no credentials were found",
                    self.host,
                )
            raise self._rejected()
        if response.status_code != 200:
            raise RegistryRequestError(
                f"token service {realm} answered {response.status_code}", response.status_code
            )
        try:
            data = response.json()
        except ValueError as exc:
            raise RegistryRequestError(f"token service {realm} did not return JSON") from exc
        value = (data.get("token") or data.get("access_token")) if isinstance(data, dict) else None
        if not isinstance(value, str) or not value:
            raise RegistryRequestError(f"token service {realm} returned no token")
        ttl = data.get("expires_in", _DEFAULT_TOKEN_TTL)
        ttl = float(ttl) if isinstance(ttl, int | float) and ttl > 0 else _DEFAULT_TOKEN_TTL
        return _Token(value, time.monotonic() + max(1.0, ttl - _TOKEN_MARGIN))
