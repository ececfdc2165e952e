"""Start the previous build's ``go build`` straight from the command line.

:func:`prestart` runs from :mod:`goship.launch` before click, rich or the pipeline are
imported, so after a code edit the compile starts ~10 ms after the interpreter does instead
of ~90 ms. It may import only the standard library's cheapest modules (no ``subprocess``,
``json``, ``pathlib``, ``typing``: each costs 5-15 ms of start-up): the record is ``marshal``
data, the process is forked and exec'ed here, paths are strings.

The record (``<cache>/early/argv-<key>``) is keyed on exactly what the command line can say
without parsing it: the words after ``build``, the working directory and the Go-related
environment. It holds the project root, a digest of its ``goship.toml``, the ``go`` binary,
the ``go build`` jobs of the last successful build and a stat stamp of the source tree (with
the binary cache entry each job produced): when the tree's stamp is unchanged, the binary is
in the cache and nothing is started. The started jobs wait in a module-level slot that
``goship build`` takes once (:func:`take`); :meth:`goship.build.early.EarlyCompile.take` hands a
process over only when its arguments, directory and environment equal the real request, so a
stale record costs CPU, never a wrong binary. Jobs nobody takes are killed at exit. Anything
unexpected means "do nothing": this is an optimisation only.
"""

from __future__ import annotations

import marshal
import os

from goship.cachedir import cache_root
from goship.gobuild.treewalk import walk_files
from goship.quickhash import sha256_hex

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

FORMAT = 1
ENV_PREFIXES = ("GO", "CGO_", "CC", "CXX", "SOURCE_DATE_EPOCH", "GOSHIP_", "PATH", "HOME")
_NO_ARGV = frozenset({"-h", "--help", "--version"})


