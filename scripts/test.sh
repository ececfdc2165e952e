#!/usr/bin/env bash
# The whole test suite, as the README documents it:
#
#   scripts/test.sh                 # bootstrap, ruff, ruff format --check, mypy, pytest (all)
#   scripts/test.sh -m unit         # extra arguments go to pytest
#   GOSHIP_SKIP_LINT=1 scripts/test.sh tests/test_cli.py
#
# Integration tests need a running container engine, /usr/bin/docker-registry, skopeo and
# umoci (`bash .ci/run` installs and starts them). Outside CI they are skipped with a reason
# when something is missing; with CI=true a missing tool fails the run.
# Exits non-zero when any step fails; a pytest run that collects no test is a failure too.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

"$ROOT/scripts/bootstrap.sh" || exit $?
# Go-built validators (scripts/install-validators.sh, .ci/run) live in GOSHIP_TOOLS_BIN.
GOSHIP_TOOLS_BIN="${GOSHIP_TOOLS_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/goship-tools/bin}"
export GOSHIP_TOOLS_BIN
export PATH="$ROOT/.venv/bin:$GOSHIP_TOOLS_BIN:$PATH"

failed=()
step() {
    local name="$1"
    shift
    echo "==> $name" >&2
    "$@" || failed+=("$name")
}

if [[ -z "${GOSHIP_SKIP_LINT:-}" ]]; then
    step "ruff check" ruff check src tests
    step "ruff format --check" ruff format --check src tests
    step "mypy" mypy
fi

echo "==> pytest" >&2
pytest "$@"
rc=$?
if [[ $rc -eq 5 ]]; then
    echo "pytest collected no tests: treating that as a failure" >&2
    rc=1
fi
[[ $rc -eq 0 ]] || failed+=("pytest (exit $rc)")

if ((${#failed[@]})); then
    echo "test.sh: FAILED steps: ${failed[*]}" >&2
    exit 1
fi
echo "test.sh: all steps passed" >&2
