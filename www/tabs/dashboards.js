// The dashboards' tabs: one table each, the dashboards the engine lists
// (`dashboardInfo`: name, title, SQL and typed columns, in its order). The engine sorts
// and pages every table; this module keeps which page of each is shown and how it is
// sorted, and lays the rows out, each cell formatted by its column's type. A new query
// starts every table at its first page (its sort stays).
import { $, announce, download, el, keepFocus, showError } from '../dom.js';
import { formatValue, isNumeric, whole } from '../format.js';
import { query } from '../query.js';

const TABLE_PAGE = 100;
// campaign_performance keeps the engine's order and pages by 50.
const PERF = 'campaign_performance';
const PERF_PAGE = 50;

/**
 * The dashboards' tables, given `info` (the engine's dashboards), `call` (the engine),
 * `view()` (the view shown), `viewSeq()` (changes when a new view is asked for),
 * `decorate(table, result)` (click-to-filter's buttons) and `openInSql(name)`. Returns
 * `{names, titleOf, page(query), render(only, tab), forget()}`.
 */
export function createDashboards({ info, call, view, viewSeq, decorate, openInSql }) {
  const names = info.map((d) => d.name);
  const columnsOf = (name) => info.find((d) => d.name === name)?.columns || [];
  const titleOf = (name) => info.find((d) => d.name === name)?.label || name;
  // How each table is shown: its sort ({column, desc}) and page, and the query they
  // were for.
  const sort = {};
  let pages = {};
  let pagesFor = '';
  let tab = names[0];

  // Which rows of each table the engine sends: one screenful, sorted as its header says.
  function tablePage(name) {
    const s = sort[name];
    const size = name === PERF ? PERF_PAGE : TABLE_PAGE;
    const offset = (pages[name] || 0) * size;
    return name === PERF ? { offset, limit: size } : { offset, limit: size, sort: s?.column ?? null, descending: !!s?.desc };
  }

  /** What a view asks of the tables for `query` (a new query: every first page). */
  function page(q) {
    const asking = JSON.stringify(q);
    if (asking !== pagesFor) { pages = {}; pagesFor = asking; }
    const perf = tablePage(PERF);
    return {
      offset: perf.offset, limit: perf.limit,
      tables: Object.fromEntries(names.filter((n) => n !== PERF).map((n) => [n, tablePage(n)])),
    };
  }

  // One table again (its sort or pager button), the rest of the view as it is.
  async function refreshTable(name) {
    const seq = viewSeq();
    try {
      const result = await call('table', { name, query: query(), page: tablePage(name) });
      if (seq !== viewSeq() || !view()) return;
      view().tables[name] = result;
      render([name]);
    } catch (error) {
      showError(`The ${titleOf(name)} table could not be shown: ${error.message}. Try the button again, or reload the page.`);
    }
  }

  function tablePanel(name) {
    const result = view().tables[name];
    const paged = name === PERF;
    const shown = result.rows;
    const total = result.total_rows ?? shown.length;
    const size = paged ? PERF_PAGE : TABLE_PAGE;
    const offset = (pages[name] || 0) * size;
    const s = sort[name];
    const declared = columnsOf(name);
    const typeAt = (i) => declared[i]?.type;
    const label = (c) => declared.find((d) => d.name === c)?.label || c;
    const numeric = (i) => (isNumeric(typeAt(i)) ? 'num' : '');
    const head = el('tr', {}, ...result.columns.map((c, i) => {
      const th = el('th', { scope: 'col', class: numeric(i) });
      if (paged) th.textContent = label(c);
      else {
        th.setAttribute('aria-sort', s?.column === c ? (s.desc ? 'descending' : 'ascending') : 'none');
        th.append(el('button', {
          type: 'button', class: 'sort', 'data-key': `sort:${name}:${c}`, text: label(c) + (s?.column === c ? (s.desc ? ' ▼' : ' ▲') : ''),
          onclick: () => { sort[name] = { column: c, desc: s?.column === c ? !s.desc : false }; pages[name] = 0; refreshTable(name); },
        }));
      }
      return th;
    }));
    const body = el('tbody', {}, ...shown.map((row) => el('tr', {}, ...row.map((v, i) => el('td', { class: numeric(i), text: formatValue(typeAt(i), v) })))));
    // crossfilter: value cells become filter buttons.
    const table = decorate(el('table', { 'data-dashboard': name }, el('thead', {}, head), body), result);
    const pager = el('div', { class: 'pager' },
      el('span', { class: 'muted', text: total ? `Rows ${whole.format(offset + 1)}–${whole.format(offset + shown.length)} of ${whole.format(total)}` : 'No rows match this selection' }));
    if (total > size) {
      const go = (delta) => {
        pages[name] = Math.max(0, (pages[name] || 0) + delta);
        refreshTable(name);
      };
      const prev = el('button', { type: 'button', class: 'ghost small', text: '← Previous', 'data-key': `prev:${name}`, onclick: () => go(-1) });
      const next = el('button', { type: 'button', class: 'ghost small', text: 'Next →', 'data-key': `next:${name}`, onclick: () => go(1) });
      prev.disabled = offset === 0;
      next.disabled = offset + size >= total;
      pager.append(prev, next);
    }
    pager.append(el('button', {
      type: 'button', class: 'ghost small open-sql', text: 'Open in SQL', 'data-key': `open-sql:${name}`,
      'aria-label': `Open in SQL: ${titleOf(name)}`, onclick: () => openInSql(name),
    }));
    // The table scrolls in its own region, which the keyboard can reach and scroll.
    const panel = el('div', { class: 'table-panel', role: 'tabpanel', id: `panel-${name}`, 'aria-labelledby': `tab-${name}`, 'data-panel': name },
      el('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': `${titleOf(name)} table`, 'data-key': `scroll:${name}` }, table), pager);
    panel.hidden = tab !== name;
    return panel;
  }

  /**
   * The tables' panels (`only`: those, the others left as they are; every panel when
   * there are none yet), the one of tab `open` shown (default: as last rendered).
   */
  function render(only = names, open = tab) {
    tab = open;
    if (!view()) return;
    const box = $('tables');
    keepFocus(() => {
      const existing = new Map([...box.children].map((panel) => [panel.dataset.panel, panel]));
      if (only === names || names.some((name) => !existing.has(name))) {
        box.replaceChildren(...names.map(tablePanel));
      } else {
        for (const name of only) existing.get(name).replaceWith(tablePanel(name));
      }
    });
  }

  // The open dashboard as CSV.
  $('export').addEventListener('click', async () => {
    try {
      const csv = await call('exportCsv', { name: tab, query: query() });
      download(new Blob([csv], { type: 'text/csv' }), `${tab}.csv`);
      announce(`${tab}.csv downloaded.`);
    } catch (error) {
      showError(`The export failed: ${error.message}. Try again; if it fails again, reload the page and export before loading more files.`);
    }
  });

  /** Every table back to its first page, unsorted (no data any more). */
  function forget() {
    for (const name of Object.keys(sort)) delete sort[name];
    pages = {};
    pagesFor = '';
  }

  return { names, titleOf, page, render, forget };
}
