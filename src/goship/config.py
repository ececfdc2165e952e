"""Build settings: the ``[build]`` table of ``goship.toml`` at the project root plus flags.

Each setting is declared once, as a field of :class:`BuildOptions` whose metadata names its flag,
its toml key and its help text. :func:`click_options` turns those declarations into click
options and :func:`resolve_options` reads the file, overlays the flags (flags win: scalars and
lists are replaced, ``env``/``labels`` are merged key by key) and validates everything once.
Unknown keys and bad types are a :class:`BadInputError` naming the key and ``file:line``.

Example ``goship.toml``::

    [build]
    main = "./cmd/api"
    platforms = ["linux/amd64", "linux/arm64"]
    x = ["main.version={{.Version}}", "main.commit={{.ShortCommit}}"]
    files = ["config/prod.yaml:/etc/app/config.yaml:0444"]
    env = { GIN_MODE = "release" }
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

import click

from goship.errors import BadInputError
from goship.image.platform import Platform

CONFIG_FILE = "goship.toml"
SECTION = "build"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class ExtraFile:
    """``src:dst[:mode]``: a project file copied into the image."""

    src: str  # relative to the project root
    dst: str  # absolute in the image (a relative dst is taken from WorkingDir)
    mode: int = 0o444

    @classmethod
    def parse(cls, text: str) -> ExtraFile:
        parts = text.split(":")
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            raise ValueError(f"{text!r} is not src:dst[:mode]")
        mode = 0o444
        if len(parts) == 3:
            if not re.fullmatch(r"0?[0-7]{3,4}", parts[2]):
                raise ValueError(f"{text!r}: mode {parts[2]!r} is not octal like 0644")
            mode = int(parts[2], 8)
        dst = PurePosixPath(parts[1])
        if ".." in dst.parts:
            raise ValueError(f"{text!r}: destination must not contain '..'")
        return cls(parts[0], str(dst), mode)


def _setting(
    flag: str | None,
    toml: str | None,
    help: str,
    kind: str = "str",
    default: Any = None,
    choices: tuple[str, ...] = (),
    commas: bool = False,
) -> Any:
    if default is None and kind == "list":
        default = ()
    elif default is None and kind == "map":
        default = {}
    meta = {
        "flag": flag,
        "toml": toml,
        "help": help,
        "kind": kind,
        "choices": choices,
        "commas": commas,
    }
    if isinstance(default, (list, dict, tuple)):
        frozen = tuple(default) if not isinstance(default, dict) else dict(default)
        return field(default_factory=lambda: frozen, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class BuildOptions:
    """Everything that shapes the compiled binary and the image, resolved and validated."""

    main: str | None = _setting("--main", "main", "Main package to build (e.g. ./cmd/api).")
    platforms: tuple[Platform, ...] = _setting(
        "--platform",
        "platforms",
        "Target platform(s), os/arch[/variant]; repeat or comma-separate. Default: linux/<host>.",
        kind="list",
        commas=True,
    )
    tags: tuple[str, ...] = _setting("--tag", "tags", "Image tag; repeatable.", kind="list")
    semver: str | None = _setting(
        "--semver", "semver", "Version to tag as X.Y.Z, X.Y, X (not for 0.x) and latest."
    )
    version: str | None = _setting(
        "--app-version", "version", "Version for {{.Version}} and the image version label."
    )
    build_tags: tuple[str, ...] = _setting(
        "--build-tags",
        "build_tags",
        "Go build tags; repeat or comma-separate.",
        "list",
        commas=True,
    )
    ldflags: str = _setting(
        "--ldflags", "ldflags", "Extra Go linker flags (after -s -w).", default=""
    )
    x: tuple[str, ...] = _setting(
        "-X", "x", "Set a string variable: importpath.name=value ({{.Version}} etc.).", "list", ()
    )
    files: tuple[ExtraFile, ...] = _setting(
        "--file", "files", "Extra file src:dst[:mode] (src relative to the project).", "list", ()
    )
    env: Mapping[str, str] = _setting("--env", "env", "Image env KEY=VALUE; repeatable.", "map", {})
    labels: Mapping[str, str] = _setting(
        "--label", "labels", "Image label KEY=VALUE; repeatable.", "map", {}
    )
    base: str | None = _setting(
        "--base",
        "base",
        "Base image (OCI layout dir, docker-archive .tar, or registry ref); needed for cgo.",
    )
    tzdata: str = _setting(
        "--tzdata",
        "tzdata",
        "How zoneinfo is supplied when needed: zoneinfo files or embed (-tags timetzdata).",
        "choice",
        "zoneinfo",
        ("zoneinfo", "embed"),
    )
    cgo: str = _setting(
        "--cgo",
        "cgo",
        "auto: cgo only when the code needs it (requires --base); off: force CGO_ENABLED=0.",
        "choice",
        "auto",
        ("auto", "on", "off"),
    )
    workdir: str = _setting("--workdir", "workdir", "WorkingDir of the image.", "str", "/app")

    @property
    def go_tags(self) -> tuple[str, ...]:
        """Build tags passed to ``go build`` (``timetzdata`` added in embed mode)."""
        if self.tzdata == "embed" and "timetzdata" not in self.build_tags:
            return (*self.build_tags, "timetzdata")
        return self.build_tags


_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_X_RE = re.compile(r"[^\s=]+\.[^\s=.]+=.*", re.S)


def _settings() -> list[Any]:
    return [f for f in fields(BuildOptions) if f.metadata]


def click_options(func: F) -> F:
    """Decorate a click command with one option per :class:`BuildOptions` setting."""
    for f in reversed(_settings()):
        meta = f.metadata
        if meta["flag"] is None:
            continue
        kwargs: dict[str, Any] = {"help": meta["help"], "default": None}
        if meta["kind"] in ("list", "map"):
            kwargs.update(multiple=True, default=())
        elif meta["kind"] == "choice":
            kwargs["type"] = click.Choice(meta["choices"])
        func = click.option(meta["flag"], f.name, **kwargs)(func)
    return func


class _Source:
    """The parsed ``[build]`` table with a line lookup for error messages."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.lines: list[str] = []
        self.table: dict[str, Any] = {}
        if path is None or not path.is_file():
            return
        text = path.read_text(encoding="utf-8")
        self.lines = text.splitlines()
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise BadInputError(f"{path}: {exc}", "fix the TOML syntax") from exc
        for key, value in data.items():
            if key == SECTION:
                if not isinstance(value, dict):
                    raise BadInputError(f"{self.where(key)}: [build] must be a table")
                self.table = value
            elif not isinstance(value, dict):
                raise BadInputError(
                    f"{self.where(key)}: top-level key {key!r}",
                    f"put build settings under a [build] table in {CONFIG_FILE}",
                )

    def where(self, key: str) -> str:
        """``file:line`` of ``key`` (first assignment after ``[build]``), or just the file."""
        in_build = False
        pat = re.compile(rf"""\s*["']?{re.escape(key)}["']?\s*=""")
        for n, line in enumerate(self.lines, 1):
            stripped = line.strip()
            if stripped.startswith("["):
                in_build = stripped.strip("[] ") == SECTION
                if stripped.strip("[] ") == key:
                    return f"{self.path}:{n}"
            elif (in_build or key == SECTION) and pat.match(line):
                return f"{self.path}:{n}"
        return str(self.path)


