"""Build images for the audit tests.

* :func:`make_image`: well-formed images through goship's own image library (entries ->
  layers -> config -> manifest -> OCI layout / docker archive), for deliberately bad content;
* :func:`raw_layout` / :func:`tar_bytes`: hand-made layouts for malformed and hostile input
  the library refuses to write (``..`` names, escaping links, bombs, broken JSON);
* :func:`write_zero_bomb`: a gzip stream that inflates to N bytes of zeros, written in a
  streaming way (one compressed block repeated), so a 10 GB bomb is a ~10 MB file.
"""

from __future__ import annotations

import io
import struct
import tarfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from helpers import build_go_program
from helpers.blobs import default_config, gz, raw_layout

__all__ = ["default_config", "gz", "raw_layout"]  # re-exported for the audit tests

from goship.image.archive import write_docker_archive
from goship.image.blobs import BlobStore
from goship.image.config import RuntimeConfig, build_config
from goship.image.index import build_index
from goship.image.layout import write_layout
from goship.image.manifest import assemble_image
from goship.image.model import Image
from goship.image.platform import Platform
from goship.image.tarlayer import Entry, build_layer

PEM_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
)


def build_image(
    store: BlobStore,
    layers: Sequence[Sequence[Entry]],
    *,
    platform: str = "linux/amd64",
    runtime: RuntimeConfig | None = None,
    patch: Callable[[dict[str, Any]], None] | None = None,
) -> Image:
    built = [build_layer(list(entries), store, epoch=0, created_by=f"layer {i}")
             for i, entries in enumerate(layers)]  # fmt: skip
    rt = runtime or RuntimeConfig(entrypoint=["/app/server"])
    config = build_config(Platform.parse(platform), rt, built, epoch=0)
    if patch is not None:
        patch(config)
    return assemble_image(store, Platform.parse(platform), built, config)


def make_image(
    tmp: Path,
    layers: Sequence[Sequence[Entry]],
    *,
    name: str = "img",
    docker: bool = False,
    **kw: Any,
) -> Path:
    """An OCI layout (or a docker archive) of ``layers`` built with goship's image library."""
    store = BlobStore(tmp / "store")
    image = build_image(store, layers, **kw)
    if docker:
        write_docker_archive(tmp / f"{name}.tar", image, store, repo_tags=[f"{name}:1"])
        return tmp / f"{name}.tar"
    return write_layout(tmp / name, image, store, tags=["1"])


def make_index(tmp: Path, images: Sequence[tuple[str, Sequence[Sequence[Entry]]]]) -> Path:
    store = BlobStore(tmp / "store")
    built = [build_image(store, layers, platform=p) for p, layers in images]
    return write_layout(tmp / "index", build_index(built, store), store, tags=["1"])


# --- hand-made input ------------------------------------------------------------------------


def tar_bytes(members: Sequence[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def member(name: str, kind: str = "file", *, data: bytes = b"x", link: str = "", mode: int = 0o644
           ) -> tuple[tarfile.TarInfo, bytes | None]:  # fmt: skip
    info = tarfile.TarInfo(name)
    info.mode = mode
    if kind == "dir":
        info.type = tarfile.DIRTYPE
        return info, None
    if kind in ("symlink", "hardlink"):
        info.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
        info.linkname = link
        return info, None
    return info, data


def write_zero_bomb(path: Path, total: int, *, header: bytes = b"", chunk: int = 4 << 20) -> Path:
    """gzip(header + ``total`` zero bytes) written in O(chunk) memory: with a full flush the
    deflate state resets, so every chunk of zeros compresses to the same bytes, written
    ``total // chunk`` times. The trailer's CRC is not computed (readers must stop long
    before it; the size field is right modulo 2**32)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    with path.open("wb") as fh:
        fh.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")
        fh.write(comp.compress(header) + comp.flush(zlib.Z_FULL_FLUSH))
        block = comp.compress(b"\0" * chunk) + comp.flush(zlib.Z_FULL_FLUSH)
        fh.write(block)
        for _ in range(total // chunk - 1):
            fh.write(block)
        fh.write(comp.flush())
        fh.write(struct.pack("<II", 0, (len(header) + total) & 0xFFFFFFFF))
    return path


# --- Go programs ----------------------------------------------------------------------------

HTTP_CLIENT = """package main

import (
	"fmt"
	"net/http"
)

func main() {
	resp, err := http.Get("https://example.com")
	fmt.Println(resp, err)
}
"""

ZONES = """package main

import (
	"fmt"
	"time"
)

func main() {
	loc, err := time.LoadLocation("Europe/Paris")
	fmt.Println(loc, err)
}
"""

PLAIN = """package main

import "fmt"

func main() { fmt.Println("hi") }
"""

CGO = """package main

// #include <stdlib.h>
import "C"

import "fmt"

func main() { fmt.Println(C.abs(-3)) }
"""


class GoPrograms:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.built: dict[str, Path] = {}

    def get(self, name: str) -> Path:
        if name not in self.built:
            recipes: dict[str, tuple[str, dict[str, object]]] = {
                "client": (HTTP_CLIENT, {}),
                "zones": (ZONES, {}),
                "zones-embedded": (ZONES, {"tags": ["timetzdata"]}),
                "plain": (PLAIN, {}),
                "plain-unstripped": (PLAIN, {"ldflags": ""}),
                "plain-arm64": (PLAIN, {"goarch": "arm64"}),
                "cgo": (CGO, {"cgo": True}),
            }
            source, kw = recipes[name]
            self.built[name] = build_go_program(self.root, source, name=name, **kw)  # type: ignore[arg-type]
        return self.built[name]
