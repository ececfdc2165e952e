"""goship's GC settings for the Go toolchain: set unless the user chose, same bytes out."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from helpers import go_binary, go_env, write_go_module

from goship.gobuild.gctune import TOOLCHAIN_GOGC, toolchain_gc_env

MAIN = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println(1) }\n'


def test_tuned_unless_the_user_chose() -> None:
    tuned = toolchain_gc_env({"PATH": "/usr/bin"})
    assert tuned["GOGC"] == TOOLCHAIN_GOGC
    assert tuned["GOMEMLIMIT"].endswith("MiB") and int(tuned["GOMEMLIMIT"][:-3]) >= 256
    assert toolchain_gc_env({"GOGC": "100"}) == {}
    assert toolchain_gc_env({"GOMEMLIMIT": "1GiB"}) == {}


def test_the_linked_binary_is_byte_identical(tmp_path: Path) -> None:
    """The link (what the setting speeds up) runs each time: -buildid= makes it relink."""
    root = write_go_module(tmp_path / "svc", {"main.go": MAIN})
    digests = []
    for n, gc in enumerate(({"GOGC": "100", "GOMEMLIMIT": "off"}, toolchain_gc_env({}))):
        out = tmp_path / f"bin-{n}"
        subprocess.run(
            [go_binary(), "build", "-trimpath", "-ldflags=-s -w -buildid=", "-o", str(out), "."],
            cwd=root,
            env=go_env(gc),
            check=True,
            timeout=600,
        )
        digests.append(hashlib.sha256(out.read_bytes()).hexdigest())
    assert digests[0] == digests[1]