def _as_list(value: Any, commas: bool) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
        raise TypeError("expected a string or a list of strings")
    if commas:
        return [p.strip() for i in items for p in i.split(",") if p.strip()]
    return list(items)


def _as_map(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        if not all(isinstance(v, (str, int, float, bool)) for v in value.values()):
            raise TypeError("expected a table of strings")
        return {
            str(k): (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in value.items()
        }
    out: dict[str, str] = {}
    for item in _as_list(value, commas=False):
        key, sep, val = item.partition("=")
        if not sep:
            raise ValueError(f"{item!r} is not KEY=VALUE")
        out[key] = val
    return out


def _raw(meta: Mapping[str, Any], value: Any) -> Any:
    """Check the shape of one value (toml or flag) and normalise it to str / list / dict."""
    kind = meta["kind"]
    if kind == "list":
        return _as_list(value, meta["commas"])
    if kind == "map":
        return _as_map(value)
    if not isinstance(value, str):
        raise TypeError("expected a string")
    if kind == "choice" and value not in meta["choices"]:
        raise ValueError(f"{value!r} is not one of {', '.join(meta['choices'])}")
    return value


def _convert(name: str, value: Any, root: Path) -> Any:
    """Per-setting validation on the merged raw value."""
    if name == "platforms":
        return tuple(Platform.parse_list(",".join(value))) if value else (Platform.host(),)
    if name == "files":
        out = []
        for item in value:
            ef = ExtraFile.parse(item)
            src = (root / ef.src).resolve()
            if not src.is_relative_to(root.resolve()):
                raise ValueError(f"{item!r}: source must be inside the project ({root})")
            out.append(ef)
        return tuple(out)
    if name == "env":
        for key in value:
            if not _KEY_RE.fullmatch(key):
                raise ValueError(f"{key!r} is not an environment variable name")
        return dict(value)
    if name == "labels":
        if any(not k.strip() for k in value):
            raise ValueError("label keys must not be empty")
        return dict(value)
    if name == "x":
        for item in value:
            if not _X_RE.fullmatch(item):
                raise ValueError(f"{item!r} is not importpath.name=value")
        return tuple(value)
    if name == "workdir" and not value.startswith("/"):
        raise ValueError(f"{value!r} must be an absolute path")
    if name == "build_tags":
        for tag in value:
            if not re.fullmatch(r"[A-Za-z0-9_.!]+", tag):
                raise ValueError(f"{tag!r} is not a build tag")
    return tuple(value) if isinstance(value, list) else value


def _given(value: Any) -> bool:
    return value is not None and value != () and value != []


def resolve_options(
    root: str | Path, flags: Mapping[str, Any] | None = None, config: Path | None = None
) -> BuildOptions:
    """Merge ``goship.toml`` (``config`` or ``root/goship.toml``) with ``flags`` (keyed by field
    name, as :func:`click_options` passes them; ``None``/empty = not given)."""
    root = Path(root)
    flags = flags or {}
    source = _Source(config if config is not None else root / CONFIG_FILE)
    known = {f.metadata["toml"]: f for f in _settings() if f.metadata["toml"]}
    for key in source.table:
        if key not in known:
            raise BadInputError(
                f"{source.where(key)}: unknown build setting {key!r}",
                "known settings: " + ", ".join(sorted(known)),
            )
    values: dict[str, Any] = {}
    for f in _settings():
        meta = f.metadata
        merged: Any = None
        origin = ""
        if meta["toml"] in source.table:
            origin = source.where(meta["toml"])
            try:
                merged = _raw(meta, source.table[meta["toml"]])
            except (TypeError, ValueError) as exc:
                raise BadInputError(f"{origin}: setting {meta['toml']!r}: {exc}") from exc
        if _given(flags.get(f.name)):
            origin = f"flag {meta['flag']}"
            try:
                value = _raw(meta, flags[f.name])
            except (TypeError, ValueError) as exc:
                raise BadInputError(f"{origin}: {exc}") from exc
            merged = {**(merged or {}), **value} if meta["kind"] == "map" else value
        if merged is None and f.name != "platforms":
            continue
        try:
            values[f.name] = _convert(f.name, [] if merged is None else merged, root)
        except (TypeError, ValueError) as exc:
            raise BadInputError(f"{origin or 'default'}: {f.name}: {exc}") from exc
        except BadInputError as exc:
            raise BadInputError(f"{origin}: {exc.message}", exc.hint) from exc
    return BuildOptions(**values)


def with_overrides(options: BuildOptions, **changes: Any) -> BuildOptions:
    """A copy of ``options`` with fields replaced (for the pipeline's derived values)."""
    return replace(options, **changes)


def default_of(name: str) -> Any:
    """The declared default of a setting (used by docs and tests)."""
    for f in fields(BuildOptions):
        if f.name == name:
            if f.default is not MISSING:
                return f.default
            if f.default_factory is not MISSING:
                return f.default_factory()
    raise KeyError(name)
