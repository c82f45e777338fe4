// The benchmark page: one engine per page (?engine=ours|duckdb|sheetjs), driven by
// bench/run.mjs through `window.bench`. Every timing is taken here with
// performance.now() around the engine call alone; the input bytes are fetched once
// from the runner (which holds them in memory) before any timing.

const engine = new URLSearchParams(location.search).get('engine') || 'ours';
const data = {}; // name -> Uint8Array, fetched once
const log = (text) => { document.getElementById('log').textContent += `${text}\n`; };

async function fetchData(names) {
  const sizes = {};
  for (const name of names) {
    if (!data[name]) {
      const response = await fetch(`/bench-data/${name}`);
      if (!response.ok) throw new Error(`fetching ${name}: ${response.status}`);
      data[name] = new Uint8Array(await response.arrayBuffer());
    }
    sizes[name] = data[name].byteLength;
  }
  return sizes;
}

const now = () => performance.now();
const SLICE = 4 << 20; // the 'stream' mode's slice size
const PAGE_SLICE = 4 << 20; // the product page's slice size (www/files.js CHUNK)

// The page's parsing workers, as www/worker.js has them (www/parse-pool.js): N - 1
// workers beside this thread, N from hardwareConcurrency (2..8), the engine's wasm
// compiled once; `?lag=K` sets how many runs stay out after a push.
const WORKERS = Math.min(8, Math.max(2, navigator.hardwareConcurrency || 2));
const LAG = Number(new URLSearchParams(location.search).get('lag') || 3);
let pool = null;
async function startPool() {
  if (pool) return pool;
  const { ParsePool } = await import('../www/parse-pool.js');
  const module = WebAssembly.compileStreaming(fetch(new URL('../www/pkg/bi_platform_bg.wasm', import.meta.url)));
  pool = new ParsePool(module, WORKERS - 1, LAG);
  pool.start();
  await module;
  return pool;
}

// ---------------------------------------------------------------- our engine
async function ours() {
  const pkg = await import('../www/pkg/bi_platform.js');
  const wasm = await pkg.default();
  let warehouse = null;
  const wasmBytes = () => wasm.memory.buffer.byteLength;
  const rowsOf = (reports) => reports.reduce((n, r) => n + r.rows_loaded, 0);
  return {
    info: () => ({ engine: 'ours', version: pkg.version(), wasmBytes: wasmBytes() }),
    // Ingest one file into a fresh warehouse (the previous one is freed first).
    // 'workers': streamed as the product page reads it, its runs of plain lines read by
    // the page's parsing workers (www/parse-worker.js) and this thread together.
    async ingest(name, mode) {
      if (warehouse) { warehouse.free(); warehouse = null; }
      const bytes = data[name];
      if (mode === 'workers') await startPool();
      const t0 = now();
      const w = new pkg.Warehouse();
      let reports;
      if (mode === 'workers') {
        pool.forget();
        w.begin(name, bytes.byteLength, pool.size);
        for (let at = 0; at < bytes.byteLength; at += PAGE_SLICE) {
          const progress = w.push(bytes.subarray(at, Math.min(at + PAGE_SLICE, bytes.byteLength)));
          await pool.pushed(w, progress);
        }
        await pool.drain(w);
        reports = w.finish();
      } else if (mode === 'stream') {
        w.begin(name, bytes.byteLength);
        for (let at = 0; at < bytes.byteLength; at += SLICE) {
          w.push(bytes.subarray(at, Math.min(at + SLICE, bytes.byteLength)));
        }
        reports = w.finish();
      } else {
        reports = w.load(name, bytes);
      }
      const ms = now() - t0;
      warehouse = w;
      return { ms, rows: rowsOf(reports), rejected: reports.reduce((n, r) => n + r.rows_rejected, 0), wasmBytes: wasmBytes(), workers: mode === 'workers' ? WORKERS : 1 };
    },
    loadExtra(names) {
      return names.map((name) => {
        const reports = warehouse.load(name, data[name]);
        return { name, rows: rowsOf(reports), errors: reports.map((r) => r.error).filter(Boolean) };
      });
    },
    dashboard(name, query, keep) {
      const t0 = now();
      const result = warehouse.dashboard(name, query);
      const ms = now() - t0;
      return keep ? { ms, columns: result.columns, rows: result.rows } : { ms, rowCount: result.rows.length };
    },
    // What the product page does on a tenant or filter change: its view (every
    // dashboard, the performance table paged to 50 rows, KPIs, charts), charts drawn.
    interaction(query) {
      const canvases = this.canvases || (this.canvases = []);
      const t0 = now();
      // One request, as the page's worker makes it: every dashboard computed once.
      const { charts } = warehouse.view(query, { limit: 50 });
      charts.forEach((chart, i) => {
        if (!canvases[i]) {
          const canvas = document.createElement('canvas');
          canvas.width = 640; canvas.height = 320;
          document.body.append(canvas);
          canvases[i] = canvas;
        }
        pkg.drawChart(canvases[i], chart, 1);
      });
      return { ms: now() - t0, charts: charts.length };
    },
    // The SQL layer: the parser module (www/pkg-sql) compiles each dashboard's SQL (from
    // the engine, `dashboardInfo`) and the engine runs the plan under the tenant scope.
    async sqlSetup() {
      this.parser = await import('../www/pkg-sql/bi_platform_sql.js');
      await this.parser.default();
      this.sqlText = Object.fromEntries(pkg.dashboardInfo().map((d) => [d.name, d.sql]));
      return Object.keys(this.sqlText).length;
    },
    // Times compile + run of one dashboard's SQL (`LIMIT` appended when the query has a
    // limit, as DuckDB's SQL has it).
    sqlDashboard(name, query, keep) {
      const text = this.sqlText[name] + (query && query.limit != null ? ` LIMIT ${Number(query.limit)}` : '');
      const scope = { tenants: query && query.tenants ? query.tenants : 'all' };
      const t0 = now();
      const [compiled] = JSON.parse(this.parser.parse(text, JSON.stringify(warehouse.sqlSchema())));
      if (!compiled.statement) throw new Error(`${name}: ${compiled.error.message}`);
      const t1 = now();
      const result = warehouse.sqlRun(compiled.statement, scope, Date.now());
      const ms = now() - t0;
      if (result.error) throw new Error(`${name}: ${result.error.message}`);
      return keep ? { ms, compileMs: t1 - t0, columns: result.columns, rows: result.rows } : { ms, compileMs: t1 - t0, rowCount: result.rows.length };
    },
    xlsx(name) {
      if (warehouse) { warehouse.free(); warehouse = null; }
      const t0 = now();
      const w = new pkg.Warehouse();
      const reports = w.load(name, data[name]);
      const ms = now() - t0;
      w.free();
      return { ms, rows: rowsOf(reports), wasmBytes: wasmBytes() };
    },
  };
}

