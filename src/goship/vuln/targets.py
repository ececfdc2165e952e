"""Turn a scan/SBOM TARGET into Go binaries.

TARGET is, in this order of checks:

* a file — one Go binary (a file that is not one is an error);
* a directory with ``go.mod`` — a Go project: every main package is built with
  ``go build -trimpath -o TMP/ ./...`` and the results are scanned (then deleted);
* an OCI layout directory, an OCI or docker archive, ``docker-daemon:NAME`` or a registry
  reference — every Go binary in the image's final filesystem (each platform of an index);
* any other directory — every Go binary in it, recursively (non-Go files are skipped).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from goship.errors import BadInputError, ProjectError
from goship.image.source import open_image_source
from goship.vuln.binary import GoBinary, analyze_bytes, analyze_file
from goship.vuln.buildinfo import MAX_FILE, looks_like_executable
from goship.vuln.errors import MalformedBinary, NotAGoBinary
from goship.vuln.imagewalk import ImageScan, walk_image


@dataclass
class Collected:
    """What a target yielded: binaries, the image scans they came from (if any)."""

    target: str
    kind: str  # binary | directory | project | image
    binaries: list[GoBinary] = field(default_factory=list)
    images: list[ImageScan] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _scan_directory(root: Path, collected: Collected) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in (".git", "node_modules"))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            try:
                if path.is_symlink() or not path.is_file():
                    continue
                size = path.stat().st_size
                if size < 1024 or size > MAX_FILE:
                    continue
                with path.open("rb") as fh:
                    if not looks_like_executable(fh.read(4)):
                        continue
                collected.binaries.append(analyze_bytes(path.read_bytes(), str(path)))
            except NotAGoBinary:
                continue
            except MalformedBinary as exc:
                collected.warnings.append(f"{path}: {exc.message}")
            except OSError as exc:
                collected.warnings.append(f"{path}: {exc.strerror}")


def build_project(root: Path, out_dir: Path) -> list[Path]:
    """``go build -trimpath -o OUT/ ./...`` in ``root``: one binary per main package."""
    from goship.gobuild.toolchain import run_go

    result = run_go(["build", "-trimpath", "-o", str(out_dir) + os.sep, "./..."], cwd=root)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-15:])
        raise ProjectError(
            f"go build failed in {root}:\n{tail}",
            "fix the build, or scan an already built binary or image instead",
        )
    binaries = sorted(p for p in out_dir.iterdir() if p.is_file())
    if not binaries:
        raise ProjectError(f"{root} has no main package to build", "scan a binary or an image")
    return binaries


def collect(
    target: str,
    *,
    want_file: Callable[[str], bool] = lambda _p: False,
    builder: Callable[[Path, Path], list[Path]] = build_project,
) -> Collected:
    """The Go binaries of ``target`` (see the module docstring)."""
    path = Path(target)
    try:
        path.stat()
    except (OSError, ValueError):
        path = Path("\x00missing")  # not a usable path: only an image reference can match
    if path.is_file():
        source = open_image_source(target)
        if source is None:
            return Collected(target, "binary", [analyze_file(path)])
    elif path.is_dir() and (path / "go.mod").is_file() and not (path / "oci-layout").exists():
        tmp = Path(tempfile.mkdtemp(prefix="goship-scan-build-"))
        try:
            built = builder(path.resolve(), tmp)
            bins = []
            for p in built:
                b = analyze_file(p)
                bins.append(_relabel(b, f"{target}:{p.name}"))
            return Collected(target, "project", bins)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    else:
        source = open_image_source(target)
        if source is None:
            if path.is_dir():
                collected = Collected(target, "directory")
                _scan_directory(path, collected)
                return collected
            raise BadInputError(
                f"{target} is not a file, directory or image reference",
                "give a Go binary, a directory, a Go project or an image "
                "(OCI layout, archive, docker-daemon:NAME, registry ref)",
            )
    try:
        images = walk_image(source, want_file)
    finally:
        source.close()
    collected = Collected(target, "image", images=images)
    for img in images:
        collected.binaries.extend(img.binaries)
        collected.warnings.extend(img.warnings)
    return collected


def _relabel(binary: GoBinary, location: str) -> GoBinary:
    from dataclasses import replace

    return replace(binary, location=location)
