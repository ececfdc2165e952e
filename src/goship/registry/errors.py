"""Registry errors, placed in goship's error model.

The split follows the exit codes of :mod:`goship.errors`:

* **exit 2 (bad input)** — the user can fix it by changing what they typed or their
  credentials: a malformed reference (:class:`ImageReferenceError`), missing/bad credentials or
  a denied push (:class:`RegistryAuthError`), a request the registry rejects as invalid
  (:class:`RegistryRequestError`: unknown repository name, invalid manifest, ...).
* **exit 3 (environment)** — the registry is not there or not working: it cannot be reached
  (:class:`RegistryUnreachableError`), it keeps failing after every retry
  (:class:`RegistryUnavailableError`), or it hands back content that does not match what
  was pushed (:class:`RegistryIntegrityError`).
"""

from __future__ import annotations

from goship.errors import BadInputError, EnvironmentMissingError

LOGIN_HINT = "run `docker login {host}` or set GOSHIP_REGISTRY_USER and GOSHIP_REGISTRY_PASSWORD"
INSECURE_HINT = (
    "if {host} serves plain HTTP, add it to GOSHIP_INSECURE_REGISTRIES (or pass --insecure); "
    "otherwise check its TLS certificate"
)


class ImageReferenceError(BadInputError):
    """An image reference that does not parse (``host[:port]/repo[:tag][@digest]``). Exit 2."""


class RegistryAuthError(BadInputError):
    """Credentials are missing, wrong, or not allowed to do this. Exit 2.

    Bad credentials are something the user fixes (log in again, set the env vars), so this is
    bad input rather than a missing environment.
    """

    def __init__(self, message: str, host: str, hint: str | None = None) -> None:
        super().__init__(message, hint or LOGIN_HINT.format(host=host))
        self.host = host


class RegistryRequestError(BadInputError):
    """The registry answered with a 4xx that retrying cannot fix (e.g. NAME_UNKNOWN,
    MANIFEST_INVALID, a manifest that names a blob that is not there). Exit 2."""

    def __init__(self, message: str, status: int | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.status = status


class RegistryUnreachableError(EnvironmentMissingError):
    """No connection to the registry could be made (refused, DNS, TLS, timeout). Exit 3."""


class RegistryUnavailableError(EnvironmentMissingError):
    """The registry answered, but kept failing (5xx, 429, dropped connections) after the
    bounded retries. Exit 3."""


class RegistryIntegrityError(EnvironmentMissingError):
    """The registry returned content or a digest that differs from what was pushed. Exit 3."""
