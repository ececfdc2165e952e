"""Package truth from the Go toolchain: one ``go list -json -deps -e [-export]`` call.

``go list`` honours go.work, replace directives and vendor/ (``-mod=vendor`` is the
default when vendor/modules.txt exists), so the package graph here is the one
``go build`` will see. With ``-export`` the packages are also compiled (results are
cached by Go), which is how type errors in the project's own code are found.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goship.errors import EnvironmentMissingError, ProjectError
from goship.gobuild.toolchain import run_go
from goship.project.listcache import listing_key
from goship.project.listcache import load as load_listing
from goship.project.listcache import store as store_listing

_FIELDS = (
    "ImportPath,Dir,Name,Module,Standard,DepOnly,GoFiles,CgoFiles,Imports,Deps,"
    "EmbedPatterns,EmbedFiles,Error,DepsErrors"
)


@dataclass(frozen=True)
class ModuleRef:
    path: str
    version: str | None
    main: bool
    dir: str | None
    replace_dir: str | None  # set for a replacement by a local directory


@dataclass(frozen=True)
class PackageError:
    pos: str
    err: str
    import_stack: tuple[str, ...] = ()


@dataclass
class Package:
    import_path: str
    dir: str
    name: str
    module: ModuleRef | None
    standard: bool
    dep_only: bool
    go_files: list[str] = field(default_factory=list)
    cgo_files: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    deps: list[str] = field(default_factory=list)
    embed_patterns: list[str] = field(default_factory=list)
    embed_files: list[str] = field(default_factory=list)
    error: PackageError | None = None
    deps_errors: list[PackageError] = field(default_factory=list)

    @property
    def own(self) -> bool:
        """Part of the main module(s): the code goship analyses."""
        return self.module is not None and self.module.main

    @property
    def local(self) -> bool:
        """Own, or from a module replaced by a local directory (source the user controls)."""
        return self.own or (self.module is not None and self.module.replace_dir is not None)

    @property
    def source_files(self) -> list[Path]:
        return [Path(self.dir) / f for f in [*self.go_files, *self.cgo_files]]


def _module(data: dict[str, Any] | None) -> ModuleRef | None:
    if not data:
        return None
    rep = data.get("Replace") or {}
    replace_dir = None
    if rep and not rep.get("Version") and rep.get("Dir"):
        replace_dir = rep["Dir"]
    return ModuleRef(
        path=data.get("Path", ""),
        version=data.get("Version"),
        main=bool(data.get("Main")),
        dir=data.get("Dir"),
        replace_dir=replace_dir,
    )


def _error(data: dict[str, Any] | None) -> PackageError | None:
    if not data:
        return None
    return PackageError(
        pos=data.get("Pos") or "",
        err=data.get("Err") or "",
        import_stack=tuple(data.get("ImportStack") or ()),
    )


def _package(d: dict[str, Any]) -> Package:
    return Package(
        import_path=d.get("ImportPath", ""),
        dir=d.get("Dir", ""),
        name=d.get("Name", ""),
        module=_module(d.get("Module")),
        standard=bool(d.get("Standard")),
        dep_only=bool(d.get("DepOnly")),
        go_files=list(d.get("GoFiles") or ()),
        cgo_files=list(d.get("CgoFiles") or ()),
        imports=list(d.get("Imports") or ()),
        deps=list(d.get("Deps") or ()),
        embed_patterns=list(d.get("EmbedPatterns") or ()),
        embed_files=list(d.get("EmbedFiles") or ()),
        error=_error(d.get("Error")),
        deps_errors=[e for e in (_error(x) for x in d.get("DepsErrors") or ()) if e],
    )


def parse_stream(text: str) -> Iterator[Package]:
    """Parse the concatenated JSON objects ``go list -json`` prints."""
    dec = json.JSONDecoder()
    i, n = 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            return
        obj, i = dec.raw_decode(text, i)
        yield _package(obj)


def _clean_goflags(value: str) -> str:
    """GOFLAGS without -mod=... (vendor/readonly is chosen by go from the project itself)."""
    return " ".join(tok for tok in value.split() if not tok.lstrip("-").startswith("mod="))


def go_env(cgo: bool = True) -> dict[str, str]:
    """Environment for analysis calls: Linux view of the code, cgo files visible."""
    return {
        "GOFLAGS": _clean_goflags(os.environ.get("GOFLAGS", "")),
        "GOOS": "linux",
        "CGO_ENABLED": "1" if cgo else "0",
        "GO111MODULE": "on",
    }


def has_c_compiler() -> bool:
    """A C compiler go would use for cgo ($CC, gcc, clang, cc)."""
    cc = os.environ.get("CC", "").split()
    return any(shutil.which(c) for c in [*cc[:1], "gcc", "clang", "cc"])


_CGO_ENV_ERR = re.compile(
    r'C compiler "|exec: "(gcc|cc|clang)"|cgo: (cannot|exec)|build constraints exclude all Go files'
)


def is_environment_error(err: PackageError) -> bool:
    """A failure of the build machine (no C compiler), not of the code."""
    return bool(_CGO_ENV_ERR.search(err.err))


def list_packages(
    root: Path,
    patterns: tuple[str, ...],
    tags: str | None = None,
    compile_check: bool = True,
    cache_dir: Path | None = None,
) -> list[Package]:
    """Run ``go list`` once and return every package (own and dependencies).

    Without a C compiler, cgo code cannot be compiled: the package facts still come from a
    cgo-enabled listing, and the type check runs in a second listing with cgo off. With
    ``cache_dir``, a listing without ``-export`` is cached (see :mod:`goship.project.listcache`).
    """
    cc = has_c_compiler()
    pkgs = _list(root, patterns, tags, export=compile_check and cc, cgo=True, cache_dir=cache_dir)
    if compile_check and not cc:
        checked = {p.import_path: p for p in _list(root, patterns, tags, export=True, cgo=False)}
        for p in pkgs:
            c = checked.get(p.import_path)
            if p.own and c is not None:
                p.error = p.error or c.error
                p.deps_errors = p.deps_errors or c.deps_errors
            elif p.own and p.cgo_files and p.error is None:
                p.error = PackageError("", "cgo: cannot compile without a C compiler")
    return pkgs


def _list(
    root: Path,
    patterns: tuple[str, ...],
    tags: str | None,
    export: bool,
    cgo: bool,
    cache_dir: Path | None = None,
) -> list[Package]:
    # Only the fields goship reads: go list then skips computing staleness (~2x faster).
    args = ["list", "-e", "-json=" + _FIELDS + (",Export" if export else ""), "-deps"]
    if export:
        args.append("-export")
    if tags:
        args.append("-tags=" + tags)
    args.extend(patterns)
    env = go_env(cgo)
    key = listing_key(root, args, env) if cache_dir is not None and not export else None
    if key is not None and cache_dir is not None:
        cached = load_listing(cache_dir, key)
        if cached is not None:
            try:
                return list(parse_stream(cached))
            except (json.JSONDecodeError, AttributeError, TypeError):
                pass  # a damaged entry: list again
    res = run_go(args, cwd=root, env=env)
    if res.returncode != 0 and not res.stdout.strip():
        raise_toolchain_error(res.stderr)
        raise ProjectError(
            "`go list` failed: " + _first_lines(res.stderr),
            "fix go.mod (try `go mod tidy`) and check that `go build ./...` works",
        )
    try:
        pkgs = list(parse_stream(res.stdout))
    except json.JSONDecodeError as exc:  # pragma: no cover - defensive
        raise ProjectError(f"cannot read `go list` output: {exc}") from exc
    clean = res.returncode == 0 and not any(p.error or p.deps_errors for p in pkgs)
    if key is not None and cache_dir is not None and clean:
        store_listing(cache_dir, key, res.stdout)
    return pkgs


_NEWER_GO = re.compile(r"requires go >= (\S+)|toolchain not available|download go\S* for")


def raise_toolchain_error(stderr: str) -> None:
    """The project needs a newer Go than the one installed: environment missing (exit 3)."""
    m = _NEWER_GO.search(stderr)
    if m is None:
        return
    need = f"Go {m.group(1).rstrip(';')}" if m.group(1) else "a newer Go toolchain"
    raise EnvironmentMissingError(
        "the project needs a newer Go than the one installed: " + _first_lines(stderr, 3),
        f"install {need} (https://go.dev/dl), or let go download it: GOTOOLCHAIN=auto "
        "with access to the Go module proxy",
    )


def _first_lines(text: str, n: int = 8) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    out = "\n  ".join(lines[:n])
    if len(lines) > n:
        out += f"\n  ... ({len(lines) - n} more lines)"
    return out


def check_errors(pkgs: list[Package], root: Path) -> list[str]:
    """Raise ProjectError for an own package that does not load or compile, or that imports
    something that does not. Returns warnings for problems of the build machine itself
    (no C compiler for a cgo package): they do not make the facts wrong.
    """
    warnings: list[str] = []
    for p in pkgs:
        if not p.own:
            continue
        for err in ([p.error] if p.error else []) + p.deps_errors:
            if is_environment_error(err):
                last = err.err.strip().splitlines()[-1] if err.err.strip() else err.err
                msg = f"{p.import_path}: cannot compile cgo code here ({last.strip()})"
                if msg not in warnings:
                    warnings.append(msg)
                continue
            owner = p.import_path if err is p.error else _culprit(err, p.import_path)
            raise ProjectError(_describe(owner, err, root), _hint(err))
    return warnings


def _culprit(err: PackageError, default: str) -> str:
    return err.import_stack[-1] if err.import_stack else default


def _describe(import_path: str, err: PackageError, root: Path) -> str:
    body = re.sub(r"^# [^\n]*\n", "", err.err.strip())
    if err.pos and err.pos not in body:
        body = f"{_rel_pos(err.pos, root)}: {body}"
    body = body.replace(str(root) + os.sep, "")
    return f"package {import_path} does not compile:\n  {_first_lines(body)}"


def _rel_pos(pos: str, root: Path) -> str:
    try:
        return os.path.relpath(pos, root)
    except ValueError:  # pragma: no cover - other drive on Windows
        return pos


def _hint(err: PackageError) -> str:
    text = err.err
    if "go.sum" in text or "go mod tidy" in text or "no required module" in text:
        return "run `go mod tidy` in the module, then retry"
    if "cannot find module" in text or "module lookup disabled" in text or "dial tcp" in text:
        return "check network access to the Go module proxy, or vendor the dependencies"
    return "fix the error above; `go build ./...` must succeed"
