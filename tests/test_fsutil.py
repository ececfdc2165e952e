"""goship.fsutil: the one atomic writer (reports, SBOMs, archives, generated files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from goship.errors import BadInputError
from goship.fsutil import atomic_output, write_atomic


def test_write_replaces_and_sets_mode(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "report.json"
    assert write_atomic(target, b"one") == target
    assert target.read_bytes() == b"one"
    assert target.stat().st_mode & 0o777 == 0o644
    write_atomic(target, b"two", mode=0o600)
    assert target.read_bytes() == b"two"
    assert target.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.json"]


def test_mode_none_keeps_the_existing_mode(tmp_path: Path) -> None:
    target = tmp_path / "run.sh"
    target.write_text("old")
    target.chmod(0o755)
    write_atomic(target, b"new", mode=None)
    assert (target.read_text(), target.stat().st_mode & 0o777) == ("new", 0o755)


def test_failure_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out.tar"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError), atomic_output(target) as fh:
        fh.write(b"partial")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.tar"]


def test_directory_target_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="is a directory"):
        write_atomic(tmp_path, b"x")


def test_unwritable_parent_is_bad_input(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(BadInputError, match="cannot write") as info:
        write_atomic(blocker / "x.json", b"x")
    assert info.value.hint
    assert blocker.read_text() == "not a directory"
