"""Find the module (or workspace) a path belongs to and read go.mod / go.work.

The files are parsed by the Go toolchain itself (``go mod edit -json``, ``go work edit
-json``) so that goship and ``go build`` always agree on what they say. Given a cache
directory (``goship build`` passes ``<cache>/gomod``), the parse is cached by the file's bytes,
the ``go`` binary and ``GOTOOLCHAIN``: a warm build then starts no ``go`` process besides
``go build``. ``GOSHIP_NO_FACT_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goship.errors import GoshipError, ProjectError
from goship.fsutil import write_atomic
from goship.gobuild.sourcehash import stat_key
from goship.gobuild.toolchain import find_go, run_go
from goship.project.golist import raise_toolchain_error

_NO_GOMOD_HINT = "run `go mod init <module path>` in the service's directory"


@dataclass(frozen=True)
class Replace:
    old: str
    new: str  # module path, or a directory for a local replacement
    new_version: str | None

    @property
    def is_local(self) -> bool:
        return self.new_version is None and (
            self.new.startswith((".", "/")) or os.path.isabs(self.new)
        )


@dataclass(frozen=True)
class GoMod:
    """The parts of one go.mod that goship uses, with line numbers for evidence."""

    path: Path
    module: str
    go_version: str | None
    toolchain: str | None
    replaces: tuple[Replace, ...] = ()
    lines: dict[str, int] = field(default_factory=dict)  # "module"/"go"/"toolchain" -> line

    @property
    def dir(self) -> Path:
        return self.path.parent


@dataclass(frozen=True)
class GoWork:
    path: Path
    go_version: str | None
    toolchain: str | None
    uses: tuple[Path, ...]  # absolute module directories
    lines: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Layout:
    """Where a PATH given on the command line sits.

    ``root`` is the directory evidence paths are relative to and ``go`` commands run in:
    the workspace directory when PATH holds a go.work, else the module directory.
    ``patterns`` are the ``go list`` patterns that select the packages under PATH.
    """

    root: Path
    target: Path
    gomod: GoMod | None
    work: GoWork | None
    modules: tuple[GoMod, ...]
    patterns: tuple[str, ...]


def _cache_file(args: list[str], what: Path, cache: Path | None) -> Path | None:
    """Where the parse of ``what`` by ``go ARGS`` is cached; None when it must not be."""
    if cache is None or os.environ.get("GOSHIP_NO_FACT_CACHE"):
        return None
    try:
        go = find_go()
        header = [1, args[:-1], what.read_bytes().hex(), go, stat_key(Path(go))]
    except (OSError, GoshipError):  # no go / unreadable: no cache, `go` says why
        return None
    header.append(os.environ.get("GOTOOLCHAIN", ""))
    key = hashlib.sha256(json.dumps(header).encode()).hexdigest()
    return cache / f"{key[:40]}.json"


def _go_json(args: list[str], cwd: Path, what: Path, cache: Path | None) -> dict[str, Any]:
    cached = _cache_file(args, what, cache)
    if cached is not None:
        try:
            data = json.loads(cached.read_text())
        except (OSError, ValueError):
            pass
        else:
            if isinstance(data, dict):
                return data
    data = _run_go_json(args, cwd, what)
    if cached is not None:
        try:  # noqa: SIM105
            write_atomic(cached, json.dumps(data).encode())
        except GoshipError:  # a cache: an unwritable one is no error
            pass
    return data


def _run_go_json(args: list[str], cwd: Path, what: Path) -> dict[str, Any]:
    res = run_go(args, cwd=cwd)
    if res.returncode != 0:
        raise_toolchain_error(res.stderr)
        msg = res.stderr.strip() or res.stdout.strip() or f"`go {' '.join(args)}` failed"
        raise ProjectError(
            f"{what.name} does not parse: {msg}",
            f"fix {what} (check it with `go {' '.join(args[:2])}` in {what.parent})",
        )
    try:
        data = json.loads(res.stdout)
    except json.JSONDecodeError as exc:  # pragma: no cover - go always prints JSON here
        raise ProjectError(f"cannot read `go {' '.join(args)}` output: {exc}") from exc
    if not isinstance(data, dict):  # pragma: no cover
        raise ProjectError(f"unexpected `go {' '.join(args)}` output")
    return data


def _directive_lines(text: str) -> dict[str, int]:
    """1-based lines of the module/go/toolchain directives (go mod edit -json has none)."""
    lines: dict[str, int] = {}
    for no, line in enumerate(text.splitlines(), start=1):
        m = re.match(r"\s*(module|go|toolchain)\s+\S", line)
        if m and m.group(1) not in lines:
            lines[m.group(1)] = no
    return lines


def read_gomod(path: Path, cache: Path | None = None) -> GoMod:
    """Parse ``path`` (a go.mod) with ``go mod edit -json`` (cached in ``cache``)."""
    data = _go_json(["mod", "edit", "-json", str(path)], path.parent, path, cache)
    module = (data.get("Module") or {}).get("Path") or ""
    if not module:
        raise ProjectError(
            f"{path} has no module directive",
            "add `module <path>` as the first line (or run `go mod init`)",
        )
    replaces = tuple(
        Replace(
            old=(r.get("Old") or {}).get("Path", ""),
            new=(r.get("New") or {}).get("Path", ""),
            new_version=(r.get("New") or {}).get("Version"),
        )
        for r in data.get("Replace") or []
    )
    text = path.read_text(encoding="utf-8", errors="replace")
    return GoMod(
        path=path,
        module=module,
        go_version=data.get("Go"),
        toolchain=(data.get("Toolchain") or None),
        replaces=replaces,
        lines=_directive_lines(text),
    )


def read_gowork(path: Path, cache: Path | None = None) -> GoWork:
    """Parse ``path`` (a go.work) with ``go work edit -json`` (cached in ``cache``)."""
    data = _go_json(["work", "edit", "-json", str(path)], path.parent, path, cache)
    uses = tuple(
        (path.parent / u["DiskPath"]).resolve() for u in data.get("Use") or [] if u.get("DiskPath")
    )
    text = path.read_text(encoding="utf-8", errors="replace")
    return GoWork(
        path=path,
        go_version=data.get("Go"),
        toolchain=data.get("Toolchain") or None,
        uses=uses,
        lines=_directive_lines(text),
    )


def _find_up(start: Path, name: str) -> Path | None:
    for d in (start, *start.parents):
        candidate = d / name
        if candidate.is_file():
            return candidate
    return None


def _rel_pattern(root: Path, target: Path) -> str:
    rel = os.path.relpath(target, root)
    return "./..." if rel == "." else "./" + Path(rel).as_posix() + "/..."


def locate(path: Path, cache: Path | None = None) -> Layout:
    """Resolve PATH to its module or workspace; raise ProjectError when there is none.
    ``cache``: a directory for the parsed go.mod / go.work files."""
    if not path.exists():
        raise ProjectError(f"{path} does not exist", "pass the directory of a Go module")
    target = path.resolve()
    if target.is_file():
        target = target.parent
    work_env = os.environ.get("GOWORK", "")
    own_work = target / "go.work"
    if work_env != "off" and own_work.is_file() and not (target / "go.mod").is_file():
        ws = read_gowork(own_work, cache)
        modules = tuple(
            read_gomod(d / "go.mod", cache) for d in ws.uses if (d / "go.mod").is_file()
        )
        if not modules:
            raise ProjectError(
                f"{own_work} uses no module with a go.mod",
                "add modules with `go work use ./<dir>`",
            )
        patterns = tuple(
            _rel_pattern(target, m.dir)
            for m in modules
            if m.dir == target or target in m.dir.parents
        )
        return Layout(target, target, None, ws, modules, patterns or ("./...",))
    gomod_path = _find_up(target, "go.mod")
    if gomod_path is None:
        raise ProjectError(f"no go.mod in {path} or its parents", _NO_GOMOD_HINT)
    gomod = read_gomod(gomod_path, cache)
    work: GoWork | None = None
    if work_env != "off":
        work_path = Path(work_env) if work_env else _find_up(gomod.dir, "go.work")
        if work_path is not None and work_path.is_file():
            work = read_gowork(work_path, cache)
    root = gomod.dir
    return Layout(root, target, gomod, work, (gomod,), (_rel_pattern(root, target),))
