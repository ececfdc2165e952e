"""``inspect_project``: run ``go list`` once, parse the project's own packages, apply the
rules (service, needs, env, backing services) and assemble :class:`ProjectFacts`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from goship.errors import GoshipError, ProjectError, UsageError
from goship.gobuild.toolchain import find_go
from goship.project.assemble import MainInfo, assemble, rel_dir
from goship.project.configsrc import ViperInfo, envconfig_prefixes
from goship.project.facts import ProjectFacts
from goship.project.golist import Package, check_errors, list_packages
from goship.project.gomod import Layout, locate
from goship.project.index import ProjectIndex
from goship.project.service import ServeSite, find_sites, grpc_servers, reachable_names
from goship.project.syntax import GoFile, parse_file, text
from goship.project.values import Evaluator

NO_MAIN = (
    "no main package under {path}; goship builds services — point it at the module that "
    "has `package main`"
)


def inspect_project(
    path: Path,
    main: str | None = None,
    tags: str | None = None,
    compile_check: bool = True,
    list_cache: Path | None = None,
) -> ProjectFacts:
    """Facts about the Go service at ``path`` (see the JSON contract in ProjectFacts).
    ``list_cache`` is a directory for cached ``go list`` output (``goship build`` uses it)."""
    layout = locate(Path(path), list_cache.parent / "gomod" if list_cache else None)
    pkgs = list_packages(layout.root, layout.patterns, tags, compile_check, list_cache)
    warnings = check_errors(pkgs, layout.root)
    by_path = {p.import_path: p for p in pkgs}
    mains = sorted(
        (p for p in pkgs if p.own and p.name == "main" and not p.dep_only),
        key=lambda p: p.import_path,
    )
    if not mains:
        raise ProjectError(
            NO_MAIN.format(path=path), "pass the directory of a module with a main package"
        )
    parsed = _parse(layout, mains, by_path, check_syntax=not compile_check)
    try:
        idx = ProjectIndex.build([f for files in parsed.values() for f in files])
        prefixes = {p for p, _, _ in envconfig_prefixes(idx, idx.files)}
        viper = ViperInfo.collect(idx, idx.files)
        ev = Evaluator(idx, viper, prefixes.pop() if len(prefixes) == 1 else "")
        infos = [_main_info(m, by_path, parsed, idx) for m in mains]
        chosen, candidates, warn = _choose(infos, main, layout)
        warnings.extend(warn)
        scope = [chosen] if chosen else [i for i in infos if i.pkg.import_path in candidates]
        return assemble(
            layout, infos, chosen, candidates, scope or infos, by_path, ev, tags or "", warnings
        )
    except GoshipError:
        raise
    except (RecursionError, LookupError, ValueError, TypeError, AttributeError) as exc:
        # A bug in a rule must not end in a traceback; say what to report instead.
        raise ProjectError(
            f"goship could not analyse {path}: {type(exc).__name__}: {exc}",
            "this is a goship bug; please report it with the file layout of the project",
        ) from exc


def _parse(
    layout: Layout, mains: list[Package], by_path: dict[str, Package], check_syntax: bool
) -> dict[str, list[GoFile]]:
    names = {p.import_path: p.name for p in by_path.values()}
    wanted: list[Package] = []
    seen: set[str] = set()
    for m in mains:
        for ip in [m.import_path, *m.deps]:
            p = by_path.get(ip)
            if p is not None and p.local and ip not in seen:
                seen.add(ip)
                wanted.append(p)
    out: dict[str, list[GoFile]] = {}
    for p in wanted:
        files = []
        for fp in p.source_files:
            rel = Path(os.path.relpath(fp, layout.root)).as_posix()
            gf = parse_file(fp, rel, p.import_path, names)
            if check_syntax and gf.has_error:
                _gofmt_check(fp, layout.root)
            files.append(gf)
        out[p.import_path] = files
    return out


def _gofmt_check(file: Path, root: Path) -> None:
    """Confirm a syntax error tree-sitter saw with Go's own parser (gofmt -e)."""
    gofmt = Path(find_go()).parent / "gofmt"
    if not gofmt.is_file():
        return
    proc = subprocess.run(
        [str(gofmt), "-e", "-l", str(file)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0 and proc.stderr.strip():
        lines = list(dict.fromkeys(proc.stderr.replace(str(root) + os.sep, "").splitlines()))
        msg = "\n  ".join(lines[:5])
        raise ProjectError(
            f"{os.path.relpath(file, root)} does not parse:\n  {msg}", "fix the syntax error"
        )


def _main_info(
    m: Package, by_path: dict[str, Package], parsed: dict[str, list[GoFile]], idx: ProjectIndex
) -> MainInfo:
    main_files = parsed.get(m.import_path, [])
    dep_files = [f for d in m.deps if d in parsed for f in parsed[d]]
    sites = [s for f in main_files for s in find_sites(f)]
    if dep_files:
        names = reachable_names(idx, main_files, dep_files)
        for f in dep_files:
            for s in find_sites(f):
                fn = idx.top_function(f, s.node)
                fname = text(fn.child_by_field_name("name")) if fn is not None else "init"
                if fname in names or fname == "init":
                    sites.append(s)
    if not sites and grpc_servers(main_files + dep_files):
        fgrpc, call = grpc_servers(main_files + dep_files)[0]
        sites.append(ServeSite(fgrpc, call, "grpc", "grpc", None, 4))
    return MainInfo(m, main_files + dep_files, sites, {m.import_path, *m.deps})


def _match_main(infos: list[MainInfo], wanted: str, layout: Layout) -> MainInfo | None:
    w = wanted.strip().rstrip("/")
    w_rel = Path(w.removeprefix("./")).as_posix() if w not in (".", "./") else "."
    for i in infos:
        if w in (i.pkg.import_path,) or w_rel == rel_dir(i.pkg, layout):
            return i
    by_name = [i for i in infos if i.pkg.import_path.rsplit("/", 1)[-1] == w]
    return by_name[0] if len(by_name) == 1 else None


def _choose(
    infos: list[MainInfo], wanted: str | None, layout: Layout
) -> tuple[MainInfo | None, list[str], list[str]]:
    if wanted:
        found = _match_main(infos, wanted, layout)
        if found is None:
            listed = ", ".join(f"{i.pkg.import_path} ({rel_dir(i.pkg, layout)})" for i in infos)
            raise UsageError(
                f"--main {wanted} matches no main package; the main packages are: {listed}",
                "pass one of them (import path or directory) to --main",
            )
        return found, [], []
    serving = [i for i in infos if i.serves]
    if len(serving) == 1:
        return serving[0], [], []
    if len(infos) == 1:
        return infos[0], [], []
    pool = serving or infos
    names = [i.pkg.import_path for i in pool]
    what = "start a server" if serving else "are main packages (none starts a server)"
    return None, names, [f"{len(pool)} packages {what}: {', '.join(names)}; pick one with --main"]
