// Measures, in headless Chromium, the time from handing files to the page to the first
// chart drawn. Not part of `make test` (the 1M-row file takes a while to generate):
//
//   cargo run --release -- generate --out /tmp/gen1m --tenants 100 --campaigns-per-tenant 10000
//   make wasm && node bench/page/first-chart.mjs [/tmp/gen1m/campaigns.csv ...]
// SHOTS=dir also saves a full-page screenshot of each run there; QUERY='?workers=1'
// opens the page with that query (one worker reads the file: the comparison for the
// parallel read).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serve, ROOT, CHROMIUM_ARGS } from '../../tests/e2e/server.mjs';

const SEED = join(ROOT, '..', 'shared', 'seed-data');
const runs = [
  { label: 'seed files', files: [join(SEED, 'marketing_campaigns.csv'), join(SEED, 'sales_targets.xlsx')] },
  { label: 'generator 1M rows', files: process.argv.slice(2).length ? process.argv.slice(2) : ['/tmp/gen1m/campaigns.csv'] },
];

const server = await serve();
const base = `http://127.0.0.1:${server.address().port}/`;
for (const run of runs) {
  const profile = await mkdtemp(join(tmpdir(), 'bi-measure-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] || await context.newPage();
  await page.goto(`${base}${process.env.QUERY || ''}`);
  await page.waitForSelector('body[data-ready="true"]');
  let size = 0;
  for (const f of run.files) size += (await stat(f)).size;
  await page.setInputFiles('#file-input', run.files);
  await page.waitForFunction(() => window.__bi.firstChartAt != null, null, { timeout: 600_000, polling: 100 });
  const { ms, rows } = await page.evaluate(() => ({
    ms: window.__bi.firstChartAt - window.__bi.dropAt,
    rows: window.__bi.state.reports.reduce((n, r) => n + r.rows_read, 0),
  }));
  console.log(`${run.label}: ${(size / 1e6).toFixed(1)} MB, ${rows} rows, files to first chart ${(ms / 1000).toFixed(2)} s`
    + ` (${Math.round(rows / (ms / 1000))} rows/s)`);
  if (process.env.SHOTS) {
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(process.env.SHOTS, `${run.label.replace(/\W+/g, '-')}.png`), fullPage: true });
  }
  await context.close();
  await rm(profile, { recursive: true, force: true });
}
server.close();
