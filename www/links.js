// Views as links: the tenant scope, the filters, the open tab and the SQL text live in
// the page's address after `#`, so a reload, Back and Forward, a bookmark or a link sent
// to a colleague open the same view:
//
//   #tenant=tenant_001&tenant=tenant_002&from=2024-11-01&to=2024-11-30&region=North
//    &product=Product%20A&channel=Search&tab=channel_mix&sql=SELECT%20...
//
// (a list is its key repeated; what is at its default is left out, so the plain page has
// no hash). The part after `#` never leaves the browser: it is not sent to the server.
//
// Opening a link only sets the view: its values are handed to the page's own engine as
// the query's values (never as code or markup), and its SQL text is put in the editor,
// not run, until the user runs it. A tenant or filter value the loaded data does not
// have, a date that is not a date, or a tab that does not exist is named in a message
// and ignored. The link is checked against the data once the warehouse is restored (or,
// on an empty page, once files are loaded).

const LISTS = [
  ['tenant', 'tenants', 'tenant'],
  ['region', 'regions', 'region'],
  ['product', 'products', 'product'],
  ['channel', 'channels', 'channel'],
  // Set by clicking the charts and tables, and by drill-down (crossfilter.js).
  ['campaign', 'campaigns', 'campaign'],
  ['performance', 'performance_categories', 'performance category'],
  ['day', 'dates', 'day'],
  ['month', 'months', 'month'],
  ['stage', 'stages', 'funnel stage'],
];
// Values a list must look like to be used at all (others are named and ignored).
const SHAPES = {
  dates: [/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'],
  months: [/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM'],
  stages: [/^(Impressions|Clicks|Conversions)$/, 'Impressions, Clicks or Conversions'],
};
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (text) => DATE.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))
  && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);

// The view of a hash: {query, tab, sql, problems} (problems: what is malformed, named),
// or null for an empty hash (the default view).
export function parseHash(hash) {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!text) return null;
  const params = new URLSearchParams(text);
  const query = { tenants: 'all', from: null, to: null, regions: [], products: [], channels: [] };
  const problems = [];
  for (const [key, field, noun] of LISTS) {
    let values = [...new Set(params.getAll(key).filter((v) => v !== ''))].sort();
    if (SHAPES[field]) {
      const [shape, words] = SHAPES[field];
      for (const v of values.filter((x) => !shape.test(x) || (field === 'dates' && !validDate(x)))) {
        problems.push(`the ${noun} “${v}” is not a ${noun} (${words})`);
      }
      values = values.filter((x) => shape.test(x) && (field !== 'dates' || validDate(x)));
    }
    if (field === 'tenants') query.tenants = values.length ? values : 'all';
    else if (field in query || values.length) query[field] = values;
  }
  for (const key of ['from', 'to']) {
    const value = params.get(key);
    if (value == null || value === '') continue;
    if (validDate(value)) query[key] = value;
    else problems.push(`the ${key === 'from' ? 'start' : 'end'} date “${value}” is not a date (YYYY-MM-DD)`);
  }
  return { query, tab: params.get('tab') || null, sql: params.get('sql'), problems };
}

// The hash of a view ('' for the default view).
export function formatHash({ query, tab, sql }) {
  const params = new URLSearchParams();
  for (const [key, field] of LISTS) {
    const values = field === 'tenants' ? (Array.isArray(query.tenants) ? query.tenants : []) : query[field];
    for (const v of values || []) params.append(key, v);
  }
  if (query.from) params.set('from', query.from);
  if (query.to) params.set('to', query.to);
  if (tab && tab !== 'campaign_summary') params.set('tab', tab);
  if (sql && sql.trim()) params.set('sql', sql);
  const text = params.toString();
  return text ? `#${text}` : '';
}

// The values of `query` that the loaded data does not have (`options`: the view's
// filter options, every value of the warehouse), as phrases, and the query without them.
export function withoutUnknown(query, options) {
  const unknown = [];
  const known = { ...query };
  for (const [, field, noun] of LISTS) {
    // Only what the options list can be checked (campaigns and days are too many to
    // list: the engine shows nothing for a value it does not have).
    if (!options[field]) continue;
    const have = new Set(options[field]);
    const values = field === 'tenants' ? (Array.isArray(query.tenants) ? query.tenants : []) : query[field];
    const missing = values.filter((v) => !have.has(v));
    if (!missing.length) continue;
    unknown.push(...missing.map((v) => `${noun} “${v}”`));
    const kept = values.filter((v) => have.has(v));
    known[field] = field === 'tenants' && !kept.length ? 'all' : kept;
  }
  return { unknown, query: known };
}

const list = (items) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);

// The page's side, given hooks:
//   current(): {query, tab, sql} shown now;
//   apply({query, tab, sql}): shows that view (without checking it);
//   tabs(): the tab names; notify(text): a visible message.
// Returns {open, check, save}: `open()` applies the address's view (on load, Back,
// Forward, a pasted link), `check(options)` (after each view is computed) drops values
// the data lacks and says so, returning true when the query changed and the view must
// be computed again; `save({replace})` writes the view into the address, as a new
// history entry unless `replace`.
export function viewLinks({ current, apply, tabs, notify }) {
  let written = location.hash;
  let unchecked = false;
  // While a link's view is being applied, the page's own saves (a tab selected) are
  // not new history entries.
  let applying = false;

  function open() {
    written = location.hash;
    const view = parseHash(location.hash);
    const base = current();
    const next = view || { query: { tenants: 'all', from: null, to: null, regions: [], products: [], channels: [] }, tab: 'campaign_summary', sql: null, problems: [] };
    const problems = [...next.problems];
    let tab = next.tab || 'campaign_summary';
    if (!tabs().includes(tab)) {
      problems.push(`the tab “${tab}” does not exist`);
      tab = base.tab;
    }
    applying = true;
    try {
      apply({ query: next.query, tab, sql: next.sql ?? (view ? '' : base.sql) });
    } finally {
      applying = false;
    }
    unchecked = true;
    if (problems.length) notify(`This link’s ${list(problems)}: ignored.`);
  }

  function check(options) {
    if (!unchecked) return false;
    unchecked = false;
    const { query } = current();
    const { unknown, query: known } = withoutUnknown(query, options);
    if (!unknown.length) return false;
    notify(`This link names ${list(unknown)}, which the data loaded here does not have: ${unknown.length === 1 ? 'it is' : 'they are'} ignored.`);
    applying = true;
    try {
      apply({ ...current(), query: known });
    } finally {
      applying = false;
    }
    save({ replace: true });
    return true;
  }

  function save({ replace = false } = {}) {
    if (applying) return;
    const hash = formatHash(current());
    if (hash === written || (hash === '' && (written === '' || written === '#'))) return;
    written = hash;
    const url = `${location.pathname}${location.search}${hash}`;
    if (replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
  }

  // Back, Forward, or a link edited in the address bar: the address's view.
  const follow = () => { if (location.hash !== written) { open(); return true; } return false; };

  return { open, check, save, follow };
}
