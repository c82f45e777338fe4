// The engine's home: a module worker holding one Warehouse, so the page never freezes.
// Plumbing only: each message {id, op, args} calls the engine and answers
// {id, ok: true, result} or {id, ok: false, error}.
import init, { Warehouse, generateSample, peekFile, version } from './pkg/bi_platform.js';
import { keeper } from './keep.js';
import { parquetLoader } from './parquet.js';
import { ParsePool } from './parse-pool.js';

// The engine's wasm is compiled once: here, and (as the same Module) in the parsing
// workers.
const wasmModule = WebAssembly.compileStreaming(fetch(new URL('./pkg/bi_platform_bg.wasm', import.meta.url)));
const ready = wasmModule
  .then((module) => init({ module_or_path: module }))
  .then(() => { self.warehouse = new Warehouse(); });

// Parsing workers (parse-pool.js): a large delimited file's runs of plain lines are
// read by other workers while this one adds the rows already read. N - 1 of them, N
// from hardwareConcurrency (at least 2: on two cores one parses while this one
// commits). `?workers=1` turns them off.
const workersParam = Number(new URLSearchParams(self.location.search).get('workers'));
const WORKERS = workersParam >= 1
  ? Math.min(16, Math.floor(workersParam))
  : Math.min(8, Math.max(2, self.navigator.hardwareConcurrency || 2));
const pool = WORKERS > 1 ? new ParsePool(wasmModule, WORKERS - 1) : null;
// The warehouse is kept in this browser (keep.js) after each load; the page hears how
// it went as {event: 'kept', kept, where, problem} messages.
const prefer = new URLSearchParams(self.location.search).get('keep');
const keep = keeper(() => self.warehouse, (status) => self.postMessage({ event: 'kept', ...status }), prefer);
// Ops after which the warehouse may have changed and is kept again.
const CHANGES = new Set(['finish', 'commit', 'sample']);
// Parquet files and the Parquet export (parquet.js); other files go straight to the engine.
const parquet = parquetLoader(() => self.warehouse, (event) => self.postMessage(event));

// SQL: the parser module (www/pkg-sql/, loaded by `sqlParser` from bytes the page
// fetched) compiles text into plans (JSON text); the engine runs them under the tenant
// scope and keeps the last run's results, which the page asks for a page at a time.
let parser = null;
const compile = (text) => JSON.parse(parser.parse(text, JSON.stringify(self.warehouse.sqlSchema())));

// Warming up. V8 runs a wasm function in its baseline tier (Liftoff) until it has run
// enough to be compiled optimised, and the optimised code serves its next call: a
// user's first file was read, added and shown by baseline code. So once the page is up
// it has this worker load a small generated file (80,000 rows, about 9 MB) through the
// same path, the parsing workers included, into a throwaway warehouse, and compute its
// view; the page's warehouse is not touched. A file dropped meanwhile waits for it, so
// that the user's files are read, added and shown by optimised code (BENCHMARKS.md,
// "Ingest").
const WARM_SLICE = 1 << 20;
async function warmUp() {
  const [campaigns] = generateSample({ tenants: 10, campaignsPerTenant: 8000, customersPerTenant: 1 }).files;
  const scratch = new Warehouse();
  try {
    pool?.forget();
    scratch.begin(campaigns.name, campaigns.bytes.length, pool?.size);
    for (let at = 0; at < campaigns.bytes.length; at += WARM_SLICE) {
      const progress = scratch.push(campaigns.bytes.subarray(at, at + WARM_SLICE));
      if (pool) await pool.pushed(scratch, progress);
    }
    await pool?.drain(scratch);
    scratch.finish();
    // Its charts, for the page to draw once where no one sees them (the page's own
    // instance of the engine draws).
    return scratch.view(null, { limit: 50 }).charts;
  } finally {
    pool?.forget();
    scratch.free();
  }
}

// The load reports (SPEC §7's fields), each with where an ad platform's export came
// from (`source`: platform, tenant, currencies) for the file's card.
function withSources(reports) {
  const sources = self.warehouse.sources();
  return reports.map((r, i) => (sources[i] ? { ...r, source: sources[i] } : r));
}

