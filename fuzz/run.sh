#!/usr/bin/env bash
# Runs the fuzz targets one after another, each for SECONDS seconds (one process, one
# job), then prints each target's executions and coverage from libFuzzer's final
# lines. Needs the nightly toolchain and cargo-fuzz.
#
#   fuzz/run.sh [SECONDS] [TARGET...]      default: 240 s, every target
#
# With FUZZ_KEEP=0 (make fuzz-smoke) new inputs go to a temporary directory and the
# committed corpus is only read.
#
# FUZZ_SANITIZER (default address) is cargo-fuzz's --sanitizer: `none` runs csv_parallel
# much faster at little loss (the engine's only unsafe code is its counting allocator;
# what that target checks is the split, by comparison). FUZZ_TRACE_COMPARES=0 builds
# without comparison tracing (--no-trace-compares: for csv_parallel the comparison hooks
# cost more than the loads; the dictionary fuzz/dicts/csv.dict, given to every csv_*
# target, supplies the tokens tracing would find). FUZZ_MAX_LEN (default 262144) caps an
# input.
#
# New corpus entries go to fuzz/corpus/<target>/ (minimise with `cargo +nightly fuzz
# cmin <target>` before committing); crashes to fuzz/artifacts/<target>/: copy a fixed
# one to fuzz/regressions/<target>/ so crates/fuzz-checks/tests/fuzz_regressions.rs
# replays it.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-240}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(csv_bytes csv_chunks csv_parallel xlsx_bytes json_bytes load_path parquet_bytes sql_text snapshot_bytes)
mkdir -p logs
build=(-s "${FUZZ_SANITIZER:-address}")
[[ ${FUZZ_TRACE_COMPARES:-1} == 0 ]] && build+=(--no-trace-compares)
cargo +nightly fuzz build "${build[@]}" >/dev/null
status=0
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  log="logs/$target.log"
  echo "== $target: ${seconds}s"
  dirs=("corpus/$target")
  if [[ ${FUZZ_KEEP:-1} == 0 ]]; then
    scratch=$(mktemp -d)
    dirs=("$scratch" "corpus/$target")
  fi
  dict=()
  [[ $target == csv_* ]] && dict=(-dict=dicts/csv.dict)
  if ! cargo +nightly fuzz run "${build[@]}" "$target" "${dirs[@]}" -- "${dict[@]}" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="${FUZZ_MAX_LEN:-262144}" \
      -print_final_stats=1 >"$log" 2>&1; then
    status=1
    echo "   FAILED: see fuzz/$log and fuzz/artifacts/$target/"
  fi
  if [[ ${FUZZ_KEEP:-1} == 0 ]]; then rm -rf "$scratch"; fi
  grep -E '^#[0-9]+[[:space:]]+DONE|^Done [0-9]+ runs|^stat::number_of_executed_units|^stat::average_exec_per_sec|^stat::peak_rss_mb' "$log" | sed 's/^/   /' || true
done
exit $status
