"""Fixtures for the audit tests: Go programs built once per session."""

from __future__ import annotations

import pytest
from audit_support import GoPrograms


@pytest.fixture(scope="session")
def goprogs(tmp_path_factory: pytest.TempPathFactory) -> GoPrograms:
    return GoPrograms(tmp_path_factory.mktemp("audit-go"))
