#!/usr/bin/env bash
# Dependency audits, run by `make test`: npm's advisories for the packages `make test`
# and `make serve` install (package-lock.json and editor/package-lock.json; the
# benchmark's own bench/package-lock.json is not installed by them, see docs/engine.md,
# "Dependencies"), and RustSec's for Cargo.lock.
#
# Each audit needs its advisory database from the network. Where that cannot be
# reached (npm's bulk advisory endpoint, or github.com for the RustSec database), the
# audit prints a line saying it was skipped and why, and does not fail the build; a
# finding fails it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

# --- npm ------------------------------------------------------------------------------
# `npm audit` exits 1 both for findings and for an unreachable endpoint: tell them apart
# by the JSON it prints.
# The root's packages (package-lock.json) and the SQL editor's (editor/package-lock.json,
# installed by `make wasm`).
for dir in . editor; do
if [ "$dir" = . ]; then lock=package-lock.json; else lock="$dir/package-lock.json"; fi
npm_json=$(cd "$dir" && npm audit --json 2>/dev/null || true)
npm_verdict=$(node -e '
    let r; try { r = JSON.parse(require("fs").readFileSync(0, "utf8")); } catch { r = null; }
    if (!r || !r.metadata) { console.log("skip " + ((r && ((r.error && (r.error.summary || r.error.code)) || r.message)) || "no answer")); process.exit(0); }
    const v = r.metadata.vulnerabilities || {};
    const n = Object.values(v).reduce((a, b) => a + b, 0) - (v.total || 0);
    console.log(n === 0 ? "clean" : "found " + n + " " + JSON.stringify(Object.keys(r.vulnerabilities || {})));
' <<<"$npm_json")
case "$npm_verdict" in
    clean) echo "npm audit: no known vulnerabilities in $lock" ;;
    skip*) echo "npm audit skipped for $lock: the registry's advisory endpoint did not answer (${npm_verdict#skip }); run \`npm audit\` where it does" ;;
    *) echo "npm audit ($lock): ${npm_verdict}" >&2; (cd "$dir" && npm audit >&2) || true; exit 1 ;;
esac
done

# --- cargo ----------------------------------------------------------------------------
# cargo-audit fetches the RustSec advisory database from GitHub. Installed (a couple of
# minutes) only where that database can be fetched.
if timeout 15 git ls-remote https://github.com/rustsec/advisory-db HEAD >/dev/null 2>&1; then
    if ! cargo audit --version >/dev/null 2>&1; then
        echo "==> cargo install cargo-audit --locked (a couple of minutes)"
        cargo install cargo-audit --locked
    fi
    cargo audit
else
    echo "cargo audit skipped: the RustSec advisory database (github.com/rustsec/advisory-db) cannot be reached from here; run \`cargo audit\` where it can"
fi
