"""Git facts about the project (commit, commit time, dirty, tags, source URL) and the build epoch.

Everything here is best effort: a directory that is not a git checkout, a missing ``git``
binary or a repository git refuses to read (e.g. "dubious ownership") all give an empty
:class:`GitInfo` rather than an error, because a build must work from a plain source tarball.

The epoch that stamps every layer mtime, the config ``created`` field and ``{{.Date}}`` is
chosen by :func:`source_date_epoch`: ``SOURCE_DATE_EPOCH`` > the HEAD commit time > 0. The
commit time (not the wall clock) is what makes two builds of one commit byte-identical.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from goship.errors import BadInputError
from goship.gobuild import vcscache


@dataclass(frozen=True)
class GitInfo:
    """What git says about the checkout holding the project; all ``None`` outside git."""

    commit: str | None = None
    commit_time: int | None = None  # committer time of HEAD, seconds since the epoch
    dirty: bool = False  # tracked files modified (untracked files are ignored)
    tags: tuple[str, ...] = ()  # tags pointing exactly at HEAD, sorted
    source_url: str | None = None  # origin remote as an https URL, credentials removed

    @property
    def short_commit(self) -> str | None:
        return self.commit[:7] if self.commit else None

    @property
    def is_git(self) -> bool:
        return self.commit is not None


def _git(args: list[str], cwd: Path) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    env = dict(os.environ)
    env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"})
    try:
        proc = subprocess.run(
            [git, *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def normalize_remote(url: str) -> str | None:
    """``git@host:o/r.git`` / ``https://user:tok@host/o/r.git`` -> ``https://host/o/r``.

    Userinfo (which may hold a token) is always dropped; local paths give ``None``.
    """
    url = url.strip()
    scp = re.fullmatch(r"(?:[\w.-]+@)?([\w.-]+):(?!//)(.+)", url)
    if scp and "/" not in scp.group(1):
        host, path = scp.group(1), scp.group(2)
    else:
        m = re.fullmatch(r"(?:https?|ssh|git)://(?:[^@/]*@)?([^/:]+)(?::\d+)?/(.+)", url)
        if not m:
            return None
        host, path = m.group(1), m.group(2)
    path = path.strip("/")
    path = path.removesuffix(".git")
    return f"https://{host}/{path}" if path else None


def _may_be_git(cwd: Path) -> bool:
    """False only when git certainly finds no repository from ``cwd``: no ``GIT_DIR``-like
    variable points it elsewhere and neither ``cwd`` nor a parent holds ``.git`` or is a bare
    repository (a superset of git's discovery, which also stops at ceilings and file system
    boundaries). Saves a ``git`` process on every build of a plain source tree."""
    if any(os.environ.get(k) for k in _REPO_VARS):
        return True
    for d in (cwd, *cwd.parents):
        if os.path.lexists(d / ".git"):
            return True
        if (d / "HEAD").is_file() and (d / "objects").is_dir() and (d / "refs").is_dir():
            return True
    return False


# variables that make git use a repository its discovery would not find
_REPO_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR")


def git_info(path: str | os.PathLike[str], cache: Path | None = None) -> GitInfo:
    """Read HEAD's commit, time, dirtiness, exact tags and origin of the repo around ``path``.
    With ``cache`` (a directory), what only changes with a ref or the config is cached (see
    :mod:`goship.gobuild.vcscache`) and only ``git status`` runs on a hit."""
    cwd = Path(path)
    if not cwd.is_dir() or not _may_be_git(cwd.resolve()):
        return GitInfo()
    key = vcscache.head_key(cwd) if cache is not None else None
    hit = vcscache.load(cache, key) if cache is not None and key else None
    if hit is not None:
        try:
            return GitInfo(
                commit=str(hit["commit"]),
                commit_time=None if hit["commit_time"] is None else int(hit["commit_time"]),
                dirty=bool(_git(_STATUS, cwd)),
                tags=tuple(str(t) for t in hit["tags"]),
                source_url=None if hit["source_url"] is None else str(hit["source_url"]),
            )
        except (KeyError, TypeError, ValueError):
            pass
    head = _git(["rev-parse", "--verify", "-q", "HEAD^{commit}"], cwd)
    if not head:
        return GitInfo()
    when = _git(["log", "-1", "--format=%ct", "HEAD"], cwd)
    status = _git(_STATUS, cwd)
    tags = _git(["tag", "--points-at", "HEAD"], cwd) or ""
    remote = _git(["remote", "get-url", "origin"], cwd)
    info = GitInfo(
        commit=head,
        commit_time=int(when) if when and when.isdigit() else None,
        dirty=bool(status),
        tags=tuple(sorted(t for t in tags.splitlines() if t.strip())),
        source_url=normalize_remote(remote) if remote else None,
    )
    if cache is not None and key and key == vcscache.head_key(cwd):  # unchanged meanwhile
        facts = {"commit": info.commit, "commit_time": info.commit_time, "tags": list(info.tags)}
        vcscache.store(cache, key, {**facts, "source_url": info.source_url})
    return info


_STATUS = ["status", "--porcelain", "--untracked-files=no", "--", "."]


def source_date_epoch(info: GitInfo, env: Mapping[str, str] | None = None) -> int:
    """``SOURCE_DATE_EPOCH`` (must be a non-negative integer) > commit time > 0."""
    environ = os.environ if env is None else env
    raw = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if raw:
        if not raw.isdigit():
            raise BadInputError(
                f"SOURCE_DATE_EPOCH={raw!r} is not a whole number of seconds",
                "set it to a Unix timestamp, e.g. `git log -1 --format=%ct`, or unset it",
            )
        return int(raw)
    if info.commit_time is not None:
        return info.commit_time
    return 0


def epoch_rfc3339(epoch: int) -> str:
    """``1700000000`` -> ``2023-11-14T22:13:20Z`` (the form OCI ``created`` uses)."""
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
