#!/usr/bin/env bash
# Installs the validators `goship init`'s tests run on generated files, when missing:
#   helm, kubeconform, actionlint, docker-compose (Compose v2, standalone)
# built from the Go module proxy with the local Go toolchain into $GOSHIP_TOOLS_BIN
# (default ~/.cache/goship-tools/bin). Idempotent: a tool already there is skipped, so a
# second run costs nothing. hadolint and check-jsonschema come from pyproject's dev extras.
#
#   scripts/install-validators.sh            # all of them
#   scripts/install-validators.sh helm       # only the named ones
set -euo pipefail

TOOLS_BIN="${GOSHIP_TOOLS_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/goship-tools/bin}"
GO="${GOSHIP_GO:-$(command -v go || echo /usr/local/go/bin/go)}"

# name  package@version  (the package's main is built and installed under `name`)
TOOLS=(
    "helm helm.sh/helm/v3/cmd/helm@v3.22.0"
    "kubeconform github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0"
    "actionlint github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"
    "docker-compose github.com/docker/compose/v2/cmd@v2.40.3"
)

log() { echo "install-validators: $*" >&2; }


mkdir -p "$TOOLS_BIN"
for entry in "${TOOLS[@]}"; do
    read -r name pkg <<<"$entry"
    if (($#)); then
        match=0
        for w in "$@"; do [[ "$w" == "$name" ]] && match=1; done
        ((match)) || continue
    fi
    if [[ -x "$TOOLS_BIN/$name" ]]; then
        continue
    fi
    log "building $name from $pkg"
    work="$(mktemp -d)"
    module="${pkg%@*}"
    # The top module is checked against its go.sum-less download only (no checksum database
    # is reachable from every machine); its dependencies are verified by its own go.sum.
    if ! GOBIN="$work" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false \
        GONOSUMDB="${module%%/cmd*}" CGO_ENABLED=0 \
        "$GO" install -trimpath -ldflags "-s -w" "$pkg"; then
        rm -rf "$work"
        log "failed to build $name"
        exit 1
    fi
    built="$(find "$work" -maxdepth 1 -type f -perm -u+x | head -n 1)"
    mv "$built" "$TOOLS_BIN/$name.tmp.$$"
    mv "$TOOLS_BIN/$name.tmp.$$" "$TOOLS_BIN/$name"
    rm -rf "$work"
done
log "validators in $TOOLS_BIN"
