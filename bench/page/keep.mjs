// Measures, in headless Chromium, how long the page takes to restore the warehouse it
// kept (www/keep.js): loads the generator's 1M-row files once, then reloads three times
// and prints what the worker timed (reading the snapshot, the engine's restore). Not
// part of `make test`:
//
//   cargo run --release -- generate --out /tmp/gen1m --tenants 100 --campaigns-per-tenant 10000
//   make wasm && node bench/page/keep.mjs
//
// GEN_DIR=/other/dir reads the generated files from there instead of /tmp/gen1m.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serve, CHROMIUM_ARGS } from '../../tests/e2e/server.mjs';
const server = await serve();
const base = `http://127.0.0.1:${server.address().port}/`;
const profile = await mkdtemp(join(tmpdir(), 'bi-keep-measure-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
const page = context.pages()[0] || await context.newPage();
await page.goto(base);
await page.waitForSelector('body[data-ready="true"]');
const dir = process.env.GEN_DIR || '/tmp/gen1m';
await page.setInputFiles('#file-input', ['campaigns.csv', 'sales_targets.xlsx', 'customers.json'].map((f) => join(dir, f)));
await page.waitForFunction(() => window.__bi.state.reports.length === 3 && window.__bi.kept?.kept > 0, null, { timeout: 900_000, polling: 500 });
console.log('kept', await page.evaluate(() => window.__bi.kept));
for (let i = 0; i < 3; i++) {
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
  const r = await page.evaluate(() => { const x = window.__bi.restored; return { kept: x.kept, ms: x.ms, readMs: x.readMs, restoreMs: x.restoreMs, problem: x.problem }; });
  console.log('restore', JSON.stringify(r));
}
await context.close(); server.close(); await rm(profile, { recursive: true, force: true });
