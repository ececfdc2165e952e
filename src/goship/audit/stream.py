"""Layer blobs as bounded, decompressed byte streams.

The compressed blob is counted (and hashed, to check it against its digest); the decompressed
stream is counted against :class:`~goship.audit.limits.Limits`, so a bomb stops at the limit,
having read at most a few megabytes past it. gzip is read with the standard library, zstd
with the ``zstandard`` package when it is installed, anything else as an uncompressed tar.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from dataclasses import dataclass
from typing import IO, cast

from goship.audit.limits import Limits
from goship.errors import BadInputError

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@dataclass
class Budget:
    """What the whole image has used so far (shared by its layers)."""

    limits: Limits
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

    def check(self) -> None:
        lim = self._budget.limits
        hint = "raise --max-size if the image is really this large"
        if self.count > lim.max_layer_bytes:
            raise BadInputError(
                f"{self.where}: decompresses to more than {lim.max_layer_bytes} bytes "
                "(the per-layer size limit); stopped reading (decompression bomb?)",
                hint,
            )
        if self._budget.total_bytes > lim.max_total_bytes:
            raise BadInputError(
                f"{self.where}: the image decompresses to more than {lim.max_total_bytes} "
                "bytes (the image size limit); stopped reading",
                hint,
            )
        if lim.max_ratio and self.count > lim.ratio_floor:
            ratio = self.count / max(self._raw.count, 1)
            if ratio > lim.max_ratio:
                raise BadInputError(
                    f"{self.where}: decompresses {ratio:.0f}x its compressed size (limit "
                    f"{lim.max_ratio}x after {lim.ratio_floor} bytes); stopped reading "
                    "(decompression bomb?)",
                    "audit only images you trust to be this compressible, with --max-ratio 0",
                )


def _zstd(stream: IO[bytes], where: str) -> IO[bytes]:
    try:
        import zstandard  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise BadInputError(
            f"{where} is zstd-compressed and the zstandard package is not installed",
            "pip install zstandard, or rebuild the image with gzip layers",
        ) from None
    reader = zstandard.ZstdDecompressor().stream_reader(stream)
    return cast(IO[bytes], reader)


def open_layer(fh: IO[bytes], budget: Budget, where: str) -> tuple[LimitedReader, CountingReader]:
    """The decompressed, limited stream of a layer blob, and its compressed-side counter."""
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
