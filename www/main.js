// The page: files in, filters, KPI tiles, charts and tables out. The engine runs in a
// worker (engine.js, worker.js); this thread renders, and draws the charts with the
// engine's own drawing (canvases live here). Every value from a file is inserted as
// text (textContent), never as HTML.
//
// This module puts the page's parts together and computes the view: one request to the
// engine for the query now (query.js) gives the filter options, the KPI tiles, the
// charts and the dashboards' tables, each part then drawn by its module:
//
//   files.js        files in, load reports, the warehouse kept in this browser
//   filters.js      the filter bar          charts.js     KPI tiles and charts
//   crossfilter.js  click to filter, chips, drill-down
//   tabs/           the dashboards' tables, the Pivot tab, the SQL tab
//   links.js        the view in the address (query.js reads and writes it)
import init, { dashboardInfo, drawChart } from './pkg/bi_platform.js';
import { $, announce, el, keepFocus, nextFrame, showError } from './dom.js';
import { whole } from './format.js';
import { call, listenToEngine } from './engine.js';
import { debugQuery, parseHash, query, replaceQuery, resetQuery } from './query.js';
import { viewLinks } from './links.js';
import { createFilters } from './filters.js';
import { createCharts, renderKpis } from './charts.js';
import { createCrossfilter } from './crossfilter.js';
import { createFiles } from './files.js';
import { createDashboards } from './tabs/dashboards.js';
import { createPivotTab } from './tabs/pivot.js';
import { createSqlTab } from './tabs/sql.js';
import { forgetHistory } from './tabs/sql-extras.js';

// Test and debug hooks: `sqlRuns` counts the SQL runs shown (for tests to wait on);
// `memory()` reports the engine's `{used, budget}` in bytes; `state` (below) what the
// page shows.
window.__bi = { firstChartAt: null, dropAt: null, sqlRuns: 0, memory: () => call('memory'), forgetViews: () => call('forgetViews') };

// The filter bar sticks right under the top bar, whatever its height. Their heights
// also keep a focused control from hiding under them (scroll-padding-top).
for (const [selector, variable] of [['.topbar', '--topbar-height'], ['#filters', '--filters-height']]) {
  new ResizeObserver(([entry]) => {
    document.documentElement.style.setProperty(variable, `${Math.ceil(entry.target.getBoundingClientRect().height)}px`);
  }).observe(document.querySelector(selector));
}

/** The page once the engine's module is here: its parts, put together. Returns what
 *  starting needs: `{links, files}`. */
