// The page: files in, filters, KPI tiles, charts and tables out. The engine runs in
// worker.js; this thread only renders. Every value from a file is inserted as text
// (textContent), never as HTML.
import init, { dashboardInfo, drawChart, tableShapes } from './pkg/bi_platform.js';
import { viewLinks, parseHash } from './links.js';
// Click to filter, chips and drill-down (issue 13): hooks marked "crossfilter" below.
import { installCrossfilter, decorateChartTable, decorateDashboardTable, renderSelection } from './crossfilter.js';
// Pivot hook: the Pivot tab lives in its own module.
import { initPivot, openPivot, refreshPivot } from './pivot.js';
import { $, el } from './dom.js';
import { call, listenToEngine, restartEngine } from './engine.js';
import { bytes, decimal, dollars, formatUnit, formatValue, isNumeric, money, pct, whole } from './format.js';

const CHUNK = 4 * 1024 * 1024;
const TABLE_PAGE = 100;
const PERF_PAGE = 50;
// The dashboards, from the engine once it is loaded: [{name, label, sql, columns: [{name,
// type, label}]}] (the tabs, in its order); DASHBOARDS their names.
let INFO = [];
let DASHBOARDS = [];
// The tabs: the dashboards, then SQL.
let TABS = [];

// Re-rendering replaces elements; the one that had the keyboard focus gets it back by its
// data-key (a sort button, a pager button, a picker's checkbox, a table region).
function keepFocus(render) {
  const key = document.activeElement?.dataset?.key;
  render();
  if (key && document.activeElement?.dataset?.key !== key) {
    const again = [...document.querySelectorAll('[data-key]')].find((n) => n.dataset.key === key);
    again?.focus();
  }
}

// A dashboard's declared columns, and its title.
const columnsOf = (name) => INFO.find((d) => d.name === name)?.columns || [];
const titleOf = (name) => (name === 'sql' ? 'SQL' : name === 'pivot' ? 'Pivot' : INFO.find((d) => d.name === name)?.label || name);

// --- The engine (engine.js) -----------------------------------------------------------
listenToEngine((message) => {
  if (message.event === 'kept') renderKept(message);
  else if (message.event === 'rows') renderRows(message);
  else if (message.event === 'failed') showError(message.message);
});

// --- State ----------------------------------------------------------------------------
const state = {
  reports: [],
  query: { tenants: 'all', from: null, to: null, regions: [], products: [], channels: [] },
  perfOffset: 0,
  tab: 'campaign_summary',
  view: null,
  sort: {},
  tablePage: {},
  loading: false,
  // The file being loaded, {name, cancelled}; Cancel applies to it only.
  current: null,
  // Names of the files waiting behind it, in order.
  waiting: [],
  seq: 0,
};
// `sqlRuns` counts the SQL runs shown (for tests to wait on).
window.__bi = { firstChartAt: null, dropAt: null, state, memory: () => call('memory'), sqlRuns: 0, forgetViews: () => call('forgetViews') };

// --- Errors and announcements ----------------------------------------------------------
// Errors go to an assertive live region (#errors, role=alert); everything else a screen
// reader should hear once (progress steps, a load's result, a filter's result) to the
// polite #status region.
function announce(message) {
  const status = $('status');
  // The same words twice in a row are still announced.
  status.textContent = status.textContent === message ? `${message}\u00a0` : message;
}

function showError(message) {
  const item = el('div', { class: 'error' },
    el('span', { text: message }),
    el('button', { type: 'button', class: 'ghost close', 'aria-label': 'Dismiss', text: '×', onclick: () => item.remove() }));
  $('errors').append(item);
  while ($('errors').children.length > 3) $('errors').firstElementChild.remove();
}

// The filter bar sticks right under the top bar, whatever its height.
// Their heights also keep a focused control from hiding under them (scroll-padding-top).
for (const [selector, variable] of [['.topbar', '--topbar-height'], ['#filters', '--filters-height']]) {
  new ResizeObserver(([entry]) => {
    document.documentElement.style.setProperty(variable, `${Math.ceil(entry.target.getBoundingClientRect().height)}px`);
  }).observe(document.querySelector(selector));
}

// --- Loading files --------------------------------------------------------------------
// Files load one at a time, in the order dropped. Cancel stops the file being loaded
// (nothing of it is added, up to the moment it is being added to the warehouse, when
// the button is disabled); the files queued behind it, from the same drop or a later
// one, still load, and the cancel message says which.
let queue = Promise.resolve();
function loadFiles(files) {
  const list = [...files];
  if (!list.length) return queue;
  state.waiting.push(...list.map((f) => f.name));
  queue = queue.then(async () => {
    for (const file of list) {
      state.waiting.shift();
      await streamFile(file);
    }
    await refresh();
  });
  return queue;
}

const quoted = (names) => names.map((n) => `“${n}”`).join(', ');
async function cancelled(file) {
  await call('cancel');
  const rest = state.waiting;
  showError(`Loading ${file.name} was cancelled; nothing from it was added.`
    + (rest.length ? ` Cancel stops only that file: ${rest.length === 1 ? 'the file' : `the ${rest.length} files`} queued after it (${quoted(rest)}) still ${rest.length === 1 ? 'loads' : 'load'}.` : ''));
}

async function streamFile(file) {
  const current = { name: file.name, cancelled: false };
  state.current = current;
  state.loading = true;
  $('cancel').disabled = false;
  $('progress').hidden = false;
  $('progress-label').textContent = `Loading ${file.name}`;
  // A queued file starts from zero, not from the previous file's figures.
  $('progress-bar').value = 0;
  $('progress-detail').textContent = `0 KB of ${bytes(file.size)}`;
  announce(`Loading ${file.name}, ${bytes(file.size)}.`);
  const started = performance.now();
  try {
    await call('begin', { name: file.name, total: file.size });
    let progress = { bytes: 0, rows: 0 };
    // Announced at each quarter of the file (the bar itself moves every slice).
    let quarter = 0;
    // The next slice is read from the file while the engine takes this one.
    let next = file.slice(0, CHUNK).arrayBuffer();
    for (let offset = 0; offset < file.size; offset += CHUNK) {
      if (current.cancelled) return await cancelled(file);
      const chunk = await next;
      if (offset + CHUNK < file.size) {
        next = file.slice(offset + CHUNK, offset + 2 * CHUNK).arrayBuffer();
        next.catch(() => {}); // a failed read is reported when awaited, if it is
      }
      progress = await call('push', { chunk }, [chunk]);
      const seconds = (performance.now() - started) / 1000;
      const share = file.size ? progress.bytes / file.size : 1;
      $('progress-bar').value = share;
      if (Math.floor(share * 4) > quarter && share < 1) {
        quarter = Math.floor(share * 4);
        announce(`${file.name}: ${quarter * 25}% read.`);
      }
      $('progress-detail').textContent = `${bytes(progress.bytes)} of ${bytes(file.size)}`
        + (progress.rows ? ` · ${whole.format(progress.rows)} rows · ${whole.format(progress.rows / Math.max(seconds, 0.001))} rows/s` : '');
      // Refused for want of memory: the rest need not be read; its report says why.
      if (progress.refused) break;
    }
    // A click during the last slice, or while the file is checked (XLSX and JSON are
    // parsed then), still cancels: nothing is added before `commit`.
    if (current.cancelled) return await cancelled(file);
    $('progress-label').textContent = `Checking ${file.name}`;
    // The last answers of the parsing workers count in how the file was read.
    const ended = await call('end');
    if (ended && ended.bytes != null) progress = ended;
    if (current.cancelled) return await cancelled(file);
    // From here the file is being added: too late to cancel, and the button says so.
    $('progress-label').textContent = `Adding ${file.name}`;
    $('cancel').disabled = true;
    $('cancel').title = 'Too late to cancel: the file is being added';
    const reports = await call('commit');
    const note = readingNote(file, progress);
    for (const r of reports) if (note && !r.error && !r.unchanged_from) r.reading = note;
    addReports(reports);
    const loaded = reports.filter((r) => !r.error);
    if (loaded.length) {
      const rows = loaded.reduce((n, r) => n + r.rows_loaded, 0);
      const rejected = loaded.reduce((n, r) => n + r.rows_rejected, 0);
      announce(`${file.name} loaded: ${whole.format(rows)} rows${rejected ? `, ${whole.format(rejected)} rejected (see its report)` : ''}.`);
    }
  } catch (error) {
    showError(`${file.name} could not be loaded: ${error.message}. Data already loaded is unchanged. Try the file again; if it keeps failing, reload the page.`);
  } finally {
    state.current = null;
    state.loading = false;
    $('cancel').disabled = false;
    $('cancel').title = '';
    $('progress').hidden = true;
  }
}

