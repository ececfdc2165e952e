"""Image references: ``[host[:port]/]repo/path[:tag][@algo:hex]``, docker's grammar.

Rules kept from docker's reference library:

* the first path component is a registry host only when it contains ``.`` or ``:``, or is
  ``localhost``; otherwise the reference is on Docker Hub (``docker.io``);
* Docker Hub names with one component get ``library/`` (``alpine`` -> ``docker.io/library/alpine``),
  and ``index.docker.io`` is the same registry as ``docker.io``;
* repository components are lowercase ``[a-z0-9]`` joined by ``.``, ``_``, ``__`` or runs of ``-``;
  tags are ``[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}``; the full name is at most 255 characters.

Plain HTTP is used for loopback registries (``localhost``, ``127.0.0.0/8``, ``[::1]``), for
registries listed (comma-separated ``host`` or ``host:port``) in ``GOSHIP_INSECURE_REGISTRIES``
and when the caller passes ``insecure=True``; HTTPS otherwise.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from goship.registry.errors import ImageReferenceError

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
DEFAULT_TAG = "latest"
INSECURE_ENV = "GOSHIP_INSECURE_REGISTRIES"

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH_RE = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST_RE = re.compile(
    rf"^(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$"
)
_TAG_RE = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST_RE = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$")
_SHA256_RE = re.compile(r"^sha256:[a-f0-9]{64}$")
_MAX_NAME = 255


@dataclass(frozen=True)
class Reference:
    """A parsed, normalised image reference."""

    registry: str
    """Registry as written, normalised (``docker.io`` for Docker Hub), with ``:port``."""
    repository: str
    """Repository path inside the registry, e.g. ``library/alpine``."""
    tag: str | None = None
    digest: str | None = None

    @property
    def api_host(self) -> str:
        """Host[:port] that serves the ``/v2/`` API (Docker Hub's differs from its name)."""
        return DOCKER_HUB_API if self.registry == DOCKER_HUB else self.registry

    @property
    def name(self) -> str:
        """``registry/repository`` without tag or digest."""
        return f"{self.registry}/{self.repository}"

    @property
    def identifier(self) -> str:
        """What goes after ``/manifests/``: the digest if present, else the tag or ``latest``."""
        return self.digest or self.tag or DEFAULT_TAG

    def with_tag(self, tag: str) -> Reference:
        validate_tag(tag)
        return replace(self, tag=tag, digest=None)

    def with_digest(self, digest: str) -> Reference:
        validate_digest(digest)
        return replace(self, tag=None, digest=digest)

    def __str__(self) -> str:
        text = self.name
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def validate_tag(tag: str) -> str:
    if not _TAG_RE.match(tag):
        raise ImageReferenceError(
            f"invalid tag {tag!r}",
            "tags are letters, digits, '_', '.' and '-', start with a letter, digit or '_', "
            "and are at most 128 characters",
        )
    return tag


def validate_digest(digest: str) -> str:
    if not _DIGEST_RE.match(digest) or (
        digest.startswith("sha256:") and not _SHA256_RE.match(digest)
    ):
        raise ImageReferenceError(
            f"invalid digest {digest!r}", "a digest looks like sha256:<64 lowercase hex digits>"
        )
    return digest


def _split_host(name: str) -> tuple[str, str]:
    first, sep, rest = name.partition("/")
    is_host = bool(sep) and (
        "." in first or ":" in first or first == "localhost" or first != first.lower()
    )
    if not is_host:
        return DOCKER_HUB, name
    if not _HOST_RE.match(first):
        raise ImageReferenceError(f"invalid registry host {first!r}")
    host = first
    if host.lower() in ("docker.io", "index.docker.io", "registry-1.docker.io"):
        host = DOCKER_HUB
    return host, rest


def parse_reference(text: str) -> Reference:
    """Parse ``text`` into a :class:`Reference`; raise :class:`ImageReferenceError` (exit 2)."""
    original = text
    text = text.strip()
    if not text:
        raise ImageReferenceError("empty image reference")
    if "://" in text:
        raise ImageReferenceError(
            f"invalid image reference {original!r}: no scheme expected",
            "write host[:port]/repository[:tag], e.g. ghcr.io/acme/api:1.0",
        )
    digest: str | None = None
    if "@" in text:
        text, _, digest = text.partition("@")
        validate_digest(digest)
    tag: str | None = None
    slash = text.rfind("/")
    colon = text.rfind(":")
    if colon > slash:
        text, tag = text[:colon], text[colon + 1 :]
        validate_tag(tag)
    host, path = _split_host(text)
    if host == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    if not _PATH_RE.match(path):
        hint = "repository names are lowercase letters, digits and separators . _ __ -"
        if path.lower() != path:
            hint = "repository names must be lowercase"
        raise ImageReferenceError(f"invalid repository name in {original!r}", hint)
    if len(f"{host}/{path}") > _MAX_NAME:
        raise ImageReferenceError(f"image name in {original!r} is longer than {_MAX_NAME}")
    return Reference(registry=host, repository=path, tag=tag, digest=digest)


def _host_only(host: str) -> str:
    if host.startswith("["):
        return host[1 : host.index("]")]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_loopback(host: str) -> bool:
    """True for ``localhost``, ``*.localhost``, 127.0.0.0/8 and ``::1`` (port ignored)."""
    bare = _host_only(host).lower()
    if bare == "localhost" or bare.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(bare).is_loopback
    except ValueError:
        return False


def insecure_registries(env: Mapping[str, str] | None = None) -> frozenset[str]:
    """Hosts listed in ``GOSHIP_INSECURE_REGISTRIES`` (comma or space separated)."""
    raw = (os.environ if env is None else env).get(INSECURE_ENV, "")
    return frozenset(part.strip().lower() for part in re.split(r"[,\s]+", raw) if part.strip())


def registry_scheme(host: str, insecure: bool = False, env: Mapping[str, str] | None = None) -> str:
    """``http`` for loopback, ``--insecure`` or listed registries; ``https`` otherwise."""
    if insecure or is_loopback(host):
        return "http"
    listed = insecure_registries(env)
    if host.lower() in listed or _host_only(host).lower() in listed:
        return "http"
    return "https"
