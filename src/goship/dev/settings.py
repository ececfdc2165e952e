"""Everything the dev loop needs, resolved once from the facts, goship.toml and the flags.

Environment of the service, lowest to highest precedence: ``[build] env`` of goship.toml (the
image's defaults), the environment goship runs in, the env file (``.env`` in the project root
unless ``--env-file`` names another), ``--env KEY=VAL`` flags. The env file is read again when
it changes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from goship.config import resolve_options
from goship.dev.build import BuildPlan
from goship.dev.dotenv import load_dotenv
from goship.dev.watch import WatchSpec
from goship.errors import BadInputError
from goship.gobuild.compile import main_target
from goship.project.analyze import inspect_project
from goship.project.facts import ProjectFacts

DEFAULT_ENV_FILE = ".env"
_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_GLOB = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class DebugPlan:
    dlv: str  # path of the dlv binary
    listen: str = "127.0.0.1:2345"

    def argv(self, binary: Path, args: Sequence[str]) -> list[str]:
        return [
            self.dlv,
            "exec",
            "--headless",
            "--listen",
            self.listen,
            "--api-version",
            "2",
            "--accept-multiclient",
            "--continue",
            str(binary),
            "--",
            *args,
        ]


@dataclass(frozen=True)
class DevSettings:
    root: Path  # module root: where go build and the service run
    build: BuildPlan
    watch: WatchSpec
    base_env: Mapping[str, str]  # goship.toml env under the process environment
    env_file: Path | None  # None when there is none
    overrides: Mapping[str, str] = field(default_factory=dict)  # --env flags
    args: tuple[str, ...] = ()  # arguments for the service
    port: int | None = None  # --port (readiness only)
    port_env: str | None = None  # facts: env var that sets the port (PORT, ADDR)
    port_flag: str | None = None  # facts: flag that sets the port (addr)
    default_port: int | None = None  # facts: the port when nothing overrides it
    debug: DebugPlan | None = None
    grace: float = 5.0  # seconds between SIGTERM and SIGKILL
    ready_timeout: float = 30.0  # seconds to wait for the port before saying so

    def child_env(self) -> dict[str, str]:
        """The service's environment (reads the env file; raises BadInputError on bad syntax)."""
        env = dict(self.base_env)
        if self.env_file is not None and self.env_file.is_file():
            env.update(load_dotenv(self.env_file, env))
        env.update(self.overrides)
        return env

    def service_port(self, env: Mapping[str, str]) -> int | None:
        """The port to report readiness on: --port, the port flag in args, the port env var,
        then the port in the source."""
        if self.port is not None:
            return self.port
        if self.port_flag:
            value = _flag_value(self.args, self.port_flag)
            if value is not None:
                return port_of(value)
        if self.port_env and env.get(self.port_env):
            return port_of(env[self.port_env])
        return self.default_port

    def argv(self, binary: Path) -> list[str]:
        if self.debug is not None:
            return self.debug.argv(binary, self.args)
        return [str(binary), *self.args]


def port_of(value: str) -> int | None:
    """``8080``, ``:8080``, ``0.0.0.0:8080``, ``[::]:8080`` -> 8080; anything else -> None."""
    m = re.fullmatch(r"\s*(?:.*:)?(\d{1,5})\s*", value)
    if m is None or not 0 < int(m.group(1)) < 65536:
        return None
    return int(m.group(1))


def _flag_value(args: Sequence[str], name: str) -> str | None:
    for i, arg in enumerate(args):
        for prefix in (f"-{name}", f"--{name}"):
            if arg == prefix and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith(prefix + "="):
                return arg[len(prefix) + 1 :]
    return None


def parse_env_flags(items: Sequence[str]) -> dict[str, str]:
    """``--env KEY=VAL`` values; a missing ``=`` or a bad name is bad input."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not _KEY_RE.fullmatch(key):
            raise BadInputError(
                f"--env {item!r} is not KEY=VALUE", "pass --env NAME=value, e.g. --env PORT=9000"
            )
        out[key] = value
    return out


def _prefix(root: Path, pattern: str) -> Path:
    """The directory or file a runtime/embed pattern names, up to its first glob."""
    pattern = pattern.removeprefix("all:").strip("\"'`")
    parts: list[str] = []
    for part in Path(pattern).parts:
        if _GLOB.search(part):
            break
        parts.append(part)
    return (root.joinpath(*parts)).resolve() if parts else root.resolve()


def watch_spec(
    facts: ProjectFacts,
    root: Path,
    env_file: Path | None,
    extra: Sequence[str] = (),
    restart_on_runtime: bool = True,
) -> WatchSpec:
    """What to watch, from the facts: runtime files (restart), embedded files (rebuild)."""
    runtime = [_prefix(root, p) for p in [*facts.needs.runtime_files, *extra]]
    embedded: list[Path] = []
    for ev in facts.evidence:
        if ev.fact == "embed" and ev.detail.startswith("//go:embed "):
            pkg_dir = root / Path(ev.file).parent
            embedded += [_prefix(pkg_dir, p) for p in ev.detail.split()[1:]]
    if not embedded:
        embedded = [_prefix(root, p) for p in facts.needs.embedded]
    # a pattern that resolved to the root itself would turn every save into a rebuild
    embedded = [p for p in embedded if p != root.resolve()]
    runtime = [p for p in runtime if p != root.resolve()]
    return WatchSpec(
        root=root.resolve(),
        runtime=tuple(dict.fromkeys(runtime)),
        embedded=tuple(dict.fromkeys(embedded)),
        env_files=(env_file.resolve(),) if env_file is not None else (),
        restart_on_runtime=restart_on_runtime,
    )


def resolve_settings(
    path: Path,
    *,
    main: str | None = None,
    env: Sequence[str] = (),
    env_file: Path | None = None,
    args: Sequence[str] = (),
    port: int | None = None,
    debug: DebugPlan | None = None,
    watch: Sequence[str] = (),
    restart_on_runtime: bool = True,
    grace: float = 5.0,
    facts: ProjectFacts | None = None,
) -> DevSettings:
    """Inspect the project and resolve the dev settings (raises exit-2/3 GoshipErrors)."""
    overrides = parse_env_flags(env)
    options = resolve_options(Path(path))
    if facts is None:
        facts = inspect_project(Path(path), main=main or options.main, compile_check=False)
    root = Path(facts.root).resolve()
    if env_file is not None:
        if not env_file.is_file():
            raise BadInputError(
                f"--env-file {env_file} does not exist", "pass the path of a dotenv file"
            )
        chosen_env: Path | None = env_file.resolve()
    else:
        chosen_env = root / DEFAULT_ENV_FILE
    package, name = main_target(facts)
    plan = BuildPlan(
        root=root,
        package=package,
        name=name,
        tags=options.go_tags,
        x=options.x,
        ldflags=options.ldflags,
        debug=debug is not None,
        cgo=facts.needs.cgo,
    )
    base_env = {**options.env, **os.environ}
    settings = DevSettings(
        root=root,
        build=plan,
        watch=watch_spec(facts, root, chosen_env, watch, restart_on_runtime),
        base_env=base_env,
        env_file=chosen_env,
        overrides=overrides,
        args=tuple(args),
        port=port,
        port_env=facts.service.port_env,
        port_flag=facts.service.port_flag,
        default_port=facts.service.port,
        debug=debug,
        grace=grace,
    )
    settings.child_env()  # report a broken env file now, with its file:line
    return settings
