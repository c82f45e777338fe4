// Measures, in headless Chromium, what a click-to-filter costs the page at 1M campaign
// rows: from the click to the new view drawn (the frame after the charts, KPIs and the
// open tab's table are rendered) and to every table built (the hidden tabs' tables are
// built after that frame), split into the view (the worker's engine computing every
// dashboard, plus the trip back) and the rendering on the page's thread. Not part of `make test` (the 1M-row file takes a while to load):
//
//   cargo run --release -- generate --out /tmp/gen1m --tenants 100 --campaigns-per-tenant 10000
//   make wasm && RUNS=5 [KEEP_VIEWS=1] node bench/page/crossfilter.mjs [FILE ...]
// (default: the generator's three files in /tmp/gen1m: campaigns, targets, customers).
import { launch } from '../../tests/e2e/harness.mjs';

const files = process.argv.length > 2 ? process.argv.slice(2)
  : ['campaigns.csv', 'sales_targets.xlsx', 'customers.json'].map((f) => `/tmp/gen1m/${f}`);
const runs = Number(process.env.RUNS || 5);
const session = await launch('measure-crossfilter', { viewport: { width: 1280, height: 900 } });
const page = await session.open('?keep=indexeddb');
await page.setInputFiles('#file-input', files);
await page.waitForFunction((n) => window.__bi.firstChartAt != null && document.getElementById('progress').hidden
  && window.__bi.state.reports.length >= n, files.length, { timeout: 900_000, polling: 250 });
await page.waitForTimeout(1000);
const rows = await page.evaluate(() => window.__bi.state.reports.reduce((n, r) => n + r.rows_loaded, 0));
console.log(`${rows} campaign rows loaded`);

// One click: a real mouse click on a mark (the hit test included) or, for a value with
// no mark on screen, the page function a table cell calls. Returns the milliseconds from
// the click to the view rendered and to the next frame, and the split.
async function click(kind, arg) {
  return page.evaluate(async ({ kind, arg, keep }) => {
    // The engine keeps the last few views and sends one asked again as it was: unless
    // KEEP_VIEWS=1, each click's view is computed afresh.
    if (!keep) await window.__bi.forgetViews();
    const n = window.__bi.filterChanges || 0;
    const start = performance.now();
    if (kind === 'mark') {
      const { chart, marks } = window.__bi.chartMarks(arg.chart);
      const r = marks.regions.find((m) => m.mark === arg.mark && (arg.category == null || chart.categories[m.category] === arg.category));
      if (!r) throw new Error(`no ${arg.mark} of ${arg.category ?? 'any category'} in ${arg.chart} (${marks.regions.length} marks; ${JSON.stringify(chart.categories).slice(0, 200)})`);
      const canvas = document.querySelector(`canvas[data-chart="${arg.chart}"]`);
      const box = canvas.getBoundingClientRect();
      const k = box.width / canvas.width;
      canvas.dispatchEvent(new MouseEvent('click', {
        bubbles: true, ctrlKey: Boolean(arg.add),
        clientX: box.left + ((r.x0 + r.x1) / 2) * k, clientY: box.top + ((r.y0 + r.y1) / 2) * k,
      }));
      while ((window.__bi.filterChanges || 0) === n) await new Promise((ok) => setTimeout(ok, 0));
    } else {
      await window.__bi.filterBy(arg.field, arg.value, { add: Boolean(arg.add) });
    }
    const shown = performance.now();
    await new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0)));
    const { askedAt, drawnAt, view, render } = window.__bi.lastRefresh;
    return { drawn: drawnAt - start, total: shown - start, frame: performance.now() - start, before: askedAt - start, view, render };
  }, { kind, arg, keep: process.env.KEEP_VIEWS === '1' });
}

const channel = await page.evaluate(() => window.__bi.chartMarks('channels').chart.categories[0]);
const cases = [
  ['channel bar (all tenants)', 'mark', { chart: 'channels', mark: 'bar', category: channel }],
  ['same bar again (cleared)', 'mark', { chart: 'channels', mark: 'bar', category: channel }],
  ['tenant bar', 'mark', { chart: 'tenants', mark: 'bar' }],
  ['tenant cleared', 'mark', { chart: 'tenants', mark: 'bar' }],
  ['month bar (attainment)', 'mark', { chart: 'attainment', mark: 'bar' }],
  ['month cleared', 'mark', { chart: 'attainment', mark: 'bar' }],
  ['day point (trend)', 'mark', { chart: 'trend', mark: 'point' }],
  ['day cleared', 'mark', { chart: 'trend', mark: 'point' }],
];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = new Map();
for (let run = 0; run < runs + 1; run++) {
  for (const [label, kind, arg] of cases) {
    const r = await click(kind, arg);
    if (run === 0) continue; // warm-up
    if (!results.has(label)) results.set(label, []);
    results.get(label).push(r);
  }
}
console.log(`median of ${runs} (after a warm-up), ms:`);
console.log('| click | to the new view drawn (next frame) | to every table built | before the view is asked (hit test) | view (worker + transfer) | render (page thread: charts, KPIs, open table) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const [label, rs] of results) {
  const f = (k) => median(rs.map((r) => r[k])).toFixed(1);
  console.log(`| ${label} | ${f('drawn')} | ${f('total')} | ${f('before')} | ${f('view')} | ${f('render')} |`);
}
await session.close();
