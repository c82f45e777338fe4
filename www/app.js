// The page: files in, filters, KPI tiles, charts and tables out. The engine runs in
// worker.js; this thread only renders. Every value from a file is inserted as text
// (textContent), never as HTML.
import init, { drawChart } from './pkg/bi_platform.js';

const CHUNK = 4 * 1024 * 1024;
const TABLE_PAGE = 100;
const PERF_PAGE = 50;
const DASHBOARDS = [
  ['campaign_summary', 'Campaign summary'],
  ['campaign_performance', 'Campaigns'],
  ['daily_performance', 'Daily performance'],
  ['conversion_funnel', 'Conversion funnel'],
  ['channel_mix', 'Channel mix'],
  ['target_vs_actual', 'Target vs actual'],
  ['customer_summary', 'Customers'],
];
const MONEY = new Set(['spend', 'revenue', 'profit', 'target_revenue', 'actual_revenue',
  'target_spend', 'actual_spend', 'total_spent', 'avg_order_value']);
const RATIO = new Set(['avg_ctr', 'avg_roi', 'ctr', 'roi', 'attainment']);
const LABELS = {
  tenant_id: 'Tenant', campaign_id: 'Campaign ID', campaign_name: 'Campaign', avg_ctr: 'Avg CTR',
  avg_roi: 'Avg ROI', ctr: 'CTR', roi: 'ROI', ctr_pct: 'CTR %', conversion_rate_pct: 'Conv. rate %',
  performance_category: 'Performance', target_roi: 'Target ROI',
};

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c != null) node.append(c);
  return node;
};

const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const pct = (v) => (v == null ? '—' : `${percent.format(v * 100)}%`);

function formatCell(column, value) {
  if (value == null) return '—';
  if (typeof value !== 'number') return String(value);
  if (MONEY.has(column)) return money.format(value);
  if (RATIO.has(column)) return pct(value);
  return Number.isInteger(value) ? whole.format(value) : decimal.format(value);
}
const label = (c) => LABELS[c] || c.replace(/_/g, ' ').replace(/^./, (s) => s.toUpperCase());
const bytes = (n) => (n >= 1e6 ? `${decimal.format(n / 1e6)} MB` : `${decimal.format(n / 1e3)} KB`);

// --- The worker -----------------------------------------------------------------------
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
let nextId = 0;
const pending = new Map();
worker.onmessage = ({ data: { id, ok, result, error } }) => {
  const p = pending.get(id);
  pending.delete(id);
  if (ok) p.resolve(result); else p.reject(new Error(error));
};
worker.onerror = (e) => showError(`The engine stopped: ${e.message || 'unknown error'}. Reload the page.`);
function call(op, args, transfer = []) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, op, args }, transfer);
  });
}
// Test and debug hook: `?memoryBudget=BYTES` sets the engine's memory budget (default
// 3.5 GiB of the 4 GiB a wasm memory can have) before anything loads, so a small file
// can show what happens to one too big for memory. `window.__bi.memory()` reports
// `{used, budget}` in bytes.
const budgetParam = new URLSearchParams(location.search).get('memoryBudget');
if (budgetParam) {
  call('setMemoryBudget', { bytes: Number(budgetParam) })
    .catch((error) => showError(`The memory budget could not be set: ${error.message}`));
}

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
window.__bi = { firstChartAt: null, dropAt: null, state, memory: () => call('memory') };

// --- Errors ---------------------------------------------------------------------------
function showError(message) {
  const item = el('div', { class: 'error' },
    el('span', { text: message }),
    el('button', { type: 'button', class: 'ghost close', 'aria-label': 'Dismiss', text: '×', onclick: () => item.remove() }));
  $('errors').append(item);
  while ($('errors').children.length > 3) $('errors').firstElementChild.remove();
}

