"""Time `goship audit` of a ~100 MB image and print throughput from one run.

The image is generated with goship's own image library in a temp dir: the stdlib-api example's
Go binary (built with `go build -trimpath -ldflags "-s -w"`) plus ~100 MB of files across
several layers (a mix of random and text-like content, many small and a few large files, and
a last layer that overwrites and deletes some of them, so there are wasted bytes), written as
an OCI layout. Measured, one run each after an untimed warm-up:

* audit in process: `run_audit(LAYOUT)` — every layer streamed, all checks, Go binary facts;
* audit as the CLI: `goship audit LAYOUT --format json` (includes Python start-up);
* baseline: gunzip + tar listing of the same layer blobs in Python (`tarfile` stream mode,
  reading every member), i.e. the floor any streaming reader pays.

Throughput is uncompressed layer bytes per second. Target: in-process audit >= 50 MB/s.

    .venv/bin/python benchmarks/audit_bench.py
    .venv/bin/python benchmarks/audit_bench.py --size-mb 200 --layers 6 --check
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from goship.audit.run import AuditOptions, run_audit  # noqa: E402
from goship.image.blobs import BlobStore  # noqa: E402
from goship.image.config import RuntimeConfig, build_config  # noqa: E402
from goship.image.layout import write_layout  # noqa: E402
from goship.image.manifest import assemble_image  # noqa: E402
from goship.image.platform import Platform  # noqa: E402
from goship.image.tarlayer import Entry, build_layer  # noqa: E402

TARGET_MBS = 50.0
WORDS = b"the quick brown fox jumps over the lazy dog goship audit layer stream ".split()


def go_binary(out: Path) -> Path:
    env = {**os.environ, "CGO_ENABLED": "0", "GOTOOLCHAIN": "local"}
    subprocess.run(
        ["go", "build", "-trimpath", "-ldflags=-s -w", "-o", str(out), "."],
        cwd=ROOT / "examples" / "stdlib-api",
        env=env,
        check=True,
        timeout=600,
    )
    return out


def content(rng: random.Random, size: int) -> bytes:
    if rng.random() < 0.5:
        return rng.randbytes(size)
    text = b" ".join(rng.choice(WORDS) for _ in range(size // 4 + 1))
    return text[:size]


def make_image(tmp: Path, size_mb: int, n_layers: int) -> tuple[Path, int]:
    rng = random.Random(42)
    store = BlobStore(tmp / "store")
    per_layer = size_mb * (1 << 20) // n_layers
    layers, total = [], 0
    for i in range(n_layers):
        entries, used = [], 0
        big = per_layer // 2  # one large file per layer, the rest in ~200 small ones
        entries.append(Entry.file(f"/data/l{i}/big.bin", content(rng, big)))
        used += big
        j = 0
        while used < per_layer:
            size = min(rng.randint(1 << 10, 64 << 10), per_layer - used)
            entries.append(Entry.file(f"/data/l{i}/d{j % 20}/f{j}.dat", content(rng, size)))
            used += size
            j += 1
        layers.append(build_layer(entries, store, epoch=0, created_by=f"data {i}"))
        total += used
    rewrite = [Entry.file("/data/l0/big.bin", b"replaced"), Entry.file("/data/l1/.wh.d0", b"")]
    rewrite.append(Entry.from_disk("/app/server", go_binary(tmp / "server"), 0o755))
    layers.append(build_layer(rewrite, store, epoch=0, created_by="binary"))
    platform = Platform.parse("linux/amd64")
    config = build_config(platform, RuntimeConfig(entrypoint=["/app/server"]), layers, epoch=0)
    image = assemble_image(store, platform, layers, config)
    return write_layout(tmp / "layout", image, store, tags=["1"]), total


def baseline(layout: Path) -> float:
    start = time.perf_counter()
    for blob in sorted((layout / "blobs" / "sha256").iterdir()):
        with blob.open("rb") as fh:
            if fh.read(2) != b"\x1f\x8b":
                continue
            fh.seek(0)
            with gzip.GzipFile(fileobj=fh) as gz, tarfile.open(fileobj=gz, mode="r|") as tar:
                for member in tar:
                    stream = tar.extractfile(member)
                    if stream is not None:
                        while stream.read(1 << 20):
                            pass
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--check", action="store_true", help="exit 1 when under the target")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="goship-audit-bench-") as d:
        tmp = Path(d)
        t0 = time.perf_counter()
        layout, data_bytes = make_image(tmp, args.size_mb, args.layers)
        print(f"image generated in {time.perf_counter() - t0:.1f} s: {layout}")
        run_audit(str(layout), AuditOptions())  # warm-up (imports, page cache)
        start = time.perf_counter()
        report = run_audit(str(layout), AuditOptions())
        in_process = time.perf_counter() - start
        img = report.images[0]
        raw = sum(x.uncompressed_size for x in img.layers)
        compressed = sum(x.compressed_size for x in img.layers)
        start = time.perf_counter()
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "goship"), "audit", str(layout), "--format", "json"],
            stdout=subprocess.DEVNULL,
            check=False,
        )
        cli = time.perf_counter() - start
        base = baseline(layout)
    mb = raw / 1e6
    print(f"layers: {len(img.layers)}, {compressed / 1e6:.1f} MB compressed, {mb:.1f} MB "
          f"uncompressed ({data_bytes / 1e6:.1f} MB of generated files), "
          f"{sum(x.files for x in img.layers)} files, "
          f"{sum(x.wasted_bytes for x in img.layers) / 1e6:.1f} MB wasted, "
          f"{len(img.binaries)} Go binary")  # fmt: skip
    print(f"{'':34} {'time':>8} {'MB/s':>8}")
    for label, t in (
        ("goship audit, in process", in_process),
        ("goship audit, CLI", cli),
        ("baseline: gunzip + tar stream", base),
    ):
        print(f"{label:34} {t:7.2f}s {mb / t:8.1f}")
    print(f"in process vs baseline: {in_process / base:.2f}x; target >= {TARGET_MBS:.0f} MB/s")
    if args.check and mb / in_process < TARGET_MBS:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
