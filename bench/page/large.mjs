// Measures, in headless Chromium, a large file picked on the page: the time from picking
// it to the first chart drawn, the rows loaded, and the peak memory of the page's
// renderer processes (the page, its engine worker and parsing workers). Not part of
// `make test` (the files take minutes to generate and load):
//
//   cargo run --release -- generate --out /tmp/gen10m --tenants 100 --campaigns-per-tenant 100000
//   make wasm && node bench/page/large.mjs /tmp/gen10m/campaigns.csv [more.csv ...]
//
// Each file is measured in a fresh browser. The peak is sampled (processes.mjs): the sum
// of the renderers' VmRSS every 50 ms, the maximum kept.
import { stat } from 'node:fs/promises';
import { launch } from '../../tests/e2e/harness.mjs';
import { rendererPids, rss } from './processes.mjs';

const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: node bench/page/large.mjs FILE.csv [...]');
  process.exit(2);
}

// Renderer processes of the browser started with `profile`.
const renderersOf = (profile) => rendererPids((pid, cmd) => cmd.includes(profile) && !cmd.includes('--type='));
const memory = (pids) => pids.reduce((sum, pid) => sum + (rss(pid) || 0), 0);

for (const file of files) {
  const session = await launch('measure-large');
  const { profile } = session;
  const page = await session.open(process.env.QUERY || '');
  let pids = renderersOf(profile);
  let peak = 0;
  let ticks = 0;
  const sampler = setInterval(() => {
    if (++ticks % 20 === 0) pids = renderersOf(profile);
    peak = Math.max(peak, memory(pids));
  }, 50);
  const idle = memory(pids);
  const size = (await stat(file)).size;
  await page.setInputFiles('#file-input', [file]);
  await page.waitForFunction(() => window.__bi.firstChartAt != null || document.getElementById('errors').textContent.trim() !== '',
    null, { timeout: 1_800_000, polling: 250 });
  clearInterval(sampler);
  const { ms, rows, loaded, errors } = await page.evaluate(() => ({
    ms: (window.__bi.firstChartAt ?? performance.now()) - window.__bi.dropAt,
    rows: window.__bi.state.reports.reduce((n, r) => n + r.rows_read, 0),
    loaded: window.__bi.state.reports.reduce((n, r) => n + r.rows_loaded, 0),
    errors: document.getElementById('errors').textContent.trim(),
  }));
  console.log(`${file}: ${(size / 1e6).toFixed(0)} MB, ${rows} rows read, ${loaded} loaded, picked to first chart `
    + `${(ms / 1000).toFixed(1)} s, renderers' peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB (idle page ${(idle / 2 ** 20).toFixed(0)} MiB)`
    + (errors ? `; errors: ${errors}` : ''));
  await session.close();
}