// How a delimited file was read: by the parsing workers while the engine's worker added
// the rows, or (its lines holding quoted fields, which may hide a line break) on one
// worker. Shown on the file's card; not part of the engine's load report.
function readingNote(file, progress) {
  if (!progress.workers || progress.workers < 2 || !progress.rows) return null;
  if (progress.elsewhere > 0) {
    const parsers = progress.workers - 1;
    return `Read in parallel by ${progress.workers} workers (${bytes(progress.elsewhere)} of ${bytes(file.size)} parsed by ${parsers === 1 ? 'one parsing worker' : `${parsers} parsing workers`} while the engine's worker added rows).`;
  }
  if (file.size >= 4 * 1024 * 1024) {
    return 'Read by one worker: its lines hold quoted fields, which may hide a line break, so the file could not be split safely.';
  }
  return null;
}

// What to do about a file the engine refused (its own message says what was wrong).
const NEXT_STEP = 'Fix the file and drop it again; “Files it reads”, under the drop zone, lists the columns each kind of file needs.';

function addReports(reports) {
  for (const r of reports) {
    state.reports.push(r);
    if (r.error) showError(`“${r.file}” could not be loaded: ${r.error}. Data already loaded is unchanged. ${NEXT_STEP}`);
  }
  renderReports();
}

// --- Load reports ---------------------------------------------------------------------
const TABLE_NAMES = { fact_campaigns: 'Campaigns', dim_sales_targets: 'Sales targets', dim_customers: 'Customers' };
function renderReports() {
  $('files').hidden = state.reports.length === 0;
  $('download-rejects').hidden = !state.reports.some((r) => r.rows_rejected > 0);
  const box = $('reports');
  box.replaceChildren(...state.reports.map((r) => {
    const card = el('article', { class: `report card${r.error ? ' failed' : ''}` });
    card.append(el('header', {},
      el('strong', { class: 'file', text: r.file }),
      el('span', { class: `badge${r.error ? ' bad' : ''}`, text: r.error ? 'Not loaded' : (TABLE_NAMES[r.table] || r.table) })));
    if (r.error) {
      card.append(el('p', { class: 'error-text', text: r.error }));
      return card;
    }
    if (r.unchanged_from) {
      card.append(el('p', { class: 'muted', text: `Same content as ${r.unchanged_from}, already loaded: nothing changed.` }));
      return card;
    }
    if (r.sheets) card.append(el('p', { class: 'muted', text: `Sheets: ${r.sheets.join(', ')}` }));
    if (r.reading) card.append(el('p', { class: 'muted reading', text: r.reading }));
    const stats = el('dl', { class: 'stats' });
    for (const [k, name] of [['rows_read', 'Read'], ['rows_loaded', 'Loaded'], ['rows_rejected', 'Rejected'], ['rows_replaced', 'Replaced']]) {
      stats.append(el('div', { class: k === 'rows_rejected' && r[k] ? 'warn' : '' }, el('dt', { text: name }), el('dd', { text: whole.format(r[k]) })));
    }
    card.append(stats);
    const warnings = Object.entries(r.warnings || {});
    if (warnings.length) {
      card.append(el('div', { class: 'chips' }, ...warnings.map(([k, n]) => el('span', { class: 'chip', text: `${k.replace(/_/g, ' ')}: ${whole.format(n)}` }))));
    }
    if (r.extra_columns.length) card.append(el('p', { class: 'muted', text: `Extra columns kept: ${r.extra_columns.join(', ')}` }));
    if (r.rejected.length) {
      const details = el('details', {}, el('summary', { text: `First rejected rows (${whole.format(r.rejected.length)} in all)` }));
      const table = el('table', { class: 'mini' }, el('thead', {}, el('tr', {}, ...['Line', 'Column', 'Reason'].map((h) => el('th', { text: h })))));
      const body = el('tbody');
      for (const row of r.rejected.slice(0, 10)) {
        body.append(el('tr', {}, el('td', { text: (row.sheet ? `${row.sheet} ` : '') + row.line }), el('td', { text: row.column || '—' }), el('td', { text: row.reason })));
      }
      table.append(body);
      details.append(table);
      card.append(details);
    }
    return card;
  }));
}

// --- Filters --------------------------------------------------------------------------
// A multi-select: a <details> with a search box and checkboxes. Nothing ticked = all.
// Its button is named by what it picks and what is picked ("Regions: North"); Escape
// closes it (focus back on its button), and so does the focus leaving it.
function multiPicker(container, noun, allLabel, key, values) {
  // The selection is read from state.query at each change: "Reset filters" changes the
  // query before the next view rebuilds the pickers (late while a file streams), and a
  // tick in between must not bring the reset selection back.
  const current = () => new Set(key === 'tenants' ? (Array.isArray(state.query.tenants) ? state.query.tenants : []) : state.query[key]);
  let selected = current();
  const details = el('details', { class: 'picker' });
  const summary = el('summary', { 'data-key': `picker:${key}` });
  const updateSummary = () => {
    summary.textContent = selected.size === 0 ? allLabel : selected.size === 1 ? [...selected][0] : `${selected.size} selected`;
    summary.setAttribute('aria-label', `${noun}: ${summary.textContent}`);
    details.classList.toggle('active', selected.size > 0);
  };
  const apply = () => {
    const list = [...selected].sort();
    if (key === 'tenants') state.query.tenants = list.length ? list : 'all';
    else state.query[key] = list;
    state.perfOffset = 0;
    updateSummary();
    refresh({ announce: true });
  };
  const panel = el('div', { class: 'picker-panel', role: 'group', 'aria-label': noun });
  const search = el('input', { type: 'search', placeholder: 'Find…', 'aria-label': `Find ${noun.toLowerCase()}`, 'data-key': `find:${key}` });
  const options = el('div', { class: 'options' });
  const all = el('button', { type: 'button', class: 'ghost small', text: allLabel, 'data-key': `all:${key}`, onclick: () => { selected.clear(); for (const b of options.querySelectorAll('input')) b.checked = false; apply(); } });
  for (const v of values) {
    const box = el('input', { type: 'checkbox', value: v, 'data-key': `pick:${key}:${v}` });
    box.checked = selected.has(v);
    box.addEventListener('change', () => { selected = current(); if (box.checked) selected.add(v); else selected.delete(v); apply(); });
    options.append(el('label', { class: 'option' }, box, el('span', { text: v })));
  }
  search.addEventListener('input', () => {
    const q = search.value.toLowerCase();
    for (const o of options.children) o.hidden = !o.textContent.toLowerCase().includes(q);
  });
  if (values.length > 8) panel.append(search);
  panel.append(all, options);
  details.append(summary, panel);
  details.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || !details.open) return;
    e.preventDefault();
    e.stopPropagation();
    details.open = false;
    summary.focus();
  });
  details.addEventListener('focusout', (e) => {
    if (details.open && e.relatedTarget && !details.contains(e.relatedTarget)) details.open = false;
  });
  updateSummary();
  // New options (a load ending, a reset) must not close a picker the user has open.
  details.open = Boolean(container.querySelector('details.picker')?.open);
  container.replaceChildren(details);
}

