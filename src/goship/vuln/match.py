"""Does an OSV entry affect a module version, and is the vulnerable code in the binary?

Range semantics follow govulncheck (``internal/semver/affects.go``): events sorted with
``introduced: "0"`` first, the interval is left-closed and right-open at ``fixed``, closed at
``last_affected``; no SEMVER range at all means every version is affected. Versions may carry a
``v``, ``go`` or no prefix; pseudo-versions and ``+incompatible`` compare as Go does. The main
module's ``(devel)`` and empty versions are never matched (the version is unknown).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from goship.vuln.osv import Affected, Entry, Event, Import, Range
from goship.vuln.semver import canonical_prefix, compare, sort_key

STDLIB = "stdlib"
TOOLCHAIN = "toolchain"
UNKNOWN_VERSIONS = frozenset({"", "(devel)"})


def _event_key(ev: Event) -> tuple[int, object]:
    if ev.kind == "introduced" and ev.version == "0":
        return (0, ())
    key = sort_key(canonical_prefix(ev.version))
    return (1, key if key is not None else ())


def range_contains(rng: Range, version: str) -> bool:
    """Whether ``version`` lies in the SEMVER range ``rng``."""
    if rng.type != "SEMVER":
        return False
    if not rng.events:
        return True
    v = canonical_prefix(version)
    events = sorted(rng.events, key=_event_key)
    affected = False
    for ev in events:
        if ev.kind == "introduced" and not affected:
            affected = ev.version == "0" or compare(v, canonical_prefix(ev.version)) >= 0
        elif ev.kind == "fixed" and affected:
            affected = compare(v, canonical_prefix(ev.version)) < 0
        elif ev.kind == "last_affected" and affected:
            affected = compare(v, canonical_prefix(ev.version)) <= 0
    return affected


def affects(affected: Affected, version: str) -> bool:
    if version in UNKNOWN_VERSIONS:
        return False
    semver_ranges = [r for r in affected.ranges if r.type == "SEMVER"]
    if not semver_ranges:
        return True
    return any(range_contains(r, version) for r in semver_ranges)


def fixed_version(affected: Affected, version: str) -> str:
    """The first ``fixed`` version above ``version`` in the range that contains it (``""``
    when there is no fix)."""
    v = canonical_prefix(version)
    best = ""
    for rng in affected.ranges:
        if rng.type != "SEMVER" or not range_contains(rng, version):
            continue
        for ev in rng.events:
            if ev.kind == "fixed" and compare(canonical_prefix(ev.version), v) > 0:
                cand = canonical_prefix(ev.version)
                if not best or compare(cand, best) < 0:
                    best = cand
    return best


def platform_imports(affected: Affected, goos: str, goarch: str) -> tuple[Import, ...] | None:
    """The imports that apply on ``goos``/``goarch``; None when the entry lists imports and
    none applies (the entry then does not affect this binary at all)."""

    def ok(value: str, allowed: tuple[str, ...]) -> bool:
        return not value or not allowed or value in allowed

    kept = tuple(i for i in affected.imports if ok(goos, i.goos) and ok(goarch, i.goarch))
    if affected.imports and not kept:
        return None
    return kept


@dataclass(frozen=True)
class ModuleMatch:
    entry: Entry
    affected: Affected
    imports: tuple[Import, ...]
    fixed: str


def match_module(
    entries: Iterable[Entry], module: str, version: str, goos: str = "", goarch: str = ""
) -> list[ModuleMatch]:
    """Entries (not withdrawn) with an ``affected`` for ``module`` containing ``version``."""
    out: list[ModuleMatch] = []
    for entry in entries:
        if entry.withdrawn is not None:
            continue
        for aff in entry.affected:
            if aff.module != module or not affects(aff, version):
                continue
            imports = platform_imports(aff, goos, goarch)
            if imports is None:
                continue
            out.append(ModuleMatch(entry, aff, imports, fixed_version(aff, version)))
            break
    return out


def is_std_package(path: str) -> bool:
    """Standard-library import paths have no dot in their first element."""
    first = path.split("/", 1)[0]
    return bool(first) and "." not in first and path != "main"


def in_module(package: str, module: str) -> bool:
    if module == STDLIB:
        return is_std_package(package)
    return package == module or package.startswith(module.rstrip("/") + "/")


@dataclass(frozen=True)
class Reach:
    """Reachability of one finding: ``called`` is yes/no/unknown; ``symbols`` lists the
    vulnerable symbols (``pkg.Sym``) found in the binary."""

    called: str
    symbols: tuple[str, ...] = ()
    reason: str = ""


def reachability(
    imports: tuple[Import, ...], present: Mapping[str, set[str]] | None, module_path: str = ""
) -> Reach:
    """Compare the advisory's vulnerable packages/symbols with the binary's functions
    (package -> symbols, see :meth:`FuncTable.symbols`). Mirrors govulncheck's binary mode:
    no imports = the whole module is vulnerable; an import without symbols = every symbol of
    that package."""
    if present is None:
        return Reach("unknown", reason="no function table in the binary")
    if not imports:
        if not module_path:
            return Reach("unknown", reason="the advisory lists no packages")
        pkgs = sorted(p for p in present if in_module(p, module_path))
        if pkgs:
            return Reach("yes", tuple(f"{p}.*" for p in pkgs[:5]), "module code present")
        return Reach("no", reason="no code of the module is in the binary")
    found: list[str] = []
    for imp in imports:
        syms = present.get(imp.path)
        if not syms:
            continue
        if not imp.symbols:
            found.append(f"{imp.path}.*")
            continue
        found.extend(f"{imp.path}.{s}" for s in imp.symbols if s in syms)
    if found:
        return Reach("yes", tuple(sorted(set(found))))
    return Reach("no", reason="no vulnerable symbol is in the binary")
