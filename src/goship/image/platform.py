"""Target platforms (``linux/arm/v7``) and their mapping to the Go toolchain's environment."""

from __future__ import annotations

import platform as _pyplatform
import re
from dataclasses import dataclass
from typing import Any

from goship.errors import BadInputError

_HINT = "use os/arch[/variant], e.g. linux/amd64, linux/arm64, linux/arm/v7"

# GOARCH values goship can put into a Linux image (all static, CGO_ENABLED=0 capable).
_KNOWN_ARCHES = frozenset(
    {
        "386",
        "amd64",
        "arm",
        "arm64",
        "loong64",
        "mips",
        "mipsle",
        "mips64",
        "mips64le",
        "ppc64",
        "ppc64le",
        "riscv64",
        "s390x",
    }
)
_ARCH_ALIASES = {
    "x86_64": "amd64",
    "x86-64": "amd64",
    "aarch64": "arm64",
    "armhf": "arm",
    "armel": "arm",
    "i386": "386",
    "i686": "386",
}
_ARM_VARIANTS = {"v5": "5", "v6": "6", "v7": "7"}
_AMD64_VARIANTS = {"v1", "v2", "v3", "v4"}


@dataclass(frozen=True, order=True)
class Platform:
    """An OCI platform. ``variant`` is normalised: ``arm`` defaults to ``v7``,
    ``arm64/v8`` and ``amd64/v1`` collapse to no variant (they are the defaults)."""

    os: str
    architecture: str
    variant: str | None = None

    def __post_init__(self) -> None:
        arch = _ARCH_ALIASES.get(self.architecture, self.architecture)
        variant = self.variant or None
        if arch == "arm" and variant is None:
            variant = "v7"
        if (arch == "arm64" and variant == "v8") or (arch == "amd64" and variant == "v1"):
            variant = None
        object.__setattr__(self, "architecture", arch)
        object.__setattr__(self, "variant", variant)

    @classmethod
    def parse(cls, text: str) -> Platform:
        """Parse ``os/arch[/variant]`` (e.g. ``linux/arm/v7``), raising BadInputError."""
        parts = text.strip().lower().split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise BadInputError(f"bad platform {text!r}", _HINT)
        os_name, arch = parts[0], _ARCH_ALIASES.get(parts[1], parts[1])
        variant = parts[2] if len(parts) == 3 else None
        if os_name != "linux":
            raise BadInputError(
                f"platform {text!r}: only linux images can be built from scratch", _HINT
            )
        if arch not in _KNOWN_ARCHES:
            raise BadInputError(f"platform {text!r}: unknown architecture {arch!r}", _HINT)
        if variant is not None:
            ok = (
                (arch == "arm" and variant in _ARM_VARIANTS)
                or (arch == "amd64" and variant in _AMD64_VARIANTS)
                or (arch == "arm64" and re.fullmatch(r"v[89](\.\d)?", variant) is not None)
            )
            if not ok:
                raise BadInputError(f"platform {text!r}: unknown variant {variant!r}", _HINT)
        return cls(os_name, arch, variant)

    @classmethod
    def parse_list(cls, text: str) -> list[Platform]:
        """Parse a comma-separated list, dropping duplicates, keeping order."""
        seen: list[Platform] = []
        for item in text.split(","):
            if item.strip():
                p = cls.parse(item)
                if p not in seen:
                    seen.append(p)
        if not seen:
            raise BadInputError("no platform given", _HINT)
        return seen

    @classmethod
    def host(cls) -> Platform:
        """The platform of the machine goship runs on (Linux images of it)."""
        machine = _pyplatform.machine().lower()
        if machine.startswith("armv6"):
            return cls("linux", "arm", "v6")
        if machine.startswith("armv7") or machine.startswith("armv8l"):
            return cls("linux", "arm", "v7")
        return cls("linux", _ARCH_ALIASES.get(machine, machine))

    def __str__(self) -> str:
        base = f"{self.os}/{self.architecture}"
        return f"{base}/{self.variant}" if self.variant else base

    @property
    def slug(self) -> str:
        """A file-name friendly form: ``linux-arm-v7``."""
        return str(self).replace("/", "-")

    def go_env(self) -> dict[str, str]:
        """``GOOS``/``GOARCH`` plus ``GOARM``/``GOAMD64``/``GOARM64`` for the variant."""
        env = {"GOOS": self.os, "GOARCH": self.architecture}
        if self.architecture == "arm" and self.variant:
            env["GOARM"] = _ARM_VARIANTS[self.variant]
        elif self.architecture == "amd64" and self.variant:
            env["GOAMD64"] = self.variant
        elif self.architecture == "arm64" and self.variant and self.variant != "v8":
            env["GOARM64"] = self.variant
        return env

    @classmethod
    def from_go_env(cls, env: dict[str, str]) -> Platform:
        """Inverse of :meth:`go_env` (``GOARM=7`` -> ``v7``, ``GOAMD64=v3`` -> ``v3``)."""
        arch = env["GOARCH"]
        variant: str | None = None
        if arch == "arm" and env.get("GOARM"):
            variant = "v" + env["GOARM"].split(",")[0]
        elif arch == "amd64" and env.get("GOAMD64"):
            variant = env["GOAMD64"]
        elif arch == "arm64" and env.get("GOARM64"):
            variant = env["GOARM64"].split(",")[0]
        return cls(env.get("GOOS", "linux"), arch, variant)

    def matches(self, other: Platform) -> bool:
        """Same os and architecture, and same variant when both name one."""
        if (self.os, self.architecture) != (other.os, other.architecture):
            return False
        return self.variant is None or other.variant is None or self.variant == other.variant

    def to_json(self) -> dict[str, str]:
        """The OCI ``platform`` object (``arm64`` carries ``variant: v8`` by convention)."""
        data = {"architecture": self.architecture, "os": self.os}
        variant = self.variant or ("v8" if self.architecture == "arm64" else None)
        if variant:
            data["variant"] = variant
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Platform:
        return cls(str(data["os"]), str(data["architecture"]), data.get("variant") or None)
