"""Check ``goship inspect`` against real public Go services (a script, not a test: it needs
checkouts fetched from GitHub, which the test suite must not do).

    .venv/bin/python tests/project/check_real_world.py --checkouts DIR [--fetch]

DIR holds one checkout per repository, named ``owner+name``; ``--fetch`` clones the missing
ones with git and checks out the commit recorded below. Each case compares a partial
inspect result the same way the fixture suite does (tests/project/test_fixtures.py).
What was checked by hand, and why each expectation is right, is in REAL_WORLD.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

from test_fixtures import differences

from goship.errors import GoshipError
from goship.project.analyze import inspect_project

CASES: list[dict[str, Any]] = [
    {
        "repo": "gothinkster/golang-gin-realworld-example-app",
        "commit": "728cb04bfefc00982600676ea1ad70ff01c6e598",
        "path": ".",
        "expect": {
            "service": {
                "framework": "gin",
                "port": 8080,
                "port_env": "PORT",
                "health_path": "/api/ping/",
            },
            "needs": {
                "cgo": True,
                "cgo_packages": ["github.com/mattn/go-sqlite3"],
                "runtime_files": [],
                "writable_paths": [".."],
            },
            "env": [{"name": "PORT", "default": "8080"}],
            "backing_services": [],
        },
    },
    {
        "repo": "eddycjy/go-gin-example",
        "commit": "4f5174ca325b37f23edadad7c88d49586816a69c",
        "path": ".",
        "expect": {
            "service": {
                "framework": "gin",
                "port": 8000,
                "port_source": "config",
                "health_path": None,
            },
            "needs": {"runtime_files": ["conf/app.ini"], "cgo": False},
            "env": [],
            "backing_services": ["mysql", "redis"],
        },
    },
    {
        "repo": "bxcodec/go-clean-arch",
        "commit": "e06c6d0cb37069b0ef56e3df67f80ca130a1ab82",
        "path": ".",
        "expect": {
            "mains": [{"dir": "app", "serves": True}],
            "service": {
                "framework": "echo",
                "port": 9090,
                "port_env": "SERVER_ADDRESS",
                "health_path": None,
            },
            "needs": {"tzdata": True, "env_files": [".env"], "runtime_files": []},
            "backing_services": ["mysql"],
        },
    },
    {
        "repo": "gin-gonic/examples",
        "commit": "8ba9962e75dc35e32d23af3147098a66c9e91cb6",
        "path": ".",
        "expect": {"service": {"main": None}},
    },
    {
        "repo": "gin-gonic/examples",
        "commit": "8ba9962e75dc35e32d23af3147098a66c9e91cb6",
        "path": "upload-file/single",
        "expect": {
            "service": {"framework": "gin", "port": 8080, "health_path": None},
            "needs": {"runtime_files": ["public"], "writable_paths": ["."]},
        },
    },
    {
        "repo": "gin-gonic/examples",
        "commit": "8ba9962e75dc35e32d23af3147098a66c9e91cb6",
        "path": "group-routes",
        "expect": {"service": {"framework": "gin", "port": 5000, "health_path": "/ping/"}},
    },
]


def fetch(repo: str, commit: str, dest: Path) -> None:
    url = f"https://github.com/{repo}.git"
    subprocess.run(["git", "clone", "--quiet", url, str(dest)], check=True)
    subprocess.run(["git", "-C", str(dest), "checkout", "--quiet", commit], check=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkouts", type=Path, required=True)
    ap.add_argument("--fetch", action="store_true", help="clone missing repositories")
    opts = ap.parse_args()
    failed = 0
    for case in CASES:
        checkout = opts.checkouts / case["repo"].replace("/", "+")
        if not checkout.is_dir():
            if not opts.fetch:
                print(f"SKIP {case['repo']}: no checkout at {checkout}")
                continue
            fetch(case["repo"], case["commit"], checkout)
        label = f"{case['repo']} {case['path']}"
        try:
            facts = inspect_project(checkout / case["path"]).to_json()
        except GoshipError as exc:
            print(f"FAIL {label}: {exc}")
            failed += 1
            continue
        diffs = differences(case["expect"], facts)
        print(("FAIL " if diffs else "ok   ") + label)
        for d in diffs:
            print("     " + d)
        failed += bool(diffs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
