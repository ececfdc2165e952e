"""The scan service: binaries + vulnerability database -> findings and a gate decision.

Per binary, the modules checked are: every dependency (its path, at the replacement's version
when replaced — as govulncheck does — and the replacement's own path too when it differs), the
main module (skipped when ``(devel)``), ``stdlib`` at the binary's Go version and ``toolchain``
at the same version. Toolchain advisories concern the ``go`` command that built the binary, not
code inside it, so they are reported with ``called: no``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from goship.vuln.binary import GoBinary
from goship.vuln.findings import Finding, severity_of, trips
from goship.vuln.match import STDLIB, TOOLCHAIN, Reach, match_module, reachability
from goship.vuln.osvdb import STALE_AFTER, DBInfo, VulnDB, open_db
from goship.vuln.semver import go_tag_to_semver
from goship.vuln.targets import Collected, collect


@dataclass(frozen=True)
class ScanOptions:
    db: str | None = None
    update_db: bool = False
    offline: bool = False
    stale_after: timedelta = STALE_AFTER
    fail_on: str = "any"
    strict: bool = False


@dataclass
class BinaryResult:
    binary: GoBinary
    findings: list[Finding]
    image: str = ""
    platform: str = ""


@dataclass
class ScanReport:
    target: str
    kind: str
    db: DBInfo
    results: list[BinaryResult]
    options: ScanOptions
    warnings: list[str] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    @property
    def tripping(self) -> list[Finding]:
        return [f for f in self.findings if trips(f, self.options.fail_on, self.options.strict)]

    def to_json(self) -> dict[str, Any]:
        age = self.db.age()
        return {
            "target": self.target,
            "kind": self.kind,
            "database": {
                **self.db.to_json(),
                "age_days": None if age is None else round(age.total_seconds() / 86400, 1),
                "stale": self.db.is_stale(self.options.stale_after),
            },
            "binaries": [
                {
                    **r.binary.to_json(),
                    "image": r.image or None,
                    "platform": r.platform or None,
                    "findings": [f.to_json() for f in r.findings],
                }
                for r in self.results
            ],
            "summary": {
                "binaries": len(self.results),
                "findings": len(self.findings),
                "called": sum(1 for f in self.findings if f.called == "yes"),
                "fail_on": self.options.fail_on,
                "strict": self.options.strict,
                "gate_tripped": bool(self.tripping),
            },
            "warnings": self.warnings,
        }


def _modules(binary: GoBinary) -> list[tuple[str, str, str]]:
    """(module to look up, version, module whose code is in the binary)."""
    out: list[tuple[str, str, str]] = []
    build = binary.build
    for dep in build.deps:
        version = dep.replace.version if dep.replace is not None else dep.version
        out.append((dep.path, version, dep.path))
        if dep.replace is not None and dep.replace.path != dep.path and dep.replace.version:
            out.append((dep.replace.path, dep.replace.version, dep.path))
    if build.main is not None:
        out.append((build.main.path, build.main.version, build.main.path))
    go = go_tag_to_semver(build.go_version)
    if go:
        out.append((STDLIB, go, STDLIB))
        out.append((TOOLCHAIN, go, TOOLCHAIN))
    return out


def scan_binary(binary: GoBinary, db: VulnDB) -> list[Finding]:
    """Findings for one binary, sorted by id."""
    build = binary.build
    present = binary.symbols()
    findings: dict[tuple[str, str], Finding] = {}
    for lookup, version, code_module in _modules(binary):
        entries = db.entries_for(lookup)
        if not entries:
            continue
        for m in match_module(entries, lookup, version, build.goos, build.goarch):
            if lookup == TOOLCHAIN:
                reach = Reach("no", reason="affects the Go toolchain that built the binary")
            else:
                reach = reachability(m.imports, present, code_module)
            severity, source = severity_of(m.entry, m.affected)
            key = (m.entry.id, lookup)
            findings[key] = Finding(
                id=m.entry.id,
                aliases=m.entry.aliases,
                module=lookup,
                version=version,
                fixed=m.fixed,
                summary=m.entry.summary or m.entry.details[:200],
                url=m.entry.url,
                called=reach.called,
                symbols=reach.symbols,
                reason=reach.reason,
                severity=severity,
                severity_source=source,
                binary=binary.location,
            )
    return sorted(findings.values(), key=lambda f: (f.id, f.module))


def scan_collected(collected: Collected, db: VulnDB, options: ScanOptions) -> ScanReport:
    owner: dict[str, tuple[str, str]] = {}
    for img in collected.images:
        for b in img.binaries:
            owner[b.location] = (img.digest, img.platform)
    results = []
    for binary in collected.binaries:
        image, platform = owner.get(binary.location, ("", ""))
        results.append(BinaryResult(binary, scan_binary(binary, db), image, platform))
    warnings = list(collected.warnings)
    for b in collected.binaries:
        if not go_tag_to_semver(b.build.go_version):
            warnings.append(
                f"{b.location}: Go version {b.build.go_version!r} is not a release; "
                "standard library findings are skipped"
            )
        if b.functions is None:
            warnings.append(f"{b.location}: no function table found; reachability is unknown")
    return ScanReport(collected.target, collected.kind, db.info, results, options, warnings)


def run_scan(
    target: str,
    options: ScanOptions,
    *,
    db: VulnDB | None = None,
    collector: Callable[[str], Collected] = collect,
) -> ScanReport:
    """Scan ``target`` (see :mod:`goship.vuln.targets`) against the database."""
    db = db or open_db(options.db, update=options.update_db, offline=options.offline)
    collected = collector(target)
    report = scan_collected(collected, db, options)
    store_warnings = getattr(db.store, "warnings", [])
    report.warnings.extend(store_warnings)
    if db.info.modified is None:
        report.warnings.append(
            "the age of the vulnerability data is unknown (no modified time in it)"
        )
    elif db.info.is_stale(options.stale_after):
        age = db.info.age()
        days = int(age.total_seconds() // 86400) if age else 0
        report.warnings.append(
            f"the vulnerability data is {days} days old (older than "
            f"{options.stale_after.days} days); run `goship scan --update-db` or refresh --db"
        )
    return report
