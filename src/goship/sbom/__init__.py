"""Software bills of materials (CycloneDX 1.6 and SPDX 2.3 JSON) for Go binaries and images.

``generate(target, fmt)`` collects the target the way ``goship scan`` does (binary, image,
directory, project), builds an :class:`~goship.sbom.inventory.Inventory` and renders it; each
document can be validated by its own library (``validate=True``; the tests always do).
:mod:`goship.sbom.attach` attaches an SBOM to an image as an OCI 1.1 referrer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime

from goship.errors import BadInputError
from goship.sbom.inventory import Inventory, build_inventory, wanted_image_file
from goship.vuln.targets import Collected, collect

FORMATS = ("cyclonedx", "spdx")
MEDIA_TYPES = {"cyclonedx": "application/vnd.cyclonedx+json", "spdx": "application/spdx+json"}


@dataclass(frozen=True)
class Sbom:
    format: str
    media_type: str
    text: str
    inventory: Inventory

    @property
    def data(self) -> bytes:
        return self.text.encode()


def creation_time(env: dict[str, str] | None = None) -> datetime:
    """``SOURCE_DATE_EPOCH`` when set (reproducible documents), else now."""
    raw = (os.environ if env is None else env).get("SOURCE_DATE_EPOCH", "").strip()
    if raw.isdigit():
        return datetime.fromtimestamp(int(raw), UTC)
    return datetime.now(UTC).replace(microsecond=0)


def render(inventory: Inventory, fmt: str, validate: bool = False) -> Sbom:
    """Render ``inventory``; ``validate`` also runs the library's schema validation (the
    tests always do; it costs ~1.5 s of imports, so the CLI does not by default)."""
    if fmt not in FORMATS:
        raise BadInputError(f"unknown SBOM format {fmt!r}", f"use one of {', '.join(FORMATS)}")
    # imported here: both libraries are slow to import and most goship commands never need them
    if fmt == "cyclonedx":
        from goship.sbom.cyclonedx import to_cyclonedx

        text = to_cyclonedx(inventory, validate)
    else:
        from goship.sbom.spdx import to_spdx

        text = to_spdx(inventory, validate)
    return Sbom(fmt, MEDIA_TYPES[fmt], text, inventory)


def from_collected(
    collected: Collected, fmt: str, created: datetime | None = None, validate: bool = False
) -> Sbom:
    if not collected.binaries:
        raise BadInputError(
            f"{collected.target} holds no Go binary", "point at a Go binary or image"
        )
    return render(build_inventory(collected, created or creation_time()), fmt, validate)


def generate(
    target: str, fmt: str, created: datetime | None = None, validate: bool = False
) -> Sbom:
    """Collect ``target`` and render its SBOM in ``fmt``."""
    return from_collected(collect(target, want_file=wanted_image_file), fmt, created, validate)


__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "Sbom",
    "creation_time",
    "from_collected",
    "generate",
    "render",
]
