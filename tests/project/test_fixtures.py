"""Run ``goship inspect --json`` on every fixture under tests/fixtures/inspect/ and compare
with its expected.json (format in tests/fixtures/inspect/README.md):

* ``expect``: dicts are compared on the keys given, recursively; lists are compared as
  multisets, exactly (dict items on the keys the expected item gives);
* ``evidence_includes``: each entry must match some reported evidence on its keys;
* ``expect_error``: the command must fail with that exit code and message text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from goship.cli import run

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "inspect"
CASES = sorted(p.parent for p in FIXTURES.glob("*/expected.json"))


def matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and matches(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(expected) != len(actual):
            return False
        remaining = list(actual)
        for item in expected:
            hit = next((i for i, a in enumerate(remaining) if matches(item, a)), None)
            if hit is None:
                return False
            remaining.pop(hit)
        return True
    return bool(expected == actual)


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Readable list of mismatches, for the assertion message."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for k, v in expected.items():
            if k not in actual:
                out.append(f"{path}.{k}: missing")
            else:
                out.extend(differences(v, actual[k], f"{path}.{k}"))
        return out
    if not matches(expected, actual):
        return [f"{path or '.'}: expected {expected!r}, got {actual!r}"]
    return []


def test_fixtures_exist() -> None:
    assert len(CASES) >= 12, f"expected at least 12 inspect fixtures in {FIXTURES}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    argv = ["inspect", str(case), "--json"]
    main = (spec.get("args") or {}).get("main")
    if main:
        argv += ["--main", main]
    code = run(argv)
    out, err = capsys.readouterr()
    if "expect_error" in spec:
        want = spec["expect_error"]
        assert code == want["exit_code"], f"exit {code}, stderr: {err}"
        assert want["message_contains"] in err, err
        assert "Traceback" not in err
        return
    assert code == 0, f"exit {code}, stderr: {err}"
    facts = json.loads(out)
    diffs = differences(spec.get("expect", {}), facts)
    assert not diffs, "\n".join(diffs)
    for want in spec.get("evidence_includes", []):
        assert any(matches(want, e) for e in facts["evidence"]), (
            f"no evidence {want}; got "
            + json.dumps([e for e in facts["evidence"] if e["fact"] == want.get("fact")])
        )
