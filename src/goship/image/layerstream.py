"""Layer blobs as bounded, decompressed byte streams.

The compressed blob is counted (and hashed, to check it against its digest); the decompressed
stream is counted against :class:`WalkLimits`, so a bomb stops at the limit, having read at
most a few megabytes past it. gzip is read with the standard library; zstd with the
``zstandard`` package when it is installed, else through the ``zstd`` program; anything else
is read as an uncompressed tar.

The limit errors are :class:`~goship.errors.BadInputError` whose hints come from the caller's
:class:`LimitHints`, so each command names its own way out (``goship audit --max-size``...).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from typing import IO, cast

from goship.errors import BadInputError

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@dataclass(frozen=True)
class WalkLimits:
    """``max_layer_bytes``/``max_total_bytes`` bound uncompressed tar bytes and the declared
    size of members (a sparse member counts by its apparent size); ``max_entries`` bounds tar
    members in the whole image; a layer whose uncompressed size passes ``ratio_floor`` bytes
    must stay under ``max_ratio`` times its compressed size (0 disables the ratio check)."""

    max_layer_bytes: int = 8 << 30
    max_total_bytes: int = 16 << 30
    max_entries: int = 1_000_000
    max_ratio: int = 100
    ratio_floor: int = 64 << 20


@dataclass(frozen=True)
class LimitHints:
    """The fix a limit error suggests, per limit (the caller's flags, or a generic word)."""

    size: str = "check where the image comes from; it is larger than goship reads"
    entries: str = "check where the image comes from; it has more files than goship reads"
    ratio: str = "check where the image comes from; its layers compress suspiciously well"


@dataclass
class Budget:
    """What the whole image has used so far (shared by its layers)."""

    limits: WalkLimits
    hints: LimitHints = field(default_factory=LimitHints)
    total_bytes: int = 0
    entries: int = 0


class CountingReader(io.RawIOBase):
    """Counts and hashes the compressed bytes read from a blob."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self.count = 0
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._fh.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        self.sha256.update(data)
        return n


class LimitedReader(io.RawIOBase):
    """The decompressed stream, counted against the layer, image and ratio limits."""

    def __init__(self, inner: IO[bytes], raw: CountingReader, budget: Budget, where: str) -> None:
        self._inner = inner
        self._raw = raw
        self._budget = budget
        self.where = where
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        self._budget.total_bytes += n
        self.check()
        return n

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
        super().close()

    def check(self) -> None:
        lim, hints = self._budget.limits, self._budget.hints
        if self.count > lim.max_layer_bytes:
            raise BadInputError(
                f"{self.where}: decompresses to more than {lim.max_layer_bytes} bytes "
                "(the per-layer size limit); stopped reading (decompression bomb?)",
                hints.size,
            )
        if self._budget.total_bytes > lim.max_total_bytes:
            raise BadInputError(
                f"{self.where}: the image decompresses to more than {lim.max_total_bytes} "
                "bytes (the image size limit); stopped reading",
                hints.size,
            )
        if lim.max_ratio and self.count > lim.ratio_floor:
            ratio = self.count / max(self._raw.count, 1)
            if ratio > lim.max_ratio:
                raise BadInputError(
                    f"{self.where}: decompresses {ratio:.0f}x its compressed size (limit "
                    f"{lim.max_ratio}x after {lim.ratio_floor} bytes); stopped reading "
                    "(decompression bomb?)",
                    hints.ratio,
                )


class ZstdProcess(io.RawIOBase):
    """``zstd -dc`` as a stream: a thread feeds it the blob, reads take its output. A failed
    decompression (truncated, corrupt) raises OSError at the end of the output; closing early
    kills the process."""

    def __init__(self, source: IO[bytes], program: str) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._proc = subprocess.Popen(
            [program, "-dcq"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        self._source = source
        self._feed_error: OSError | None = None
        self._feeder = threading.Thread(target=self._feed, daemon=True)
        self._feeder.start()

    def _feed(self) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        try:
            while chunk := self._source.read(1 << 16):
                stdin.write(chunk)
        except BrokenPipeError:
            pass  # zstd stopped (bad input, or killed): its exit status says why
        except OSError as exc:
            self._feed_error = exc
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        stdout = self._proc.stdout
        assert stdout is not None
        n = stdout.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            return cast(int, n)
        self._feeder.join()
        if self._feed_error is not None:
            raise self._feed_error
        if self._proc.wait() != 0:
            self._stderr.seek(0)
            why = self._stderr.read().decode(errors="replace").strip().splitlines()
            raise OSError(
                f"zstd: {why[-1] if why else 'exit status ' + str(self._proc.returncode)}"
            )
        return 0

    def close(self) -> None:
        if not self.closed:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
            if self._proc.stdout is not None:
                self._proc.stdout.close()
            self._feeder.join()
            self._stderr.close()
        super().close()


def _zstd(stream: IO[bytes], where: str) -> IO[bytes]:
    try:
        import zstandard  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        program = shutil.which("zstd")
        if program is None:
            raise BadInputError(
                f"{where} is zstd-compressed, and neither the zstandard package nor the zstd "
                "program is installed",
                "install zstd (apt-get install zstd) or pip install zstandard, or rebuild the "
                "image with gzip layers",
            ) from None
        return cast(IO[bytes], io.BufferedReader(ZstdProcess(stream, program), 1 << 16))
    reader = zstandard.ZstdDecompressor().stream_reader(stream)
    return cast(IO[bytes], reader)


def open_layer(fh: IO[bytes], budget: Budget, where: str) -> tuple[LimitedReader, CountingReader]:
    """The decompressed, limited stream of a layer blob, and its compressed-side counter.
    Close the first when done (it stops a ``zstd`` process still running)."""
    raw = CountingReader(fh)
    buffered = io.BufferedReader(raw, 1 << 16)
    head = buffered.peek(4)[:4]
    inner: IO[bytes]
    if head[:2] == GZIP_MAGIC:
        inner = cast(IO[bytes], gzip.GzipFile(fileobj=buffered, mode="rb"))
    elif head == ZSTD_MAGIC:
        inner = _zstd(buffered, where)
    else:
        inner = buffered
    return LimitedReader(inner, raw, budget, where), raw