let optionsKey = '';
function renderFilters(options) {
  const key = JSON.stringify(options);
  if (key === optionsKey) return;
  optionsKey = key;
  multiPicker($('tenant-filter'), 'Tenants', 'All tenants', 'tenants', options.tenants);
  multiPicker($('region-filter'), 'Regions', 'All regions', 'regions', options.regions);
  multiPicker($('product-filter'), 'Products', 'All products', 'products', options.products);
  multiPicker($('channel-filter'), 'Channels', 'All channels', 'channels', options.channels);
  for (const id of ['from', 'to']) {
    $(id).min = options.first_date || '';
    $(id).max = options.last_date || '';
  }
}
for (const id of ['from', 'to']) {
  $(id).addEventListener('change', () => { state.query[id] = $(id).value || null; state.perfOffset = 0; refresh({ announce: true }); });
}
$('reset').addEventListener('click', () => {
  state.query = { tenants: 'all', from: null, to: null, regions: [], products: [], channels: [] };
  $('from').value = ''; $('to').value = '';
  optionsKey = '';
  state.perfOffset = 0;
  refresh({ announce: true });
});
document.addEventListener('click', (e) => {
  for (const d of document.querySelectorAll('details.picker[open]')) if (!d.contains(e.target)) d.open = false;
});

// --- Rendering a view -------------------------------------------------------------------
// `announce`: the view answers a filter change, and its result is said once ("3 tenants,
// 1,020 campaign rows shown"); a later view overtaking it says it instead.
let announcePending = false;
async function refresh({ announce: say = false, fromLink = false } = {}) {
  if (!state.reports.some((r) => r.rows_loaded > 0 || r.unchanged_from)) return;
  const seq = ++state.seq;
  announcePending ||= say;
  try {
    const asked = performance.now();
    // A new query starts every table at its first page (its sort stays).
    const asking = JSON.stringify(state.query);
    if (asking !== state.tablesQuery) { state.tablePage = {}; state.tablesQuery = asking; }
    const view = await call('view', { query: state.query, page: viewPage() });
    if (seq !== state.seq) return;
    const got = performance.now();
    // A link's values the data lacks are dropped (and named) before anything is shown.
    if (links.check(view.options)) { await refresh({ announce: say, fromLink: true }); return; }
    state.view = view;
    if ($('dropzone').classList.contains('empty')) {
      $('dropzone').classList.remove('empty');
      $('shapes-help').open = false;
    }
    $('workspace').hidden = false;
    keepFocus(() => {
      renderFilters(view.options);
      renderKpis(view.kpis);
      renderCharts(view.charts);
      renderTabs();
      // The open tab's table now; the hidden ones once this is on screen (building
      // every table's DOM was most of a view's rendering at 1M rows).
      renderTables(DASHBOARDS.filter((name) => name === state.tab));
      renderSelection(); // crossfilter
    });
    // How long the view took in the worker (and its way back) and to render here.
    const rendered = performance.now();
    await nextFrame();
    window.__bi.lastRefresh = { view: got - asked, render: rendered - got, askedAt: asked, renderedAt: rendered, drawnAt: performance.now() };
    if (seq !== state.seq) return;
    renderTables(DASHBOARDS.filter((name) => name !== state.tab));
    // The view in the address (links.js): a new history entry for a filter change, none
    // for a view that came from the address.
    if (state.tab === 'sql' && $('panel-sql').hidden) selectTab('sql');
    links.save({ replace: !say || fromLink });
    // SQL results follow the tenant picker (and new data): run the last query again.
    if (sqlState.ran) runSql(sqlState.text);
    if (state.tab === 'sql') renderSchema().catch(() => {});
    // Pivot hook: the pivot follows new data and the filters (and a link may open its tab).
    if (state.tab === 'pivot' && $('panel-pivot').hidden) selectTab('pivot');
    else refreshPivot();
    if (announcePending) {
      announcePending = false;
      const tenants = view.tables.campaign_summary.total_rows ?? view.tables.campaign_summary.rows.length;
      announce(`${whole.format(tenants)} ${tenants === 1 ? 'tenant' : 'tenants'}, ${whole.format(view.kpis.campaigns)} campaign ${view.kpis.campaigns === 1 ? 'row' : 'rows'} shown.`);
    }
  } catch (error) {
    showError(`The dashboards could not be computed: ${error.message}. Press “Reset filters”, or reload the page if that does not help.`);
  }
}

function renderKpis(k) {
  const tiles = [
    ['Spend', dollars(k.spend), `${whole.format(k.campaigns)} campaign rows`, '', k.spend],
    ['Revenue', dollars(k.revenue), '', '', k.revenue],
    ['Profit', dollars(k.profit), '', k.profit < 0 ? 'neg' : 'pos', k.profit],
    ['ROI', pct(k.roi), 'profit / spend', k.roi < 0 ? 'neg' : 'pos'],
    ['CTR', pct(k.ctr), 'clicks / impressions'],
    ['Conversion rate', pct(k.conversion_rate), 'conversions / clicks'],
  ];
  // A description list: each tile reads as its name, then its value (and how it is made).
  $('kpis').replaceChildren(...tiles.map(([name, value, hint, tone, exact]) => el('div', { class: `kpi card ${tone || ''}` },
    el('dt', { class: 'kpi-name', text: name }),
    el('dd', { class: 'kpi-value', text: value, title: exact == null ? value : `$${money.format(exact)}` }),
    hint ? el('dd', { class: 'kpi-hint', text: hint }) : null)));
}

// --- Charts -----------------------------------------------------------------------------
// Each chart is a figure: its title as a heading, the canvas (an image named by the title
// and described by the engine's summary of its data, shown as the caption), and a "Show
// as table" toggle with the chart's data as a table (categories by series, laid out
// from the same chart data the engine drew).
const canvases = new Map();
function chartTable(chart) {
  const notes = chart.notes.some((n) => n);
  const head = el('tr', {}, el('th', { scope: 'col', text: chart.x_label }),
    ...chart.series.map((s) => el('th', { scope: 'col', class: 'num', text: s.name })),
    notes ? el('th', { scope: 'col', text: 'Note' }) : null);
  const rows = chart.categories.map((category, i) => el('tr', {},
    el('th', { scope: 'row', text: category }),
    ...chart.series.map((s) => el('td', { class: 'num', text: formatUnit(chart.unit, s.values[i]) })),
    notes ? el('td', { text: chart.notes[i] || '' }) : null));
  // crossfilter: category cells become filter buttons.
  return decorateChartTable(el('table', { 'data-chart-table': chart.id },
    el('caption', { text: chart.title }), el('thead', {}, head), el('tbody', {}, ...rows)), chart);
}

function renderCharts(charts) {
  const box = $('charts');
  for (const chart of charts) {
    let entry = canvases.get(chart.id);
    if (!entry) {
      const id = chart.id;
      const title = el('h4', { class: 'sr-only', id: `chart-title-${id}` });
      const summary = el('figcaption', { class: 'chart-summary', id: `chart-summary-${id}` });
      const canvas = el('canvas', { role: 'img', 'aria-describedby': summary.id, 'data-chart': id });
      const table = el('div', { class: 'table-scroll chart-table', id: `chart-table-${id}`, tabindex: '0', role: 'region', 'data-key': `chart-table:${id}` });
      table.hidden = true;
      const toggle = el('button', {
        type: 'button', class: 'ghost small', text: 'Show as table', 'aria-expanded': 'false', 'aria-controls': table.id, 'aria-describedby': title.id, 'data-key': `chart-toggle:${id}`,
        onclick: () => {
          table.hidden = !table.hidden;
          toggle.setAttribute('aria-expanded', String(!table.hidden));
          toggle.textContent = table.hidden ? 'Show as table' : 'Hide table';
          if (!table.hidden) table.replaceChildren(chartTable(entry.chart));
        },
      });
      const save = el('button', { type: 'button', class: 'ghost small', text: 'Save PNG', 'aria-describedby': title.id, 'data-key': `save:${id}`, onclick: () => savePng(canvas, id) });
      const card = el('figure', { class: `chart card${id === 'trend' || id === 'tenant_trend' ? ' wide' : ''}`, 'aria-labelledby': title.id, 'data-figure': id },
        title, canvas, el('div', { class: 'chart-foot' }, summary, el('div', { class: 'chart-tools' }, toggle, save)), table);
      box.append(card);
      entry = { canvas, title, summary, table };
      canvases.set(id, entry);
    }
    entry.chart = chart;
    entry.title.textContent = chart.title;
    entry.canvas.setAttribute('aria-label', chart.title);
    entry.summary.textContent = chart.summary;
    entry.table.setAttribute('aria-label', `${chart.title}, as a table`);
    if (!entry.table.hidden) entry.table.replaceChildren(chartTable(chart));
    draw(entry);
  }
  if (window.__bi.dropAt != null && window.__bi.firstChartAt == null) window.__bi.firstChartAt = performance.now();
}

