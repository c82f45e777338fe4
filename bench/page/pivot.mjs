// Measures the Pivot tab at 1M campaign rows in headless Chromium (issue 13: two
// dimensions by three measures within 100 ms in the page, goal 30 ms): channel x month
// by spend, revenue and CTR, for all tenants and for one tenant; each run is timed from
// the request leaving the page to the table laid out (worker round trip, engine,
// structured clone, DOM), and the engine's own share is reported beside it. Not part of
// `make test` (the file takes a while to generate and load):
//
//   cargo run --release -- generate --out /tmp/gen1m --tenants 100 --campaigns-per-tenant 10000
//   make wasm && node bench/page/pivot.mjs [/tmp/gen1m/campaigns.csv]
// RUNS=n timed runs per case (default 15, after 3 warm-ups); SHOTS=dir saves a screenshot.
import { join } from 'node:path';
import { launch } from '../../tests/e2e/harness.mjs';

const file = process.argv[2] || '/tmp/gen1m/campaigns.csv';
const RUNS = Number(process.env.RUNS || 15);
const session = await launch('measure-pivot', { viewport: { width: 1280, height: 900 } });
const page = await session.open();
await page.setInputFiles('#file-input', [file]);
await page.waitForFunction(() => window.__bi.firstChartAt != null && document.getElementById('progress').hidden, null, { timeout: 900_000, polling: 250 });
const rows = await page.evaluate(() => window.__bi.state.reports.reduce((n, r) => n + r.rows_loaded, 0));

const runs = () => page.evaluate(() => window.__bi.pivot?.runs || 0);
async function once(act) {
  const n = await runs();
  await act();
  await page.waitForFunction((k) => (window.__bi.pivot?.runs || 0) > k, n, { timeout: 60_000, polling: 'raf' });
  return page.evaluate(() => window.__bi.pivot);
}
await page.click('#tab-pivot');
await page.waitForSelector('[data-key="pivot-add-rows:channel"]');
await page.click('[data-key="pivot-add-rows:channel"]');
await page.click('[data-key="pivot-add-columns:month"]');
await page.click('[data-key="pivot-add-measure:sum:spend"]');
await once(() => page.click('[data-key="pivot-add-measure:sum:revenue"]'));
await once(() => page.click('[data-key="pivot-add-measure:ctr"]'));

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
async function measure(label) {
  const page_ = []; const engine = [];
  for (let i = 0; i < RUNS + 3; i += 1) {
    // Sorting by the first value column and back recomputes the same pivot.
    const t = await once(() => page.click('table[data-pivot] [data-key="pivot-sort:0"]'));
    if (i >= 3) { page_.push(t.ms); engine.push(t.engineMs); }
  }
  const shape = await page.evaluate(() => [document.querySelectorAll('table[data-pivot] tbody tr').length, document.querySelectorAll('table[data-pivot] tbody tr:first-child td').length]);
  console.log(`${label}: ${rows} rows, pivot channel x month by spend, revenue, CTR (${shape[0]} rows x ${shape[1]} value columns): `
    + `page median ${median(page_).toFixed(1)} ms (max ${Math.max(...page_).toFixed(1)}), engine median ${median(engine).toFixed(1)} ms, ${RUNS} runs`);
}
await measure('all tenants');
await page.evaluate(() => {
  window.__bi.state.query.tenants = ['tenant_001'];
});
await once(() => page.click('[data-key="pivot-add-rows:tenant"]'));
await once(() => page.click('#pivot-zone-rows [data-id="tenant"] [data-act="remove"]'));
await measure('one tenant (tenant_001)');
if (process.env.SHOTS) await page.screenshot({ path: join(process.env.SHOTS, 'pivot-1m.png') });
await session.close();
