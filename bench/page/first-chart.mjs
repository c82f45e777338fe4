// Measures, in headless Chromium, the time from handing files to the page to the first
// chart drawn. Not part of `make test` (the 1M-row file takes a while to generate):
//
//   cargo run --release -- generate --out /tmp/gen1m --tenants 100 --campaigns-per-tenant 10000
//   make wasm && node bench/page/first-chart.mjs [/tmp/gen1m/campaigns.csv ...]
// SHOTS=dir also saves a full-page screenshot of each run there; QUERY='?workers=1'
// opens the page with that query (one worker reads the file: the comparison for the
// parallel read).
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { launch, SEED_FILES } from '../../tests/e2e/harness.mjs';

const runs = [
  { label: 'seed files', files: SEED_FILES },
  { label: 'generator 1M rows', files: process.argv.slice(2).length ? process.argv.slice(2) : ['/tmp/gen1m/campaigns.csv'] },
];

for (const run of runs) {
  const session = await launch('measure-first-chart');
  const page = await session.open(process.env.QUERY || '');
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
  await session.close();
}
