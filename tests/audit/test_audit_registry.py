"""The check registry: unique ids, valid metadata, documented in docs/audit.md."""

from __future__ import annotations

import re
from pathlib import Path

from goship.audit.checks import BY_ID, CHECKS, CONTENT_CHECKS, IMAGE_CHECKS
from goship.audit.model import SEVERITIES

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit.md"
DOCKLE = re.compile(r"^(CIS-DI-00(0[1-9]|1[01])|DKL-(DI|LI)-000[1-6])$")


def test_registry_is_consistent() -> None:
    assert len(BY_ID) == len(CHECKS)
    assert set(CONTENT_CHECKS) | set(IMAGE_CHECKS) == set(CHECKS)
    for check in CHECKS:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", check.id)
        assert check.severity in SEVERITIES and check.description.endswith(".")
        assert not check.dockle or DOCKLE.match(check.dockle), check.dockle
    mapped = {c.id: c.dockle for c in CHECKS if c.dockle}
    assert mapped["root-user"] == "CIS-DI-0001" and mapped["setuid-setgid"] == "CIS-DI-0008"
    assert mapped["no-healthcheck"] == "CIS-DI-0006" and mapped["secret-env"] == "CIS-DI-0010"


def test_every_check_is_documented() -> None:
    text = DOC.read_text()
    rows = dict(re.findall(r"^\| `([a-z0-9-]+)` \| (\w+) \|", text, re.MULTILINE))
    assert {c.id: c.severity for c in CHECKS} == rows
