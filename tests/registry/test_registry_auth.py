"""WWW-Authenticate parsing and the Basic / Bearer flows, against a scripted transport."""

from __future__ import annotations

import base64
import random
from collections.abc import Callable

import httpx
import pytest

from goship.errors import ExitCode
from goship.registry.auth import Challenge, basic_header, parse_www_authenticate
from goship.registry.credentials import ANONYMOUS, Credentials
from goship.registry.errors import RegistryAuthError
from goship.registry.retry import RetryPolicy
from goship.registry.transport import RegistrySession

REALM = "https://auth.test/token"
SCOPE = "repository:acme/api:pull,push"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
            'scope="repository:library/alpine:pull,push"',
            [
                Challenge(
                    "bearer",
                    {
                        "realm": "https://auth.docker.io/token",
                        "service": "registry.docker.io",
                        "scope": "repository:library/alpine:pull,push",
                    },
                )
            ],
        ),
        ('Basic realm="Registry Realm"', [Challenge("basic", {"realm": "Registry Realm"})]),
        ("basic realm=plain", [Challenge("basic", {"realm": "plain"})]),
        (
            'Bearer realm="r", error="insufficient_scope", Basic realm="b"',
            [
                Challenge("bearer", {"realm": "r", "error": "insufficient_scope"}),
                Challenge("basic", {"realm": "b"}),
            ],
        ),
        (
            'Bearer Realm="a\\"b, c" , Service=svc',
            [Challenge("bearer", {"realm": 'a"b, c', "service": "svc"})],
        ),
        ("Negotiate", [Challenge("negotiate", {})]),
        ("", []),
    ],
)
def test_parse_www_authenticate(header: str, expected: list[Challenge]) -> None:
    assert parse_www_authenticate(header) == expected


def test_parse_never_loops_on_garbage() -> None:
    for junk in ['"', "=,=,=", '""""', "Bearer ,,,, realm", "@@@ ==="]:
        parse_www_authenticate(junk)  # returns, whatever it finds


Handler = Callable[[httpx.Request], httpx.Response]


def _session(handler: Handler, creds: Credentials) -> RegistrySession:
    return RegistrySession(
        "reg.test",
        "https",
        creds,
        RetryPolicy(attempts=3, base_delay=0),
        transport=httpx.MockTransport(handler),
        sleep=lambda _s: None,
        rng=random.Random(0),
    )


class TokenRegistry:
    """A registry wanting Bearer tokens from REALM for user/pass or an identity token."""

    def __init__(self) -> None:
        self.token_requests: list[httpx.Request] = []
        self.registry_requests: list[httpx.Request] = []
        self.issued = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.test":
            self.token_requests.append(request)
            if request.method == "POST":
                form = dict(httpx.QueryParams(request.content.decode()))
                if form.get("refresh_token") != "good-refresh":
                    return httpx.Response(401, json={"error": "invalid_grant"})
                self.issued += 1
                return httpx.Response(200, json={"access_token": f"tok{self.issued}"})
            if request.headers.get("authorization") != basic_header("me", "pw"):
                return httpx.Response(401, json={"details": "bad credentials"})
            self.issued += 1
            return httpx.Response(200, json={"token": f"tok{self.issued}", "expires_in": 300})
        self.registry_requests.append(request)
        if request.headers.get("authorization", "").startswith("Bearer tok"):
            return httpx.Response(200, json={})
        challenge = f'Bearer realm="{REALM}",service="reg.test",scope="{SCOPE}"'
        return httpx.Response(401, headers={"WWW-Authenticate": challenge})


