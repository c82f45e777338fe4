#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the project's fixtures, ../shared/seed-data/ and the
# hand-made seeds of fuzz/seeds/ (make_seeds.py). Idempotent; run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
root=..
seed=$root/../shared/seed-data
mkdir -p corpus/{csv_bytes,csv_chunks,xlsx_bytes,json_bytes,load_path}
(cd seeds && python3 make_seeds.py)
small_csv=$(mktemp)
head -n 30 "$seed/marketing_campaigns.csv" >"$small_csv"
i=0
for f in "$root"/tests/fixtures/chunk_*.csv "$small_csv"; do
  name=$(basename "$f"); [[ $f == "$small_csv" ]] && name=seed_campaigns_head.csv
  cp "$f" "corpus/csv_bytes/$name"
  { printf "\\x$(printf %02x $((i % 4)))"; cat "$f"; } >"corpus/csv_chunks/$name"
  i=$((i + 1))
done
cp "$seed/marketing_campaigns.csv" corpus/csv_bytes/seed_marketing_campaigns.csv
cp seeds/xlsx/*.xlsx corpus/xlsx_bytes/
cp "$seed/sales_targets.xlsx" corpus/xlsx_bytes/seed_sales_targets.xlsx
cp seeds/json/*.json corpus/json_bytes/
{ cat "$small_csv"; printf '\0\0FILE\0\0'; cat seeds/xlsx/two_sheets_1904.xlsx; printf '\0\0FILE\0\0'; cat seeds/json/paged.json; } >corpus/load_path/csv_xlsx_json
{ cat "$root"/tests/fixtures/chunk_lf.csv; printf '\0\0FILE\0\0'; cat "$root"/tests/fixtures/chunk_lf.csv; printf '\0\0FILE\0\0'; cat seeds/xlsx/campaigns_stored.xlsx; } >corpus/load_path/reload_and_replace
cp seeds/json/lines.json corpus/load_path/lines.json
rm -f "$small_csv"
# csv_parallel: each multi-piece seed under a few first bytes: 0x35 outsourced to 5
# workers from 97-byte runs in 4 KB chunks, 0x12 on 5 threads from 33 bytes in 7-byte
# chunks, 0x23 outsourced to 2 workers from 65 bytes in 64-byte chunks, 0x0d outsourced
# to 5 workers from 17 bytes in 1-byte chunks (crates/fuzz-checks/src/lib.rs, check_parallel).
mkdir -p corpus/csv_parallel
for f in seeds/csv/*.csv; do
  for s in 35 12 23 0d; do
    { printf "\\x$s"; cat "$f"; } >"corpus/csv_parallel/$(basename "$f" .csv)_$s"
  done
done
du -sh corpus
