// Click to filter, the selection chips and drill-down (issue 13). main.js creates it
// with a few hooks; everything else about it lives here. The query it changes is the
// page's one query model (query.js).
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
// values in one refresh, `filterByMany`. The fields, their labels and the dashboards'
// columns holding their values are the engine's (`filterFields`, through query.js).
import { chartHit } from './pkg/bi_platform.js';
import { el } from './dom.js';
import { whole } from './format.js';
import { field, fields, query, replaceQuery, selected, setValues, toggle, without } from './query.js';

const additive = (e) => e.ctrlKey || e.metaKey;

// Drill-down: from a single value of a field, to a field of its own and the tab showing
// it (`[to, words, tab]`).
const DRILLS = {
  tenants: [['channels', 'its channels', 'channel_mix'], ['campaigns', 'its campaigns', 'campaign_performance']],
  campaigns: [['days', 'its days', 'daily_performance']],
  months: [['days', 'its days', 'daily_performance']],
};

/**
 * Click to filter, given hooks: `canvases` (chart id -> {canvas, chart, marks}),
 * `refresh()` (the view again, for the query now), `view()` (the view shown),
 * `selectTab(name)`, `tab()` (the tab open), `announce(text)`, `fail(error)`.
 * Returns `{filterBy, filterByMany, decorateChartTable, decorateDashboardTable,
 * renderSelection}`.
 */