function draw(entry) {
  const { canvas, chart } = entry;
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 600;
  const height = canvas.clientHeight || 320;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  try {
    // crossfilter: where each mark went, for mapping a click back to its datum.
    entry.marks = drawChart(canvas, chart, dpr);
  } catch (error) {
    showError(`The chart “${chart.title}” could not be drawn: ${error.message}. Its data is under “Show as table”.`);
  }
}

let resizeTimer;
new ResizeObserver(() => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => { for (const entry of canvases.values()) if (entry.chart) draw(entry); }, 120);
}).observe($('charts'));

function savePng(canvas, name) {
  canvas.toBlob((blob) => download(blob, `${name}.png`), 'image/png');
}
function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// --- Tables -----------------------------------------------------------------------------
// The WAI-ARIA tabs pattern: one tab in the Tab order (the selected one); Left and Right
// arrows move to the previous and next tab (wrapping), Home and End to the first and
// last, selecting it as the focus moves.
function renderTabs() {
  $('tabs').replaceChildren(...TABS.map((name) => {
    const selected = state.tab === name;
    return el('button', {
      type: 'button', role: 'tab', class: 'tab', id: `tab-${name}`, 'aria-controls': `panel-${name}`,
      'aria-selected': String(selected), tabindex: selected ? '0' : '-1', 'data-tab': name, 'data-key': `tab:${name}`,
      text: titleOf(name), onclick: () => selectTab(name, true),
    });
  }));
}
function selectTab(name, focus = false) {
  state.tab = name;
  renderTabs();
  renderTables();
  $('panel-sql').hidden = name !== 'sql';
  // The SQL tab exports each statement's result itself.
  $('export').hidden = name === 'sql';
  if (name === 'sql') openSql();
  // Pivot hook: its panel, and its own export.
  $('panel-pivot').hidden = name !== 'pivot';
  if (name === 'pivot') { $('export').hidden = true; openPivot(); }
  if (focus) $(`tab-${name}`).focus();
  links.save();
}
$('tabs').addEventListener('keydown', (e) => {
  const n = TABS.length;
  const i = TABS.indexOf(state.tab);
  const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: n - 1 }[e.key];
  if (to === undefined || !n) return;
  e.preventDefault();
  selectTab(TABS[(to + n) % n], true);
});

// Which rows of each table the engine sends: one screenful, sorted as its header says
// (the engine sorts and pages; at 1M rows the whole tables were more to send to the
// page than the view was to compute). campaign_performance keeps its order.
function tablePage(name) {
  const sort = state.sort[name];
  return { offset: (state.tablePage[name] || 0) * TABLE_PAGE, limit: TABLE_PAGE, sort: sort?.column ?? null, descending: !!sort?.desc };
}
function viewPage() {
  return {
    offset: state.perfOffset, limit: PERF_PAGE,
    tables: Object.fromEntries(DASHBOARDS.filter((n) => n !== 'campaign_performance').map((n) => [n, tablePage(n)])),
  };
}
// One table again (its sort or pager button), the rest of the view as it is.
async function refreshTable(name) {
  const seq = state.seq;
  try {
    const page = name === 'campaign_performance' ? { offset: state.perfOffset, limit: PERF_PAGE } : tablePage(name);
    const result = await call('table', { name, query: state.query, page });
    if (seq !== state.seq || !state.view) return;
    state.view.tables[name] = result;
    renderTables([name]);
  } catch (error) {
    showError(`The ${titleOf(name)} table could not be shown: ${error.message}. Try the button again, or reload the page.`);
  }
}

// After the next frame is drawn (or 100 ms, for a page in a background tab, which
// draws no frames).
const nextFrame = () => new Promise((done) => {
  requestAnimationFrame(() => setTimeout(done, 0));
  setTimeout(done, 100);
});

// The tables' panels (`names`: only those, the others left as they are; every panel
// when there are none yet).
function renderTables(names = DASHBOARDS) {
  if (!state.view) return;
  const box = $('tables');
  keepFocus(() => {
    const existing = new Map([...box.children].map((panel) => [panel.dataset.panel, panel]));
    if (names === DASHBOARDS || DASHBOARDS.some((name) => !existing.has(name))) {
      box.replaceChildren(...DASHBOARDS.map(tablePanel));
    } else {
      for (const name of names) existing.get(name).replaceWith(tablePanel(name));
    }
  });
}