def env_snapshot(environ: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """The variables that can change what goship builds (Go's, goship's, PATH, HOME)."""
    env = os.environ if environ is None else environ
    return sorted((k, v) for k, v in env.items() if k.startswith(ENV_PREFIXES))


def record_path(argv: Sequence[str], cwd: str, cache: str) -> str:
    """Where the record for ``goship build ARGV`` run in ``cwd`` with this environment lives."""
    header = repr((FORMAT, list(argv), cwd, env_snapshot()))
    return os.path.join(cache, "early", "argv-" + sha256_hex(header.encode())[:40])


def config_digest(root: str) -> str:
    """sha256 of ``ROOT/goship.toml``; empty when there is none."""
    try:
        with open(os.path.join(root, "goship.toml"), "rb") as fh:
            return sha256_hex(fh.read())
    except OSError:
        return ""


def tree_stamp(root: str) -> str:
    """A digest of the name, size, mtime, ctime and inode of every file that
    :func:`goship.gobuild.sourcehash.iter_files` visits: equal stamps mean an unchanged tree."""
    parts: list[str] = []
    for path in walk_files(root):
        try:
            st = os.stat(path)
        except OSError:
            continue
        parts.append(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}")
    return sha256_hex("\n".join(parts).encode())


class Process:
    """A forked and exec'ed child with the part of :class:`subprocess.Popen` goship uses."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.lost = False  # reaped by someone else: the exit status is unknown

    def _reap(self, flags: int) -> int | None:
        if self.returncode is None and not self.lost:
            try:
                pid, status = os.waitpid(self.pid, flags)
            except ChildProcessError:
                self.lost = True
                return None
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def poll(self) -> int | None:
        return self._reap(os.WNOHANG)

    def wait(self, timeout: float | None = None) -> int | None:
        """The exit code (None if lost); :class:`TimeoutError` after ``timeout`` seconds.
        Wakes up the moment the child exits (a pidfd), not on a polling tick."""
        if self.poll() is not None or self.lost:
            return self.returncode
        if timeout is not None:
            import select

            try:
                fd = os.pidfd_open(self.pid)
            except (AttributeError, OSError):  # pragma: no cover - Linux < 5.3
                fd = -1
            if fd >= 0:
                try:
                    ready, _, _ = select.select([fd], [], [], timeout)
                finally:
                    os.close(fd)
                if not ready:
                    raise TimeoutError(f"process {self.pid} still runs after {timeout}s")
        return self._reap(0)

    def kill(self) -> None:
        if self.poll() is None and not self.lost:
            try:  # noqa: SIM105 - contextlib costs start-up time
                os.kill(self.pid, 9)
            except ProcessLookupError:  # pragma: no cover - exited in between
                pass


def spawn(argv: list[str], cwd: str, env: Mapping[str, str], output: str) -> Process:
    """Start ``argv`` in ``cwd`` with exactly ``env``, stdin from /dev/null and stdout +
    stderr to the file ``output`` (as ``subprocess.Popen`` would: other descriptors closed,
    SIGPIPE/SIGXFSZ back to default). Raises OSError when it cannot be started."""
    import _signal  # type: ignore[import-not-found,unused-ignore]

    env_map = dict(env)
    errors_r, errors_w = os.pipe2(os.O_CLOEXEC)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child (coverage cannot see it)
        try:
            os.close(errors_r)
            os.chdir(cwd)
            stdin = os.open(os.devnull, os.O_RDONLY)
            out = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(stdin, 0)
            os.dup2(out, 1)
            os.dup2(out, 2)
            os.closerange(3, errors_w)
            os.closerange(errors_w + 1, 1 << 16)
            for sig in ("SIGPIPE", "SIGXFZ", "SIGXFSZ"):
                if hasattr(_signal, sig):
                    _signal.signal(getattr(_signal, sig), _signal.SIG_DFL)
            os.execve(argv[0], argv, env_map)
        except BaseException as exc:  # anything: report it and leave
            try:
                os.write(errors_w, f"{type(exc).__name__}: {exc}".encode())
            finally:
                os._exit(127)
    os.close(errors_w)
    try:
        failure = os.read(errors_r, 4096)  # empty once exec succeeded (close-on-exec)
    finally:
        os.close(errors_r)
    if failure:
        os.waitpid(pid, 0)
        raise OSError(f"cannot start {argv[0]}: {failure.decode(errors='replace')}")
    return Process(pid)


class Job:
    """One recorded ``go build`` started by :func:`prestart`."""

    def __init__(
        self, args: list[str], cwd: str, env: dict[str, str], out: str, proc: Process, log: str
    ) -> None:
        self.args = args  # go arguments with the -o placeholder
        self.cwd = cwd
        self.env = env  # overlay on the process environment
        self.out = out
        self.proc = proc
        self.log = log  # stdout + stderr


class Prestarted:
    """What :func:`prestart` did for this command line: where its record lives (written by
    the build), and when there was one, the project root, go binary and started jobs."""

    def __init__(self, record: str) -> None:
        self.record = record
        self.found = False  # a record existed and applies (root, goship.toml, go binary)
        self.root = ""
        self.go = ""
        self.workdir = ""
        self.stamp = ""  # tree_stamp(root) when the jobs were started
        self.jobs: list[Job] = []

    def close(self) -> None:
        """Kill and reap the jobs nobody took, remove their outputs."""
        for job in self.jobs:
            job.proc.kill()
            job.proc.wait()
        self.jobs.clear()
        if self.workdir:
            for dirpath, dirnames, filenames in os.walk(self.workdir, topdown=False):
                for name in filenames:
                    _unlink(os.path.join(dirpath, name))
                for name in dirnames:
                    _rmdir(os.path.join(dirpath, name))
            _rmdir(self.workdir)
            self.workdir = ""


def _unlink(path: str) -> None:
    try:  # noqa: SIM105
        os.unlink(path)
    except OSError:
        pass


def _rmdir(path: str) -> None:
    try:  # noqa: SIM105
        os.rmdir(path)
    except OSError:
        pass


_PENDING: list[Prestarted] = []
_AT_EXIT: list[bool] = []


def take() -> Prestarted | None:
    """The :class:`Prestarted` of this process's command line, once (None afterwards or when
    :func:`prestart` did nothing)."""
    return _PENDING.pop() if _PENDING else None


def pending() -> Prestarted | None:
    """What :func:`take` would return, without taking it."""
    return _PENDING[-1] if _PENDING else None


def _close_pending() -> None:
    while _PENDING:
        _PENDING.pop().close()


def prestart(argv: list[str]) -> list[int]:
    """For ``goship build ...``: start the recorded ``go build`` jobs, if any, and leave the
    result for :func:`take`; the pids of the jobs started. Never raises; does nothing for
    other commands."""
    if not argv or argv[0] != "build" or os.environ.get("GOSHIP_NO_EARLY_COMPILE"):
        return []
    if any(a in _NO_ARGV for a in argv):
        return []
    try:
        started = Prestarted(record_path(argv[1:], os.getcwd(), cache_root()))
    except Exception:  # an optimisation only: never fail the command (e.g. cwd is gone)
        return []
    try:
        _load_and_start(started)
    except Exception:
        started.close()
        return []
    _close_pending()
    _PENDING.append(started)
    if not _AT_EXIT:
        import atexit

        atexit.register(_close_pending)
        _AT_EXIT.append(True)
    return [job.proc.pid for job in started.jobs]


def _load_and_start(pending: Prestarted) -> None:
    try:
        with open(pending.record, "rb") as fh:
            data = marshal.load(fh)
    except (OSError, EOFError, ValueError, TypeError):
        return
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return
    root, go, jobs = data.get("root"), data.get("go"), data.get("jobs")
    if not (isinstance(root, str) and isinstance(go, str) and isinstance(jobs, list)):
        return
    if data.get("config") != config_digest(root) or not os.access(go, os.X_OK):
        return
    pending.found, pending.root, pending.go = True, root, go
    pending.stamp = tree_stamp(root)
    unchanged = data.get("stamp") == pending.stamp
    todo = [j for j in jobs if not (unchanged and j.get("cached") and os.path.isfile(j["cached"]))]
    if not todo:
        return
    tmp = os.environ.get("TMPDIR") or "/tmp"
    workdir = os.path.join(tmp, f"goship-early-{os.getpid()}-{os.urandom(6).hex()}")
    os.mkdir(workdir, 0o700)
    pending.workdir = workdir
    base_env = dict(os.environ)
    base_env.setdefault("GOFLAGS", "")
    try:
        for n, job in enumerate(todo):
            args = [str(a) for a in job["args"]]
            env = {str(k): str(v) for k, v in job["env"].items()}
            out_dir = os.path.join(workdir, str(n))
            os.mkdir(out_dir)
            out = os.path.join(out_dir, str(job["name"]))
            argv = [go, *args]
            argv[argv.index("-o") + 1] = out
            log = os.path.join(out_dir, "stderr")
            proc = spawn(argv, str(job["cwd"]), {**base_env, **env}, log)
            pending.jobs.append(Job(args, str(job["cwd"]), env, out, proc, log))
    except (OSError, KeyError, TypeError, ValueError, AttributeError):
        pending.close()
        pending.found = False


def write_record(
    path: str, root: str, go: str, jobs: Sequence[Mapping[str, object]], stamp: str
) -> None:
    """Record a successful build's jobs (each with ``args``, ``cwd``, ``env``, ``name`` and
    ``cached``: its binary cache file or "") for the next :func:`prestart`. Best effort."""
    data = {
        "format": FORMAT,
        "root": root,
        "config": config_digest(root),
        "go": go,
        "stamp": stamp,
        "jobs": [dict(j) for j in jobs],
    }
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as fh:
            marshal.dump(data, fh)
        os.replace(tmp, path)
    except (OSError, ValueError):
        _unlink(tmp)