export function createCrossfilter(hooks) {
  // The drill-down path: [{label, query, tab}], the first the level drilled from.
  let crumbs = [];
  let hoverFrame = 0;
  const label = (name) => field(name).label;

  /**
   * Adds `value` of `name` (a query field name: `tenants`, `campaigns`, `channels`,
   * `regions`, `products`, `performance_categories`, `stages`, `dates`, `months`) to the
   * page's filters, and every chart, KPI and table follows.
   *
   * - `add: false` (a plain click): the value becomes the field's whole selection; if it
   *   already was, the selection is cleared (clicking again removes it).
   * - `add: true` (Ctrl/Cmd-click): the value joins the field's selection, or leaves it
   *   if it was in it.
   *
   * Returns a promise that resolves once the page shows the new selection.
   */
  async function filterBy(name, value, { add = false } = {}) {
    const now = click(name, value, add);
    await apply(now ? `Filtered by ${label(name)} ${value}` : `Filter ${label(name)} ${value} removed`);
  }

  /**
   * Several values at once, in one refresh of the page (a pivot cell is a value of each
   * of its fields): `changes` is [{field, value, add}], each applied in order by
   * `filterBy`'s rules; `what` says what changed ("Filtered by ...").
   */
  async function filterByMany(changes, what) {
    for (const { field: name, value, add } of changes) click(name, value, add);
    await apply(what);
  }

  function click(name, value, add) {
    if (!field(name)) throw new Error(`${name} is not a filter a click can set`);
    return toggle(name, value, add);
  }

  // Recomputes the view for the changed query, then says what changed and what is shown.
  async function apply(what) {
    const started = performance.now();
    await hooks.refresh();
    window.__bi.lastFilterMs = performance.now() - started;
    window.__bi.filterChanges = (window.__bi.filterChanges || 0) + 1;
    const k = hooks.view()?.kpis;
    hooks.announce(k ? `${what}: ${whole.format(k.campaigns)} campaign ${k.campaigns === 1 ? 'row' : 'rows'} shown.` : `${what}.`);
  }

  // --- Charts -------------------------------------------------------------------------
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
    const datum = hitAt(hooks.canvases.get(canvas.dataset.chart), e);
    window.__bi.lastHit = datum ?? null;
    if (!datum) return;
    if (!datum.field) {
      hooks.announce(datum.mark === 'legend'
        ? `${datum.series} is a measure, not a value to filter by.`
        : `${datum.category} is not a single value to filter by.`);
      return;
    }
    filterBy(datum.field, datum.key, { add: additive(e) }).catch(hooks.fail);
  }

  function onChartMove(e) {
    const canvas = e.target.closest?.('canvas[data-chart]');
    if (!canvas || hoverFrame) return;
    hoverFrame = requestAnimationFrame(() => {
      hoverFrame = 0;
      const datum = hitAt(hooks.canvases.get(canvas.dataset.chart), e);
      canvas.style.cursor = datum?.field ? 'pointer' : '';
      canvas.title = datum?.field ? `${datum.category ?? datum.series}: click to filter, Ctrl/⌘-click to add` : '';
    });
  }

  // A value as a button that filters by it (plain: only it; Ctrl/Cmd: add).
  function filterButton(name, value, text, isSelected) {
    const button = el('button', {
      type: 'button', class: `cell-filter${isSelected ? ' selected' : ''}`, text,
      'aria-pressed': String(isSelected), 'data-filter': name, 'data-value': value,
      'data-key': `filter:${name}:${value}`,
      title: `Filter by ${label(name)} ${value} (Ctrl/⌘ adds to the selection)`,
    });
    button.addEventListener('click', (e) => filterBy(name, value, { add: additive(e) }).catch(hooks.fail));
    // Ctrl/Cmd+Enter adds, whether or not the browser passes the modifier to the click.
    button.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && additive(e)) {
        e.preventDefault();
        filterBy(name, value, { add: true }).catch(hooks.fail);
      }
    });
    return button;
  }

  /** The chart-as-table's category cells (and a per-tenant legend's headers) become
   *  filter buttons: the keyboard's way to click a chart. */
  function decorateChartTable(table, chart) {
    if (chart.field) {
      const now = selected(chart.field);
      table.querySelectorAll('tbody th[scope="row"]').forEach((th, i) => {
        const key = chart.keys?.[i];
        if (key) th.replaceChildren(filterButton(chart.field, key, th.textContent, now.includes(key)));
      });
    }
    if (chart.series_field) {
      const now = selected(chart.series_field);
      table.querySelectorAll('thead th.num').forEach((th, i) => {
        const key = chart.series_keys?.[i];
        if (key) th.replaceChildren(filterButton(chart.series_field, key, th.textContent, now.includes(key)));
      });
    }
    return table;
  }

  /** A dashboard table's cells of filterable columns (tenant, campaign, channel, region,
   *  product, performance, date) become filter buttons. */
  function decorateDashboardTable(table, result) {
    const columns = result.columns.map((c) => fields().find((f) => f.column === c));
    if (!columns.some(Boolean)) return table;
    for (const tr of table.tBodies[0]?.rows || []) {
      [...tr.cells].forEach((td, i) => {
        const f = columns[i];
        const text = td.textContent;
        if (!f || text === '—') return;
        td.replaceChildren(filterButton(f.name, text, text, selected(f.name).includes(text)));
      });
    }
    return table;
  }

  // --- Chips, drill-down and the breadcrumb ----------------------------------------------
  function drill(name, value, [, words, tab]) {
    if (!crumbs.length) crumbs.push({ label: 'All data', query: without(query(), name), tab: hooks.tab() });
    setValues(name, [value]);
    const crumb = `${label(name)} ${value}: ${words}`;
    crumbs.push({ label: crumb, query: query(), tab });
    hooks.selectTab(tab);
    return apply(`Drilled into ${crumb}`).then(focusCurrentCrumb);
  }

  function back(index) {
    const crumb = crumbs[index];
    replaceQuery(crumb.query);
    crumbs = index === 0 ? [] : crumbs.slice(0, index + 1);
    hooks.selectTab(crumb.tab);
    return apply(`Back to ${crumb.label}`).then(() => {
      (document.querySelector('#crumbs [aria-current="page"]') || document.querySelector('#selection-title'))?.focus();
    });
  }

  function focusCurrentCrumb() {
    document.querySelector('#crumbs [aria-current="page"]')?.focus();
  }

  function chip(f, value) {
    const name = `${f.label}: ${value}`;
    const remove = () => {
      const list = [...document.querySelectorAll('#chips .chip-remove')];
      const at = list.findIndex((b) => b.dataset.value === value && b.dataset.field === f.name);
      setValues(f.name, selected(f.name).filter((v) => v !== value));
      apply(`Filter ${f.label} ${value} removed`).then(() => {
        const left = [...document.querySelectorAll('#chips .chip-remove')];
        (left[Math.min(at, left.length - 1)] || document.querySelector('#selection-title'))?.focus();
      }).catch(hooks.fail);
    };
    const button = el('button', {
      type: 'button', class: 'chip-remove', 'aria-label': `Remove filter ${name}`,
      'data-field': f.name, 'data-value': value, 'data-key': `chip:${f.name}:${value}`,
    }, el('span', { text: name }), el('span', { class: 'x', 'aria-hidden': 'true', text: '×' }));
    button.addEventListener('click', remove);
    button.addEventListener('keydown', (e) => {
      if (e.key === 'Delete' || e.key === 'Backspace') { e.preventDefault(); remove(); }
    });
    const item = el('li', { class: 'chip-item' }, button);
    const drills = DRILLS[f.name];
    if (drills && selected(f.name).length === 1) {
      for (const d of drills) {
        item.append(el('button', {
          type: 'button', class: 'ghost small drill', text: `→ ${d[1]}`, 'data-drill': `${f.name}:${d[0]}`,
          'aria-label': `Drill into ${f.label} ${value}: ${d[1]}`, 'data-key': `drill:${f.name}:${d[0]}`,
          onclick: () => drill(f.name, value, d).catch(hooks.fail),
        }));
      }
    }
    return item;
  }

  /** Draws the chips and the breadcrumb for the query now (after each view). */
  function renderSelection() {
    const box = ensureBox();
    const chips = fields().flatMap((f) => selected(f.name).map((v) => chip(f, v)));
    box.querySelector('#chips').replaceChildren(...chips);
    box.querySelector('#chips-empty').hidden = chips.length > 0;
    const nav = box.querySelector('#crumbs');
    nav.hidden = crumbs.length === 0;
    nav.querySelector('ol').replaceChildren(...crumbs.map((c, i) => {
      const last = i === crumbs.length - 1;
      return el('li', {}, el('button', {
        type: 'button', class: 'ghost small crumb', text: c.label, 'data-crumb': String(i), 'data-key': `crumb:${i}`,
        ...(last ? { 'aria-current': 'page' } : {}),
        onclick: () => { if (!last) back(i).catch(hooks.fail); },
      }));
    }));
  }

  function ensureBox() {
    let box = document.getElementById('selection');
    if (box) return box;
    box = el('div', { id: 'selection', class: 'selection', role: 'group', 'aria-labelledby': 'selection-title' },
      el('span', { id: 'selection-title', class: 'selection-title', tabindex: '-1', text: 'Selection' }),
      el('nav', { id: 'crumbs', class: 'crumbs', 'aria-label': 'Drill-down path' }, el('ol')),
      el('ul', { id: 'chips', class: 'chip-list', 'aria-label': 'Active filters' }),
      el('span', { id: 'chips-empty', class: 'muted hint', text: 'Click a bar, a point, a legend entry or a table value to filter by it; Ctrl/⌘-click adds to the selection.' }));
    document.getElementById('filters').append(box);
    return box;
  }

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
    const entry = hooks.canvases.get(id);
    return entry && { chart: entry.chart, marks: entry.marks };
  };
  return { filterBy, filterByMany, decorateChartTable, decorateDashboardTable, renderSelection };
}
