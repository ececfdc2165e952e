"""Image tags: ``--tag`` values, ``--semver`` expansion and the ``sha-<short>`` tag.

``--semver 1.4.2`` -> ``1.4.2, 1.4, 1, latest``; a 0.x version gets no major-only tag
(``0.4.2, 0.4, latest``) because ``0`` promises no compatibility; a pre-release
(``1.4.2-rc.1``) is tagged only as itself and never moves ``latest``. Every tag is checked
against the OCI distribution grammar ``[A-Za-z0-9_][A-Za-z0-9._-]{0,127}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from goship.errors import BadInputError

TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
_SEMVER_RE = re.compile(
    r"v?(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+(?P<meta>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)


def validate_tag(tag: str) -> str:
    """Return ``tag`` if it is a valid OCI tag, else raise BadInputError naming the rule."""
    if not TAG_RE.fullmatch(tag):
        raise BadInputError(
            f"invalid image tag {tag!r}",
            "tags are 1-128 characters of letters, digits, '_', '.' and '-', "
            "not starting with '.' or '-'",
        )
    return tag


def parse_semver(version: str) -> tuple[int, int, int, str | None]:
    """``1.4.2-rc.1`` -> ``(1, 4, 2, "rc.1")``; a leading ``v`` is accepted."""
    m = _SEMVER_RE.fullmatch(version.strip())
    if not m:
        raise BadInputError(
            f"--semver {version!r} is not a semantic version",
            "use MAJOR.MINOR.PATCH with an optional -prerelease, e.g. 1.4.2 or 1.5.0-rc.1",
        )
    if m.group("meta"):
        raise BadInputError(
            f"--semver {version!r} carries build metadata ('+{m.group('meta')}'), "
            "which cannot appear in an image tag",
            "drop the '+...' part, or pass it as a separate --tag with '_' instead of '+'",
        )
    return int(m["major"]), int(m["minor"]), int(m["patch"]), m.group("pre")


def semver_tags(version: str) -> list[str]:
    """The tags ``--semver VERSION`` expands to (see the module docstring)."""
    major, minor, patch, pre = parse_semver(version)
    full = f"{major}.{minor}.{patch}"
    if pre:
        return [validate_tag(f"{full}-{pre}")]
    tags = [full, f"{major}.{minor}"]
    if major > 0:
        tags.append(str(major))
    tags.append("latest")
    return tags


def sha_tag(short_commit: str) -> str:
    return validate_tag(f"sha-{short_commit}")


def resolve_tags(
    explicit: Iterable[str],
    semver: str | None = None,
    short_commit: str | None = None,
    default: str = "latest",
) -> list[str]:
    """Explicit tags, then the semver expansion, then ``sha-<short>``; de-duplicated, in order.

    ``default`` is used only when nothing else names a tag (no ``--tag``/``--semver``).
    """
    out: list[str] = []
    for tag in explicit:
        validate_tag(tag)
        if tag not in out:
            out.append(tag)
    if semver:
        out.extend(t for t in semver_tags(semver) if t not in out)
    if not out and default:
        out.append(validate_tag(default))
    if short_commit:
        sha = sha_tag(short_commit)
        if sha not in out:
            out.append(sha)
    return out
