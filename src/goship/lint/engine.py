"""``lint_dockerfile``: parse, model the stages, run the registered rules, merge hadolint,
apply ignores (inline ``# goship:ignore=ID`` and ``[lint] ignore``), sort."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from goship.errors import BadInputError, EnvironmentMissingError, ProjectError
from goship.lint.final import analyze_final
from goship.lint.findings import RANK, Finding, LintContext
from goship.lint.hadolint import run_hadolint
from goship.lint.lintconfig import LintConfig, read_lint_config
from goship.lint.model import Dockerfile, read_dockerfile
from goship.lint.registry import BY_ID, RULES
from goship.lint.stages import stages_of
from goship.project.facts import ProjectFacts

_FACTS: dict[Path, ProjectFacts] = {}


@dataclass
class LintOptions:
    project: Path | None = None  # default: the Dockerfile's folder
    hadolint: bool = True
    hadolint_exe: str | None = None
    use_project: bool = True  # False: skip the cross-check rules (benchmarks)


@dataclass
class LintReport:
    file: str
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hadolint_ran: bool = False
    project_checked: bool = False

    def at_or_above(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if RANK[f.severity] >= RANK[severity]]


def load_facts(project: Path, explicit: bool = True) -> tuple[ProjectFacts | None, str | None]:
    """Facts of the Go module at ``project``; (None, note) when there is no module or no Go.

    A missing or non-directory path is bad input (exit 2); so is a module goship cannot
    analyse (no main package, code that does not parse). When ``project`` is the default
    (the Dockerfile's folder, e.g. deploy/ inside a module) and has no main package under
    it, the enclosing module's root is analysed instead.
    """
    from goship.project.analyze import inspect_project
    from goship.project.gomod import locate

    if not project.is_dir():
        raise BadInputError(
            f"--project {project}: not a directory", "give the folder of the Go module"
        )
    key = project.resolve()
    if key in _FACTS:
        return _FACTS[key], None
    skipped = "cross-check rules skipped"
    try:
        root = locate(key).root.resolve()
    except ProjectError:
        return None, f"no Go module at {project}: {skipped} (pass --project DIR)"
    try:
        try:
            facts = inspect_project(key)
        except ProjectError:
            if explicit or root == key:
                raise
            facts = inspect_project(root)
    except EnvironmentMissingError as exc:
        return None, f"{exc.message}: {skipped}"
    _FACTS[key] = facts
    return facts, None


def run_rules(ctx: LintContext) -> list[Finding]:
    out = []
    for rule in RULES:
        if rule.project and ctx.facts is None:
            continue
        for line, message in rule.check(ctx):
            out.append(Finding(rule.id, rule.severity, message, ctx.dockerfile.path, line))
    return out


def lint_parsed(df: Dockerfile, facts: ProjectFacts | None) -> list[Finding]:
    """goship's own findings on a parsed Dockerfile (no ignores, no hadolint)."""
    bf = stages_of(df)
    return run_rules(LintContext(df, bf, analyze_final(bf), facts))


def _dedupe(goship: list[Finding], hadolint: list[Finding]) -> list[Finding]:
    seen = {(f.id, f.line) for f in hadolint}
    return [f for f in goship if not any((code, f.line) in seen for code in BY_ID[f.id].hadolint)]


def _with_equivalents(ids: frozenset[str]) -> frozenset[str]:
    """Ignoring a goship rule also ignores its hadolint equivalents, and the reverse: the
    same problem is reported once and silenced once."""
    out = set(ids)
    for rule in RULES:
        group = {rule.id, *rule.hadolint}
        if group & ids:
            out |= group
    return frozenset(out)


def lint_dockerfile(path: Path, options: LintOptions, shown: str | None = None) -> LintReport:
    """Lint the Dockerfile at ``path`` (see :mod:`goship.lint.registry` for the rules)."""
    df = read_dockerfile(path, shown)
    report = LintReport(df.path)
    project = options.project if options.project is not None else path.parent
    facts = None
    if options.use_project:
        facts, note = load_facts(project, explicit=options.project is not None)
        if note:
            report.notes.append(note)
    report.project_checked = facts is not None
    config_dir = Path(facts.root) if facts is not None else project  # goship.toml's folder
    config = read_lint_config(config_dir, set(BY_ID)) if config_dir.is_dir() else LintConfig()
    findings = lint_parsed(df, facts)
    if options.hadolint:
        result = run_hadolint(path, df.path, options.hadolint_exe)
        report.hadolint_ran = result.ran
        if result.note:
            report.notes.append(result.note)
        findings = _dedupe(findings, result.findings) + result.findings
    findings = [
        f for f in findings if f.id not in _with_equivalents(config.ignore | df.ignores_at(f.line))
    ]
    report.findings = sorted(
        findings, key=lambda f: (f.line, -RANK[f.severity], f.source != "goship", f.id)
    )
    return report
