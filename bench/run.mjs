#!/usr/bin/env node
// Browser benchmark: our wasm engine vs DuckDB-WASM (and SheetJS for XLSX) in the same
// headless Debian Chromium, on the same generated files, served from memory on
// 127.0.0.1. Prints one table; exits 1 when DuckDB's dashboard numbers differ from ours
// (or a run fails). See BENCHMARKS.md.
//
//   node bench/run.mjs                      # 1M campaign rows, median of 5 after a warm-up
//   BENCH_ROWS=100000 node bench/run.mjs    # smaller
//
// Environment: BENCH_ROWS (campaign rows, default 1000000, 100 skewed tenants),
// BENCH_RUNS (timed runs, default 5; one warm-up run comes first),
// BENCH_XLSX_TENANTS (XLSX workbook for the parsing race: 240 rows per tenant,
// default 834 = 200,160 rows), BENCH_COI=1 (serve COOP/COEP headers so DuckDB may pick
// its multi-threaded "coi" bundle), CHROMIUM (default /usr/bin/chromium),
// BI_PLATFORM (the CLI that generates the files, default target/release/bi-platform).
//
// Needs `make wasm` (www/pkg and www/pkg-sql, the SQL parser module), the root node_modules (playwright-core) and bench/node_modules
// (DuckDB-WASM and SheetJS, bench/package.json) first; `make bench` does all three.
//
// Then, on the same generated files, the product page itself (issue 13): click to
// filter (bench/page/crossfilter.mjs: a click on a chart mark to every chart, KPI
// and table redrawn) and the Pivot tab (bench/page/pivot.mjs: channel x month by
// three measures), each in its own headless Chromium once the engines above are closed;
// their medians join the same table.

import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { rendererPids as rendererPidsOf, rss } from './page/processes.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const XLSX = require('xlsx');

const ROWS = Number(process.env.BENCH_ROWS || 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS || 5);
const XLSX_TENANTS = Number(process.env.BENCH_XLSX_TENANTS || 834);
const COI = process.env.BENCH_COI === '1';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CLI = process.env.BI_PLATFORM || join(root, 'target/release/bi-platform');
const TENANTS = 100;

const say = (text) => process.stderr.write(`${text}\n`);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const MB = 1e6;

// ------------------------------------------------------------------ the input files
function generate(dir, tenants, perTenant, customers) {
  const args = ['generate', '--out', dir, '--tenants', String(tenants),
    '--campaigns-per-tenant', String(perTenant), '--customers-per-tenant', String(customers)];
  const run = spawnSync(CLI, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0) throw new Error(`${CLI} ${args.join(' ')} failed (build it with cargo build --release)`);
}

if (!existsSync(CLI)) {
  say('building the command line (cargo build --release) to generate the files');
  const build = spawnSync('cargo', ['build', '--release'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), 'bi-bench-'));