// ---------------------------------------------------------------- DuckDB-WASM
// SPEC §6 as SQL over the tables `campaigns` (read_csv of the campaigns CSV),
// `targets` (read_csv of the targets sheet as CSV) and `customers` (read_json).
// Numbers are cast to DOUBLE so that Arrow hands JS plain numbers; dates to text.
const CHANNEL = `CASE WHEN campaign_name LIKE '% - %' THEN regexp_extract(campaign_name, '^.* - (.*)$', 1) ELSE 'Unknown' END`;
const SQL = {
  campaign_summary: (w) => `
    SELECT tenant_id, count(*)::DOUBLE AS campaigns, sum(impressions)::DOUBLE AS impressions,
           sum(clicks)::DOUBLE AS clicks, sum(conversions)::DOUBLE AS conversions,
           sum(spend)::DOUBLE AS spend, sum(revenue)::DOUBLE AS revenue,
           (sum(revenue) - sum(spend))::DOUBLE AS profit,
           avg(CASE WHEN impressions > 0 THEN clicks / impressions END) AS avg_ctr,
           avg(CASE WHEN spend > 0 THEN (revenue - spend) / spend END) AS avg_roi
    FROM campaigns ${w} GROUP BY tenant_id ORDER BY tenant_id`,
  daily_performance: (w) => `
    SELECT tenant_id, CAST(date AS VARCHAR) AS day, sum(conversions)::DOUBLE AS conversions,
           sum(revenue)::DOUBLE AS revenue, sum(spend)::DOUBLE AS spend,
           (sum(revenue) - sum(spend))::DOUBLE AS profit
    FROM campaigns ${w} GROUP BY tenant_id, date ORDER BY tenant_id, date`,
  conversion_funnel: (w) => `
    SELECT tenant_id, sum(impressions)::DOUBLE AS impressions, sum(clicks)::DOUBLE AS clicks,
           sum(conversions)::DOUBLE AS conversions,
           100 * sum(clicks) / NULLIF(sum(impressions), 0) AS ctr_pct,
           100 * sum(conversions) / NULLIF(sum(clicks), 0) AS conversion_rate_pct
    FROM campaigns ${w} GROUP BY tenant_id ORDER BY tenant_id`,
  campaign_performance: (w, limit) => `
    SELECT tenant_id, campaign_id, campaign_name, CAST(date AS VARCHAR) AS day,
           impressions::DOUBLE AS impressions, clicks::DOUBLE AS clicks,
           conversions::DOUBLE AS conversions, spend::DOUBLE AS spend, revenue::DOUBLE AS revenue,
           CASE WHEN impressions > 0 THEN clicks / impressions END AS ctr,
           CASE WHEN spend > 0 THEN (revenue - spend) / spend END AS roi,
           CASE WHEN NOT spend > 0 THEN 'Unknown'
                WHEN revenue - spend > 2 * spend THEN 'Excellent'
                WHEN revenue - spend > spend THEN 'Good'
                WHEN revenue - spend > 0 THEN 'Break Even'
                ELSE 'Loss' END AS performance_category
    FROM campaigns ${w} ORDER BY date DESC, tenant_id, campaign_id
    ${limit == null ? '' : `LIMIT ${Number(limit)}`}`,
  channel_mix: (w) => `
    SELECT tenant_id, channel, sum(spend)::DOUBLE AS spend, sum(revenue)::DOUBLE AS revenue,
           (sum(revenue) - sum(spend)) / NULLIF(sum(spend), 0) AS roi
    FROM (SELECT tenant_id, spend, revenue, ${CHANNEL} AS channel FROM campaigns ${w})
    GROUP BY tenant_id, channel ORDER BY tenant_id, channel`,
  target_vs_actual: (w) => `
    WITH actual AS (
      SELECT tenant_id, region, product, year(date) AS y, month(date) AS m,
             sum(revenue) AS revenue, sum(conversions) AS conversions, sum(spend) AS spend
      FROM campaigns ${w ? `${w} AND` : 'WHERE'} region IS NOT NULL AND product IS NOT NULL
      GROUP BY ALL)
    SELECT t.tenant_id, t.region, t.product, t.year::DOUBLE AS year, t.month::DOUBLE AS month,
           t.target_revenue::DOUBLE AS target_revenue,
           coalesce(a.revenue, 0)::DOUBLE AS actual_revenue,
           CASE WHEN t.target_revenue = 0 THEN NULL ELSE coalesce(a.revenue, 0) / t.target_revenue END AS attainment,
           t.target_conversions::DOUBLE AS target_conversions,
           coalesce(a.conversions, 0)::DOUBLE AS actual_conversions,
           t.target_spend::DOUBLE AS target_spend, coalesce(a.spend, 0)::DOUBLE AS actual_spend
    FROM (SELECT * FROM targets ${w.replaceAll('tenant_id', 'targets.tenant_id')}) t
    LEFT JOIN actual a ON a.tenant_id = t.tenant_id AND a.region = t.region
      AND a.product = t.product AND a.y = t.year AND a.m = t.month
    ORDER BY t.tenant_id, t.region, t.product, t.year, t.month`,
  customer_summary: (w) => `
    SELECT tenant_id, count(*)::DOUBLE AS customers, sum(total_spent)::DOUBLE AS total_spent,
           sum(total_orders)::DOUBLE AS total_orders,
           sum(total_spent) / NULLIF(sum(total_orders), 0) AS avg_order_value
    FROM customers ${w} GROUP BY tenant_id ORDER BY tenant_id`,
};

