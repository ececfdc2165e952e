"""docs/lint-rules.md is the registry's table (regenerate: python -m goship.lint.docs)."""

from __future__ import annotations

from pathlib import Path

from goship.lint.docs import rules_markdown
from goship.lint.registry import RULES

DOC = Path(__file__).resolve().parents[2] / "docs" / "lint-rules.md"


def test_doc_matches_registry() -> None:
    text = DOC.read_text()
    assert text == rules_markdown(), "run: python -m goship.lint.docs > docs/lint-rules.md"
    for r in RULES:
        assert f"| `{r.id}` | {r.severity} |" in text


def test_registry_ids_are_stable_slugs() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids)) >= 14
    for r in RULES:
        assert r.id.replace("-", "").isalnum() and r.id == r.id.lower()
        assert r.severity in ("error", "warning", "info")
        assert r.description.endswith(".") and "\\n" not in r.description
        assert "Fix:" in r.doc
