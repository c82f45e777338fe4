// The query model: the one query every part of the page shows (the KPI tiles, the
// charts, the dashboards' tables, the pivot; the SQL tab takes its tenant scope), and
// the only place it changes. Tabs read it with `query()` and change it with the
// functions below, each of which makes a new query (a query is never changed in place:
// it is frozen) and tells the listeners (`onQueryChange`).
//
//   {tenants: 'all' | [id, ...], from: 'YYYY-MM-DD' | null, to: ..., regions: [...],
//    products: [...], channels: [...], campaigns?: [...], performance_categories?: [...],
//    dates?: [...], months?: [...], stages?: [...]}
//
// The fields holding values (tenants, regions, ... stages) are the engine's filter
// fields (`filterFields()`): their names, labels and the key each has in a view's
// address come from there. Tenants are the one field that is not a plain list: every
// tenant is `'all'`, never an empty list.
//
// A view's address: the query, the open tab and the SQL text after `#`, a list as its
// key repeated (`#tenant=a&tenant=b&from=2024-11-01&tab=channel_mix&sql=SELECT%20...`);
// what is at its default is left out, so the plain page has no hash (links.js keeps it
// in step with the page).
import { filterFields } from './pkg/bi_platform.js';

const freeze = (query) => Object.freeze(Object.fromEntries(Object.entries(query)
  .map(([k, v]) => [k, Array.isArray(v) ? Object.freeze([...v]) : v])));

/** Every tenant, no filter. */
export const EMPTY_QUERY = freeze({ tenants: 'all', from: null, to: null, regions: [], products: [], channels: [] });

let current = EMPTY_QUERY;
const listeners = [];
let engineFields = null;

/** The engine's filter fields, `[{name, label, plural, noun, link, column, form, choices}]`
 *  in chip order (once the engine's module is initialised). */
export const fields = () => (engineFields ||= filterFields());
/** The filter field called `name` (`tenants`, `channels`, ...). */
export const field = (name) => fields().find((f) => f.name === name);

/** The query now (frozen). */
export const query = () => current;

/** The values of `name` in `q` (tenants: none when every tenant is seen). */
export function selected(name, q = current) {
  if (name === 'tenants') return Array.isArray(q.tenants) ? q.tenants : [];
  return q[name] || [];
}

/** The SQL tab's query: only the tenant scope. */
export const tenantScope = () => ({ tenants: current.tenants });

/** Listens to every change: `listener(query)`. */
export function onQueryChange(listener) {
  listeners.push(listener);
}

/** The query becomes `next` (a whole query: a link's, a drill-down level's). */
export function replaceQuery(next) {
  current = freeze(next);
  for (const listener of listeners) listener(current);
}

// `q` with `list` as the values of `name` (no tenants picked: every tenant).
function withValues(q, name, list) {
  return { ...q, [name]: name === 'tenants' && !list.length ? 'all' : list };
}

/** The values of `name` become `list`. */
export function setValues(name, list) {
  replaceQuery(withValues(current, name, list));
}

/**
 * A click on `value` of `name`, by click-to-filter's rules: a plain click makes it the
 * field's whole selection, or clears the selection when it was the only value in it;
 * `add` (Ctrl/Cmd) adds it, or takes it out when it was in. True when the value is
 * selected afterwards.
 */
export function toggle(name, value, add) {
  const list = selected(name);
  const had = list.includes(value);
  let next;
  if (add) next = had ? list.filter((v) => v !== value) : [...list, value];
  else next = had && list.length === 1 ? [] : (had ? list.filter((v) => v !== value) : [value]);
  setValues(name, next);
  return next.includes(value);
}

/** `q` with field `name` cleared (a drill-down's level above). */
export const without = (q, name) => freeze(withValues(q, name, []));

/** The first (`which`: 'from') or last ('to') day, or null. */
export function setDate(which, day) {
  replaceQuery({ ...current, [which]: day || null });
}

/** The date range `from`..`to` (both null: none). */
export function setRange(from, to) {
  replaceQuery({ ...current, from, to });
}

/** Back to the empty query. */
export function resetQuery() {
  replaceQuery(EMPTY_QUERY);
}

// --- The view in the address --------------------------------------------------------

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (text) => DATE.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))
  && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);
// Whether a value has the form every value of the field has, if it has one.
const FORMS = { 'YYYY-MM-DD': validDate, 'YYYY-MM': (v) => /^\d{4}-(0[1-9]|1[0-2])$/.test(v) };
const fits = (f, v) => (f.form ? FORMS[f.form]?.(v) ?? true : true) && (!f.choices || f.choices.includes(v));
/** Items in running text: "a, b and c" (`last`: the last joining word). */
export const listText = (items, last = 'and') => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} ${last} ${items.at(-1)}`);

/**
 * The view of a hash: `{query, tab, sql, problems}` (`problems`: what is malformed,
 * named), or null for an empty hash (the default view).
 */
export function parseHash(hash) {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!text) return null;
  const params = new URLSearchParams(text);
  let q = { ...EMPTY_QUERY };
  const problems = [];
  for (const f of fields()) {
    const values = [...new Set(params.getAll(f.link).filter((v) => v !== ''))].sort();
    for (const v of values.filter((x) => !fits(f, x))) {
      problems.push(`the ${f.noun} “${v}” is not a ${f.noun} (${f.form || listText(f.choices, 'or')})`);
    }
    const good = values.filter((x) => fits(f, x));
    if (f.name in q || good.length) q = withValues(q, f.name, good);
  }
  for (const key of ['from', 'to']) {
    const value = params.get(key);
    if (value == null || value === '') continue;
    if (validDate(value)) q[key] = value;
    else problems.push(`the ${key === 'from' ? 'start' : 'end'} date “${value}” is not a date (YYYY-MM-DD)`);
  }
  return { query: freeze(q), tab: params.get('tab') || null, sql: params.get('sql'), problems };
}

/** The hash of a view ('' for the default view). */
export function formatHash({ query: q, tab, sql }) {
  const params = new URLSearchParams();
  for (const f of fields()) for (const v of selected(f.name, q)) params.append(f.link, v);
  if (q.from) params.set('from', q.from);
  if (q.to) params.set('to', q.to);
  if (tab && tab !== 'campaign_summary') params.set('tab', tab);
  if (sql && sql.trim()) params.set('sql', sql);
  const text = params.toString();
  return text ? `#${text}` : '';
}

/**
 * The values of `q` that the loaded data does not have (`options`: the view's filter
 * options, every value of the warehouse), as phrases, and the query without them.
 */
export function withoutUnknown(q, options) {
  const unknown = [];
  let known = q;
  for (const f of fields()) {
    // Only what the options list can be checked (campaigns and days are too many to
    // list: the engine shows nothing for a value it does not have).
    if (!options[f.name]) continue;
    const have = new Set(options[f.name]);
    const values = selected(f.name, q);
    const missing = values.filter((v) => !have.has(v));
    if (!missing.length) continue;
    unknown.push(...missing.map((v) => `${f.noun} “${v}”`));
    known = withValues(known, f.name, values.filter((v) => have.has(v)));
  }
  return { unknown, query: freeze(known) };
}

/**
 * For tests and measurements (`window.__bi.state.query`): the query as a plain object
 * whose members can be set, each set going through `replaceQuery`.
 */
export function debugQuery() {
  return new Proxy({ ...current }, {
    set(target, key, value) {
      target[key] = value;
      replaceQuery({ ...current, [key]: value });
      return true;
    },
  });
}
