"""Go-flavoured semantic versions: comparison, canonical forms and Go release tags.

Follows ``golang.org/x/mod/semver``: ``vMAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD]``, build
metadata (``+incompatible``) ignored when comparing, pseudo-versions ordered as the prereleases
they are. OSV ranges in the Go database carry versions without the ``v``; Go release tags
(``go1.21.5``, ``go1.21rc2``, ``go1.20beta1``) map to semver the way govulncheck maps them.
"""

from __future__ import annotations

import re
from functools import lru_cache

_SEMVER = re.compile(
    r"^v(?P<major>0|[1-9]\d*)(?:\.(?P<minor>0|[1-9]\d*)(?:\.(?P<patch>0|[1-9]\d*))?)?"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)
_GO_TAG = re.compile(r"^go(\d+\.\d+)(\.\d+|)((beta|rc|-pre)(\d+))?$")

Key = tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]


def canonical_prefix(version: str) -> str:
    """``1.2.3`` / ``go1.2.3`` / ``v1.2.3`` -> ``v1.2.3`` (as govulncheck's semver helpers)."""
    v = version.removeprefix("v").removeprefix("go")
    return "v" + v


def is_valid(version: str) -> bool:
    return _SEMVER.match(version) is not None


@lru_cache(maxsize=65536)
def sort_key(version: str) -> Key | None:
    """A key that orders valid semver strings like ``semver.Compare``; None when invalid."""
    m = _SEMVER.match(version)
    if m is None:
        return None
    major, minor, patch = (int(m.group(g) or 0) for g in ("major", "minor", "patch"))
    pre = m.group("pre")
    if pre is None:
        return (major, minor, patch, 1, ())
    if (m.group("minor") is None or m.group("patch") is None) and pre:
        return None  # Go rejects v1.2-pre
    parts: list[tuple[int, int | str]] = []
    for ident in pre.split("."):
        if ident.isdigit():
            if len(ident) > 1 and ident[0] == "0":
                return None
            parts.append((0, int(ident)))
        else:
            parts.append((1, ident))
    return (major, minor, patch, 0, tuple(parts))


def compare(a: str, b: str) -> int:
    """-1, 0 or 1 like ``semver.Compare``: an invalid version is less than every valid one and
    equal to other invalid ones."""
    ka, kb = sort_key(a), sort_key(b)
    if ka is None or kb is None:
        if ka is None and kb is None:
            return 0
        return -1 if ka is None else 1
    return (ka > kb) - (ka < kb)


def less(a: str, b: str) -> bool:
    """``a < b`` for versions with a ``v``, ``go`` or no prefix."""
    return compare(canonical_prefix(a), canonical_prefix(b)) < 0


def go_tag_to_semver(tag: str) -> str:
    """``go1.21.5`` -> ``v1.21.5``, ``go1.21`` -> ``v1.21.0``, ``go1.21rc2`` -> ``v1.21.0-rc.2``,
    ``go1.20beta1`` -> ``v1.20.0-beta.1``; ``""`` for anything else (``devel``)."""
    fields = tag.split()
    if not fields:
        return ""
    tag = fields[0]
    if tag == "go1":
        return "v1.0.0"
    if tag == "go1.0":
        return ""
    m = _GO_TAG.match(tag)
    if m is None:
        return ""
    version = "v" + m.group(1) + (m.group(2) or ".0")
    if m.group(3):
        kind = m.group(4)
        version += ("" if kind.startswith("-") else "-") + kind + "." + m.group(5)
    return version


def semver_to_go_tag(version: str) -> str:
    """Inverse of :func:`go_tag_to_semver` for display: ``v1.21.0-rc.2`` -> ``go1.21rc2``,
    ``v1.20.0`` -> ``go1.20``, ``v1.21.0`` -> ``go1.21.0``."""
    m = _SEMVER.match(canonical_prefix(version))
    if m is None:
        return version
    major, minor, patch = m.group("major"), m.group("minor") or "0", m.group("patch") or "0"
    pre = m.group("pre") or ""
    base = f"go{major}.{minor}"
    newer = (int(major), int(minor)) >= (1, 21)
    if patch != "0" or (newer and not pre):
        base += f".{patch}"
    if pre:
        base += pre.replace(".", "")
    return base