function tablePanel(name) {
  const view = state.view;
  const result = view.tables[name];
  const paged = name === 'campaign_performance';
  const shown = result.rows;
  const total = result.total_rows ?? shown.length;
  const offset = paged ? state.perfOffset : (state.tablePage[name] || 0) * TABLE_PAGE;
  const sort = state.sort[name];
  const declared = columnsOf(name);
  const typeAt = (i) => declared[i]?.type;
  const label = (c) => declared.find((d) => d.name === c)?.label || c;
  const head = el('tr', {}, ...result.columns.map((c, i) => {
    const th = el('th', { scope: 'col', class: isNumeric(typeAt(i)) ? 'num' : '' });
    if (paged) th.textContent = label(c);
    else {
      th.setAttribute('aria-sort', sort?.column === c ? (sort.desc ? 'descending' : 'ascending') : 'none');
      th.append(el('button', {
        type: 'button', class: 'sort', 'data-key': `sort:${name}:${c}`, text: label(c) + (sort?.column === c ? (sort.desc ? ' ▼' : ' ▲') : ''),
        onclick: () => { state.sort[name] = { column: c, desc: sort?.column === c ? !sort.desc : false }; state.tablePage[name] = 0; refreshTable(name); },
      }));
    }
    return th;
  }));
  const body = el('tbody', {}, ...shown.map((row) => el('tr', {}, ...row.map((v, i) => el('td', { class: isNumeric(typeAt(i)) ? 'num' : '', text: formatValue(typeAt(i), v) })))));
  // crossfilter: value cells become filter buttons.
  const table = decorateDashboardTable(el('table', { 'data-dashboard': name }, el('thead', {}, head), body), result);
  const pager = el('div', { class: 'pager' },
    el('span', { class: 'muted', text: total ? `Rows ${whole.format(offset + 1)}–${whole.format(offset + shown.length)} of ${whole.format(total)}` : 'No rows match this selection' }));
  const size = paged ? PERF_PAGE : TABLE_PAGE;
  if (total > size) {
    const go = (delta) => {
      if (paged) state.perfOffset = Math.max(0, state.perfOffset + delta * PERF_PAGE);
      else state.tablePage[name] = (state.tablePage[name] || 0) + delta;
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
  panel.hidden = state.tab !== name;
  return panel;
}


$('export').addEventListener('click', async () => {
  try {
    const csv = await call('exportCsv', { name: state.tab, query: state.query });
    download(new Blob([csv], { type: 'text/csv' }), `${state.tab}.csv`);
    announce(`${state.tab}.csv downloaded.`);
  } catch (error) {
    showError(`The export failed: ${error.message}. Try again; if it fails again, reload the page and export before loading more files.`);
  }
});
$('download-rejects').addEventListener('click', async () => {
  try {
    const csv = await call('rejectsCsv');
    download(new Blob([csv], { type: 'text/csv' }), 'rejected_rows.csv');
  } catch (error) {
    showError(`The rejected rows could not be exported: ${error.message}. Try again, or reload the page.`);
  }
});

// --- Parquet ----------------------------------------------------------------------------
// A Parquet file is decoded a row group at a time when its bytes are in (worker.js,
// parquet.js): the bar then counts rows. The export downloads one zip of Parquet files,
// one per table, under the tenant picker's scope.
function renderRows({ file, done, total }) {
  $('progress-label').textContent = `Reading ${file}`;
  $('progress-bar').value = total ? done / total : 1;
  $('progress-detail').textContent = `${whole.format(done)} of ${whole.format(total)} rows`;
}
$('export-parquet').addEventListener('click', async () => {
  const button = $('export-parquet');
  button.disabled = true;
  announce('Exporting the tables as Parquet…');
  try {
    const tenants = state.query.tenants === 'all' ? [] : state.query.tenants;
    const zip = await call('exportParquet', { tenants });
    download(new Blob([zip], { type: 'application/zip' }), 'warehouse-parquet.zip');
    announce(`warehouse-parquet.zip downloaded (${bytes(zip.byteLength)}).`);
    window.__bi.parquetExports = (window.__bi.parquetExports || 0) + 1;
  } catch (error) {
    showError(`The Parquet export failed: ${error.message}. Try again; if it fails again, reload the page.`);
  } finally {
    button.disabled = false;
  }
});

// --- SQL --------------------------------------------------------------------------------
// The SQL tab. Its parser is a second wasm module (www/pkg-sql/), fetched the first time
// the tab opens and handed to the worker; there it compiles the editor's text into plans
// that the engine runs under the tenant picker's scope. The engine keeps the results,
// and sorts and pages them.
const SQL_PARSER = new URL('./pkg-sql/bi_platform_sql_bg.wasm', import.meta.url);
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
const sqlState = { parser: null, parserBytes: null, results: [], text: '', ran: false, seq: 0, schemaKey: '', schema: null, editor: null, running: null };
// Rows shown per page of a query's result.
const SQL_PAGE = TABLE_PAGE;

// The editor's text: CodeMirror's once it has loaded (sql-editor.js), the textarea's
// before.
const sqlText = () => (sqlState.editor ? sqlState.editor.text() : $('sql-text').value);
function setSqlText(text) {
  if (sqlState.editor) sqlState.editor.setText(text);
  else $('sql-text').value = text;
}

// The parser's bytes, fetched once; each worker (a new one after a cancel) gets a copy.
function fetchParser() {
  sqlState.parserBytes ||= (async () => {
    $('sql-loading').textContent = 'Loading the SQL parser…';
    const response = await fetch(SQL_PARSER);
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    // Its size when the server says it, else what has arrived so far.
    const size = Number(response.headers.get('content-length'));
    const kb = (n) => `${whole.format(Math.round(n / 1024))} KB`;
    const chunks = [];
    let got = 0;
    $('sql-loading').textContent = `Loading the SQL parser… (${kb(size || 0)})`;
    for (const reader = response.body.getReader(); ;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      got += value.length;
      if (!size) $('sql-loading').textContent = `Loading the SQL parser… (${kb(got)})`;
    }
    const bytes = new Uint8Array(got);
    chunks.reduce((at, c) => { bytes.set(c, at); return at + c.length; }, 0);
    return bytes;
  })().catch((error) => { sqlState.parserBytes = null; throw error; });
  return sqlState.parserBytes;
}
function ensureParser() {
  sqlState.parser ||= (async () => {
    const bytes = (await fetchParser()).slice();
    await call('sqlParser', { bytes: bytes.buffer }, [bytes.buffer]);
    $('sql-loading').textContent = '';
  })().catch((error) => {
    sqlState.parser = null;
    $('sql-loading').textContent = '';
    throw new Error(`the SQL parser could not be loaded (${error.message}); build it with “make wasm”, or reload the page`);
  });
  return sqlState.parser;
}

async function renderSchema() {
  const schema = await call('sqlSchema');
  const key = JSON.stringify(schema);
  if (key === sqlState.schemaKey) return;
  sqlState.schemaKey = key;
  sqlState.schema = schema;
  sqlState.editor?.setSchema(schema);
  $('sql-schema').replaceChildren(...schema.tables.map((t, i) => {
    const details = el('details', { 'data-table': t.name },
      el('summary', { text: t.name }),
      el('p', { class: 'muted', text: t.about }),
      el('ul', { 'aria-label': `Columns of ${t.name}` }, ...t.columns.map((c) => el('li', {}, c.name, ' ', el('span', { class: 'type', text: `${c.type} · ${c.kind}` })))));
    details.open = i === 0;
    return details;
  }));
}

// The editor (CodeMirror, loaded on the first opening of the tab); until it is there,
// or if it cannot load, the plain textarea does the job.
function ensureEditor() {
  sqlState.editorLoad ||= import('./sql-editor.js')
    .then(({ createSqlEditor }) => createSqlEditor({
      textarea: $('sql-text'), labelId: 'sql-label', schema: sqlState.schema, onRun: () => runSql(), onChange: saveSqlLink,
    }))
    .then((editor) => {
      const hadFocus = document.activeElement === $('sql-text');
      sqlState.editor = editor;
      // For tests: the editor's text and caret.
      window.__bi.sqlEditor = { text: editor.text, caret: editor.caret };
      document.body.dataset.sqlEditor = 'ready';
      if (hadFocus) editor.focus();
    })
    .catch((error) => {
      document.body.dataset.sqlEditor = 'textarea';
      console.warn(`The SQL editor could not load (${error.message}); the plain text box stays.`);
    });
  return sqlState.editorLoad;
}

// Examples: the seed's dashboard queries (www/examples/dashboard_queries.sql, the seed's
// file verbatim) and the seven dashboards' SQL (from the engine), under "More examples".
async function renderMoreExamples() {
  const box = $('sql-more-examples');
  if (box.dataset.filled) return;
  box.dataset.filled = 'true';
  const button = (name, text) => el('button', { type: 'button', class: 'ghost small', text: name, onclick: () => { setSqlText(text); runSql(); } });
  const dashboards = el('div', { class: 'sql-examples', role: 'group', 'aria-label': 'The dashboards as SQL' },
    el('span', { class: 'muted', text: 'Dashboards:' }), ...INFO.map((d) => button(d.label, d.sql.replace(/\s+(FROM|WHERE|GROUP BY|ORDER BY|HAVING|LEFT JOIN|JOIN)\b/g, '\n$1'))));
  box.append(dashboards);
  try {
    const response = await fetch(new URL('./examples/dashboard_queries.sql', import.meta.url));
    if (!response.ok) return;
    const text = await response.text();
    // Each statement with the first comment line above it as its name.
    const queries = text.split(/;\s*\n/).map((q) => q.trim()).filter((q) => /\bSELECT\b/i.test(q));
    box.prepend(el('div', { class: 'sql-examples', role: 'group', 'aria-label': 'The seed’s dashboard queries' },
      el('span', { class: 'muted', text: 'The seed’s queries:' }),
      ...queries.map((q, i) => button((q.match(/^--\s*(.+)$/m) || [])[1] || `Query ${i + 1}`, `${q};`))));
  } catch { /* the dashboards' SQL is there anyway */ }
}

// The last queries run, kept in this browser (localStorage), newest first.
const HISTORY_KEY = 'bi-platform.sql.history';
const HISTORY_SIZE = 20;
function sqlHistory() {
  try {
    const list = JSON.parse(localStorage.getItem(HISTORY_KEY) || '[]');
    return Array.isArray(list) ? list.filter((q) => typeof q === 'string') : [];
  } catch { return []; }
}
function remember(text) {
  const list = [text, ...sqlHistory().filter((q) => q !== text)].slice(0, HISTORY_SIZE);
  try { localStorage.setItem(HISTORY_KEY, JSON.stringify(list)); } catch { /* storage full or off: not kept */ }
  renderHistory();
}
function renderHistory() {
  const list = sqlHistory();
  const select = $('sql-history');
  select.replaceChildren(el('option', { value: '', text: list.length ? `${list.length} recent ${list.length === 1 ? 'query' : 'queries'}…` : 'None yet' }),
    ...list.map((q, i) => el('option', { value: String(i), text: q.replace(/\s+/g, ' ').slice(0, 90) })));
  select.disabled = !list.length;
}
$('sql-history').addEventListener('change', (e) => {
  const q = sqlHistory()[Number(e.target.value)];
  if (e.target.value !== '' && q != null) {
    setSqlText(q);
    announce('The query is in the editor: press Ctrl+Enter to run it.');
  }
});

function openSql() {
  if (!$('sql-examples').querySelector('button')) {
    $('sql-examples').append(...SQL_EXAMPLES.map(([name, text]) => el('button', {
      type: 'button', class: 'ghost small', text: name, onclick: () => { setSqlText(text); runSql(); },
    })));
    renderHistory();
    // The last query comes back into an empty editor.
    if (!sqlText().trim() && sqlHistory().length) setSqlText(sqlHistory()[0]);
  }
  renderMoreExamples();
  renderSchema().catch((error) => showError(`The SQL tables could not be listed: ${error.message}. Reload the page.`));
  ensureEditor();
  ensureParser().catch((error) => showError(`SQL is not available: ${error.message}.`));
}

// The error's position: underlined in the editor with the caret there.
function markError(error, focus = true) {
  if (sqlState.editor) { sqlState.editor.markError(error, focus); return; }
  const editor = $('sql-text');
  const at = offsetOf(editor.value, error.line, error.column);
  if (focus) editor.focus();
  editor.setSelectionRange(at, Math.min(editor.value.length, at + 1));
}
function offsetOf(text, line, column) {
  const lines = text.split('\n');
  let offset = 0;
  for (let i = 0; i < Math.min(line - 1, lines.length); i++) offset += lines[i].length + 1;
  return Math.min(text.length, offset + Math.max(0, column - 1));
}
const errorText = (e) => (e.line != null ? `Line ${e.line}, column ${e.column}: ${e.message}` : e.message);

// A query runs in the worker; Cancel (shown while it runs) replaces the worker and
// restores the warehouse from what this browser keeps (keep.js), so a long query never
// holds the page.
async function runSql(text = sqlText()) {
  if (!text.trim()) {
    renderSqlMessage('Type a query first, or press one of the examples.');
    return;
  }
  const seq = ++sqlState.seq;
  const tenants = state.query.tenants;
  // The query run is the one the address keeps (not a text still waiting to be saved).
  clearTimeout(sqlSaving);
  links.save({ replace: true });
  $('sql-results').setAttribute('aria-busy', 'true');
  sqlState.editor?.clearError();
  sqlState.editor?.closePopups();
  const started = performance.now();
  const showCancel = setTimeout(() => { if (seq === sqlState.seq && sqlState.running) $('sql-cancel').hidden = false; }, 250);
  try {
    await ensureParser();
    sqlState.running = seq;
    const results = await call('sql', { text, query: { tenants }, nowMs: Date.now(), limit: SQL_PAGE });
    if (seq !== sqlState.seq) return;
    Object.assign(sqlState, { results, text, ran: true, sort: results.map(() => null) });
    remember(text);
    $('sql-results').dataset.tenants = JSON.stringify(tenants);
    if (!results.length) renderSqlMessage('The text holds no statement: only blanks or comments.');
    else renderSqlResults();
    window.__bi.sqlRuns++;
    const failed = results.filter((r) => r.error);
    if (failed.length) announce(`${failed.length === results.length ? 'The query' : `${failed.length} of ${results.length} statements`} failed: ${errorText(failed[0].error)}.`);
    else if (results.length) announce(results.map((r) => `${whole.format(r.total_rows)} ${r.total_rows === 1 ? 'row' : 'rows'}`).join(', ') + ` in ${decimal.format(results.reduce((t, r) => t + r.ms, 0))} ms.`);
  } catch (error) {
    if (seq !== sqlState.seq) return;
    if (error.cancelled) {
      renderSqlMessage(`Cancelled after ${decimal.format((performance.now() - started) / 1000)} s. The data is back as it was; change the query and run it again.`);
      window.__bi.sqlRuns++;
    } else showError(`The query could not run: ${error.message}.`);
  } finally {
    clearTimeout(showCancel);
    if (seq === sqlState.seq) {
      sqlState.running = null;
      $('sql-cancel').hidden = true;
      $('sql-results').removeAttribute('aria-busy');
    }
  }
}

// Explain: how each statement runs (the scope, the plan, each operator's path and
// rows), as text in place of the results.
async function explainSql(text = sqlText()) {
  if (!text.trim()) {
    renderSqlMessage('Type a query first, or press one of the examples.');
    return;
  }
  const seq = ++sqlState.seq;
  $('sql-results').setAttribute('aria-busy', 'true');
  try {
    await ensureParser();
    const explained = await call('sqlExplain', { text, query: { tenants: state.query.tenants }, nowMs: Date.now() });
    if (seq !== sqlState.seq) return;
    const many = explained.length > 1;
    $('sql-results').replaceChildren(...explained.map((r, i) => el('section', { class: 'sql-explained' },
      el('h4', { text: many ? `Plan of statement ${i + 1}` : 'Plan' }),
      r.error ? el('p', { class: 'error-text', text: errorText(r.error) }) : el('pre', { class: 'sql-plan', 'data-sql-plan': String(i), tabindex: '0', text: r.text }))));
    if (!explained.length) renderSqlMessage('The text holds no statement: only blanks or comments.');
    window.__bi.sqlRuns++;
    announce(explained.some((r) => r.error) ? 'The plan could not be made for every statement.' : 'The plan is shown below the editor.');
  } catch (error) {
    if (seq === sqlState.seq) showError(`The query could not be explained: ${error.message}.`);
  } finally {
    if (seq === sqlState.seq) $('sql-results').removeAttribute('aria-busy');
  }
}

async function cancelSql() {
  if (!sqlState.running) return;
  const focusRun = document.activeElement === $('sql-cancel');
  sqlState.running = null;
  $('sql-cancel').hidden = true;
  $('sql-loading').textContent = 'Cancelling: restarting the engine…';
  restartEngine('The query was cancelled.');
  if (focusRun) $('sql-run').focus();
  sqlState.parser = null;
  try {
    // The new worker starts empty: what this browser keeps goes back in, then the parser.
    const restored = await call('restore');
    if (restored.problem) showError(`The data could not be restored after the cancel: ${restored.problem}. Load the files again.`);
    await ensureParser();
    announce('Query cancelled.');
  } catch (error) {
    showError(`The engine could not restart after the cancel: ${error.message}. Reload the page.`);
  } finally {
    $('sql-loading').textContent = '';
  }
}
$('sql-cancel').addEventListener('click', cancelSql);

function renderSqlMessage(text) {
  $('sql-results').replaceChildren(el('p', { class: 'muted', text }));
}

const sqlCharts = new Map();
function renderSqlResults() {
  const many = sqlState.results.length > 1;
  sqlCharts.clear();
  keepFocus(() => $('sql-results').replaceChildren(...sqlState.results.map((r, i) => {
    const title = many ? `Statement ${i + 1}` : 'Result';
    const box = el('section', { class: 'sql-result', 'data-statement': String(i), 'aria-label': title }, el('h5', { text: title }));
    if (r.error) {
      box.append(el('div', { class: 'sql-error', 'data-sql-error': '' },
        el('p', {}, el('strong', { text: errorText(r.error) })),
        el('p', { text: `Fix the query ${r.error.line != null ? 'there' : ''} and run it again (Ctrl+Enter). The tables and their columns are listed beside the editor; SQLite’s read-only SELECT is what runs here.` }),
        r.error.line != null ? el('button', { type: 'button', class: 'ghost small', 'data-key': `sql-goto:${i}`, text: `Go to line ${r.error.line}, column ${r.error.column}`, onclick: () => markError(r.error) }) : null));
      return box;
    }
    const types = r.types || r.columns.map(() => ({ type: 'text' }));
    const sort = sqlState.sort?.[i];
    const head = el('tr', {}, ...r.columns.map((c, j) => {
      const th = el('th', { scope: 'col', class: isNumeric(types[j].type) ? 'num' : '', 'aria-sort': sort?.column === j ? (sort.desc ? 'descending' : 'ascending') : 'none' });
      th.append(el('button', {
        type: 'button', class: 'sort', 'data-key': `sql-sort:${i}:${j}`, title: `${types[j].type}`,
        text: c + (sort?.column === j ? (sort.desc ? ' ▼' : ' ▲') : ''),
        onclick: () => sqlSort(i, j),
      }));
      return th;
    }));
    const body = el('tbody', {}, ...r.rows.map((row) => el('tr', {}, ...row.map((v, j) => el('td', { class: isNumeric(types[j].type) ? 'num' : '', text: formatValue(types[j].type, v) })))));
    const pager = el('div', { class: 'pager' }, el('span', { class: 'muted', text: r.total_rows ? `Rows ${whole.format(r.offset + 1)}–${whole.format(r.offset + r.rows.length)} of ${whole.format(r.total_rows)} · ${decimal.format(r.ms)} ms` : `No rows · ${decimal.format(r.ms)} ms` }));
    if (r.total_rows > SQL_PAGE) {
      const prev = el('button', { type: 'button', class: 'ghost small', text: '← Previous', 'data-key': `sql-prev:${i}`, onclick: () => sqlPage(i, -1) });
      const next = el('button', { type: 'button', class: 'ghost small', text: 'Next →', 'data-key': `sql-next:${i}`, onclick: () => sqlPage(i, 1) });
      prev.disabled = r.offset === 0;
      next.disabled = r.offset + SQL_PAGE >= r.total_rows;
      pager.append(prev, next);
    }
    pager.append(el('button', { type: 'button', class: 'ghost small open-sql', text: 'Export CSV', 'aria-label': `Export CSV: ${title.toLowerCase()}`, 'data-key': `sql-csv:${i}`, onclick: () => sqlCsv(i) }));
    box.append(el('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': `${title}, as a table`, 'data-key': `sql-scroll:${i}` },
      el('table', { 'data-sql-result': String(i) }, el('thead', {}, head), body)), pager);
    // The result drawn by the engine (bar or line from the columns' types), when it has
    // something numeric to draw.
    if (r.chart) {
      const caption = el('figcaption', { class: 'chart-summary', id: `sql-chart-summary-${i}`, text: r.chart.summary });
      const canvas = el('canvas', { role: 'img', 'aria-label': r.chart.title, 'aria-describedby': caption.id, 'data-sql-chart': String(i) });
      box.append(el('figure', { class: 'chart card sql-chart', 'aria-label': `Chart: ${r.chart.title}` }, canvas, caption));
      sqlCharts.set(i, { canvas, chart: r.chart });
    }
    return box;
  })));
  for (const entry of sqlCharts.values()) draw(entry);
  const error = sqlState.results.find((r) => r.error && r.error.line != null);
  // The first error's position is marked in the editor (without taking the focus).
  if (error && sqlText() === sqlState.text) markError(error.error, false);
}

// Result `index` again from the engine, sorted as `sort` says ({column, desc}) from row
// `offset`; its time stays the run's.
async function sqlShow(index, offset, sort) {
  const page = { offset, limit: SQL_PAGE, sort: sort?.column ?? null, descending: !!sort?.desc };
  const result = await call('sqlPage', { index, page });
  sqlState.results[index] = { ...result, ms: sqlState.results[index].ms };
}

// Sorting a result sorts all its rows (in the engine), not only the page shown, in
// SQLite's order (NULLs first ascending, last descending); a second press reverses.
async function sqlSort(index, column) {
  const current = sqlState.sort?.[index];
  const desc = current?.column === column ? !current.desc : false;
  try {
    await sqlShow(index, 0, { column, desc });
    sqlState.sort[index] = { column, desc };
    renderSqlResults();
    announce(`Sorted by ${sqlState.results[index].columns[column]}, ${desc ? 'descending' : 'ascending'}.`);
  } catch (error) {
    showError(`The result could not be sorted: ${error.message}. Run the query again.`);
  }
}

async function sqlPage(index, delta) {
  try {
    const r = sqlState.results[index];
    await sqlShow(index, Math.max(0, r.offset + delta * SQL_PAGE), sqlState.sort?.[index]);
    renderSqlResults();
  } catch (error) {
    showError(`The result could not be paged: ${error.message}. Run the query again.`);
  }
}

async function sqlCsv(index) {
  try {
    const csv = await call('sqlCsv', { index });
    download(new Blob([csv], { type: 'text/csv' }), `query-${index + 1}.csv`);
    announce(`query-${index + 1}.csv downloaded.`);
  } catch (error) {
    showError(`The export failed: ${error.message}. Run the query again and export it.`);
  }
}

// A dashboard's SQL, from the engine, into the editor (a line per clause), and run.
async function openInSql(name) {
  const { sql } = INFO.find((d) => d.name === name);
  selectTab('sql');
  setSqlText(sql.replace(/\s+(FROM|WHERE|GROUP BY|ORDER BY|HAVING|LEFT JOIN|JOIN)\b/g, '\n$1'));
  (sqlState.editor || $('sql-text')).focus();
  await runSql();
}

$('sql-run').addEventListener('click', () => runSql());
$('sql-explain').addEventListener('click', () => explainSql());
// The textarea's own Ctrl/Cmd+Enter, before the editor replaces it.
$('sql-text').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    runSql();
  }
});

