// Files in: dropped, picked, fetched from a URL or generated as a sample, streamed to
// the engine a slice at a time with a progress bar and Cancel; each file's load report
// as a card; the rejected rows and the Parquet export as downloads; the warehouse kept
// in this browser (restored when the page opens, forgotten on request); and the start
// page's list of the files it reads, from the engine's table declarations.
import { tableShapes } from './pkg/bi_platform.js';
import { $, announce, download, el, showError } from './dom.js';
import { bytes, whole } from './format.js';
import { call } from './engine.js';
import { SKIP, clientFor, forgetClients } from './clients.js';
import { selected } from './query.js';

const CHUNK = 4 * 1024 * 1024;
// What to do about a file the engine refused (its own message says what was wrong).
const NEXT_STEP = 'Fix the file and drop it again; “Files it reads”, under the drop zone, lists the columns each kind of file needs.';
const quoted = (names) => names.map((n) => `“${n}”`).join(', ');

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

// A table's name for people ("Sales targets"), from the engine's table declarations.
const tableLabel = (table) => tableShapes().find((t) => t.table === table)?.label || table;

// Where an ad platform's export came from: the platform, its client (and how the page
// knows it) and the currency of its money columns.
function sourceNote(source, how) {
  const client = source.tenant
    ? `Client ${source.tenant} (${how === 'remembered' ? 'remembered for this account' : 'chosen for this file'})`
    : `Client from its ${source.tenant_from}`;
  const money = source.currencies.length ? ` · Money in ${source.currencies.join(', ')}` : '';
  return el('p', { class: 'source' }, el('strong', { text: `${source.platform} export` }), ` · ${client}${money}`);
}

function reportCard(r) {
  const card = el('article', { class: `report card${r.error ? ' failed' : ''}` });
  card.append(el('header', {},
    el('strong', { class: 'file', text: r.file }),
    el('span', { class: `badge${r.error ? ' bad' : ''}`, text: r.error ? 'Not loaded' : tableLabel(r.table) })));
  if (r.error) {
    card.append(el('p', { class: 'error-text', text: r.error }));
    return card;
  }
  if (r.unchanged_from) {
    card.append(el('p', { class: 'muted', text: `Same content as ${r.unchanged_from}, already loaded: nothing changed.` }));
    return card;
  }
  if (r.sheets) card.append(el('p', { class: 'muted', text: `Sheets: ${r.sheets.join(', ')}` }));
  if (r.source) card.append(sourceNote(r.source, r.clientHow));
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
}

/**
 * The files, given `loaded()` (files came in or went: compute the view again) and
 * `forgotten()` (every file forgotten: back to the empty page). Returns `{reports(),
 * hasData(), restore(), forget(), kept(message), rows(message), offerSamples()}`.
 */