// The filter bar sticks right under the top bar, whatever its height.
new ResizeObserver(([entry]) => {
  document.documentElement.style.setProperty('--topbar-height', `${Math.ceil(entry.target.getBoundingClientRect().height)}px`);
}).observe(document.querySelector('.topbar'));

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
  const started = performance.now();
  try {
    await call('begin', { name: file.name, total: file.size });
    let progress = { bytes: 0, rows: 0 };
    for (let offset = 0; offset < file.size; offset += CHUNK) {
      if (current.cancelled) return await cancelled(file);
      const chunk = await file.slice(offset, offset + CHUNK).arrayBuffer();
      progress = await call('push', { chunk }, [chunk]);
      const seconds = (performance.now() - started) / 1000;
      $('progress-bar').value = file.size ? progress.bytes / file.size : 1;
      $('progress-detail').textContent = `${bytes(progress.bytes)} of ${bytes(file.size)}`
        + (progress.rows ? ` · ${whole.format(progress.rows)} rows · ${whole.format(progress.rows / Math.max(seconds, 0.001))} rows/s` : '');
      // Refused for want of memory: the rest need not be read; its report says why.
      if (progress.refused) break;
    }
    // A click during the last slice, or while the file is checked (XLSX and JSON are
    // parsed then), still cancels: nothing is added before `commit`.
    if (current.cancelled) return await cancelled(file);
    $('progress-label').textContent = `Checking ${file.name}`;
    await call('end');
    if (current.cancelled) return await cancelled(file);
    // From here the file is being added: too late to cancel, and the button says so.
    $('progress-label').textContent = `Adding ${file.name}`;
    $('cancel').disabled = true;
    $('cancel').title = 'Too late to cancel: the file is being added';
    const reports = await call('commit');
    addReports(reports);
  } catch (error) {
    showError(`${file.name} could not be loaded: ${error.message}. Data already loaded is unchanged.`);
  } finally {
    state.current = null;
    state.loading = false;
    $('cancel').disabled = false;
    $('cancel').title = '';
    $('progress').hidden = true;
  }
}

