#!/usr/bin/env bash
# The engine (the workspace's top-level crate, bi-platform) must not see the browser's
# or the command line's crates: wasm-bindgen, web-sys, js-sys, serde-wasm-bindgen,
# plotters-canvas and clap belong to the binding crates (crates/web*) and the CLI
# (crates/cli). Fails when one of them enters the engine's normal dependency tree
# (every engine feature on), natively or for wasm32.
#
# For wasm32 only, two third-party crates the engine uses bring wasm-bindgen, js-sys
# and web-sys themselves, and their subtrees are left out of the check: plotters (the
# charts; its text measurement) and getrandom (through zip, calamine's reader: its
# `wasm_js` source of randomness). The engine still cannot name them: only its direct
# dependencies are in scope, and none of these is one (the check covers depth 1 too).
set -euo pipefail
cd "$(dirname "$0")/.."

forbidden='^(wasm-bindgen|web-sys|js-sys|serde-wasm-bindgen|plotters-canvas|clap)$'
# Crates whose subtrees are not checked, for wasm32 (see above).
allowed='^(plotters|getrandom)$'
status=0
check() {
    local what=$1 allow=$2
    shift 2
    local tree found
    tree=$(cargo tree -p bi-platform -e normal --all-features --prefix depth "$@")
    # Each line is DEPTH then the package; a forbidden package counts unless one of its
    # ancestors (the packages above it on the path from the engine) is allowed.
    found=$(awk -v bad="$forbidden" -v ok="$allow" '
        { match($0, /^[0-9]+/); d = substr($0, 1, RLENGTH) + 0
          name = substr($0, RLENGTH + 1); sub(/ .*/, "", name)
          path[d] = name; skip = 0
          for (i = 1; i < d; i++) if (ok != "" && path[i] ~ ok) skip = 1
          if (!skip && name ~ bad) print name }' <<<"$tree" | sort -u)
    if [ -n "$found" ]; then
        echo "error: the engine's $what dependency tree holds:" $found >&2
        echo "       (cargo tree -p bi-platform -e normal --all-features $* -i CRATE shows how)" >&2
        status=1
    fi
}
check native ''
check wasm32 "$allowed" --target wasm32-unknown-unknown
if [ "$status" = 0 ]; then
    echo "layers: no wasm-bindgen, web-sys, js-sys, serde-wasm-bindgen, plotters-canvas or clap in the engine's dependency tree (wasm32: outside plotters and getrandom)"
fi
exit "$status"
