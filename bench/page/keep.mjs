// Measures, in headless Chromium, how long the page takes to restore the warehouse it
// kept (www/keep.js): loads the generator's 1M-row files once, then reloads three times
// and prints what the worker timed (reading the snapshot, the engine's restore). Not
// part of `make test`:
//
//   cargo run --release -- generate --out /tmp/gen1m --tenants 100 --campaigns-per-tenant 10000
//   make wasm && node bench/page/keep.mjs
//
// GEN_DIR=/other/dir reads the generated files from there instead of /tmp/gen1m.
import { join } from 'node:path';
import { launch, waitReady } from '../../tests/e2e/harness.mjs';

const session = await launch('measure-keep');
const page = await session.open();
const dir = process.env.GEN_DIR || '/tmp/gen1m';
await page.setInputFiles('#file-input', ['campaigns.csv', 'sales_targets.xlsx', 'customers.json'].map((f) => join(dir, f)));
await page.waitForFunction(() => window.__bi.state.reports.length === 3 && window.__bi.kept?.kept > 0, null, { timeout: 900_000, polling: 500 });
console.log('kept', await page.evaluate(() => window.__bi.kept));
for (let i = 0; i < 3; i++) {
  await page.reload();
  await waitReady(page, { timeout: 120_000 });
  const r = await page.evaluate(() => { const x = window.__bi.restored; return { kept: x.kept, ms: x.ms, readMs: x.readMs, restoreMs: x.restoreMs, problem: x.problem }; });
  console.log('restore', JSON.stringify(r));
}
await session.close();
