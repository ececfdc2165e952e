"""The shared --fail-on gate of scan, lint and audit."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from goship.errors import ExitCode, FindingsError
from goship.report.gate import fail_on


@dataclass
class F:
    id: str


def test_nothing_at_or_above_the_threshold_passes() -> None:
    fail_on([], "high", "fix it")


def test_names_distinct_ids_and_counts_the_rest() -> None:
    findings = [F(f"R{n:02}") for n in range(12)] + [F("R00")]
    with pytest.raises(FindingsError) as err:
        fail_on(findings, "warning", "fix them")
    assert err.value.exit_code == ExitCode.FINDINGS
    assert err.value.message == (
        "13 finding(s) at or above --fail-on warning: "
        "R00, R01, R02, R03, R04, R05, R06, R07, R08, R09 and 2 more"
    )
    assert err.value.hint == "fix them"
