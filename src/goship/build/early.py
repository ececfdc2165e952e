"""Start the previous build's ``go build`` the moment ``goship build`` starts.

After an edit, the compile is the long pole of a warm build, and goship needs ~0.1 s to import
its pipeline, read its config and re-analyse the source before it knows the exact ``go build``
command. So every successful build records the commands it ran (``<cache>/early/<key>.json``,
keyed by the project path, the flags, ``goship.toml`` and the Go-related environment), and the
next build with the same key starts them at once, from this module, which imports nothing
heavy. When the CLI was launched by :mod:`goship.launch`, :mod:`goship.build.prestart` has
already started them from the raw command line (a second record keyed on the argv) and
:func:`adopt` takes those over. The pipeline later computes the real commands;
:meth:`EarlyCompile.take` hands over a process only when its arguments, working directory and
environment are exactly the ones the pipeline would run, so a stale record costs CPU, never a
wrong binary. Jobs whose binary is in the binary cache (unchanged source) are not started at
all. ``GOSHIP_NO_EARLY_COMPILE=1`` turns this off.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goship.build import prestart
from goship.build.prestart import Prestarted, Process
from goship.cachedir import cache_root
from goship.errors import EnvironmentMissingError, GoshipError
from goship.gobuild.bincache import binary_key, tree_key
from goship.gobuild.toolchain import GoResult, find_go

FORMAT = 1
TIMEOUT = 600.0  # as goship.gobuild.toolchain.run_go


@dataclass
class EarlyJob:
    args: list[str]  # go arguments with a placeholder as the -o value
    cwd: str
    env: dict[str, str]  # overlay on the process environment
    out: Path
    proc: Process
    stderr_path: Path

    def matches(self, args: Sequence[str], cwd: str, env: Mapping[str, str]) -> bool:
        return self.args == list(args) and self.cwd == cwd and self.env == dict(env)


class EarlyCompile:
    """The ``go build`` processes started early; a context manager that stops leftovers."""

    def __init__(
        self,
        workdir: Path | None,
        root: Path,
        tree: str | None,
        record: str | None = None,
        stamp: str | None = None,
    ) -> None:
        self.workdir = workdir
        self.root = root.resolve()
        self.tree = tree  # the source digest (for the binary cache), taken at start or lazily
        self._tree_known = tree is not None
        self.record = record  # the argv record to write after a successful build (prestart)
        # With a lazy digest: the tree's stat stamp when the jobs started. A tree changed
        # since then was compiled half old, half new: its jobs are not handed over (nor their
        # binaries cached under the new digest); the build compiles the tree as it is now.
        self.stamp = stamp
        self.jobs: list[EarlyJob] = []
        self._lock = threading.Lock()  # platforms are compiled (and taken) in parallel

    def tree_for(self, root: Path) -> str | None:
        """The source digest of ``root`` when it is this tree (taken at start, else now)."""
        if root.resolve() != self.root:
            return None
        with self._lock:
            if not self._tree_known:
                self.tree, self._tree_known = tree_key(self.root), True
                if self.stamp is not None and prestart.tree_stamp(str(self.root)) != self.stamp:
                    self._drop_jobs()
        return self.tree

    def _drop_jobs(self) -> None:
        for job in self.jobs:
            if job.proc.poll() is None:
                job.proc.kill()
            job.proc.wait()
        self.jobs.clear()

    def take(
        self, args: Sequence[str], cwd: str | os.PathLike[str], env: Mapping[str, str]
    ) -> tuple[GoResult, Path] | None:
        """The finished result and output binary of the job that runs exactly ``go ARGS``
        (with ``-o OUT``) in ``cwd`` with ``env``, waiting for it; None when no job matches."""
        with self._lock:
            job = next((j for j in self.jobs if j.matches(args, str(cwd), env)), None)
            if job is None:
                return None
            self.jobs.remove(job)
        try:
            code = job.proc.wait(timeout=TIMEOUT)
        except TimeoutError as exc:
            job.proc.kill()
            job.proc.wait()
            raise EnvironmentMissingError(
                f"`go {' '.join(args)}` did not finish in {TIMEOUT:.0f}s",
                "check network access to the Go module proxy (GOPROXY) or warm the module cache",
            ) from exc
        if code is None:  # pragma: no cover - reaped elsewhere: run it again
            return None
        output = job.stderr_path.read_text(errors="replace")
        return GoResult(code, "", output), job.out

    def close(self) -> None:
        """Stop the jobs nobody took and remove their outputs."""
        with self._lock:
            self._drop_jobs()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> EarlyCompile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def default_cache_root() -> Path:
    """``$GOSHIP_CACHE``, else ``$XDG_CACHE_HOME/goship``, else ``~/.cache/goship`` (the parent
    of :meth:`goship.image.blobs.BlobStore.default`)."""
    return Path(cache_root())


def _env_snapshot() -> dict[str, str]:
    return dict(prestart.env_snapshot())


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def record_path(root: Path, settings: Mapping[str, Any], cache_dir: Path) -> Path:
    """Where the record for this project + flags + config + environment lives."""
    config = root / "goship.toml"
    try:
        config_text = config.read_text(encoding="utf-8", errors="replace")
    except OSError:
        config_text = ""
    header = [
        FORMAT,
        str(root.resolve()),
        _plain(settings),
        hashlib.sha256(config_text.encode()).hexdigest(),
        _env_snapshot(),
    ]
    key = hashlib.sha256(json.dumps(header, sort_keys=True).encode()).hexdigest()
    return cache_dir / "early" / f"{key[:40]}.json"


def remember(
    root: Path,
    settings: Mapping[str, Any],
    cache_dir: Path,
    jobs: list[dict[str, Any]],
    early: EarlyCompile | None = None,
) -> None:
    """Record the jobs (``{"args", "cwd", "env", "package", "name", "cacheable"}``) of a
    successful build for the next one, and the argv record of ``early`` (see
    :mod:`goship.build.prestart`). Failures to write are ignored (it is a cache)."""
    if early is not None and early.record:
        _remember_argv(early, root, cache_dir, jobs)
    target = record_path(root, settings, cache_dir)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        with os.fdopen(fd, "w") as fh:
            json.dump({"format": FORMAT, "jobs": jobs}, fh)
        os.replace(tmp, target)
    except OSError:
        pass


def _remember_argv(
    early: EarlyCompile, root: Path, cache_dir: Path, jobs: list[dict[str, Any]]
) -> None:
    try:
        go = find_go()
    except GoshipError:
        return
    tree = early.tree_for(root)
    entries = []
    for job in jobs:
        cached = ""
        if tree is not None and job.get("cacheable"):
            key = binary_key(tree, job["args"], job["env"], str(job["package"]))
            cached = str(cache_dir / "bin" / key[:2] / key)
        entries.append({**job, "cached": cached})
    resolved = str(root.resolve())
    prestart.write_record(str(early.record), resolved, go, entries, prestart.tree_stamp(resolved))


def _load(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return []
    jobs = data.get("jobs")
    return jobs if isinstance(jobs, list) else []


def start(root: Path, settings: Mapping[str, Any], cache_dir: Path) -> EarlyCompile | None:
    """Start the recorded ``go build``s for this project (those not in the binary cache);
    None when there is no record, nothing to start, or early compiles are off."""
    if os.environ.get("GOSHIP_NO_EARLY_COMPILE") or not root.is_dir():
        return None
    jobs = _load(record_path(root, settings, cache_dir))
    if not jobs:
        return None
    try:
        go = find_go()
        tree = tree_key(root)
        early = EarlyCompile(Path(tempfile.mkdtemp(prefix="goship-early-")), root, tree)
        early._tree_known = True
    except (GoshipError, OSError):  # early compiles are an optimisation only
        return None
    try:
        for job in jobs:
            _spawn(early, go, job, cache_dir)
    except (OSError, KeyError, TypeError, ValueError):
        early.close()
        return None
    if not early.jobs:
        early.close()
        return None
    return early


def _spawn(early: EarlyCompile, go: str, job: dict[str, Any], cache_dir: Path) -> None:
    args = [str(a) for a in job["args"]]
    env = {str(k): str(v) for k, v in job["env"].items()}
    if early.tree is not None and job.get("cacheable"):
        key = binary_key(early.tree, args, env, str(job["package"]))
        if (cache_dir / "bin" / key[:2] / key).is_file():
            return  # unchanged source: the binary cache has it
    assert early.workdir is not None
    out_dir = early.workdir / str(len(early.jobs))
    out_dir.mkdir()
    out = out_dir / str(job["name"])
    stderr_path = out_dir / "stderr"
    full_env = dict(os.environ)
    full_env.setdefault("GOFLAGS", "")
    full_env.update(env)
    argv = [go, *args]
    argv[argv.index("-o") + 1] = str(out)
    with stderr_path.open("wb") as err:
        popen = subprocess.Popen(
            argv,
            cwd=str(job["cwd"]),
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=subprocess.STDOUT,
        )
    proc = PopenProcess(popen)
    early.jobs.append(EarlyJob(args, str(job["cwd"]), env, out, proc, stderr_path))


class PopenProcess(Process):
    """A :class:`subprocess.Popen` behind :class:`Process` (which waits on a pidfd, not on
    Popen's polling loop). Used here instead of prestart's fork+exec because this process may
    run threads (``goship dev``, the build server) and Popen forks safely from C."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        super().__init__(popen.pid)
        self._popen = popen

    def _reap(self, flags: int) -> int | None:
        if self.returncode is None:
            self.returncode = self._popen.poll() if flags else self._popen.wait()
        return self.returncode


def adopt(
    pending: Prestarted | None, root: Path, settings: Mapping[str, Any], cache_dir: Path
) -> EarlyCompile | None:
    """The early compile of this build: the jobs :func:`goship.build.prestart.prestart`
    started from the command line when its record applies to ``root`` and the ``go`` binary
    this process would run, else :func:`start` (the record keyed on the parsed settings).
    The result carries ``pending``'s argv record so the build writes it."""
    if pending is None:
        return start(root, settings, cache_dir)
    usable = pending.found and root.is_dir() and Path(pending.root) == root.resolve()
    if usable:
        try:
            usable = find_go() == pending.go
        except GoshipError:
            usable = False
    if not usable:
        pending.close()
        early = start(root, settings, cache_dir)
        if early is None:
            early = EarlyCompile(None, root, None)
        early.record = pending.record
        return early
    workdir = Path(pending.workdir) if pending.workdir else None
    early = EarlyCompile(workdir, root, None, pending.record, stamp=pending.stamp)
    for job in pending.jobs:
        early.jobs.append(
            EarlyJob(job.args, job.cwd, job.env, Path(job.out), job.proc, Path(job.log))
        )
    pending.jobs.clear()  # the EarlyCompile owns (and closes) them now
    pending.workdir = ""
    return early
