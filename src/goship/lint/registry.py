"""The one place goship's lint rules are registered.

A rule is a small function ``check(ctx) -> [(line, message)]`` plus its metadata: a stable
slug id, a severity, a one-line description and a longer doc (``goship lint --explain ID``).
``project`` rules cross-check the Dockerfile with ``goship inspect`` facts and are skipped
when there is no Go module. ``hadolint`` names hadolint codes that report the same problem:
when hadolint runs and reports one of them on the same line, goship drops its own finding
(hadolint's id is the one people already know; goship's rule still covers what hadolint
cannot see, such as ARG-resolved bases or a final stage with no USER at all).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from goship.lint import rules_build, rules_project, rules_runtime
from goship.lint.findings import LintContext

Check = Callable[[LintContext], list[tuple[int, str]]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    description: str
    doc: str
    check: Check
    project: bool = False  # needs project facts
    hadolint: tuple[str, ...] = ()  # hadolint codes for the same problem


def _rule(module: object, name: str) -> Rule:
    meta = getattr(module, name)
    return Rule(
        id=meta.ID,
        severity=meta.SEVERITY,
        description=meta.DESCRIPTION,
        doc=meta.DOC.strip(),
        check=meta.check,
        project=getattr(meta, "PROJECT", False),
        hadolint=tuple(getattr(meta, "HADOLINT", ())),
    )


RULES: tuple[Rule, ...] = tuple(
    _rule(m, n)
    for m, names in (
        (
            rules_project,
            (
                "RuntimeFilesMissing",
                "PortMismatch",
                "CaCertificatesMissing",
                "TzdataMissing",
                "MainPackageMismatch",
            ),
        ),
        (rules_runtime, ("CgoStaticBase", "HealthcheckWithoutTool", "RootUser")),
        (
            rules_build,
            (
                "SingleStageGo",
                "CacheBustingCopy",
                "NoTrimpath",
                "UnstrippedBinary",
                "UnpinnedBase",
                "SecretInArgEnv",
            ),
        ),
    )
    for n in names
)
BY_ID = {r.id: r for r in RULES}
