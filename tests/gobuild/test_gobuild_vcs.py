from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from goship.errors import BadInputError
from goship.gobuild.vcs import GitInfo, epoch_rfc3339, git_info, normalize_remote, source_date_epoch


def _git(cwd: Path, *args: str, when: str = "1700000000 +0000") -> None:
    env = {
        **os.environ,
        "GIT_COMMITTER_DATE": when,
        "GIT_AUTHOR_DATE": when,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
    }
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def test_not_a_git_dir(tmp_path: Path) -> None:
    info = git_info(tmp_path)
    assert info == GitInfo() and not info.is_git and info.short_commit is None


def test_git_repo_facts(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / "a.txt").write_text("a")
    _git(tmp_path, "add", "a.txt")
    _git(tmp_path, "commit", "-q", "-m", "x")
    _git(tmp_path, "tag", "v1.2.3")
    _git(tmp_path, "remote", "add", "origin", "https://user:secret@github.com/o/r.git")
    info = git_info(tmp_path)
    assert info.commit and len(info.commit) == 40 and info.short_commit == info.commit[:7]
    assert info.commit_time == 1700000000
    assert info.tags == ("v1.2.3",)
    assert info.source_url == "https://github.com/o/r"
    assert not info.dirty
    (tmp_path / "untracked").write_text("u")
    assert not git_info(tmp_path).dirty
    (tmp_path / "a.txt").write_text("b")
    assert git_info(tmp_path).dirty


@pytest.mark.parametrize(
    ("url", "want"),
    [
        ("git@github.com:o/r.git", "https://github.com/o/r"),
        ("ssh://git@host.example:2222/o/r", "https://host.example/o/r"),
        ("https://tok@gitlab.com/g/s/p.git", "https://gitlab.com/g/s/p"),
        ("/srv/repos/r.git", None),
    ],
)
def test_normalize_remote(url: str, want: str | None) -> None:
    assert normalize_remote(url) == want


def test_epoch_precedence() -> None:
    info = GitInfo(commit="c" * 40, commit_time=1700000000)
    assert source_date_epoch(info, {"SOURCE_DATE_EPOCH": "42"}) == 42
    assert source_date_epoch(info, {}) == 1700000000
    assert source_date_epoch(GitInfo(), {}) == 0
    with pytest.raises(BadInputError, match="SOURCE_DATE_EPOCH"):
        source_date_epoch(info, {"SOURCE_DATE_EPOCH": "yesterday"})
    assert epoch_rfc3339(0) == "1970-01-01T00:00:00Z"


def test_no_git_process_outside_a_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []
    real_run = subprocess.run

    def spy(cmd: list[str], *args: object, **kwargs: object) -> object:
        calls.append(cmd)
        return real_run(cmd, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(subprocess, "run", spy)
    plain = tmp_path / "plain" / "svc"
    plain.mkdir(parents=True)
    assert git_info(plain) == GitInfo()
    assert calls == []
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))  # git would look there
    git_info(plain)
    assert calls


def test_repository_found_from_a_subdirectory_and_through_a_gitfile(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "svc").mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / "svc" / "a.txt").write_text("a")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "x")
    assert git_info(repo / "svc").is_git
    worktree = tmp_path / "wt"
    _git(repo, "worktree", "add", "-q", str(worktree))
    assert (worktree / ".git").is_file()
    assert git_info(worktree / "svc").commit == git_info(repo).commit


@pytest.fixture
def git_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    from goship.gobuild import vcs

    calls: list[list[str]] = []
    real = vcs._git

    def spy(args: list[str], cwd: Path) -> str | None:
        calls.append(args)
        return real(args, cwd)

    monkeypatch.setattr(vcs, "_git", spy)
    return calls


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "svc").mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    (repo / "svc" / "a.txt").write_text("a")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "x")
    return repo


def test_cached_git_facts_follow_commits_tags_remotes_and_dirt(
    tmp_path: Path, git_calls: list[list[str]]
) -> None:
    repo = _repo(tmp_path)
    svc, cache = repo / "svc", tmp_path / "cache"
    first = git_info(svc, cache)
    assert first == git_info(svc) and first.is_git
    git_calls.clear()
    assert git_info(svc, cache) == first
    assert [c[0] for c in git_calls] == ["status"]  # one git process on a hit

    (svc / "a.txt").write_text("changed")
    assert git_info(svc, cache).dirty  # dirtiness is never cached
    _git(repo, "commit", "-q", "-am", "y", when="1700000100 +0000")
    second = git_info(svc, cache)
    assert second.commit != first.commit and second.commit_time == 1700000100
    assert not second.dirty

    _git(repo, "tag", "rel/v2")  # a tag in a sub-directory of refs/tags
    assert git_info(svc, cache).tags == ("rel/v2",)
    _git(repo, "tag", "-a", "-m", "m", "v3")
    assert git_info(svc, cache).tags == ("rel/v2", "v3")
    _git(repo, "pack-refs", "--all")
    _git(repo, "tag", "-d", "rel/v2")
    assert git_info(svc, cache).tags == ("v3",)

    _git(repo, "remote", "add", "origin", "git@github.com:o/r.git")
    assert git_info(svc, cache).source_url == "https://github.com/o/r"
    _git(repo, "remote", "set-url", "origin", "git@github.com:o/other.git")
    assert git_info(svc, cache).source_url == "https://github.com/o/other"

    _git(repo, "checkout", "-q", "--detach", "HEAD~1")
    assert git_info(svc, cache).commit == first.commit
    assert git_info(svc, cache) == git_info(svc)


def test_git_cache_in_a_linked_worktree_and_not_with_git_dir(
    tmp_path: Path, git_calls: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from goship.gobuild import vcscache

    repo = _repo(tmp_path)
    worktree = tmp_path / "wt"
    _git(repo, "worktree", "add", "-q", "-b", "side", str(worktree))
    cache = tmp_path / "cache"
    first = git_info(worktree / "svc", cache)
    assert first == git_info(worktree / "svc")
    _git(worktree, "commit", "-q", "--allow-empty", "-m", "side", when="1700000200 +0000")
    assert git_info(worktree / "svc", cache).commit_time == 1700000200
    assert vcscache.head_key(repo) != vcscache.head_key(worktree)
    monkeypatch.setenv("GIT_DIR", str(repo / ".git"))
    assert vcscache.head_key(repo) is None
