// Click to filter, the selection chips and drill-down (issue 13). app.js installs it
// with a few hooks; everything else about it lives here.
//
// - A click on a chart mark asks the engine what is under it (`chartHit`, from the
//   rectangles plotters drew), never guessing from pixels here. A plain click on a value
//   makes it that field's selection (a click on the selected value removes it);
//   Ctrl/Cmd-click adds it to (or removes it from) the selection. Every chart, KPI and
//   table follows, since they are all one view of the page's query.
// - The same from the keyboard: a chart's "Show as table" rows and a dashboard table's
//   value cells are buttons (Ctrl/Cmd+Enter adds).
// - The selection shows as chips (buttons: Enter, Space, Delete or Backspace removes
//   one); every change is said in the polite live region.
// - Drill-down: a single tenant drills to its channels or its campaigns, a campaign or
//   a month to its days; a breadcrumb goes back up (each crumb restores the filters and
//   tab of its level).
//
// Other page modules (the pivot) call `filterBy(field, value, { add })` or, for several
// values in one refresh, `filterByMany`.
import { chartHit, filterFields } from './pkg/bi_platform.js';

let ctx = null;
// The query fields a click can set, from the engine: [{name, label, column}].
let FIELDS = [];
const fieldOf = (name) => FIELDS.find((f) => f.name === name);
// The drill-down path: [{label, query, tab}], the first the level drilled from.
let crumbs = [];

const clone = (query) => JSON.parse(JSON.stringify(query));
const values = (query, field) => (field === 'tenants'
  ? (Array.isArray(query.tenants) ? query.tenants : [])
  : (query[field] || []));
function setValues(query, field, list) {
  if (field === 'tenants') query.tenants = list.length ? list : 'all';
  else query[field] = list;
}

/**
 * Adds `value` of `field` (a query field name: `tenants`, `campaigns`, `channels`,
 * `regions`, `products`, `performance_categories`, `stages`, `dates`, `months`) to the page's
 * filters, and every chart, KPI and table follows.
 *
 * - `add: false` (a plain click): the value becomes the field's whole selection; if it
 *   already was, the selection is cleared (clicking again removes it).
 * - `add: true` (Ctrl/Cmd-click): the value joins the field's selection, or leaves it if
 *   it was in it.
 *
 * Returns a promise that resolves once the page shows the new selection.
 */
export async function filterBy(field, value, { add = false } = {}) {
  const changed = toggle(field, value, add);
  const name = `${fieldOf(field).label} ${value}`;
  await apply(changed ? `Filtered by ${name}` : `Filter ${name} removed`);
}

/**
 * Several values at once, in one refresh of the page (a pivot cell is a value of each of
 * its fields): `changes` is [{field, value, add}], each applied in order by `filterBy`'s
 * rules; `what` says what changed ("Filtered by ...").
 */
export async function filterByMany(changes, what) {
  for (const { field, value, add } of changes) toggle(field, value, add);
  await apply(what);
}

// One value of `field` taken into the query or out of it, by `filterBy`'s rules; true
// when the value is selected afterwards.
function toggle(field, value, add) {
  if (!ctx) throw new Error('the page is not ready');
  if (!fieldOf(field)) throw new Error(`${field} is not a filter a click can set`);
  const { state } = ctx;
  const current = values(state.query, field);
  const had = current.includes(value);
  let next;
  if (add) next = had ? current.filter((v) => v !== value) : [...current, value];
  else next = had && current.length === 1 ? [] : (had ? current.filter((v) => v !== value) : [value]);
  setValues(state.query, field, next);
  return next.includes(value);
}

// Recomputes the view for the changed query, then says what changed and what is shown.
async function apply(what) {
  const { state } = ctx;
  state.perfOffset = 0;
  ctx.repick();
  const started = performance.now();
  await ctx.refresh();
  window.__bi.lastFilterMs = performance.now() - started;
  window.__bi.filterChanges = (window.__bi.filterChanges || 0) + 1;
  const k = state.view?.kpis;
  ctx.announce(k ? `${what}: ${ctx.whole.format(k.campaigns)} campaign ${k.campaigns === 1 ? 'row' : 'rows'} shown.` : `${what}.`);
}

const additive = (e) => e.ctrlKey || e.metaKey;

// --- Charts ---------------------------------------------------------------------------
// Where a click on a canvas is, in the CSS pixels the chart was laid out in.
function hitAt(entry, e) {
  if (!entry?.marks || !entry.chart) return undefined;
  const box = entry.canvas.getBoundingClientRect();
  const scale = entry.marks.scale || 1;
  const x = ((e.clientX - box.left) * (entry.canvas.width / box.width)) / scale;
  const y = ((e.clientY - box.top) * (entry.canvas.height / box.height)) / scale;
  return chartHit(entry.chart, entry.marks, x, y);
}

