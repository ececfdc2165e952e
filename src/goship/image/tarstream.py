"""A layer's tar byte stream, written straight into the gzip tee.

The bytes are exactly those of ``tarfile.open(fileobj=..., mode="w|", format=PAX_FORMAT)``:
each header is :meth:`tarfile.TarInfo.tobuf` with tarfile's encoding and error handler, file
contents are padded to 512-byte blocks, and the archive ends with two zero blocks and zeros up
to a whole 10240-byte record. What differs is the path of the file contents: tarfile copies
them through its stream buffer in Python, while :class:`TarStream` has the tee read them
straight into its gzip members (:meth:`~goship.image.pgzip.GzipTee.write_from`) and hashes them
in a thread of its own, so a 25 MiB Go binary costs its compression and little else.
"""

from __future__ import annotations

import tarfile

from goship.image.pgzip import GzipTee, Hasher, Readable

BLOCK = tarfile.BLOCKSIZE
RECORD = tarfile.RECORDSIZE
_ENCODING = tarfile.ENCODING
_ERRORS = "surrogateescape"  # tarfile's default for every encoding but Windows' "mbcs"


class TarStream:
    """Writes members into ``out`` in the order they are added; :meth:`close` ends it."""

    def __init__(self, out: GzipTee) -> None:
        self._out = out
        self._offset = 0

    def add(
        self, info: tarfile.TarInfo, source: Readable | bytes | None = None,
        digest: Hasher | None = None,
    ) -> None:  # fmt: skip
        """One member: ``info``'s header, then ``info.size`` bytes of ``source`` (bytes or an
        unbuffered binary file; ``digest`` sees a file's bytes, see
        :meth:`~goship.image.pgzip.GzipTee.wait_digests`)."""
        header = info.tobuf(tarfile.PAX_FORMAT, _ENCODING, _ERRORS)
        self._write(header)
        if source is None or not info.size:
            return
        if isinstance(source, bytes):
            if len(source) != info.size:
                raise ValueError(f"{info.name}: {len(source)} bytes for a size of {info.size}")
            self._write(source)
        else:
            self._out.write_from(source, info.size, digest)
            self._offset += info.size
        remainder = info.size % BLOCK
        if remainder:
            self._write(b"\0" * (BLOCK - remainder))

    def close(self) -> None:
        """The end-of-archive marker and the record padding, as tarfile writes them."""
        self._write(b"\0" * (BLOCK * 2))
        remainder = self._offset % RECORD
        if remainder:
            self._write(b"\0" * (RECORD - remainder))

    def _write(self, data: bytes) -> None:
        self._out.write(data)
        self._offset += len(data)