function sqlWhere(query) {
  const tenants = query && Array.isArray(query.tenants) ? query.tenants : null;
  if (!tenants) return '';
  return `WHERE tenant_id IN (${tenants.map((t) => `'${String(t).replaceAll("'", "''")}'`).join(', ')})`;
}

function plain(value) {
  if (typeof value === 'bigint') return Number(value);
  if (value === undefined) return null;
  return value;
}

async function duck() {
  const duckdb = await import('./node_modules/@duckdb/duckdb-wasm/dist/duckdb-browser.mjs');
  const dist = new URL('./node_modules/@duckdb/duckdb-wasm/dist/', location.href).href;
  const bundles = {
    mvp: { mainModule: `${dist}duckdb-mvp.wasm`, mainWorker: `${dist}duckdb-browser-mvp.worker.js` },
    eh: { mainModule: `${dist}duckdb-eh.wasm`, mainWorker: `${dist}duckdb-browser-eh.worker.js` },
    coi: {
      mainModule: `${dist}duckdb-coi.wasm`,
      mainWorker: `${dist}duckdb-browser-coi.worker.js`,
      pthreadWorker: `${dist}duckdb-browser-coi.pthread.worker.js`,
    },
  };
  const bundle = await duckdb.selectBundle(bundles);
  const worker = new Worker(bundle.mainWorker);
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(bundle.mainModule, bundle.pthreadWorker);
  const version = await db.getVersion();
  const conn = await db.connect();
  // Never reach for the network (extensions would be fetched from a CDN).
  await conn.query('SET autoinstall_known_extensions = false');
  const which = Object.keys(bundles).find((k) => bundles[k].mainModule === bundle.mainModule);
  const registered = new Set();

  // registerFileBuffer transfers the buffer to the worker, so each run gets a copy
  // (made before the clock starts).
  async function register(name) {
    if (registered.has(name)) { await db.dropFile(name); registered.delete(name); }
    const copy = data[name].slice();
    return copy;
  }

  return {
    info: () => ({ engine: 'duckdb', version, bundle: which, crossOriginIsolated: self.crossOriginIsolated }),
    async ingest(name) {
      await conn.query('DROP TABLE IF EXISTS campaigns');
      const copy = await register(name);
      const t0 = now();
      await db.registerFileBuffer(name, copy);
      registered.add(name);
      await conn.query(`CREATE TABLE campaigns AS SELECT * FROM read_csv('${name}')`);
      const ms = now() - t0;
      const rows = Number((await conn.query('SELECT count(*) AS n FROM campaigns')).toArray()[0].n);
      return { ms, rows };
    },
    async loadExtra(files) {
      const out = [];
      for (const { name, table, reader } of files) {
        const copy = await register(name);
        await db.registerFileBuffer(name, copy);
        registered.add(name);
        await conn.query(`DROP TABLE IF EXISTS ${table}`);
        await conn.query(`CREATE TABLE ${table} AS SELECT * FROM ${reader}('${name}')`);
        const rows = Number((await conn.query(`SELECT count(*) AS n FROM ${table}`)).toArray()[0].n);
        out.push({ name, table, rows });
      }
      return out;
    },
    async schema() {
      const t = await conn.query('DESCRIBE campaigns');
      return t.toArray().map((r) => `${r.column_name} ${r.column_type}`);
    },
    sql: (name, query) => SQL[name](sqlWhere(query), query && query.limit),
    async dashboard(name, query, keep) {
      const sql = SQL[name](sqlWhere(query), query && query.limit);
      const t0 = now();
      const table = await conn.query(sql);
      const ms = now() - t0;
      if (!keep) return { ms, rowCount: table.numRows };
      const columns = table.schema.fields.map((f) => f.name);
      const vectors = columns.map((_, i) => table.getChildAt(i));
      const rows = [];
      for (let r = 0; r < table.numRows; r++) rows.push(vectors.map((v) => plain(v.get(r))));
      return { ms, columns, rows };
    },
  };
}

// ---------------------------------------------------------------- SheetJS
async function sheetjs() {
  await new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = './node_modules/xlsx/dist/xlsx.full.min.js';
    script.onload = resolve;
    script.onerror = () => reject(new Error('loading SheetJS'));
    document.head.append(script);
  });
  const XLSX = self.XLSX;
  return {
    info: () => ({ engine: 'sheetjs', version: XLSX.version }),
    // Parse the workbook and turn every sheet into rows of values: what our load does
    // before validation.
    xlsx(name) {
      const t0 = now();
      const workbook = XLSX.read(data[name], { type: 'array' });
      let rows = 0;
      for (const sheetName of workbook.SheetNames) {
        const sheetRows = XLSX.utils.sheet_to_json(workbook.Sheets[sheetName], { header: 1 });
        rows += Math.max(0, sheetRows.length - 1); // less the header
      }
      return { ms: now() - t0, rows };
    },
  };
}

const makers = { ours, duckdb: duck, sheetjs };
window.bench = { engine, fetchData };
window.benchReady = (async () => {
  const api = await makers[engine]();
  Object.assign(window.bench, api);
  const info = api.info();
  log(JSON.stringify(info));
  return info;
})();