function onChartClick(e) {
  const canvas = e.target.closest?.('canvas[data-chart]');
  if (!canvas) return;
  const datum = hitAt(ctx.canvases.get(canvas.dataset.chart), e);
  window.__bi.lastHit = datum ?? null;
  if (!datum) return;
  if (!datum.field) {
    ctx.announce(datum.mark === 'legend'
      ? `${datum.series} is a measure, not a value to filter by.`
      : `${datum.category} is not a single value to filter by.`);
    return;
  }
  filterBy(datum.field, datum.key, { add: additive(e) }).catch(ctx.fail);
}

let hoverFrame = 0;
function onChartMove(e) {
  const canvas = e.target.closest?.('canvas[data-chart]');
  if (!canvas || hoverFrame) return;
  hoverFrame = requestAnimationFrame(() => {
    hoverFrame = 0;
    const datum = hitAt(ctx.canvases.get(canvas.dataset.chart), e);
    canvas.style.cursor = datum?.field ? 'pointer' : '';
    canvas.title = datum?.field ? `${datum.category ?? datum.series}: click to filter, Ctrl/⌘-click to add` : '';
  });
}

// A value as a button that filters by it (plain: only it; Ctrl/Cmd: add).
function filterButton(field, value, text, selected) {
  const label = fieldOf(field).label;
  const button = ctx.el('button', {
    type: 'button', class: `cell-filter${selected ? ' selected' : ''}`, text,
    'aria-pressed': String(selected), 'data-filter': field, 'data-value': value,
    'data-key': `filter:${field}:${value}`,
    title: `Filter by ${label} ${value} (Ctrl/⌘ adds to the selection)`,
  });
  button.addEventListener('click', (e) => filterBy(field, value, { add: additive(e) }).catch(ctx.fail));
  // Ctrl/Cmd+Enter adds, whether or not the browser passes the modifier to the click.
  button.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && additive(e)) {
      e.preventDefault();
      filterBy(field, value, { add: true }).catch(ctx.fail);
    }
  });
  return button;
}

/** The chart-as-table's category cells (and a per-tenant legend's headers) become
 *  filter buttons: the keyboard's way to click a chart. */
export function decorateChartTable(table, chart) {
  if (!ctx) return table;
  if (chart.field) {
    const selected = values(ctx.state.query, chart.field);
    table.querySelectorAll('tbody th[scope="row"]').forEach((th, i) => {
      const key = chart.keys?.[i];
      if (key) th.replaceChildren(filterButton(chart.field, key, th.textContent, selected.includes(key)));
    });
  }
  if (chart.series_field) {
    const selected = values(ctx.state.query, chart.series_field);
    table.querySelectorAll('thead th.num').forEach((th, i) => {
      const key = chart.series_keys?.[i];
      if (key) th.replaceChildren(filterButton(chart.series_field, key, th.textContent, selected.includes(key)));
    });
  }
  return table;
}

/** A dashboard table's cells of filterable columns (tenant, campaign, channel, region,
 *  product, performance, date) become filter buttons. */
export function decorateDashboardTable(table, result) {
  if (!ctx) return table;
  const columns = result.columns.map((c) => FIELDS.find((f) => f.column === c));
  if (!columns.some(Boolean)) return table;
  const selected = new Map(FIELDS.map((f) => [f.name, values(ctx.state.query, f.name)]));
  for (const tr of table.tBodies[0]?.rows || []) {
    [...tr.cells].forEach((td, i) => {
      const field = columns[i];
      const text = td.textContent;
      if (!field || text === '—') return;
      td.replaceChildren(filterButton(field.name, text, text, selected.get(field.name).includes(text)));
    });
  }
  return table;
}

// --- Chips, drill-down and the breadcrumb ------------------------------------------------
const DRILLS = {
  tenants: [['channels', 'its channels', 'channel_mix'], ['campaigns', 'its campaigns', 'campaign_performance']],
  campaigns: [['days', 'its days', 'daily_performance']],
  months: [['days', 'its days', 'daily_performance']],
};

function drill(field, value, [, words, tab]) {
  const { state } = ctx;
  if (!crumbs.length) {
    const root = clone(state.query);
    setValues(root, field, []);
    crumbs.push({ label: 'All data', query: root, tab: state.tab });
  }
  setValues(state.query, field, [value]);
  const label = `${fieldOf(field).label} ${value}: ${words}`;
  crumbs.push({ label, query: clone(state.query), tab });
  ctx.selectTab(tab);
  return apply(`Drilled into ${label}`).then(() => focusCurrentCrumb());
}

function back(index) {
  const { state } = ctx;
  const crumb = crumbs[index];
  state.query = clone(crumb.query);
  crumbs = index === 0 ? [] : crumbs.slice(0, index + 1);
  ctx.selectTab(crumb.tab);
  ctx.syncDates?.();
  return apply(`Back to ${crumb.label}`).then(() => {
    (document.querySelector('#crumbs [aria-current="page"]') || document.querySelector('#selection-title'))?.focus();
  });
}

