"""The ``--fail-on`` gate shared by ``scan``, ``lint`` and ``audit``: after the report is
written, findings at or above the threshold make the command exit 1 (FindingsError)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from goship.errors import FindingsError

SHOWN_IDS = 10


class HasId(Protocol):
    @property
    def id(self) -> str: ...


def fail_on(findings: Sequence[HasId], threshold: str, hint: str) -> None:
    """Raise FindingsError naming the distinct ids (the first ten) of ``findings``, the ones
    at or above ``--fail-on threshold``; nothing when there are none."""
    if not findings:
        return
    ids = sorted({f.id for f in findings})
    shown = ", ".join(ids[:SHOWN_IDS])
    if len(ids) > SHOWN_IDS:
        shown += f" and {len(ids) - SHOWN_IDS} more"
    raise FindingsError(
        f"{len(findings)} finding(s) at or above --fail-on {threshold}: {shown}", hint
    )