export function createFiles({ loaded, forgotten }) {
  // The load reports shown, in order; the file being loaded ({name, cancelled}: Cancel
  // applies to it only) and the names of those waiting behind it; the loads in order.
  let reports = [];
  let current = null;
  const waiting = [];
  let queue = Promise.resolve();

  function renderReports() {
    $('files').hidden = reports.length === 0;
    $('download-rejects').hidden = !reports.some((r) => r.rows_rejected > 0);
    $('reports').replaceChildren(...reports.map(reportCard));
  }

  function addReports(list) {
    for (const r of list) {
      reports.push(r);
      if (r.error) showError(`“${r.file}” could not be loaded: ${r.error}. Data already loaded is unchanged. ${NEXT_STEP}`);
    }
    renderReports();
  }

  // Files load one at a time, in the order dropped. Cancel stops the file being loaded
  // (nothing of it is added, up to the moment it is being added to the warehouse, when
  // the button is disabled); the files queued behind it, from the same drop or a later
  // one, still load, and the cancel message says which.
  function loadFiles(files) {
    const list = [...files];
    if (!list.length) return queue;
    waiting.push(...list.map((f) => f.name));
    queue = queue.then(async () => {
      for (const file of list) {
        waiting.shift();
        // An ad platform's export naming no client: asked for before it loads.
        const client = await clientFor(file);
        if (client === SKIP) continue;
        await streamFile(file, client);
      }
      await loaded();
    });
    return queue;
  }

  async function cancelled(file) {
    await call('cancel');
    showError(`Loading ${file.name} was cancelled; nothing from it was added.`
      + (waiting.length ? ` Cancel stops only that file: ${waiting.length === 1 ? 'the file' : `the ${waiting.length} files`} queued after it (${quoted(waiting)}) still ${waiting.length === 1 ? 'loads' : 'load'}.` : ''));
  }

  async function streamFile(file, client = null) {
    const loading = { name: file.name, cancelled: false };
    current = loading;
    $('cancel').disabled = false;
    $('progress').hidden = false;
    $('progress-label').textContent = `Loading ${file.name}`;
    // A queued file starts from zero, not from the previous file's figures.
    $('progress-bar').value = 0;
    $('progress-detail').textContent = `0 KB of ${bytes(file.size)}`;
    announce(`Loading ${file.name}, ${bytes(file.size)}.`);
    const started = performance.now();
    try {
      await call('begin', { name: file.name, total: file.size, tenant: client?.client });
      let progress = { bytes: 0, rows: 0 };
      // Announced at each quarter of the file (the bar itself moves every slice).
      let quarter = 0;
      // The next slice is read from the file while the engine takes this one.
      let next = file.slice(0, CHUNK).arrayBuffer();
      for (let offset = 0; offset < file.size; offset += CHUNK) {
        if (loading.cancelled) return await cancelled(file);
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
      if (loading.cancelled) return await cancelled(file);
      $('progress-label').textContent = `Checking ${file.name}`;
      // The last answers of the parsing workers count in how the file was read.
      const ended = await call('end');
      if (ended && ended.bytes != null) progress = ended;
      if (loading.cancelled) return await cancelled(file);
      // From here the file is being added: too late to cancel, and the button says so.
      $('progress-label').textContent = `Adding ${file.name}`;
      $('cancel').disabled = true;
      $('cancel').title = 'Too late to cancel: the file is being added';
      const added = await call('commit');
      const note = readingNote(file, progress);
      for (const r of added) {
        if (note && !r.error && !r.unchanged_from) r.reading = note;
        if (client) r.clientHow = client.how;
      }
      addReports(added);
      const ok = added.filter((r) => !r.error);
      if (ok.length) {
        const rows = ok.reduce((n, r) => n + r.rows_loaded, 0);
        const rejected = ok.reduce((n, r) => n + r.rows_rejected, 0);
        announce(`${file.name} loaded: ${whole.format(rows)} rows${rejected ? `, ${whole.format(rejected)} rejected (see its report)` : ''}.`);
      }
    } catch (error) {
      showError(`${file.name} could not be loaded: ${error.message}. Data already loaded is unchanged. Try the file again; if it keeps failing, reload the page.`);
    } finally {
      current = null;
      $('cancel').disabled = false;
      $('cancel').title = '';
      $('progress').hidden = true;
    }
  }

  // After each load the worker keeps the warehouse in this browser (keep.js) and says
  // how it went; the status shows it next to "Forget all data".
  function kept({ kept: size, problem }) {
    const status = $('kept');
    status.hidden = false;
    status.classList.toggle('warn', problem != null);
    status.textContent = problem != null ? `Not kept in this browser: ${problem}` : `Kept in this browser · ${bytes(size)}`;
    window.__bi.kept = { kept: size, problem };
  }

  // A Parquet file is decoded a row group at a time when its bytes are in (worker.js,
  // parquet.js): the bar then counts rows.
  function rows({ file, done, total }) {
    $('progress-label').textContent = `Reading ${file}`;
    $('progress-bar').value = total ? done / total : 1;
    $('progress-detail').textContent = `${whole.format(done)} of ${whole.format(total)} rows`;
  }

  /** What was kept, back in the warehouse before the first chart. A snapshot that cannot
   *  be read (damaged, cut short, of another version) leaves the page empty and says so. */
  async function restore() {
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
    reports.push(...restored.reports);
    renderReports();
    kept(restored);
    await loaded();
    announce(`Restored from this browser: ${restored.reports.length === 1 ? 'one file' : `${restored.reports.length} files`}.`);
  }

  /** The start page's sample files to download (generated by the engine at the size of
   *  the seed files). */
  async function offerSamples() {
    const files = await call('sampleFiles', {});
    const links = { 'marketing_campaigns.csv': 'sample-campaigns', 'sales_targets.csv': 'sample-targets', 'customers.json': 'sample-customers' };
    for (const { name, bytes: data } of files) {
      const link = $(links[name]);
      if (link) link.href = URL.createObjectURL(new Blob([data], { type: name.endsWith('.json') ? 'application/json' : 'text/csv' }));
    }
  }

  // What each kind of file holds, from the engine's table declarations.
  $('shapes').replaceChildren(...tableShapes().flatMap(({ label, required, optional }) => [
    el('dt', { text: label }),
    el('dd', {}, 'Needs ', el('code', { text: required.join(', ') }),
      optional.length ? '; may have ' : '', optional.length ? el('code', { text: optional.join(', ') }) : null,
      '. Any other column is kept and listed in the file’s report.'),
  ]));

  // --- Inputs ---------------------------------------------------------------------------
  const zone = $('dropzone');
  const dropped = (files) => {
    window.__bi.dropAt = performance.now();
    window.__bi.firstChartAt = null;
    loadFiles(files);
  };
  for (const type of ['dragenter', 'dragover']) {
    zone.addEventListener(type, (e) => { e.preventDefault(); zone.classList.add('over'); });
    document.addEventListener(type, (e) => e.preventDefault());
  }
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const files = e.dataTransfer && e.dataTransfer.files;
    if (files && files.length) dropped(files);
  });
  $('pick-files').addEventListener('click', () => $('file-input').click());
  $('file-input').addEventListener('change', (e) => {
    dropped(e.target.files);
    e.target.value = '';
  });
  $('cancel').addEventListener('click', () => {
    if (!current || current.cancelled) return;
    current.cancelled = true;
    // A slice may be on its way to the engine: say at once that the cancel was taken.
    $('progress-label').textContent = `Cancelling ${current.name}…`;
  });
  $('sample').addEventListener('click', async () => {
    $('sample').disabled = true;
    announce('Generating and loading sample data.');
    try {
      const added = await call('sample', { tenants: 8, campaignsPerTenant: 1500, seed: 42 });
      addReports(added);
      await loaded();
      announce(`Sample data loaded: ${added.map((r) => `${r.file}, ${whole.format(r.rows_loaded)} rows`).join('; ')}.`);
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

  // --- Downloads and forgetting ----------------------------------------------------------
  $('download-rejects').addEventListener('click', async () => {
    try {
      const csv = await call('rejectsCsv');
      download(new Blob([csv], { type: 'text/csv' }), 'rejected_rows.csv');
    } catch (error) {
      showError(`The rejected rows could not be exported: ${error.message}. Try again, or reload the page.`);
    }
  });
  // One zip of Parquet files, one per table, under the tenant picker's scope.
  $('export-parquet').addEventListener('click', async () => {
    const button = $('export-parquet');
    button.disabled = true;
    announce('Exporting the tables as Parquet…');
    try {
      const zip = await call('exportParquet', { tenants: selected('tenants') });
      download(new Blob([zip], { type: 'application/zip' }), 'warehouse-parquet.zip');
      announce(`warehouse-parquet.zip downloaded (${bytes(zip.byteLength)}).`);
      window.__bi.parquetExports = (window.__bi.parquetExports || 0) + 1;
    } catch (error) {
      showError(`The Parquet export failed: ${error.message}. Try again; if it fails again, reload the page.`);
    } finally {
      button.disabled = false;
    }
  });
  $('forget').addEventListener('click', async () => {
    if (current) {
      showError('A file is loading: wait for it (or cancel it), then forget all data.');
      return;
    }
    if (!window.confirm('Forget all data? Every loaded file, its reports, the recent SQL queries and the clients chosen for ad-platform exports are removed from this page and from this browser’s storage. The files themselves are not touched.')) return;
    try {
      await call('forget');
      forgetClients();
      reports = [];
      renderReports();
      $('kept').hidden = true;
      forgotten();
      $('pick-files').focus();
      announce('All data forgotten: nothing is kept in this browser.');
    } catch (error) {
      showError(`The data could not be forgotten: ${error.message}. Reload the page and try again.`);
    }
  });

  return {
    reports: () => reports,
    hasData: () => reports.some((r) => r.rows_loaded > 0 || r.unchanged_from),
    restore,
    kept,
    rows,
    offerSamples,
  };
}