const ops = {
  version: () => version(),
  warmUp: () => warmUp(),
  // `tenant`: the client of an ad platform's export that names none (the page asked).
  begin: ({ name, total, tenant }) => {
    pool?.forget();
    parquet.begin(name);
    self.warehouse.begin(name, total, pool?.size, tenant ?? undefined);
  },
  // An ad platform's export before it loads: {platform, needs_tenant, campaigns} or null.
  peek: ({ bytes }) => peekFile(new Uint8Array(bytes)) ?? null,
  tenants: () => self.warehouse.tenants(),
  push: async ({ chunk }) => {
    // A Parquet file is kept whole for its module (parquet.js); text goes to the engine.
    const columnar = parquet.push(chunk);
    if (columnar) return columnar;
    const progress = self.warehouse.push(new Uint8Array(chunk));
    if (!pool) return { ...progress, workers: WORKERS };
    await pool.pushed(self.warehouse, progress);
    // Rows counted after the workers' rows joined.
    return { ...self.warehouse.progress(), workers: WORKERS };
  },
  finish: async () => { await pool?.drain(self.warehouse); return withSources(self.warehouse.finish()); },
  // Returns the file's last progress, the parsing workers' last answers counted.
  end: async () => {
    const columnar = parquet.end();
    if (columnar) return columnar;
    await pool?.drain(self.warehouse);
    const progress = self.warehouse.progress();
    self.warehouse.end();
    return { ...progress, workers: WORKERS };
  },
  commit: () => withSources(self.warehouse.commit()),
  cancel: () => { pool?.forget(); parquet.cancel(); self.warehouse.cancel(); },
  // The star schema as a zip of Parquet files, under the tenant scope ([]: all).
  exportParquet: ({ tenants }) => parquet.exportZip(tenants),
  setMemoryBudget: ({ bytes }) => self.warehouse.setMemoryBudget(bytes ?? undefined),
  memory: () => ({ used: self.warehouse.memoryUsed(), budget: self.warehouse.memoryBudget() ?? null }),
  sample: (spec) => generateSample(spec).files
    .flatMap(({ name, bytes }) => self.warehouse.load(name, bytes)),
  // The sample files themselves (for the start page's download links), not loaded.
  sampleFiles: (spec) => generateSample(spec).files,
  // Everything the page shows for one query, each dashboard computed once by the engine.
  view: ({ query, page }) => {
    const view = self.warehouse.view(query, page);
    prepareSoon();
    return view;
  },
  forgetViews: () => self.warehouse.forgetViews(),
  // One table sorted and paged ({offset, limit, sort, descending}), for its buttons.
  table: ({ name, query, page }) => self.warehouse.table(name, query, page),
  exportCsv: ({ name, query }) => self.warehouse.exportCsv(name, query),
  rejectsCsv: () => self.warehouse.rejectsCsv(),
  // Keeping: what was kept, restored (before the first chart); "Forget all data".
  restore: () => keep.restore(),
  forget: () => keep.forget(),
  sqlSchema: () => self.warehouse.sqlSchema(),
  sqlParser: async ({ bytes }) => {
    if (parser) return;
    const module = await import('./pkg-sql/bi_platform_sql.js');
    await module.default({ module_or_path: bytes });
    parser = module;
  },
  // Every statement of `text`, run and kept by the engine: {index, columns, rows (the
  // first `limit`), offset, total_rows, ms, ...} or {error: {message, line, column}}.
  sql: ({ text, query, nowMs, limit }) => {
    self.warehouse.sqlForget();
    return compile(text).map((compiled, index) => {
      if (compiled.error) return compiled;
      const started = performance.now();
      const result = self.warehouse.sqlKeep(index, compiled.statement, query, nowMs, { limit });
      return { ...result, ms: performance.now() - started };
    });
  },
  // Every statement of `text` explained: {text} (scope, plan, how it ran) or {error}.
  sqlExplain: ({ text, query, nowMs }) => compile(text).map((compiled) => {
    if (compiled.error) return compiled;
    try {
      return { text: self.warehouse.sqlExplain(compiled.statement, query, nowMs) };
    } catch (error) {
      return { error: { message: String((error && error.message) || error) } };
    }
  }),
  // A kept result's rows, sorted by the engine: page {offset, limit, sort, descending}.
  sqlPage: ({ index, page }) => self.warehouse.sqlKeptPage(index, page),
  sqlCsv: ({ index }) => self.warehouse.sqlKeptCsv(index),
  // Pivot hook: the pivot (with the engine's time in ms), its fields and measures, its CSV.
  pivotCatalog: () => self.warehouse.pivotCatalog(),
  pivot: ({ request, query }) => {
    const started = performance.now();
    const result = self.warehouse.pivot(request, query);
    result.ms = performance.now() - started;
    return result;
  },
  pivotCsv: ({ request, query }) => self.warehouse.pivotCsv(request, query),
};

// One message at a time, in order: a push waiting for the parsing workers finishes
// before anything else reads or changes the warehouse.
let turn = Promise.resolve();
// The row orders later views keep (Warehouse.prepare), computed once a view has been
// sent rather than inside the first view after a load, which orders only its page.
function prepareSoon() {
  setTimeout(() => { turn = turn.then(() => self.warehouse.prepare()).catch(() => {}); }, 0);
}
// A wasm trap (a RuntimeError: `unreachable`, out of memory, a stack overflow) leaves the
// engine's instance dead; the answer says `trapped` and the page replaces this worker
// (engine.js). `?trap=OP`, for tests, makes the first call of OP trap that way.
let trapOn = new URLSearchParams(self.location.search).get('trap');
self.onmessage = ({ data: { id, op, args } }) => {
  turn = turn.then(async () => {
    try {
      await ready;
      if (op === trapOn) {
        trapOn = null;
        throw new WebAssembly.RuntimeError('unreachable');
      }
      const result = await ops[op](args);
      if (CHANGES.has(op)) keep.schedule();
      self.postMessage({ id, ok: true, result });
    } catch (error) {
      const trapped = error instanceof WebAssembly.RuntimeError;
      self.postMessage({ id, ok: false, error: String((error && error.message) || error), trapped });
    }
  });
};
