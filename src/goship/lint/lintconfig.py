"""The ``[lint]`` table of ``goship.toml`` at the project root.

    [lint]
    ignore = ["unstripped-binary", "DL3018"]   # goship rule ids and hadolint codes

Unknown keys, bad types and unknown goship rule ids are a :class:`BadInputError` naming
the file, so a typo never silently disables nothing.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from goship.config import CONFIG_FILE
from goship.errors import BadInputError

HADOLINT_CODE = re.compile(r"^(DL|SC)\d{4}$")


@dataclass(frozen=True)
class LintConfig:
    ignore: frozenset[str] = frozenset()
    source: Path | None = None


def check_ids(ids: list[str], known: set[str], where: str) -> None:
    bad = [i for i in ids if i not in known and not HADOLINT_CODE.match(i)]
    if bad:
        raise BadInputError(
            f"{where}: unknown lint rule id(s): {', '.join(bad)}",
            "use ids from `goship lint --list-rules` or hadolint codes (DL3007, SC2086)",
        )


def read_lint_config(root: Path, known: set[str]) -> LintConfig:
    """Read ``[lint]`` from ``root/goship.toml``; an absent file or table is the default."""
    path = root / CONFIG_FILE
    if not path.is_file():
        return LintConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BadInputError(f"{path}: {exc}", "fix the TOML syntax") from exc
    table = data.get("lint", {})
    if not isinstance(table, dict):
        raise BadInputError(f"{path}: [lint] must be a table", "write `[lint]` then keys")
    unknown = sorted(set(table) - {"ignore"})
    if unknown:
        raise BadInputError(
            f"{path}: unknown key(s) in [lint]: {', '.join(unknown)}", "[lint] knows: ignore"
        )
    ignore = table.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(i, str) for i in ignore):
        raise BadInputError(
            f"{path}: [lint] ignore must be a list of rule ids", 'e.g. ignore = ["root-user"]'
        )
    check_ids(ignore, known, f"{path} [lint] ignore")
    return LintConfig(frozenset(ignore), path)
