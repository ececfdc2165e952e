"""One registry host over HTTP: authentication, bounded retries and error mapping.

:meth:`RegistrySession.request` is the only place that talks to the network. It answers a 401
through :class:`~goship.registry.auth.Authenticator`, retries transient failures (see
:mod:`goship.registry.retry`) when asked to, and turns what is left into goship errors:
no connection -> :class:`RegistryUnreachableError` (exit 3), persistent 5xx/429/dropped
connections -> :class:`RegistryUnavailableError` (exit 3), 401/403 -> :class:`RegistryAuthError`
(exit 2), other 4xx -> :class:`RegistryRequestError` (exit 2).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection, Iterator, Mapping

import httpx

from goship import __version__
from goship.registry.auth import Authenticator
from goship.registry.credentials import Credentials
from goship.registry.errors import (
    INSECURE_HINT,
    RegistryAuthError,
    RegistryRequestError,
    RegistryUnavailableError,
    RegistryUnreachableError,
)
from goship.registry.retry import (
    RetryPolicy,
    backoff_delay,
    is_retryable_status,
    parse_retry_after,
)

Body = bytes | Callable[[], Iterator[bytes]] | None
"""A request body: bytes, or a factory giving a fresh iterator for each attempt."""
Sleep = Callable[[float], None]
RetryHook = Callable[[str, int, float], None]
"""Called before each retry with (reason, retry number, seconds to wait)."""


def registry_error_text(response: httpx.Response) -> str:
    """``CODE: message`` pairs from a registry error body, or the HTTP reason."""
    try:
        data = response.json()
    except ValueError:
        data = None
    parts: list[str] = []
    if isinstance(data, dict) and isinstance(data.get("errors"), list):
        for err in data["errors"]:
            if isinstance(err, dict):
                code, msg = str(err.get("code", "")), str(err.get("message", ""))
                parts.append(f"{code}: {msg}" if code and msg else code or msg)
    return "; ".join(p for p in parts if p) or response.reason_phrase or str(response.status_code)


class RegistrySession:
    """HTTP access to one registry (``scheme://host``), shared by all operations on it."""

    def __init__(
        self,
        host: str,
        scheme: str,
        credentials: Credentials,
        policy: RetryPolicy,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        on_retry: RetryHook | None = None,
    ) -> None:
        self.host = host
        self.scheme = scheme
        self.policy = policy
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._on_retry = on_retry
        timeout = httpx.Timeout(
            connect=policy.connect_timeout,
            read=policy.read_timeout,
            write=policy.write_timeout,
            pool=policy.read_timeout,
        )
        self.client = httpx.Client(
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": f"goship/{__version__}"},
        )
        self.auth = Authenticator(host, credentials, self._fetch_token)

    def close(self) -> None:
        self.client.close()

    def url(self, path: str) -> str:
        return f"{self.scheme}://{self.host}{path}"

    # -- the request loop -------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str | httpx.URL,
        *,
        scopes: tuple[str, ...] = (),
        headers: Mapping[str, str] | None = None,
        body: Body = None,
        ok: Collection[int] = (200,),
        retry: bool = True,
        stream: bool = False,
        follow_redirects: bool = False,
    ) -> httpx.Response:
        """Send and return a response whose status is in ``ok``; raise a goship error otherwise.

        With ``retry=False`` a transient failure raises at once (callers that keep state on
        the server, like upload sessions, recover at their own level). With ``stream=True``
        the caller must close the returned response.
        """
        attempt = 0
        auth_rounds = 0
        while True:
            attempt += 1
            sent = dict(headers or {})
            authorization = self.auth.header(scopes)
            if authorization:
                sent["Authorization"] = authorization
            content = body() if callable(body) else body
            request = self.client.build_request(method, url, headers=sent, content=content)
            try:
                response = self.client.send(request, stream=True, follow_redirects=follow_redirects)
            except httpx.TransportError as exc:
                connect = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                limit = self.policy.connect_attempts if connect else self.policy.attempts
                if retry and attempt < limit:
                    self.wait_before_retry(f"{type(exc).__name__} on {method}", attempt, None)
                    continue
                raise self._transport_error(exc, method, request.url, connect) from exc
            status = response.status_code
            if status == 401 and auth_rounds < 2:
                self._drain(response)
                auth_rounds += 1
                if auth_rounds == 2:
                    raise self.auth.failure(scopes)
                self.auth.respond(response, scopes, had_auth=bool(authorization))
                attempt -= 1  # an auth round trip is not a failure
                continue
            if status in ok:
                if not stream:
                    try:
                        response.read()
                    except httpx.TransportError as exc:
                        response.close()
                        if retry and attempt < self.policy.attempts:
                            self.wait_before_retry(
                                f"{type(exc).__name__} reading {method}", attempt, None
                            )
                            continue
                        raise self._transport_error(exc, method, request.url, False) from exc
                    finally:
                        response.close()
                return response
            self._drain(response)
            if retry and is_retryable_status(status) and attempt < self.policy.attempts:
                wait = parse_retry_after(
                    response.headers.get("retry-after"), self.policy.max_retry_after
                )
                self.wait_before_retry(f"HTTP {status} on {method}", attempt, wait)
                continue
            raise self.status_error(response, method, request.url)

    def wait_before_retry(self, reason: str, attempt: int, forced: float | None) -> None:
        delay = forced if forced is not None else backoff_delay(self.policy, attempt, self._rng)
        if self._on_retry is not None:
            self._on_retry(reason, attempt, delay)
        self._sleep(delay)

    @staticmethod
    def _drain(response: httpx.Response) -> None:
        try:
            response.read()
        except httpx.TransportError:
            pass
        finally:
            response.close()

    def _fetch_token(self, request: httpx.Request) -> httpx.Response:
        """Token realm requests: transport retries, no registry auth, any status returned."""
        attempt = 0
        while True:
            attempt += 1
            # Rebuilt through the client so its timeouts and User-Agent apply.
            request = self.client.build_request(
                request.method, request.url, headers=request.headers, content=request.content
            )
            try:
                response = self.client.send(request, follow_redirects=True)
            except httpx.TransportError as exc:
                connect = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                limit = self.policy.connect_attempts if connect else self.policy.attempts
                if attempt < limit:
                    self.wait_before_retry(f"{type(exc).__name__} on token request", attempt, None)
                    continue
                raise self._transport_error(exc, request.method, request.url, connect) from exc
            if is_retryable_status(response.status_code) and attempt < self.policy.attempts:
                self.wait_before_retry(
                    f"HTTP {response.status_code} on token request", attempt, None
                )
                continue
            return response

    # -- error mapping ----------------------------------------------------------------------

    def _transport_error(
        self, exc: httpx.TransportError, method: str, url: httpx.URL, connect: bool
    ) -> Exception:
        detail = str(exc) or type(exc).__name__
        where = f"{self.scheme}://{self.host}"
        if connect:
            hint = "check the registry address and that it is running and reachable"
            lowered = detail.lower()
            if self.scheme == "https" and ("ssl" in lowered or "certificate" in lowered):
                hint = INSECURE_HINT.format(host=self.host)
            return RegistryUnreachableError(f"cannot connect to registry {where}: {detail}", hint)
        return RegistryUnavailableError(
            f"registry {where} failed during {method} {url.path}: {detail}",
            "retry later; the connection kept failing",
        )

    def status_error(self, response: httpx.Response, method: str, url: httpx.URL) -> Exception:
        status = response.status_code
        text = registry_error_text(response)
        what = f"{method} {url.path}"
        if status == 401:
            return RegistryAuthError(f"registry {self.host} refused {what}: {text}", self.host)
        if status == 403:
            return RegistryAuthError(
                f"registry {self.host} denied {what}: {text}",
                self.host,
                "check that the account may push to this repository",
            )
        if is_retryable_status(status) or status >= 500:
            return RegistryUnavailableError(
                f"registry {self.host} kept failing: HTTP {status} on {what}: {text}",
                "retry later",
            )
        hint = next((h for code, h in _CODE_HINTS.items() if code in text), None)
        if status == 413:
            hint = "the registry limits request size: lower the upload chunk size"
        return RegistryRequestError(
            f"registry {self.host} rejected {what}: HTTP {status}: {text}", status, hint
        )


_CODE_HINTS = {
    "NAME_UNKNOWN": "check the repository name; some registries need it created before a push",
    "NAME_INVALID": "check the repository name (lowercase, no leading or trailing separators)",
    "MANIFEST_INVALID": "the registry does not accept this manifest format",
    "TAG_INVALID": "check the tag (letters, digits, '_', '.', '-', at most 128 characters)",
    "UNSUPPORTED": "the registry does not support this operation",
}
