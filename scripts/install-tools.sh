#!/usr/bin/env bash
# Installs what `make wasm`, `make serve` and `make test` need, skipping whatever is
# already present, so it is cheap to run before every build.
#
#   rust:    wasm32-unknown-unknown target, clippy, rustfmt
#   cargo:   wasm-pack 0.15.x, wasm-bindgen-cli (exactly the wasm-bindgen in Cargo.lock)
#   apt:     chromium, chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)
#   npm:     package.json devDependencies: binaryen (wasm-opt), playwright-core, axe-core
#            (the benchmark's own packages are in bench/package.json: `make bench` only)
#
# Nothing here downloads a prebuilt binary or a browser: everything comes from
# crates.io, Debian's packages or the npm registry.
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

WASM_PACK_VERSION=0.15.1   # installed when `wasm-pack --version` is not 0.15.x

step() { printf '==> %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

# --- Rust target and components ---------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    step "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
fi
missing_components=()
cargo clippy --version >/dev/null 2>&1 || missing_components+=(clippy)
cargo fmt --version >/dev/null 2>&1 || missing_components+=(rustfmt)
if [ ${#missing_components[@]} -gt 0 ]; then
    step "rustup component add ${missing_components[*]}"
    rustup component add "${missing_components[@]}"
fi

# --- wasm-pack ----------------------------------------------------------------------
# (The npm package `wasm-pack` downloads a prebuilt binary: not usable here.)
if ! wasm-pack --version 2>/dev/null | grep -q '^wasm-pack 0\.15\.'; then
    step "cargo install wasm-pack $WASM_PACK_VERSION (a few minutes)"
    cargo install wasm-pack --locked --version "$WASM_PACK_VERSION"
fi

# --- cargo-fuzz, for the fuzz smoke run of make test (only where nightly is) --------
# The machines come with a nightly toolchain beside stable; cargo-fuzz needs it.
if cargo +nightly --version >/dev/null 2>&1 && ! command -v cargo-fuzz >/dev/null; then
    step "cargo install cargo-fuzz (a couple of minutes)"
    cargo install cargo-fuzz --locked
fi

# --- wasm-bindgen-cli, the exact version of the wasm-bindgen crate in Cargo.lock ------
# A different CLI version fails the build ("schema version ... must exactly match"), and
# without one in PATH wasm-pack would cargo-install its own copy into its cache on every
# fresh machine. No --locked: with it, resolution fails on a dependency version that
# the registry here does not serve.
bindgen_version=$(awk '
    /^\[\[package\]\]/ { in_pkg = 0 }
    /^name = "wasm-bindgen"$/ { in_pkg = 1; next }
    in_pkg && /^version = / { gsub(/"/, "", $3); print $3; exit }
' Cargo.lock 2>/dev/null || true)
if [ -n "$bindgen_version" ]; then
    if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $bindgen_version" ]; then
        step "cargo install wasm-bindgen-cli --version $bindgen_version (a few minutes)"
        cargo install wasm-bindgen-cli --version "$bindgen_version" --force
    fi
else
    echo "note: no wasm-bindgen in Cargo.lock; skipping wasm-bindgen-cli" >&2
fi

# --- Chromium and its driver from Debian ----------------------------------------------
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    step "apt-get install chromium chromium-driver"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
fi

# --- npm devDependencies (wasm-opt from binaryen, playwright-core, axe-core) ----------
# Reinstall only when node_modules is missing or older than package.json / its lockfile
# (npm keeps its own record of the install in node_modules/.package-lock.json).
npm_stamp=node_modules/.package-lock.json
if [ ! -f "$npm_stamp" ] || [ ! -x node_modules/.bin/wasm-opt ] \
    || [ package.json -nt "$npm_stamp" ] \
    || { [ -f package-lock.json ] && [ package-lock.json -nt "$npm_stamp" ]; }; then
    if [ -f package-lock.json ]; then
        step "npm ci"
        npm ci --no-audit --no-fund
    else
        step "npm install"
        npm install --no-audit --no-fund
    fi
fi

# --- Summary --------------------------------------------------------------------------
echo "tools: $(rustc --version | cut -d' ' -f1-2), $(wasm-pack --version)," \
    "$(wasm-bindgen --version 2>/dev/null || echo 'no wasm-bindgen')," \
    "wasm-opt $(wasm-opt --version | awk '{print $3}')," \
    "$(/usr/bin/chromium --version 2>/dev/null | tr -s ' ' | sed 's/ $//')," \
    "playwright-core $(node -p 'require("playwright-core/package.json").version')," \
    "axe-core $(node -p 'require("axe-core/package.json").version')"
