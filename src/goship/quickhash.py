"""sha256 for the code that runs before anything heavy is imported: the launcher's
:mod:`goship.build.prestart` and the build-server client (:mod:`goship.server.protocol`).
``hashlib`` loads OpenSSL (~3 ms of start-up); the built-in module behind its ``sha256``
(``_sha256``, ``_sha2`` from Python 3.12) gives the same digests for nothing."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def new_sha256(data: bytes = b"") -> Any:
    """A sha256 hash object (``update``, ``hexdigest``) fed with ``data``."""
    for name in ("_sha256", "_sha2"):
        try:
            return __import__(name).sha256(data)
        except (ImportError, AttributeError):
            continue
    import hashlib  # pragma: no cover - a Python built without them

    return hashlib.sha256(data)


def sha256_hex(data: bytes) -> str:
    return str(new_sha256(data).hexdigest())