say(`generating ${ROWS} campaign rows (${TENANTS} skewed tenants) and a ${XLSX_TENANTS * 240}-row workbook in ${work}`);
generate(join(work, 'main'), TENANTS, Math.round(ROWS / TENANTS), 50);
generate(join(work, 'xlsx'), XLSX_TENANTS, 1, 1);
const files = {
  'campaigns.csv': readFileSync(join(work, 'main/campaigns.csv')),
  'sales_targets.xlsx': readFileSync(join(work, 'main/sales_targets.xlsx')),
  'customers.json': readFileSync(join(work, 'main/customers.json')),
  'targets_big.xlsx': readFileSync(join(work, 'xlsx/sales_targets.xlsx')),
};
// DuckDB-WASM reads XLSX only through its excel extension, which it would fetch from a
// CDN: it gets the same targets sheet as CSV (SheetJS's sheet_to_csv of our workbook).
{
  const wb = XLSX.read(files['sales_targets.xlsx']);
  files['sales_targets.csv'] = Buffer.from(XLSX.utils.sheet_to_csv(wb.Sheets[wb.SheetNames[0]]));
}
// DuckDB-WASM 1.32's read_json fails in the browser ("function signature mismatch"),
// so it gets the customers as CSV too (same rows and values; written here).
{
  const customers = JSON.parse(files['customers.json']);
  const cols = Object.keys(customers[0]);
  const cell = (v) => (v === null || v === undefined ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
  files['customers.csv'] = Buffer.from(`${cols.join(',')}\n${customers.map((c) => cols.map((k) => cell(c[k])).join(',')).join('\n')}\n`);
}
// The generated files stay on disk for the page measurements (removed in cleanup()).

// ------------------------------------------------------------------ the server
const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.map': 'application/json',
  '.csv': 'text/csv', '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', '.svg': 'image/svg+xml',
  '.png': 'image/png',
};
const served = new Map(); // path -> bytes, every static file the browser fetched
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  const headers = { 'Cache-Control': 'no-store' };
  if (COI) Object.assign(headers, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
  if (url.pathname.startsWith('/bench-data/')) {
    const body = files[decodeURIComponent(url.pathname.slice('/bench-data/'.length))];
    if (!body) { res.writeHead(404, headers).end(); return; }
    res.writeHead(200, { ...headers, 'Content-Type': 'application/octet-stream', 'Content-Length': body.length }).end(body);
    return;
  }
  const path = normalize(join(root, decodeURIComponent(url.pathname)));
  if (!path.startsWith(root + sep) || !existsSync(path) || !statSync(path).isFile()) {
    res.writeHead(404, headers).end();
    return;
  }
  const size = statSync(path).size;
  served.set(path, size);
  res.writeHead(200, { ...headers, 'Content-Type': MIME[extname(path)] || 'application/octet-stream', 'Content-Length': size });
  createReadStream(path).pipe(res);
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;

// ------------------------------------------------------------------ the browser
const profile = mkdtempSync(join(tmpdir(), 'bi-bench-profile-'));
const browserProcess = spawn(CHROMIUM, [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  `--user-data-dir=${profile}`, '--remote-debugging-port=0',
  // No network but localhost: every other host name fails to resolve.
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
  // No spare renderer, so that each page's renderer process can be told apart.
  '--disable-features=SpareRendererForSitePerProcess',
  'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe'] });
const wsEndpoint = await new Promise((ok, fail) => {
  let text = '';
  browserProcess.stderr.on('data', (chunk) => {
    text += chunk;
    const m = /DevTools listening on (ws:\/\/\S+)/.exec(text);
    if (m) ok(m[1]);
  });
  browserProcess.on('exit', (code) => fail(new Error(`chromium exited (${code}): ${text}`)));
});
const browser = await chromium.connectOverCDP(wsEndpoint);
const chromiumVersion = browser.version();

async function cleanup() {
  const exited = new Promise((ok) => { if (browserProcess.exitCode !== null) ok(); else browserProcess.once('exit', ok); });
  try { browserProcess.kill('SIGKILL'); } catch { /* gone */ }
  await exited;
  server.close();
  rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  rmSync(work, { recursive: true, force: true });
}

// ------------------------------------------------------------------ the page itself
// Runs one of the page's measurement scripts (bench/page/*.mjs) on the generated
// files, in its own browser; returns its stdout, or null (and says why) when it fails.
function measurePage(script, args, runs) {
  say(`page measurement: node ${script} ${args.join(' ')} (RUNS=${runs})`);
  const run = spawnSync(process.execPath, [join(root, script), ...args], {
    cwd: root, env: { ...process.env, RUNS: String(runs) }, encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'], timeout: 1_800_000, maxBuffer: 16 << 20,
  });
  if (run.status !== 0) {
    say(`${script} failed (${run.error?.message || `exit ${run.status}`}):\n${run.stdout || ''}`);
    return null;
  }
  process.stderr.write(run.stdout);
  return run.stdout;
}

// bench/page/pivot.mjs: "LABEL: N rows, pivot ... (R rows x C value columns): page median
// P ms (max M), engine median E ms, K runs" per case.
function parsePivot(text) {
  return [...text.matchAll(/^(.+?): (\d+) rows, pivot (.+?) \((\d+) rows x (\d+) value columns\): page median ([\d.]+) ms \(max ([\d.]+)\), engine median ([\d.]+) ms/gm)]
    .map((m) => ({ label: m[1], what: m[3], shape: `${m[4]} x ${m[5]}`, page: Number(m[6]), max: Number(m[7]), engine: Number(m[8]) }));
}

