// What the SQL tab has around its editor: the parser module (a second wasm module,
// www/pkg-sql/, fetched the first time the tab opens and handed to the engine's
// worker), the examples (a few here, the seed's dashboard queries and the dashboards'
// own SQL from the engine under "More examples"), the recent queries kept in this
// browser, and the tables and columns a query can name (from the engine).
import { $, announce, el } from '../dom.js';
import { whole } from '../format.js';
import { call } from '../engine.js';

const SQL_PARSER = new URL('../pkg-sql/bi_platform_sql_bg.wasm', import.meta.url);
const SQL_EXAMPLES = [
  ['Revenue by region per month', `SELECT region, strftime('%Y-%m', date) AS month, SUM(revenue) AS revenue
FROM fact_campaigns
GROUP BY region, month
ORDER BY region, month`],
  ['Top 3 campaigns per tenant', `SELECT tenant_id, campaign_name, revenue, rank
FROM (
  SELECT tenant_id, campaign_name, SUM(revenue) AS revenue,
         RANK() OVER (PARTITION BY tenant_id ORDER BY SUM(revenue) DESC) AS rank
  FROM fact_campaigns
  GROUP BY tenant_id, campaign_name
)
WHERE rank <= 3
ORDER BY tenant_id, rank`],
  ['Running revenue per tenant', `SELECT tenant_id, date, SUM(revenue) AS revenue,
       SUM(SUM(revenue)) OVER (PARTITION BY tenant_id ORDER BY date) AS running_revenue
FROM fact_campaigns
GROUP BY tenant_id, date
ORDER BY tenant_id, date`],
  ['Revenue against target by quarter', `SELECT t.tenant_id, d.year, d.quarter, SUM(f.revenue) AS revenue
FROM fact_campaigns f JOIN dim_date d ON d.date = f.date
JOIN dim_tenant t ON t.tenant_id = f.tenant_id
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3`],
];

/** A dashboard's SQL from the engine, a line per clause. */
export const clauseLines = (sql) => sql.replace(/\s+(FROM|WHERE|GROUP BY|ORDER BY|HAVING|LEFT JOIN|JOIN)\b/g, '\n$1');

/**
 * The parser module, given to the engine's worker once per worker: `ensure()` resolves
 * when the worker has it, `forget()` after the worker was replaced. Its bytes are
 * fetched once.
 */
export function parserLoader() {
  let bytes = null;
  let given = null;
  const loading = (text) => { $('sql-loading').textContent = text; };
  function fetchBytes() {
    bytes ||= (async () => {
      loading('Loading the SQL parser…');
      const response = await fetch(SQL_PARSER);
      if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
      // Its size when the server says it, else what has arrived so far.
      const size = Number(response.headers.get('content-length'));
      const kb = (n) => `${whole.format(Math.round(n / 1024))} KB`;
      const chunks = [];
      let got = 0;
      loading(`Loading the SQL parser… (${kb(size || 0)})`);
      for (const reader = response.body.getReader(); ;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        got += value.length;
        if (!size) loading(`Loading the SQL parser… (${kb(got)})`);
      }
      const all = new Uint8Array(got);
      chunks.reduce((at, c) => { all.set(c, at); return at + c.length; }, 0);
      return all;
    })().catch((error) => { bytes = null; throw error; });
    return bytes;
  }
  function ensure() {
    given ||= (async () => {
      const copy = (await fetchBytes()).slice();
      await call('sqlParser', { bytes: copy.buffer }, [copy.buffer]);
      loading('');
    })().catch((error) => {
      given = null;
      loading('');
      throw new Error(`the SQL parser could not be loaded (${error.message}); build it with “make wasm”, or reload the page`);
    });
    return given;
  }
  return { ensure, forget: () => { given = null; } };
}

