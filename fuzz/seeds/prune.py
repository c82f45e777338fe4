#!/usr/bin/env python3
"""Keeps the committed corpus small (< 2 MB): after `cargo +nightly fuzz cmin <target>`
(whose merge prefers small inputs), keeps every named seed plus the smallest fuzzer-made
inputs (40-hex names) up to a byte budget per target. Run from fuzz/."""
import os, re

BUDGETS = {"json_bytes": 300_000, "csv_bytes": 300_000, "csv_chunks": 250_000,
           "load_path": 300_000, "xlsx_bytes": 500_000, "csv_parallel": 250_000}
for target, budget in BUDGETS.items():
    d = f"corpus/{target}"
    files = [(os.path.getsize(os.path.join(d, f)), f) for f in os.listdir(d)]
    made = sorted(x for x in files if re.fullmatch(r"[0-9a-f]{40}", x[1]))
    total = sum(s for s, f in files if (s, f) not in made)
    kept = len(files) - len(made)
    for size, name in made:
        if total + size <= budget:
            total += size
            kept += 1
        else:
            os.remove(os.path.join(d, name))
    print(f"{target}: {kept} files, {total} bytes")