// --- Inputs -----------------------------------------------------------------------------
const zone = $('dropzone');
for (const type of ['dragenter', 'dragover']) {
  zone.addEventListener(type, (e) => { e.preventDefault(); zone.classList.add('over'); });
  document.addEventListener(type, (e) => e.preventDefault());
}
zone.addEventListener('dragleave', () => zone.classList.remove('over'));
document.addEventListener('drop', (e) => {
  e.preventDefault();
  zone.classList.remove('over');
  const files = e.dataTransfer && e.dataTransfer.files;
  if (files && files.length) {
    window.__bi.dropAt = performance.now();
    window.__bi.firstChartAt = null;
    loadFiles(files);
  }
});
$('pick-files').addEventListener('click', () => $('file-input').click());
$('file-input').addEventListener('change', (e) => {
  window.__bi.dropAt = performance.now();
  window.__bi.firstChartAt = null;
  loadFiles(e.target.files);
  e.target.value = '';
});
$('cancel').addEventListener('click', () => {
  const current = state.current;
  if (!current || current.cancelled) return;
  current.cancelled = true;
  // A slice may be on its way to the engine: say at once that the cancel was taken.
  $('progress-label').textContent = `Cancelling ${current.name}…`;
});
$('sample').addEventListener('click', async () => {
  $('sample').disabled = true;
  announce('Generating and loading sample data.');
  try {
    const reports = await call('sample', { tenants: 8, campaignsPerTenant: 1500, seed: 42 });
    addReports(reports);
    await refresh();
    announce(`Sample data loaded: ${reports.map((r) => `${r.file}, ${whole.format(r.rows_loaded)} rows`).join('; ')}.`);
  } catch (error) {
    showError(`The sample data could not be generated: ${error.message}. Reload the page and try again.`);
  } finally {
    $('sample').disabled = false;
  }
});
$('url-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const url = $('url').value.trim();
  let response;
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' } });
  } catch {
    showError(`Could not reach ${url}. Check the address; the server must allow requests from this page (CORS).`);
    return;
  }
  if (!response.ok) {
    showError(`${url} answered ${response.status} ${response.statusText}: nothing was loaded. Check the address, or that the API is up, and press “Load from URL” again.`);
    return;
  }
  const name = decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() || new URL(url).host);
  await loadFiles([new File([await response.arrayBuffer()], name.includes('.') ? name : `${name}.json`)]);
});

