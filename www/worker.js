// The engine's home: a module worker holding one Warehouse, so the page never freezes.
// Plumbing only: each message {id, op, args} calls the engine and answers
// {id, ok: true, result} or {id, ok: false, error}.
import init, { Warehouse, generateSample, version } from './pkg/bi_platform.js';
import { keeper } from './keep.js';

const ready = init().then(() => { self.warehouse = new Warehouse(); });
// The warehouse is kept in this browser (keep.js) after each load; the page hears how
// it went as {event: 'kept', kept, where, problem} messages.
const prefer = new URLSearchParams(self.location.search).get('keep');
const keep = keeper(() => self.warehouse, (status) => self.postMessage({ event: 'kept', ...status }), prefer);
// Ops after which the warehouse may have changed and is kept again.
const CHANGES = new Set(['finish', 'commit', 'sample']);

// SQL: the parser module (www/pkg-sql/, loaded by `sqlParser` from bytes the page
// fetched) compiles text into plans (JSON text); the engine runs them under the tenant
// scope. The last run's results stay here, and the page asks for them a page at a time.
let parser = null;
let lastRun = null;
const sqlResult = (r, index, offset, limit) => (r.error ? r : {
  index, columns: r.columns, kinds: r.kinds, rows: r.rows.slice(offset, offset + limit), offset, total_rows: r.rows.length, ms: r.ms,
});

const ops = {
  version: () => version(),
  begin: ({ name, total }) => self.warehouse.begin(name, total),
  push: ({ chunk }) => self.warehouse.push(new Uint8Array(chunk)),
  finish: () => self.warehouse.finish(),
  end: () => self.warehouse.end(),
  commit: () => self.warehouse.commit(),
  cancel: () => self.warehouse.cancel(),
  setMemoryBudget: ({ bytes }) => self.warehouse.setMemoryBudget(bytes ?? undefined),
  memory: () => ({ used: self.warehouse.memoryUsed(), budget: self.warehouse.memoryBudget() ?? null }),
  sample: (spec) => generateSample(spec).files
    .flatMap(({ name, bytes }) => self.warehouse.load(name, bytes)),
  // The sample files themselves (for the start page's download links), not loaded.
  sampleFiles: (spec) => generateSample(spec).files,
  // Everything the page shows for one query, each dashboard computed once by the engine.
  view: ({ query, page }) => self.warehouse.view(query, page),
  page: ({ query, page }) => self.warehouse.dashboard('campaign_performance', { ...query, ...page }),
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
  // Every statement of `text`: {index, columns, rows (the first `limit`), offset,
  // total_rows, ms} or {error: {message, line, column}}.
  sql: ({ text, query, nowMs, limit }) => {
    const schema = JSON.stringify(self.warehouse.sqlSchema());
    const results = JSON.parse(parser.parse(text, schema)).map((compiled) => {
      if (compiled.error) return compiled;
      const started = performance.now();
      const result = self.warehouse.sqlRun(compiled.statement, query, nowMs);
      return { ...result, ms: performance.now() - started, statement: compiled.statement };
    });
    lastRun = { results, query, nowMs };
    return results.map((r, index) => sqlResult(r, index, 0, limit));
  },
  sqlPage: ({ index, offset, limit }) => sqlResult(lastRun.results[index], index, offset, limit),
  sqlCsv: ({ index }) => self.warehouse.sqlCsv(lastRun.results[index].statement, lastRun.query, lastRun.nowMs),
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

self.onmessage = async ({ data: { id, op, args } }) => {
  try {
    await ready;
    const result = await ops[op](args);
    if (CHANGES.has(op)) keep.schedule();
    self.postMessage({ id, ok: true, result });
  } catch (error) {
    self.postMessage({ id, ok: false, error: String((error && error.message) || error) });
  }
};