def test_bearer_flow_with_password() -> None:
    registry = TokenRegistry()
    session = _session(registry, Credentials("me", "pw", source="test"))
    url = session.url("/v2/acme/api/blobs/sha256:x")
    assert session.request("GET", url, scopes=(SCOPE,)).status_code == 200
    (token_req,) = registry.token_requests
    assert token_req.method == "GET"
    params = token_req.url.params
    assert params["service"] == "reg.test"
    assert params.get_list("scope") == [SCOPE]
    assert params["account"] == "me"
    # The token is cached for the scope: no new token request.
    session.request("GET", url, scopes=(SCOPE,))
    assert len(registry.token_requests) == 1
    assert registry.registry_requests[-1].headers["authorization"] == "Bearer tok1"
    # A new scope gets a token up front, without another 401 round trip.
    before = len(registry.registry_requests)
    session.request("GET", url, scopes=("repository:other:pull",))
    assert len(registry.registry_requests) == before + 1
    assert len(registry.token_requests) == 2


def test_bearer_flow_with_identity_token() -> None:
    registry = TokenRegistry()
    session = _session(registry, Credentials(identity_token="good-refresh"))
    session.request("GET", session.url("/v2/acme/api/tags/list"), scopes=(SCOPE,))
    (token_req,) = registry.token_requests
    form = dict(httpx.QueryParams(token_req.content.decode()))
    assert token_req.method == "POST"
    assert form["grant_type"] == "refresh_token" and form["scope"] == SCOPE


@pytest.mark.parametrize(
    "creds",
    [Credentials("me", "wrong", source="env"), Credentials(identity_token="stale"), ANONYMOUS],
)
def test_bearer_bad_credentials_are_bad_input(creds: Credentials) -> None:
    session = _session(TokenRegistry(), creds)
    with pytest.raises(RegistryAuthError) as info:
        session.request("GET", session.url("/v2/acme/api/tags/list"), scopes=(SCOPE,))
    assert info.value.exit_code == ExitCode.BAD_INPUT
    assert "docker login reg.test" in (info.value.hint or "")
    assert "GOSHIP_REGISTRY_USER" in (info.value.hint or "")


def test_insufficient_scope_is_denied() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.test":
            return httpx.Response(200, json={"token": "pull-only"})
        challenge = f'Bearer realm="{REALM}",service="s",scope="{SCOPE}"'
        if request.headers.get("authorization"):
            challenge += ',error="insufficient_scope"'
        return httpx.Response(401, headers={"WWW-Authenticate": challenge})

    session = _session(handler, Credentials("me", "pw"))
    with pytest.raises(RegistryAuthError, match="denied"):
        session.request("POST", session.url("/v2/acme/api/blobs/uploads/"), scopes=(SCOPE,))


def _basic_registry(request: httpx.Request) -> httpx.Response:
    expected = "Basic " + base64.b64encode(b"me:pw").decode()
    if request.headers.get("authorization") == expected:
        return httpx.Response(200, json={})
    return httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="r"'})


def test_basic_flow() -> None:
    session = _session(_basic_registry, Credentials("me", "pw"))
    assert session.request("GET", session.url("/v2/")).status_code == 200
    # Basic is then sent up front.
    assert session.auth.header(()) == basic_header("me", "pw")


@pytest.mark.parametrize("creds", [Credentials("me", "nope", source="env"), ANONYMOUS])
def test_basic_bad_or_missing_credentials(creds: Credentials) -> None:
    session = _session(_basic_registry, creds)
    with pytest.raises(RegistryAuthError) as info:
        session.request("GET", session.url("/v2/"))
    assert info.value.exit_code == ExitCode.BAD_INPUT
    expected = "rejected the credentials (from env)" if creds.username else "no credentials"
    assert expected in info.value.message


def test_basic_challenge_race_between_threads() -> None:
    """Two requests sent before Basic was known both get a 401: neither is an error."""
    session = _session(_basic_registry, Credentials("me", "pw"))
    challenge = httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="r"'})
    session.auth.respond(challenge, (), had_auth=False)
    session.auth.respond(challenge, (), had_auth=False)
    assert session.auth.header(()) == basic_header("me", "pw")
    with pytest.raises(RegistryAuthError):
        session.auth.respond(challenge, (), had_auth=True)