// The last queries run, kept in this browser (localStorage), newest first.
const HISTORY_KEY = 'bi-platform.sql.history';
const HISTORY_SIZE = 20;
export function sqlHistory() {
  try {
    const list = JSON.parse(localStorage.getItem(HISTORY_KEY) || '[]');
    return Array.isArray(list) ? list.filter((q) => typeof q === 'string') : [];
  } catch { return []; }
}
export function renderHistory() {
  const list = sqlHistory();
  const select = $('sql-history');
  select.replaceChildren(el('option', { value: '', text: list.length ? `${list.length} recent ${list.length === 1 ? 'query' : 'queries'}…` : 'None yet' }),
    ...list.map((q, i) => el('option', { value: String(i), text: q.replace(/\s+/g, ' ').slice(0, 90) })));
  select.disabled = !list.length;
}
/** `text` first among the recent queries. */
export function remember(text) {
  const list = [text, ...sqlHistory().filter((q) => q !== text)].slice(0, HISTORY_SIZE);
  try { localStorage.setItem(HISTORY_KEY, JSON.stringify(list)); } catch { /* storage full or off: not kept */ }
  renderHistory();
}
/** No recent queries any more ("Forget all data"). */
export function forgetHistory() {
  try { localStorage.removeItem(HISTORY_KEY); } catch { /* storage off: nothing kept */ }
  renderHistory();
}

/**
 * The examples' buttons, given `use(text)` (the text into the editor, and run) and
 * `info` (the engine's dashboards): the few here at once, the rest under "More
 * examples", filled once.
 */
export async function renderExamples(use, info) {
  if (!$('sql-examples').querySelector('button')) {
    $('sql-examples').append(...SQL_EXAMPLES.map(([name, text]) => el('button', {
      type: 'button', class: 'ghost small', text: name, onclick: () => use(text),
    })));
  }
  // The seed's dashboard queries (www/examples/dashboard_queries.sql, the seed's file
  // verbatim) and the dashboards' SQL (from the engine).
  const box = $('sql-more-examples');
  if (box.dataset.filled) return;
  box.dataset.filled = 'true';
  const button = (name, text) => el('button', { type: 'button', class: 'ghost small', text: name, onclick: () => use(text) });
  box.append(el('div', { class: 'sql-examples', role: 'group', 'aria-label': 'The dashboards as SQL' },
    el('span', { class: 'muted', text: 'Dashboards:' }), ...info.map((d) => button(d.label, clauseLines(d.sql)))));
  try {
    const response = await fetch(new URL('../examples/dashboard_queries.sql', import.meta.url));
    if (!response.ok) return;
    const text = await response.text();
    // Each statement with the first comment line above it as its name.
    const queries = text.split(/;\s*\n/).map((q) => q.trim()).filter((q) => /\bSELECT\b/i.test(q));
    box.prepend(el('div', { class: 'sql-examples', role: 'group', 'aria-label': 'The seed’s dashboard queries' },
      el('span', { class: 'muted', text: 'The seed’s queries:' }),
      ...queries.map((q, i) => button((q.match(/^--\s*(.+)$/m) || [])[1] || `Query ${i + 1}`, `${q};`))));
  } catch { /* the dashboards' SQL is there anyway */ }
}

/** The recent queries' list: a choice puts the query in the editor (`setText`). */
export function installHistory(setText) {
  $('sql-history').addEventListener('change', (e) => {
    const q = sqlHistory()[Number(e.target.value)];
    if (e.target.value !== '' && q != null) {
      setText(q);
      announce('The query is in the editor: press Ctrl+Enter to run it.');
    }
  });
}

/** The tables and their columns beside the editor, from the engine; resolves to the
 *  schema when it changed (else null). `shown`: the key of the schema shown. */
export async function renderSchema(shown) {
  const schema = await call('sqlSchema');
  const key = JSON.stringify(schema);
  if (key === shown) return null;
  $('sql-schema').replaceChildren(...schema.tables.map((t, i) => {
    const details = el('details', { 'data-table': t.name },
      el('summary', { text: t.name }),
      el('p', { class: 'muted', text: t.about }),
      el('ul', { 'aria-label': `Columns of ${t.name}` }, ...t.columns.map((c) => el('li', {}, c.name, ' ', el('span', { class: 'type', text: `${c.type} · ${c.kind}` })))));
    details.open = i === 0;
    return details;
  }));
  return { schema, key };
}
