"""The OCI image configuration (``application/vnd.oci.image.config.v1+json``).

Everything time-like comes from one ``epoch`` (SOURCE_DATE_EPOCH, the commit time or 0) so the
config, and with it the image digest, is reproducible. Serialise with
:func:`goship.image.model.canonical_json`.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from goship.errors import BadInputError
from goship.image.baselayer import NONROOT_USER
from goship.image.model import Layer
from goship.image.platform import Platform

# goship's facts about the service in the image (JSON: port, health path, binary, needs...),
# written by goship build and read back by goship verify and goship audit.
SERVICE_LABEL = "dev.goship.service"


def read_service_label(config: Mapping[str, Any]) -> dict[str, Any]:
    """The decoded :data:`SERVICE_LABEL` of an image config's ``config`` object (``Labels``),
    or {} when it is absent or unreadable."""
    raw = (config.get("Labels") or {}).get(SERVICE_LABEL)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_PROTOCOLS = ("tcp", "udp", "sctp")


def rfc3339(epoch: int) -> str:
    """``0`` -> ``1970-01-01T00:00:00Z``."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def port_key(port: int | str) -> str:
    """``8080`` / ``"8080"`` / ``"53/udp"`` -> the ExposedPorts key (``8080/tcp``)."""
    text = str(port).strip().lower()
    num, _, proto = text.partition("/")
    proto = proto or "tcp"
    if not num.isdigit() or not 1 <= int(num) <= 65535 or proto not in _PROTOCOLS:
        raise BadInputError(f"bad port {port!r}", "use a number 1-65535, optionally /tcp or /udp")
    return f"{int(num)}/{proto}"


@dataclass
class RuntimeConfig:
    """How the container runs. ``env`` keys are emitted sorted, ``PATH`` defaulted."""

    entrypoint: list[str]
    cmd: list[str] = field(default_factory=list)
    working_dir: str = "/"
    user: str = NONROOT_USER
    env: Mapping[str, str] = field(default_factory=dict)
    exposed_ports: Sequence[int | str] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    stop_signal: str | None = None

    def validate(self) -> None:
        if not self.entrypoint or not self.entrypoint[0].startswith("/"):
            raise BadInputError(
                f"entrypoint {self.entrypoint!r} must start with an absolute path",
                "scratch images have no shell or PATH lookup; name the binary by its full path",
            )
        if not self.working_dir.startswith("/"):
            raise BadInputError(f"working directory {self.working_dir!r} must be absolute")
        for key in self.env:
            if not key or "=" in key or "\x00" in key:
                raise BadInputError(f"bad environment variable name {key!r}")


@dataclass(frozen=True)
class HistoryEntry:
    created_by: str
    comment: str = ""
    empty_layer: bool = False

    def to_json(self, created: str) -> dict[str, Any]:
        data: dict[str, Any] = {"created": created, "created_by": self.created_by}
        if self.comment:
            data["comment"] = self.comment
        if self.empty_layer:
            data["empty_layer"] = True
        return data


def _env_list(env: Mapping[str, str], base: Sequence[str]) -> list[str]:
    merged: dict[str, str] = {}
    for item in base:
        key, _, value = item.partition("=")
        merged[key] = value
    merged.update(env)
    merged.setdefault("PATH", DEFAULT_PATH)
    return [f"{k}={merged[k]}" for k in sorted(merged)]


def build_config(
    platform: Platform,
    runtime: RuntimeConfig,
    layers: Sequence[Layer],
    *,
    epoch: int,
    base_config: Mapping[str, Any] | None = None,
    extra_history: Sequence[HistoryEntry] = (),
) -> dict[str, Any]:
    """The config document. With ``base_config`` (a base image's config), its diff_ids and
    history come first and its Env is inherited (ours wins); Entrypoint/Cmd/User/WorkingDir and
    labels are always ours so nothing unexpected is inherited."""
    runtime.validate()
    created = rfc3339(epoch)
    base = base_config or {}
    base_run: Mapping[str, Any] = base.get("config") or {}
    diff_ids = list((base.get("rootfs") or {}).get("diff_ids") or [])
    history: list[dict[str, Any]] = list(base.get("history") or [])
    for layer in layers:
        diff_ids.append(layer.diff_id)
        history.append(HistoryEntry(layer.created_by or "goship", layer.comment).to_json(created))
    for entry in extra_history:
        history.append(entry.to_json(created))
    run: dict[str, Any] = {
        "Entrypoint": list(runtime.entrypoint),
        "Env": _env_list(runtime.env, base_run.get("Env") or []),
        "User": runtime.user,
        "WorkingDir": posixpath.normpath(runtime.working_dir),
    }
    if runtime.cmd:
        run["Cmd"] = list(runtime.cmd)
    ports = sorted({port_key(p) for p in runtime.exposed_ports})
    if ports:
        run["ExposedPorts"] = {p: {} for p in ports}
    if runtime.labels:
        run["Labels"] = dict(runtime.labels)
    if runtime.stop_signal:
        run["StopSignal"] = runtime.stop_signal
    config: dict[str, Any] = {
        "architecture": platform.architecture,
        "os": platform.os,
        "created": created,
        "config": run,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }
    variant = platform.to_json().get("variant")
    if variant:
        config["variant"] = variant
    return config
