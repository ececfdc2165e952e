#!/usr/bin/env bash
# Installs the validators `goship init`'s tests run on generated files, when missing:
#   helm, kubeconform, actionlint, docker-compose (Compose v2, standalone)
# built from the Go module proxy with the local Go toolchain into $GOSHIP_TOOLS_BIN
# (default ~/.cache/goship-tools/bin), and Debian's busybox-static (the shell of the stand-in
# Go builder image the Docker build tests assemble). Idempotent: what is there is skipped, so
# a second run costs nothing. hadolint and check-jsonschema come from pyproject's dev extras.
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


as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo -n "$@"; fi
}

if (($# == 0)) && [[ ! -x /bin/busybox ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing busybox-static"
    as_root apt-get update -qq && as_root apt-get install -y -qq busybox-static >/dev/null
fi

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
    modpath="${module%%/cmd*}"
    version="${pkg##*@}"
    export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false GONOSUMDB="$modpath" CGO_ENABLED=0
    if ! GOBIN="$work" "$GO" install -trimpath -ldflags "-s -w" "$pkg" 2>"$work.err"; then
        # `go install pkg@version` refuses modules whose go.mod has replace/exclude
        # directives (docker/compose): build inside the downloaded module instead.
        if ! grep -q "directives" "$work.err"; then
            cat "$work.err" >&2
            rm -rf "$work" "$work.err"
            log "failed to build $name"
            exit 1
        fi
        dir="$("$GO" mod download -json "$modpath@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
        if ! (cd "$dir" && "$GO" build -trimpath -ldflags "-s -w" -o "$work/$name" "./${module#"$modpath"/}"); then
            rm -rf "$work" "$work.err"
            log "failed to build $name"
            exit 1
        fi
    fi
    rm -f "$work.err"
    built="$(find "$work" -maxdepth 1 -type f -perm -u+x | head -n 1)"
    mv "$built" "$TOOLS_BIN/$name.tmp.$$"
    mv "$TOOLS_BIN/$name.tmp.$$" "$TOOLS_BIN/$name"
    rm -rf "$work"
done
log "validators in $TOOLS_BIN"