// The start page: what each kind of file holds (from the engine's table declarations),
// and the sample files to download (generated by the engine at the size of the seed files).
function renderShapes() {
  $('shapes').replaceChildren(...tableShapes().flatMap(({ table, required, optional }) => [
    el('dt', { text: TABLE_NAMES[table] || table }),
    el('dd', {}, 'Needs ', el('code', { text: required.join(', ') }),
      optional.length ? '; may have ' : '', optional.length ? el('code', { text: optional.join(', ') }) : null,
      '. Any other column is kept and listed in the file’s report.'),
  ]));
}
async function offerSamples() {
  const files = await call('sampleFiles', {});
  const links = { 'marketing_campaigns.csv': 'sample-campaigns', 'sales_targets.csv': 'sample-targets', 'customers.json': 'sample-customers' };
  for (const { name, bytes: data } of files) {
    const link = $(links[name]);
    if (link) link.href = URL.createObjectURL(new Blob([data], { type: name.endsWith('.json') ? 'application/json' : 'text/csv' }));
  }
}

// --- Kept in this browser ----------------------------------------------------------------
// After each load the worker keeps the warehouse in this browser (keep.js) and says how
// it went; the status shows it next to "Forget all data".
function renderKept({ kept, problem }) {
  const status = $('kept');
  status.hidden = false;
  status.classList.toggle('warn', problem != null);
  status.textContent = problem != null ? `Not kept in this browser: ${problem}` : `Kept in this browser · ${bytes(kept)}`;
  window.__bi.kept = { kept, problem };
}