function addReports(reports) {
  for (const r of reports) {
    state.reports.push(r);
    if (r.error) showError(`“${r.file}” could not be loaded: ${r.error}. Data already loaded is unchanged.`);
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
function multiPicker(container, allLabel, key, values) {
  // The selection is read from state.query at each change: "Reset filters" changes the
  // query before the next view rebuilds the pickers (late while a file streams), and a
  // tick in between must not bring the reset selection back.
  const current = () => new Set(key === 'tenants' ? (Array.isArray(state.query.tenants) ? state.query.tenants : []) : state.query[key]);
  let selected = current();
  const details = el('details', { class: 'picker' });
  const summary = el('summary');
  const updateSummary = () => {
    summary.textContent = selected.size === 0 ? allLabel : selected.size === 1 ? [...selected][0] : `${selected.size} selected`;
    details.classList.toggle('active', selected.size > 0);
  };
  const apply = () => {
    const list = [...selected].sort();
    if (key === 'tenants') state.query.tenants = list.length ? list : 'all';
    else state.query[key] = list;
    state.perfOffset = 0;
    updateSummary();
    refresh();
  };
  const panel = el('div', { class: 'picker-panel' });
  const search = el('input', { type: 'search', placeholder: 'Find…', 'aria-label': `Find in ${allLabel}` });
  const options = el('div', { class: 'options' });
  const all = el('button', { type: 'button', class: 'ghost small', text: allLabel, onclick: () => { selected.clear(); for (const b of options.querySelectorAll('input')) b.checked = false; apply(); } });
  for (const v of values) {
    const box = el('input', { type: 'checkbox', value: v });
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
  multiPicker($('tenant-filter'), 'All tenants', 'tenants', options.tenants);
  multiPicker($('region-filter'), 'All regions', 'regions', options.regions);
  multiPicker($('product-filter'), 'All products', 'products', options.products);
  multiPicker($('channel-filter'), 'All channels', 'channels', options.channels);
  for (const id of ['from', 'to']) {
    $(id).min = options.first_date || '';
    $(id).max = options.last_date || '';
  }
}
for (const id of ['from', 'to']) {
  $(id).addEventListener('change', () => { state.query[id] = $(id).value || null; state.perfOffset = 0; refresh(); });
}
$('reset').addEventListener('click', () => {
  state.query = { tenants: 'all', from: null, to: null, regions: [], products: [], channels: [] };
  $('from').value = ''; $('to').value = '';
  optionsKey = '';
  state.perfOffset = 0;
  refresh();
});
document.addEventListener('click', (e) => {
  for (const d of document.querySelectorAll('details.picker[open]')) if (!d.contains(e.target)) d.open = false;
});

// --- Rendering a view -------------------------------------------------------------------
async function refresh() {
  if (!state.reports.some((r) => r.rows_loaded > 0 || r.unchanged_from)) return;
  const seq = ++state.seq;
  try {
    const view = await call('view', { query: state.query, page: { offset: state.perfOffset, limit: PERF_PAGE } });
    if (seq !== state.seq) return;
    state.view = view;
    $('workspace').hidden = false;
    $('dropzone').classList.remove('empty');
    renderFilters(view.options);
    renderKpis(view.kpis);
    renderCharts(view.charts);
    renderTables();
  } catch (error) {
    showError(`The dashboards could not be computed: ${error.message}`);
  }
}

const dollars = (v) => `${v < 0 ? '-' : ''}$${Math.abs(v) >= 1e6 ? compact.format(Math.abs(v)) : money.format(Math.abs(v))}`;
function renderKpis(k) {
  const tiles = [
    ['Spend', dollars(k.spend), `${whole.format(k.campaigns)} campaign rows`, '', k.spend],
    ['Revenue', dollars(k.revenue), '', '', k.revenue],
    ['Profit', dollars(k.profit), '', k.profit < 0 ? 'neg' : 'pos', k.profit],
    ['ROI', pct(k.roi), 'profit / spend', k.roi < 0 ? 'neg' : 'pos'],
    ['CTR', pct(k.ctr), 'clicks / impressions'],
    ['Conversion rate', pct(k.conversion_rate), 'conversions / clicks'],
  ];
  $('kpis').replaceChildren(...tiles.map(([name, value, hint, tone, exact]) => el('div', { class: `kpi card ${tone || ''}` },
    el('span', { class: 'kpi-name', text: name }),
    el('span', { class: 'kpi-value', text: value, title: exact == null ? value : `$${money.format(exact)}` }),
    el('span', { class: 'kpi-hint', text: hint }))));
}

// --- Charts -----------------------------------------------------------------------------
const canvases = new Map();
function renderCharts(charts) {
  const box = $('charts');
  for (const chart of charts) {
    let entry = canvases.get(chart.id);
    if (!entry) {
      const canvas = el('canvas', { 'aria-label': chart.title, role: 'img', 'data-chart': chart.id });
      const save = el('button', { type: 'button', class: 'ghost small', text: 'Save PNG', onclick: () => savePng(canvas, chart.id) });
      const card = el('figure', { class: `chart card${chart.id === 'trend' || chart.id === 'tenant_trend' ? ' wide' : ''}` },
        el('div', { class: 'chart-tools' }, save), canvas);
      box.append(card);
      entry = { canvas };
      canvases.set(chart.id, entry);
    }
    entry.chart = chart;
    draw(entry);
  }
  if (window.__bi.dropAt != null && window.__bi.firstChartAt == null) window.__bi.firstChartAt = performance.now();
}

function draw({ canvas, chart }) {
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 600;
  const height = canvas.clientHeight || 320;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  try {
    drawChart(canvas, chart, dpr);
  } catch (error) {
    showError(`The chart “${chart.title}” could not be drawn: ${error.message}`);
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
function renderTabs() {
  $('tabs').replaceChildren(...DASHBOARDS.map(([name, title]) => el('button', {
    type: 'button', role: 'tab', class: 'tab', 'aria-selected': String(state.tab === name), 'data-tab': name, text: title,
    onclick: () => { state.tab = name; renderTabs(); renderTables(); },
  })));
}
renderTabs();

function sortedRows(name, result) {
  const sort = state.sort[name];
  if (!sort || name === 'campaign_performance') return result.rows;
  const i = result.columns.indexOf(sort.column);
  const dir = sort.desc ? -1 : 1;
  return [...result.rows].sort((a, b) => {
    const x = a[i]; const y = b[i];
    if (x == null) return 1;
    if (y == null) return -1;
    return (typeof x === 'number' ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0) * dir;
  });
}

function renderTables() {
  const view = state.view;
  if (!view) return;
  const box = $('tables');
  box.replaceChildren(...DASHBOARDS.map(([name]) => {
    const result = view.tables[name];
    const paged = name === 'campaign_performance';
    const rows = sortedRows(name, result);
    const page = paged ? 0 : (state.tablePage[name] || 0);
    const shown = paged ? rows : rows.slice(page * TABLE_PAGE, (page + 1) * TABLE_PAGE);
    const total = paged ? (result.total_rows ?? rows.length) : rows.length;
    const offset = paged ? state.perfOffset : page * TABLE_PAGE;
    const sort = state.sort[name];
    const head = el('tr', {}, ...result.columns.map((c) => {
      const th = el('th', { scope: 'col', class: typeof result.rows[0]?.[result.columns.indexOf(c)] === 'number' ? 'num' : '' });
      if (paged) th.textContent = label(c);
      else {
        th.setAttribute('aria-sort', sort?.column === c ? (sort.desc ? 'descending' : 'ascending') : 'none');
        th.append(el('button', {
          type: 'button', class: 'sort', text: label(c) + (sort?.column === c ? (sort.desc ? ' ▼' : ' ▲') : ''),
          onclick: () => { state.sort[name] = { column: c, desc: sort?.column === c ? !sort.desc : false }; state.tablePage[name] = 0; renderTables(); },
        }));
      }
      return th;
    }));
    const body = el('tbody', {}, ...shown.map((row) => el('tr', {}, ...row.map((v, i) => el('td', { class: typeof v === 'number' ? 'num' : '', text: formatCell(result.columns[i], v) })))));
    const table = el('table', { 'data-dashboard': name }, el('thead', {}, head), body);
    const pager = el('div', { class: 'pager' },
      el('span', { class: 'muted', text: total ? `Rows ${whole.format(offset + 1)}–${whole.format(offset + shown.length)} of ${whole.format(total)}` : 'No rows match this selection' }));
    const size = paged ? PERF_PAGE : TABLE_PAGE;
    if (total > size) {
      const go = (delta) => {
        if (paged) { state.perfOffset = Math.max(0, state.perfOffset + delta * PERF_PAGE); refreshPage(); }
        else { state.tablePage[name] = page + delta; renderTables(); }
      };
      const prev = el('button', { type: 'button', class: 'ghost small', text: '← Previous', onclick: () => go(-1) });
      const next = el('button', { type: 'button', class: 'ghost small', text: 'Next →', onclick: () => go(1) });
      prev.disabled = offset === 0;
      next.disabled = offset + size >= total;
      pager.append(prev, next);
    }
    const panel = el('div', { class: 'table-panel', role: 'tabpanel', 'data-panel': name },
      el('div', { class: 'table-scroll' }, table), pager);
    panel.hidden = state.tab !== name;
    return panel;
  }));
}

async function refreshPage() {
  try {
    state.view.tables.campaign_performance = await call('page', { query: state.query, page: { offset: state.perfOffset, limit: PERF_PAGE } });
    renderTables();
  } catch (error) {
    showError(`The campaigns could not be paged: ${error.message}`);
  }
}

$('export').addEventListener('click', async () => {
  try {
    const csv = await call('exportCsv', { name: state.tab, query: state.query });
    download(new Blob([csv], { type: 'text/csv' }), `${state.tab}.csv`);
  } catch (error) {
    showError(`The export failed: ${error.message}`);
  }
});
$('download-rejects').addEventListener('click', async () => {
  const csv = await call('rejectsCsv');
  download(new Blob([csv], { type: 'text/csv' }), 'rejected_rows.csv');
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
  try {
    addReports(await call('sample', { tenants: 8, campaignsPerTenant: 1500, seed: 42 }));
    await refresh();
  } catch (error) {
    showError(`The sample data could not be generated: ${error.message}`);
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
    showError(`${url} answered ${response.status} ${response.statusText}: nothing was loaded.`);
    return;
  }
  const name = decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() || new URL(url).host);
  await loadFiles([new File([await response.arrayBuffer()], name.includes('.') ? name : `${name}.json`)]);
});

// The main thread draws with the engine too (canvases live here).
init().then(async () => {
  $('version').textContent = `v${await call('version')}`;
  document.body.dataset.ready = 'true';
}).catch((error) => showError(`The engine failed to load (${error.message}). Build it with “make wasm” or start the page with “make serve”.`));