function assemble() {
  // The view shown, the tab open, the views asked for (a later one overtakes), and a
  // filter change's result still to be said.
  const page = { view: null, tab: 'campaign_summary', seq: 0, announcePending: false };
  const info = dashboardInfo();
  const files = createFiles({ loaded: () => refresh(), forgotten: showEmpty });
  const filters = createFilters({ changed: () => refresh({ announce: true }) });
  const charts = createCharts({ decorate: (table, chart) => crossfilter.decorateChartTable(table, chart) });
  const crossfilter = createCrossfilter({
    canvases: charts.canvases, refresh: () => refresh(), view: () => page.view, selectTab: (name) => selectTab(name),
    tab: () => page.tab, announce, fail: (error) => showError(`The filter could not be applied: ${error.message}. Press “Reset filters”.`),
  });
  const dashboards = createDashboards({
    info, call, view: () => page.view, viewSeq: () => page.seq,
    decorate: crossfilter.decorateDashboardTable, openInSql: (name) => sql.openInSql(name),
  });
  const pivot = createPivotTab({ filterByMany: crossfilter.filterByMany, refresh: (options) => refresh(options) });
  const sql = createSqlTab({ info, selectTab: (name) => selectTab(name), saveLink: (options) => links.save(options) });
  // The tabs: the dashboards, then the pivot and SQL.
  const TABS = [...dashboards.names, 'pivot', 'sql'];
  const titleOf = (name) => (name === 'sql' ? 'SQL' : name === 'pivot' ? 'Pivot' : dashboards.titleOf(name));

  // The tenants, filters, tab and SQL text in the address; a link's view is applied
  // before the kept warehouse is restored and checked against it once its first view is
  // computed.
  const links = viewLinks({
    current: () => ({ query: query(), tab: page.tab, sql: sql.text() }),
    apply: ({ query: linked, tab, sql: text }) => {
      replaceQuery(linked);
      sql.showLinkText(text);
      if (tab !== page.tab) {
        if (page.view) selectTab(tab); else page.tab = tab;
      }
    },
    tabs: () => TABS,
    notify: showError,
  });
  for (const type of ['popstate', 'hashchange']) {
    window.addEventListener(type, () => { if (links.follow()) refresh({ announce: true, fromLink: true }); });
  }

  // `announce`: the view answers a filter change, and its result is said once ("3
  // tenants, 1,020 campaign rows shown"); a later view overtaking it says it instead.
  async function refresh({ announce: say = false, fromLink = false } = {}) {
    if (!files.hasData()) return;
    const seq = ++page.seq;
    page.announcePending ||= say;
    try {
      const asked = performance.now();
      const view = await call('view', { query: query(), page: dashboards.page(query()) });
      if (seq !== page.seq) return;
      const got = performance.now();
      // A link's values the data lacks are dropped (and named) before anything is shown.
      if (links.check(view.options)) { await refresh({ announce: say, fromLink: true }); return; }
      page.view = view;
      if ($('dropzone').classList.contains('empty')) {
        $('dropzone').classList.remove('empty');
        $('shapes-help').open = false;
      }
      $('workspace').hidden = false;
      keepFocus(() => {
        filters.render(view.options);
        renderKpis(view.kpis);
        charts.render(view.charts);
        if (window.__bi.dropAt != null && window.__bi.firstChartAt == null) window.__bi.firstChartAt = performance.now();
        renderTabs();
        // The open tab's table now; the hidden ones once this is on screen (building
        // every table's DOM was most of a view's rendering at 1M rows).
        dashboards.render(dashboards.names.filter((name) => name === page.tab), page.tab);
        crossfilter.renderSelection();
      });
      // How long the view took in the worker (and its way back) and to render here.
      const rendered = performance.now();
      await nextFrame();
      window.__bi.lastRefresh = { view: got - asked, render: rendered - got, askedAt: asked, renderedAt: rendered, drawnAt: performance.now() };
      if (seq !== page.seq) return;
      dashboards.render(dashboards.names.filter((name) => name !== page.tab));
      // The view in the address: a new history entry for a filter change, none for a
      // view that came from the address.
      if (page.tab === 'sql' && $('panel-sql').hidden) selectTab('sql');
      links.save({ replace: !say || fromLink });
      sql.afterView(page.tab);
      // The pivot follows new data and the filters (and a link may open its tab).
      if (page.tab === 'pivot' && $('panel-pivot').hidden) selectTab('pivot');
      else pivot.refresh();
      if (page.announcePending) {
        page.announcePending = false;
        const summary = view.tables.campaign_summary;
        const tenants = summary.total_rows ?? summary.rows.length;
        announce(`${whole.format(tenants)} ${tenants === 1 ? 'tenant' : 'tenants'}, ${whole.format(view.kpis.campaigns)} campaign ${view.kpis.campaigns === 1 ? 'row' : 'rows'} shown.`);
      }
    } catch (error) {
      showError(`The dashboards could not be computed: ${error.message}. Press “Reset filters”, or reload the page if that does not help.`);
    }
  }

  // The WAI-ARIA tabs pattern: one tab in the Tab order (the selected one); Left and
  // Right arrows move to the previous and next tab (wrapping), Home and End to the first
  // and last, selecting it as the focus moves.
  function renderTabs() {
    $('tabs').replaceChildren(...TABS.map((name) => {
      const selected = page.tab === name;
      return el('button', {
        type: 'button', role: 'tab', class: 'tab', id: `tab-${name}`, 'aria-controls': `panel-${name}`,
        'aria-selected': String(selected), tabindex: selected ? '0' : '-1', 'data-tab': name, 'data-key': `tab:${name}`,
        text: titleOf(name), onclick: () => selectTab(name, true),
      });
    }));
  }
  function selectTab(name, focus = false) {
    page.tab = name;
    renderTabs();
    dashboards.render(dashboards.names, name);
    $('panel-sql').hidden = name !== 'sql';
    $('panel-pivot').hidden = name !== 'pivot';
    // The SQL and Pivot tabs export what they show themselves.
    $('export').hidden = name === 'sql' || name === 'pivot';
    if (name === 'sql') sql.open();
    if (name === 'pivot') pivot.open();
    if (focus) $(`tab-${name}`).focus();
    links.save();
  }
  $('tabs').addEventListener('keydown', (e) => {
    const n = TABS.length;
    const i = TABS.indexOf(page.tab);
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: n - 1 }[e.key];
    if (to === undefined || !n) return;
    e.preventDefault();
    selectTab(TABS[(to + n) % n], true);
  });

  // Back to the empty page ("Forget all data"): no files, no dashboards, filters reset,
  // no recent queries.
  function showEmpty() {
    forgetHistory();
    Object.assign(page, { view: null, tab: 'campaign_summary', seq: page.seq + 1 });
    resetQuery();
    dashboards.forget();
    $('panel-sql').hidden = true;
    $('panel-pivot').hidden = true;
    $('export').hidden = false;
    $('workspace').hidden = true;
    $('dropzone').classList.add('empty');
    $('shapes-help').open = true;
    links.save({ replace: true });
  }

  listenToEngine((message) => {
    if (message.event === 'kept') files.kept(message);
    else if (message.event === 'rows') files.rows(message);
    else if (message.event === 'failed') showError(message.message);
    else if (message.event === 'recovered') {
      // A trapped engine was replaced (engine.js); the call that trapped said so.
      window.__bi.engineRestarts = (window.__bi.engineRestarts || 0) + 1;
      if (message.problem) showError(`The engine stopped (${message.reason}) and was restarted, but the data kept in this browser could not be restored: ${message.problem}. Load the files again.`);
    }
  });
  window.__bi.state = {
    get query() { return debugQuery(); },
    get reports() { return files.reports(); },
    get tab() { return page.tab; },
    get view() { return page.view; },
  };
  return { links, files };
}

// The main thread draws with the engine too, so it loads the engine's module as well.
init().then(async () => {
  const { links, files } = assemble();
  links.open();
  await files.restore();
  if (!files.reports().length && parseHash(location.hash)) {
    showError('This link shows a view of data that is not loaded here: load the files it was made from, and the view applies to them.');
  }
  $('version').textContent = `v${await call('version')}`;
  await files.offerSamples().catch((error) => showError(`The sample files could not be generated: ${error.message}. “Try sample data” may still work; reload the page to try again.`));
  // The engine's code made fast before the first file (worker.js, warmUp), the drawing
  // here included: its charts drawn once on a canvas not in the page. A failure costs
  // only that speed.
  try {
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [600, 320];
    for (const chart of await call('warmUp')) drawChart(canvas, chart, 1);
  } catch { /* only slower */ }
  document.body.dataset.ready = 'true';
}).catch((error) => showError(`The engine failed to load (${error.message}). Build it with “make wasm” or start the page with “make serve”.`));
