// Measures the pivot's XLSX export in headless Chromium: from the "Export pivot XLSX"
// click to the download, the first time (fetching and compiling the XLSX module,
// www/pkg-xlsx/) and after (the module ready), for a large pivot: one tenant's campaigns
// by month, sum of spend (tens of thousands of rows, up to the pivot's 200,000 cells).
// Not part of `make test`:
//
//   cargo run --release -- generate --out /tmp/gen100k --tenants 10 --campaigns-per-tenant 10000
//   make wasm && node bench/page/pivot-xlsx.mjs [/tmp/gen100k/campaigns.csv]
// RUNS=n timed exports after the first (default 5).
import { stat } from 'node:fs/promises';
import { launch } from '../../tests/e2e/harness.mjs';

const file = process.argv[2] || '/tmp/gen100k/campaigns.csv';
const RUNS = Number(process.env.RUNS || 5);
const session = await launch('measure-pivot-xlsx', { viewport: { width: 1280, height: 900 }, downloads: true });
const page = await session.open();
await page.setInputFiles('#file-input', [file]);
await page.waitForFunction(() => window.__bi.firstChartAt != null && document.getElementById('progress').hidden, null, { timeout: 900_000, polling: 250 });

const runs = () => page.evaluate(() => window.__bi.pivot?.runs || 0);
async function once(act) {
  const n = await runs();
  await act();
  await page.waitForFunction((k) => (window.__bi.pivot?.runs || 0) > k, n, { timeout: 120_000, polling: 'raf' });
}
await page.evaluate(() => { window.__bi.state.query.tenants = ['tenant_001']; });
await page.click('#tab-pivot');
await page.waitForSelector('[data-key="pivot-add-rows:campaign"]');
await page.click('[data-key="pivot-add-rows:campaign"]');
await page.click('[data-key="pivot-add-columns:month"]');
await once(() => page.click('[data-key="pivot-add-measure:sum:spend"]'));
const shape = await page.evaluate(() => [document.querySelectorAll('table[data-pivot] tbody tr').length, document.querySelectorAll('table[data-pivot] tbody tr:first-child td').length]);

async function exportOnce() {
  const started = Date.now();
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 300_000 }), page.click('#pivot-export-xlsx')]);
  const ms = Date.now() - started;
  const { size } = await stat(await download.path());
  return { ms, size };
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const first = await exportOnce();
const later = [];
for (let i = 0; i < RUNS; i += 1) later.push(await exportOnce());
console.log(`pivot of ${shape[0]} rows x ${shape[1]} value columns (${shape[0] * shape[1]} cells): XLSX export, click to download: `
  + `first ${first.ms} ms (module fetched and compiled), then median ${median(later.map((r) => r.ms))} ms of ${RUNS}; file ${first.size} bytes`);
await session.close();