function focusCurrentCrumb() {
  document.querySelector('#crumbs [aria-current="page"]')?.focus();
}

function chip(field, value) {
  const name = `${fieldOf(field.name).label}: ${value}`;
  const remove = () => {
    const list = [...document.querySelectorAll('#chips .chip-remove')];
    const at = list.findIndex((b) => b.dataset.value === value && b.dataset.field === field.name);
    setValues(ctx.state.query, field.name, values(ctx.state.query, field.name).filter((v) => v !== value));
    apply(`Filter ${fieldOf(field.name).label} ${value} removed`).then(() => {
      const left = [...document.querySelectorAll('#chips .chip-remove')];
      (left[Math.min(at, left.length - 1)] || document.querySelector('#selection-title'))?.focus();
    }).catch(ctx.fail);
  };
  const button = ctx.el('button', {
    type: 'button', class: 'chip-remove', 'aria-label': `Remove filter ${name}`,
    'data-field': field.name, 'data-value': value, 'data-key': `chip:${field.name}:${value}`,
  }, ctx.el('span', { text: name }), ctx.el('span', { class: 'x', 'aria-hidden': 'true', text: '×' }));
  button.addEventListener('click', remove);
  button.addEventListener('keydown', (e) => {
    if (e.key === 'Delete' || e.key === 'Backspace') { e.preventDefault(); remove(); }
  });
  const item = ctx.el('li', { class: 'chip-item' }, button);
  const drills = DRILLS[field.name];
  if (drills && values(ctx.state.query, field.name).length === 1) {
    for (const d of drills) {
      item.append(ctx.el('button', {
        type: 'button', class: 'ghost small drill', text: `→ ${d[1]}`, 'data-drill': `${field.name}:${d[0]}`,
        'aria-label': `Drill into ${fieldOf(field.name).label} ${value}: ${d[1]}`, 'data-key': `drill:${field.name}:${d[0]}`,
        onclick: () => drill(field.name, value, d).catch(ctx.fail),
      }));
    }
  }
  return item;
}

/** Draws the chips and the breadcrumb for the current query (after each view). */
export function renderSelection() {
  if (!ctx) return;
  const box = ensureBox();
  const chips = FIELDS.flatMap((f) => values(ctx.state.query, f.name).map((v) => chip(f, v)));
  box.querySelector('#chips').replaceChildren(...chips);
  box.querySelector('#chips-empty').hidden = chips.length > 0;
  const nav = box.querySelector('#crumbs');
  nav.hidden = crumbs.length === 0;
  nav.querySelector('ol').replaceChildren(...crumbs.map((c, i) => {
    const last = i === crumbs.length - 1;
    return ctx.el('li', {}, ctx.el('button', {
      type: 'button', class: 'ghost small crumb', text: c.label, 'data-crumb': String(i), 'data-key': `crumb:${i}`,
      ...(last ? { 'aria-current': 'page' } : {}),
      onclick: () => { if (!last) back(i).catch(ctx.fail); },
    }));
  }));
}

function ensureBox() {
  let box = document.getElementById('selection');
  if (box) return box;
  box = ctx.el('div', { id: 'selection', class: 'selection', role: 'group', 'aria-labelledby': 'selection-title' },
    ctx.el('span', { id: 'selection-title', class: 'selection-title', tabindex: '-1', text: 'Selection' }),
    ctx.el('nav', { id: 'crumbs', class: 'crumbs', 'aria-label': 'Drill-down path' }, ctx.el('ol')),
    ctx.el('ul', { id: 'chips', class: 'chip-list', 'aria-label': 'Active filters' }),
    ctx.el('span', { id: 'chips-empty', class: 'muted hint', text: 'Click a bar, a point, a legend entry or a table value to filter by it; Ctrl/⌘-click adds to the selection.' }));
  document.getElementById('filters').append(box);
  return box;
}

/**
 * Installs click-to-filter. `hooks`: {state, canvases (chart id -> {canvas, chart,
 * marks}), refresh(), announce(text), el(), selectTab(name), repick() (the pickers
 * re-read the query), syncDates() (the date inputs show the query), whole (a number format), fail(error)}.
 */
export function installCrossfilter(hooks) {
  ctx = hooks;
  FIELDS = filterFields();
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./crossfilter.css', import.meta.url).href;
  document.head.append(link);
  const charts = document.getElementById('charts');
  charts.addEventListener('click', onChartClick);
  charts.addEventListener('mousemove', onChartMove);
  // "Reset filters" also leaves any drill-down.
  document.getElementById('reset').addEventListener('click', () => { crumbs = []; renderSelection(); });
  window.__bi.filterBy = filterBy;
  // For tests and measurements: a chart's data and where its marks were drawn.
  window.__bi.chartMarks = (id) => {
    const entry = ctx.canvases.get(id);
    return entry && { chart: entry.chart, marks: entry.marks };
  };
}