// bench/page/crossfilter.mjs: a markdown table "| click | to view shown | to next frame |
// view (worker + transfer) | render (page thread) |" of medians.
function parseCrossfilter(text) {
  return text.split('\n').filter((l) => /^\| [^-|]/.test(l) && !l.startsWith('| click |'))
    .map((l) => l.split('|').slice(1, -1).map((c) => c.trim()))
    .map(([label, shown, frame, view, render]) => ({ label, shown: Number(shown), frame: Number(frame), view: Number(view), render: Number(render) }));
}

// Renderer processes of our browser (descendants of its pid with --type=renderer).
const rendererPids = () => rendererPidsOf((pid) => pid === browserProcess.pid);
const memoryOf = rss;
// Chromium resets its processes' VmHWM (it writes to /proc/self/clear_refs), so the
// peak is sampled: every renderer's VmRSS every 20 ms, the maximum kept per pid since
// the last mark.
const peaks = new Map();
const sampler = setInterval(() => {
  for (const pid of watched) peaks.set(pid, Math.max(peaks.get(pid) || 0, memoryOf(pid) || 0));
}, 20);
const watched = new Set();
function peakSince(pid) { const p = Math.max(peaks.get(pid) || 0, memoryOf(pid) || 0); peaks.set(pid, 0); return p; }

