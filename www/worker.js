// The engine's home: a module worker holding one Warehouse, so the page never freezes.
// Plumbing only: each message {id, op, args} calls the engine and answers
// {id, ok: true, result} or {id, ok: false, error}.
import init, { Warehouse, dashboards, generateSample, version } from './pkg/bi_platform.js';

const ready = init().then(() => { self.warehouse = new Warehouse(); });

// Everything the page shows for one query, in one answer.
function view({ query, page }) {
  const w = self.warehouse;
  const tables = {};
  // campaign_performance is one row per fact row: the page shows it a page at a time.
  for (const name of dashboards()) {
    tables[name] = w.dashboard(name, name === 'campaign_performance' ? { ...query, ...page } : query);
  }
  return { options: w.options(), kpis: w.kpis(query), charts: w.charts(query), tables };
}

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
  view,
  page: ({ query, page }) => self.warehouse.dashboard('campaign_performance', { ...query, ...page }),
  exportCsv: ({ name, query }) => self.warehouse.exportCsv(name, query),
  rejectsCsv: () => self.warehouse.rejectsCsv(),
};

self.onmessage = async ({ data: { id, op, args } }) => {
  try {
    await ready;
    self.postMessage({ id, ok: true, result: ops[op](args) });
  } catch (error) {
    self.postMessage({ id, ok: false, error: String((error && error.message) || error) });
  }
};