// What was kept, back in the warehouse before the first chart. A snapshot that cannot
// be read (damaged, cut short, of another version) leaves the page empty and says so.
async function restoreKept() {
  let restored;
  try {
    restored = await call('restore');
  } catch (error) {
    restored = { reports: [], kept: null, problem: `it could not be read (${error.message})` };
  }
  window.__bi.restored = restored;
  if (restored.problem) {
    showError(`The data kept in this browser could not be restored: ${restored.problem}. The page starts empty; the next file you load replaces what was kept.`);
    return;
  }
  if (!restored.reports.length) return;
  state.reports.push(...restored.reports);
  renderReports();
  renderKept(restored);
  await refresh();
  announce(`Restored from this browser: ${restored.reports.length === 1 ? 'one file' : `${restored.reports.length} files`}.`);
}

// Back to the empty page: no files, no dashboards, filters reset.
function showEmpty() {
  Object.assign(state, {
    reports: [], view: null, perfOffset: 0, tab: 'campaign_summary', sort: {}, tablePage: {}, seq: state.seq + 1,
    query: { tenants: 'all', from: null, to: null, regions: [], products: [], channels: [] },
  });
  renderReports();
  $('kept').hidden = true;
  $('workspace').hidden = true;
  $('dropzone').classList.add('empty');
  $('shapes-help').open = true;
  links.save({ replace: true });
}

$('forget').addEventListener('click', async () => {
  if (state.loading) {
    showError('A file is loading: wait for it (or cancel it), then forget all data.');
    return;
  }
  if (!window.confirm('Forget all data? Every loaded file, its reports and the recent SQL queries are removed from this page and from this browser’s storage. The files themselves are not touched.')) return;
  try {
    await call('forget');
    // The SQL tab's recent queries are this browser's data too.
    try { localStorage.removeItem(HISTORY_KEY); } catch { /* storage off: nothing kept */ }
    renderHistory();
    showEmpty();
    $('pick-files').focus();
    announce('All data forgotten: nothing is kept in this browser.');
  } catch (error) {
    showError(`The data could not be forgotten: ${error.message}. Reload the page and try again.`);
  }
});

// --- Views as links (links.js) ----------------------------------------------------------
// The tenants, filters, tab and SQL text in the address; a link's view is applied before
// the kept warehouse is restored and checked against it once its first view is computed.
const links = viewLinks({
  current: () => ({ query: state.query, tab: state.tab, sql: sqlText() }),
  apply: ({ query, tab, sql }) => {
    Object.assign(state, { query, perfOffset: 0 });
    optionsKey = '';
    $('from').value = query.from || '';
    $('to').value = query.to || '';
    if (sql != null && sql !== sqlText()) {
      setSqlText(sql);
      // A link's query is shown, never run for the user.
      if (sqlState.ran) {
        Object.assign(sqlState, { ran: false, results: [], seq: sqlState.seq + 1 });
        renderSqlMessage('The link’s query is in the editor: press Run to run it.');
      }
    }
    if (tab !== state.tab) {
      if (state.view) selectTab(tab); else state.tab = tab;
    }
  },
  tabs: () => TABS,
  notify: showError,
});
// The text typed is saved in the address after a pause (the textarea's input before
// the editor loads; the editor's onChange after).
let sqlSaving;
function saveSqlLink() {
  clearTimeout(sqlSaving);
  sqlSaving = setTimeout(() => links.save({ replace: true }), 400);
}
$('sql-text').addEventListener('input', saveSqlLink);
for (const type of ['popstate', 'hashchange']) {
  window.addEventListener(type, () => { if (links.follow()) refresh({ announce: true, fromLink: true }); });
}

// --- Pivot hook ----------------------------------------------------------------------------
// A pivot cell's (or row header's) values become the page's filters: `filters` is
// [{key: 'tenants' | 'regions' | 'products' | 'channels', value}] or {key: 'dates',
// value: [from, to]}. Values already picked stay; the pickers are rebuilt to show them.
function addFilters(filters) {
  for (const { key, value } of filters) {
    if (key === 'dates') {
      [state.query.from, state.query.to] = value;
      $('from').value = value[0];
      $('to').value = value[1];
      continue;
    }
    const list = key === 'tenants' ? (Array.isArray(state.query.tenants) ? state.query.tenants : []) : (state.query[key] ||= []);
    if (!list.includes(value)) list.push(value);
    list.sort();
    if (key === 'tenants') state.query.tenants = list;
  }
  optionsKey = '';
  state.perfOffset = 0;
  refresh({ announce: true });
}
initPivot({ call, query: () => state.query, addFilters, announce, showError, download });

// The main thread draws with the engine too (canvases live here).
init().then(async () => {
  INFO = dashboardInfo();
  DASHBOARDS = INFO.map((d) => d.name);
  TABS = [...DASHBOARDS, 'pivot', 'sql'];
  renderShapes();
  // crossfilter: click to filter, chips, drill-down.
  installCrossfilter({
    state, canvases, refresh, announce, el, selectTab, whole,
    repick: () => { optionsKey = ''; },
    syncDates: () => { $('from').value = state.query.from || ''; $('to').value = state.query.to || ''; },
    fail: (error) => showError(`The filter could not be applied: ${error.message}. Press “Reset filters”.`),
  });
  links.open();
  await restoreKept();
  if (!state.reports.length && parseHash(location.hash)) {
    showError('This link shows a view of data that is not loaded here: load the files it was made from, and the view applies to them.');
  }
  $('version').textContent = `v${await call('version')}`;
  await offerSamples().catch((error) => showError(`The sample files could not be generated: ${error.message}. “Try sample data” may still work; reload the page to try again.`));
  // The engine's code made fast before the first file (worker.js, warmUp), the
  // drawing here included: its charts drawn once on a canvas not in the page. A
  // failure costs only that speed.
  try {
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [600, 320];
    for (const chart of await call('warmUp')) drawChart(canvas, chart, 1);
  } catch { /* only slower */ }
  document.body.dataset.ready = 'true';
}).catch((error) => showError(`The engine failed to load (${error.message}). Build it with “make wasm” or start the page with “make serve”.`));