// One page per engine, each in its own browser context, hence its own renderer process.
async function openEngine(engine) {
  const before = new Set(rendererPids());
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => say(`[${engine}] page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') say(`[${engine}] ${m.text()}`); });
  await page.goto(`${origin}/bench/index.html?engine=${engine}`);
  const info = await page.evaluate(() => window.benchReady);
  await new Promise((ok) => setTimeout(ok, 500)); // the about:blank renderer exits
  const pids = rendererPids().filter((p) => !before.has(p));
  say(`[${engine}] renderer process ${pids.join(', ')}`);
  pids.forEach((p) => watched.add(p));
  if (pids.length !== 1) say(`[${engine}] expected one new renderer process, found ${pids.join(', ') || 'none'}`);
  return { engine, page, info, pid: pids[0] };
}

let failed = false;
const results = [];
try {
  const ours = await openEngine('ours');
  const duck = await openEngine('duckdb');
  const sheet = await openEngine('sheetjs');
  say(`chromium ${chromiumVersion}; ours ${ours.info.version}; DuckDB ${duck.info.version} (${duck.info.bundle} bundle); SheetJS ${sheet.info.version}`);

  await ours.page.evaluate(() => window.bench.fetchData(['campaigns.csv', 'sales_targets.xlsx', 'customers.json', 'targets_big.xlsx']));
  await duck.page.evaluate(() => window.bench.fetchData(['campaigns.csv', 'sales_targets.csv', 'customers.csv']));
  await sheet.page.evaluate(() => window.bench.fetchData(['targets_big.xlsx']));
  const csvBytes = files['campaigns.csv'].length;
  const base = { ours: peakSince(ours.pid), duck: peakSince(duck.pid) };

  // ---- ingest, interleaved (the order alternates each run); run 0 is the warm-up
  const ingest = { load: [], stream: [], workers: [], duck: [] };
  for (let run = 0; run <= RUNS; run++) {
    const steps = [
      async () => ingest.load.push(await ours.page.evaluate(() => window.bench.ingest('campaigns.csv', 'load'))),
      async () => ingest.stream.push(await ours.page.evaluate(() => window.bench.ingest('campaigns.csv', 'stream'))),
      async () => ingest.workers.push(await ours.page.evaluate(() => window.bench.ingest('campaigns.csv', 'workers'))),
      async () => ingest.duck.push(await duck.page.evaluate(() => window.bench.ingest('campaigns.csv'))),
    ];
    for (const step of run % 2 ? steps.reverse() : steps) await step();
    say(`ingest run ${run}${run ? '' : ' (warm-up)'}: ours load ${ingest.load.at(-1).ms.toFixed(0)} ms, ours stream ${ingest.stream.at(-1).ms.toFixed(0)} ms, ours with workers ${ingest.workers.at(-1).ms.toFixed(0)} ms, DuckDB ${ingest.duck.at(-1).ms.toFixed(0)} ms`);
  }
  for (const [k, runs] of Object.entries(ingest)) {
    if (runs.some((r) => r.rows !== ROWS)) { failed = true; say(`MISMATCH: ${k} loaded ${runs.map((r) => r.rows).join('/')} rows, expected ${ROWS}`); }
  }
  const afterIngest = { ours: peakSince(ours.pid), duck: peakSince(duck.pid) };
  const wasmBytes = ingest.stream.at(-1).wasmBytes;

  // The last warehouse/table gets the targets and customers too.
  const extraOurs = await ours.page.evaluate(() => window.bench.loadExtra(['sales_targets.xlsx', 'customers.json']));
  const extraDuck = await duck.page.evaluate(() => window.bench.loadExtra([
    { name: 'sales_targets.csv', table: 'targets', reader: 'read_csv' },
    { name: 'customers.csv', table: 'customers', reader: 'read_csv' },
  ]));
  say(`extra tables: ours ${JSON.stringify(extraOurs)}; DuckDB ${JSON.stringify(extraDuck)}`);
  const duckSchema = await duck.page.evaluate(() => window.bench.schema());

  // ---- dashboards
  const cases = [];
  for (const [scope, query] of [['all tenants', {}], ['tenant_001', { tenants: ['tenant_001'] }]]) {
    for (const name of ['campaign_summary', 'daily_performance', 'conversion_funnel', 'campaign_performance',
      'channel_mix', 'target_vs_actual', 'customer_summary']) {
      const q = name === 'campaign_performance' ? { ...query, limit: 100 } : query;
      cases.push({ name, scope, query: q, label: `${name}${name === 'campaign_performance' ? ' (first 100)' : ''}, ${scope}` });
    }
  }
  const dash = [];
  for (const c of cases) {
    const o = []; const d = []; let lastO; let lastD;
    for (let run = 0; run <= RUNS; run++) {
      const keep = run === RUNS;
      const one = async () => { lastO = await ours.page.evaluate(([n, q, k]) => window.bench.dashboard(n, q, k), [c.name, c.query, keep]); if (run) o.push(lastO.ms); };
      const two = async () => { lastD = await duck.page.evaluate(([n, q, k]) => window.bench.dashboard(n, q, k), [c.name, c.query, keep]); if (run) d.push(lastD.ms); };
      if (run % 2) { await two(); await one(); } else { await one(); await two(); }
    }
    const problems = compare(c.name, lastO, lastD);
    if (problems.length) {
      failed = true;
      say(`MISMATCH in ${c.label}:\n  ${problems.slice(0, 10).join('\n  ')}${problems.length > 10 ? `\n  ... ${problems.length - 10} more` : ''}`);
    }
    dash.push({ ...c, ours: median(o), duck: median(d), rows: lastO.rows.length, ok: problems.length === 0, duckResult: lastD });
    say(`${c.label}: ours ${median(o).toFixed(2)} ms, DuckDB ${median(d).toFixed(2)} ms, ${lastO.rows.length} rows, ${problems.length ? 'MISMATCH' : 'same numbers'}`);
  }

  // ---- the same questions as SQL through our SQL layer (the dashboards' SQL from the
  // engine, target_vs_actual as a LEFT JOIN of an aggregate), against DuckDB's SQL above
  // (same run, same tables); checked against DuckDB's rows.
  const sqlDash = [];
  await ours.page.evaluate(() => window.bench.sqlSetup());
  for (const c of dash) {
    const o = []; const compile = []; let last;
    for (let run = 0; run <= RUNS; run++) {
      last = await ours.page.evaluate(([n, q, k]) => window.bench.sqlDashboard(n, q, k), [c.name, c.query, run === RUNS]);
      if (run) { o.push(last.ms); compile.push(last.compileMs); }
    }
    const problems = compare(c.name, last, c.duckResult);
    if (problems.length) {
      failed = true;
      say(`MISMATCH in SQL ${c.label}:\n  ${problems.slice(0, 10).join('\n  ')}`);
    }
    sqlDash.push({ ...c, sql: median(o), compile: median(compile), sqlOk: problems.length === 0 });
    say(`SQL ${c.label}: ours ${median(o).toFixed(2)} ms (compile ${median(compile).toFixed(2)}), DuckDB ${c.duck.toFixed(2)} ms, kernel ${c.ours.toFixed(2)} ms, ${problems.length ? 'MISMATCH' : 'same numbers'}`);
  }

  // ---- a tenant change on the page: every dashboard + kpis + charts drawn (ours only)
  const inter = [];
  for (let run = 0; run <= RUNS; run++) {
    const tenant = `tenant_${String(1 + (run % 3)).padStart(3, '0')}`;
    const r = await ours.page.evaluate((q) => window.bench.interaction(q), { tenants: [tenant] });
    if (run) inter.push(r.ms);
  }
  const interAll = [];
  for (let run = 0; run <= RUNS; run++) {
    const r = await ours.page.evaluate((q) => window.bench.interaction(q), {});
    if (run) interAll.push(r.ms);
  }

  // ---- XLSX parsing: ours vs SheetJS, interleaved
  const xo = []; const xs = [];
  for (let run = 0; run <= RUNS; run++) {
    const a = await ours.page.evaluate(() => window.bench.xlsx('targets_big.xlsx'));
    const b = await sheet.page.evaluate(() => window.bench.xlsx('targets_big.xlsx'));
    if (run) { xo.push(a); xs.push(b); }
    say(`xlsx run ${run}: ours ${a.ms.toFixed(0)} ms (${a.rows} rows), SheetJS ${b.ms.toFixed(0)} ms (${b.rows} rows)`);
  }
  const xlsxRows = XLSX_TENANTS * 240;
  if (xo.some((r) => r.rows !== xlsxRows) || xs.some((r) => r.rows !== xlsxRows)) {
    failed = true; say(`MISMATCH: XLSX rows ours ${xo[0].rows}, SheetJS ${xs[0].rows}, expected ${xlsxRows}`);
  }
  const end = { ours: peakSince(ours.pid), duck: peakSince(duck.pid), sheet: peakSince(sheet.pid) };

  // ---- downloads: every static file each engine's page fetched
  const group = (test) => [...served].filter(([p]) => test(p.slice(root.length + 1)));
  const sizes = (list) => list.reduce((acc, [p, n]) => ({ raw: acc.raw + n, gz: acc.gz + gzipSync(readFileSync(p), { level: 9 }).length }), { raw: 0, gz: 0 });
  const oursAssets = sizes(group((p) => p.startsWith('www/pkg/')));
  const duckAssets = sizes(group((p) => /^bench\/node_modules\/(@duckdb|apache-arrow|flatbuffers|tslib)\//.test(p)));
  const sheetAssets = sizes(group((p) => p.startsWith('bench/node_modules/xlsx/')));
  // wasm-bindgen's JS snippets (www/pkg/snippets/*/*.js) are imported by the module.
  const snippets = existsSync(join(root, 'www/pkg/snippets'))
    ? readdirSync(join(root, 'www/pkg/snippets'), { recursive: true }).filter((p) => p.endsWith('.js')).map((p) => `www/pkg/snippets/${p}`)
    : [];
  // The page's own modules (www/*.js, www/tabs/*.js) but those fetched on demand: the
  // SQL editor, the Parquet and XLSX modules' loaders.
  const onDemand = new Set(['sql-editor.js', 'parquet.js', 'pivot-xlsx.js']);
  const modules = ['www', 'www/tabs'].flatMap((dir) => readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.js') && !onDemand.has(f)).map((f) => `${dir}/${f}`));
  const pageFiles = ['www/index.html', 'www/style.css', 'www/crossfilter.css', 'www/pivot.css', ...modules, 'www/pkg/bi_platform.js', 'www/pkg/bi_platform_bg.wasm', ...snippets]
    .filter((p) => existsSync(join(root, p))).map((p) => [join(root, p), statSync(join(root, p)).size]);
  const pageAssets = sizes(pageFiles);
  const duckFetched = group((p) => p.startsWith('bench/node_modules/@duckdb/')).map(([p]) => p.split('/').pop());

  // ---- the page: click to filter and the pivot, with the engines above closed (their
  // warehouses would otherwise share the machine's memory and cores with the page's)
  for (const e of [ours, duck, sheet]) await e.page.context().close();
  const generated = ['campaigns.csv', 'sales_targets.xlsx', 'customers.json'].map((f) => join(work, 'main', f));
  const crossOut = measurePage('bench/page/crossfilter.mjs', generated, RUNS);
  const pivotOut = measurePage('bench/page/pivot.mjs', [generated[0]], Math.max(RUNS, 15));
  const clicks = crossOut ? parseCrossfilter(crossOut) : [];
  const pivots = pivotOut ? parsePivot(pivotOut) : [];
  if (!clicks.length || !pivots.length) { failed = true; say('MISSING: the page measurements gave no medians (see above)'); }

  // ---- the table
  const f = (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '-');
  const mb = (n) => `${f(n / MB, 1)} MB`;
  const ratio = (a, b) => (a > 0 && b > 0 ? `${f(b / a, 1)}x` : '-');
  const ms = (arr) => median(arr.map((r) => r.ms));
  const lines = [];
  const row = (cols) => lines.push(`| ${cols.join(' | ')} |`);
  row(['measure', 'ours (wasm)', 'DuckDB-WASM', 'SheetJS', 'DuckDB / ours']);
  row(['---', '---:', '---:', '---:', '---:']);
  const ingestLoad = ms(ingest.load); const ingestStream = ms(ingest.stream); const ingestDuck = ms(ingest.duck);
  row([`ingest ${f(ROWS)}-row CSV (${mb(csvBytes)}), load() / read_csv, ms`, f(ingestLoad), f(ingestDuck), '', ratio(ingestLoad, ingestDuck)]);
  row(['  same, MB/s', f(csvBytes / MB / (ingestLoad / 1000)), f(csvBytes / MB / (ingestDuck / 1000)), '', '']);
  row(['ingest, streamed in 4 MB slices, ms (MB/s)', `${f(ingestStream)} (${f(csvBytes / MB / (ingestStream / 1000))})`, '', '', ratio(ingestStream, ingestDuck)]);
  const ingestWorkers = ms(ingest.workers);
  row([`ingest, the page's configuration: 4 MB slices, ${ingest.workers.at(-1).workers} parsing workers, ms (MB/s)`, `${f(ingestWorkers)} (${f(csvBytes / MB / (ingestWorkers / 1000))})`, '', '', ratio(ingestWorkers, ingestDuck)]);
  for (const c of dash) row([`${c.label}, ms${c.ok ? '' : ' **MISMATCH**'}`, f(c.ours, 2), f(c.duck, 2), '', ratio(c.ours, c.duck)]);
  for (const c of sqlDash) row([`SQL: ${c.label} (compile ${f(c.compile, 2)} ms + run; kernel ${f(c.ours, 2)} ms), ms${c.sqlOk ? '' : ' **MISMATCH**'}`, f(c.sql, 2), f(c.duck, 2), '', ratio(c.sql, c.duck)]);
  row([`tenant change: all 7 dashboards + KPIs + charts drawn, one tenant, ms`, f(median(inter), 1), '', '', '']);
  row([`same for all tenants, ms`, f(median(interAll), 1), '', '', '']);
  const xOurs = ms(xo); const xSheet = ms(xs);
  row([`XLSX ${f(xlsxRows)} rows (${mb(files['targets_big.xlsx'].length)}), ms`, f(xOurs), '', f(xSheet), '']);
  row([`  same, rows/s (ours ${ratio(xOurs, xSheet)} SheetJS's)`, f(xlsxRows / (xOurs / 1000)), '', f(xlsxRows / (xSheet / 1000)), '']);
  row(['renderer peak RSS while ingesting the CSV (all runs)', mb(afterIngest.ours), mb(afterIngest.duck), '', ratio(afterIngest.ours, afterIngest.duck)]);
  row(['  same, before ingesting (page + engine + the input bytes)', mb(base.ours), mb(base.duck), '', '']);
  row(['renderer peak RSS after that (dashboards; XLSX for ours/SheetJS)', mb(end.ours), mb(end.duck), mb(end.sheet), '']);
  row(['our wasm linear memory after ingest', mb(wasmBytes), '', '', '']);
  row(['engine download, raw', mb(oursAssets.raw), mb(duckAssets.raw), mb(sheetAssets.raw), ratio(oursAssets.raw, duckAssets.raw)]);
  row(['engine download, gzip -9', mb(oursAssets.gz), mb(duckAssets.gz), mb(sheetAssets.gz), ratio(oursAssets.gz, duckAssets.gz)]);
  row(['product page whole (www/: html+css+js+wasm), raw / gzip -9', `${mb(pageAssets.raw)} / ${mb(pageAssets.gz)}`, '', '', '']);
  // The page's own timings (ours only): click to filter from the click to every chart,
  // KPI and table shown (to the next frame; the worker's view + the page's render), and
  // the pivot from the request to the table laid out (the engine's share).
  for (const c of clicks) row([`page, click to filter: ${c.label}, ms (next frame; view + render)`, `${f(c.shown, 1)} (${f(c.frame, 1)}; ${f(c.view, 1)} + ${f(c.render, 1)})`, '', '', '']);
  for (const p of pivots) row([`page, pivot ${p.what} (${p.shape}), ${p.label}: laid out, ms (engine)`, `${f(p.page, 1)} (${f(p.engine, 1)})`, '', '', '']);
  const allOk = !failed;
  console.log();
  console.log(`bi-platform browser benchmark: ${f(ROWS)} campaign rows, ${TENANTS} skewed tenants; median of ${RUNS} after a warm-up; headless ${chromiumVersion}`);
  console.log(`ours ${ours.info.version} (one thread, main thread); DuckDB-WASM ${duck.info.version}, bundle "${duck.info.bundle}" (crossOriginIsolated: ${duck.info.crossOriginIsolated}; fetched ${duckFetched.join(', ')}); SheetJS ${sheet.info.version}`);
  console.log(`DuckDB campaigns schema: ${duckSchema.join(', ')}`);
  console.log('Memory: peak VmRSS of each engine\'s renderer process, sampled from /proc every 20 ms (one browser context, so one renderer, per engine; DuckDB\'s worker runs in its renderer).');
  console.log();
  console.log(lines.join('\n'));
  console.log();
  console.log(allOk ? 'CHECK: PASSED — DuckDB-WASM returns the same numbers as ours for every dashboard (money to the cent, counts exact, ratios to 1e-9 relative).'
    : 'CHECK: FAILED — see MISMATCH lines above.');
  results.push(allOk);
} catch (error) {
  failed = true;
  say(`benchmark failed: ${error.stack || error}`);
} finally {
  clearInterval(sampler);
  await browser.close().catch(() => {});
  await cleanup();
}
process.exit(failed ? 1 : 0);

// ------------------------------------------------------------------ the check
function compare(name, ours, duck) {
  const problems = [];
  if (ours.rows.length !== duck.rows.length) problems.push(`${ours.rows.length} rows ours, ${duck.rows.length} DuckDB`);
  if (ours.columns.length !== duck.columns.length) problems.push(`columns ours ${ours.columns}, DuckDB ${duck.columns}`);
  const MONEY = /spend|revenue|profit|total_spent/;
  const n = Math.min(ours.rows.length, duck.rows.length);
  for (let r = 0; r < n && problems.length < 50; r++) {
    for (let c = 0; c < ours.columns.length; c++) {
      const col = ours.columns[c];
      const a = ours.rows[r][c]; const b = duck.rows[r][c];
      let same;
      if (a === null || b === null) same = a === b;
      else if (typeof a === 'string' || typeof b === 'string') same = String(a) === String(b);
      else if (MONEY.test(col)) same = Math.abs(a - b) < 0.005 + 1e-9 * Math.abs(a); // to the cent
      else if (Number.isInteger(a) && Number.isInteger(b)) same = a === b; // counts exact
      else same = Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a)); // ratios
      if (!same) problems.push(`${name} row ${r} (${ours.rows[r][0]}) ${col}: ours ${a}, DuckDB ${b}`);
    }
  }
  return problems;
}
