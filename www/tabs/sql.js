// The SQL tab. The parser module (sql-extras.js) compiles the editor's text into plans
// in the engine's worker, and the engine runs them under the tenant picker's scope and
// keeps each statement's result: sorting by a column and paging are asked of the engine
// (`sqlPage`), so a result of a million rows never comes to the page whole. The editor
// is CodeMirror (sql-editor.js), loaded the first time the tab opens; the plain textarea
// does the job before, or if it cannot load.
import { $, announce, download, el, keepFocus, showError } from '../dom.js';
import { decimal, formatValue, isNumeric, whole } from '../format.js';
import { call, onEngineRestart, restartEngine } from '../engine.js';
import { draw } from '../charts.js';
import { tenantScope } from '../query.js';
import {
  clauseLines, installHistory, parserLoader, remember, renderExamples, renderHistory, renderSchema, sqlHistory,
} from './sql-extras.js';

// Rows shown per page of a query's result.
const SQL_PAGE = 100;
const errorText = (e) => (e.line != null ? `Line ${e.line}, column ${e.column}: ${e.message}` : e.message);

/**
 * The SQL tab, given `info` (the engine's dashboards), `selectTab(name)` and
 * `saveLink({replace})` (the view into the address). Returns `{open, afterView, text,
 * showLinkText, openInSql}`.
 */
// The SQL tab's time limit: seconds a statement may run before it is stopped (the
// field beside Run; kept in this browser), and the reason a stop carries.
const DEFAULT_TIME_LIMIT = 120;
const TIME_LIMIT_KEY = 'bi.sqlTimeLimit';
const TIMED_OUT = 'The query ran past the time limit.';

export function createSqlTab({ info, selectTab, saveLink }) {
  const parser = parserLoader();
  // A new engine (after a cancel or a trap) has no parser until it is handed one again.
  onEngineRestart(() => parser.forget());
  // The results shown (`results`, each {index, columns, types, rows, offset, total_rows,
  // ms, ...} or {error}), the text they are of, how each is sorted; `seq` counts the
  // runs asked (a later one overtakes); `running` is the run under way.
  const sql = { results: [], text: '', ran: false, sort: [], seq: 0, running: null };
  let editor = null;
  let editorLoad = null;
  let schema = null;
  let schemaKey = '';
  let saving;

  // The editor's text: CodeMirror's once it has loaded, the textarea's before.
  const text = () => (editor ? editor.text() : $('sql-text').value);
  function setText(value) {
    if (editor) editor.setText(value);
    else $('sql-text').value = value;
  }
  const use = (value) => { setText(value); run(); };

  // The text typed is saved in the address after a pause.
  function saveSoon() {
    clearTimeout(saving);
    saving = setTimeout(() => saveLink({ replace: true }), 400);
  }

  function ensureEditor() {
    editorLoad ||= import('../sql-editor.js')
      .then(({ createSqlEditor }) => createSqlEditor({
        textarea: $('sql-text'), labelId: 'sql-label', schema, onRun: () => run(), onChange: saveSoon,
      }))
      .then((loaded) => {
        const hadFocus = document.activeElement === $('sql-text');
        editor = loaded;
        // For tests: the editor's text and caret.
        window.__bi.sqlEditor = { text: editor.text, caret: editor.caret };
        document.body.dataset.sqlEditor = 'ready';
        if (hadFocus) editor.focus();
      })
      .catch((error) => {
        document.body.dataset.sqlEditor = 'textarea';
        console.warn(`The SQL editor could not load (${error.message}); the plain text box stays.`);
      });
    return editorLoad;
  }

  async function showSchema() {
    const changed = await renderSchema(schemaKey);
    if (!changed) return;
    ({ schema, key: schemaKey } = changed);
    editor?.setSchema(schema);
  }

  function open() {
    if (!$('sql-examples').querySelector('button')) {
      renderHistory();
      // The last query comes back into an empty editor.
      if (!text().trim() && sqlHistory().length) setText(sqlHistory()[0]);
    }
    renderExamples(use, info);
    showSchema().catch((error) => showError(`The SQL tables could not be listed: ${error.message}. Reload the page.`));
    ensureEditor();
    parser.ensure().catch((error) => showError(`SQL is not available: ${error.message}.`));
  }

  // The error's position: underlined in the editor with the caret there.
  function markError(error, focus = true) {
    if (editor) { editor.markError(error, focus); return; }
    const box = $('sql-text');
    const lines = box.value.split('\n');
    let at = 0;
    for (let i = 0; i < Math.min(error.line - 1, lines.length); i++) at += lines[i].length + 1;
    at = Math.min(box.value.length, at + Math.max(0, error.column - 1));
    if (focus) box.focus();
    box.setSelectionRange(at, Math.min(box.value.length, at + 1));
  }

  const message = (words) => $('sql-results').replaceChildren(el('p', { class: 'muted', text: words }));

  // A query runs in the worker; Cancel (shown while it runs) replaces the worker and
  // restores the warehouse from what this browser keeps (keep.js), so a long query never
  // holds the page.
  async function run(query = text()) {
    if (!query.trim()) {
      message('Type a query first, or press one of the examples.');
      return;
    }
    const seq = ++sql.seq;
    const scope = tenantScope();
    // The query run is the one the address keeps (not a text still waiting to be saved).
    clearTimeout(saving);
    saveLink({ replace: true });
    $('sql-results').setAttribute('aria-busy', 'true');
    editor?.clearError();
    editor?.closePopups();
    const started = performance.now();
    const showCancel = setTimeout(() => { if (seq === sql.seq && sql.running) $('sql-cancel').hidden = false; }, 250);
    // The time limit (beside Run): a statement running longer is stopped as Cancel does.
    const limit = timeLimit();
    const stop = setTimeout(() => { if (sql.running === seq) cancel({ timedOut: limit }); }, limit * 1000);
    try {
      await parser.ensure();
      sql.running = seq;
      const results = await call('sql', { text: query, query: scope, nowMs: Date.now(), limit: SQL_PAGE });
      if (seq !== sql.seq) return;
      Object.assign(sql, { results, text: query, ran: true, sort: results.map(() => null) });
      remember(query);
      $('sql-results').dataset.tenants = JSON.stringify(scope.tenants);
      if (!results.length) message('The text holds no statement: only blanks or comments.');
      else renderResults();
      window.__bi.sqlRuns++;
      const failed = results.filter((r) => r.error);
      if (failed.length) announce(`${failed.length === results.length ? 'The query' : `${failed.length} of ${results.length} statements`} failed: ${errorText(failed[0].error)}.`);
      else if (results.length) announce(results.map((r) => `${whole.format(r.total_rows)} ${r.total_rows === 1 ? 'row' : 'rows'}`).join(', ') + ` in ${decimal.format(results.reduce((t, r) => t + r.ms, 0))} ms.`);
    } catch (error) {
      if (seq !== sql.seq) return;
      if (error.cancelled && error.message === TIMED_OUT) {
        message(`Stopped after ${decimal.format((performance.now() - started) / 1000)} s, past the time limit of ${whole.format(limit)} s (beside Run). The data is back as it was; narrow the query, or raise the limit.`);
        window.__bi.sqlRuns++;
      } else if (error.cancelled) {
        message(`Cancelled after ${decimal.format((performance.now() - started) / 1000)} s. The data is back as it was; change the query and run it again.`);
        window.__bi.sqlRuns++;
      } else showError(`The query could not run: ${error.message}.`);
    } finally {
      clearTimeout(showCancel);
      clearTimeout(stop);
      if (seq === sql.seq) {
        sql.running = null;
        $('sql-cancel').hidden = true;
        $('sql-results').removeAttribute('aria-busy');
      }
    }
  }

  // Explain: how each statement runs (the scope, the plan, each operator's path and
  // rows), as text in place of the results.
  async function explain(query = text()) {
    if (!query.trim()) {
      message('Type a query first, or press one of the examples.');
      return;
    }
    const seq = ++sql.seq;
    $('sql-results').setAttribute('aria-busy', 'true');
    try {
      await parser.ensure();
      const explained = await call('sqlExplain', { text: query, query: tenantScope(), nowMs: Date.now() });
      if (seq !== sql.seq) return;
      const many = explained.length > 1;
      $('sql-results').replaceChildren(...explained.map((r, i) => el('section', { class: 'sql-explained' },
        el('h4', { text: many ? `Plan of statement ${i + 1}` : 'Plan' }),
        r.error ? el('p', { class: 'error-text', text: errorText(r.error) }) : el('pre', { class: 'sql-plan', 'data-sql-plan': String(i), tabindex: '0', text: r.text }))));
      if (!explained.length) message('The text holds no statement: only blanks or comments.');
      window.__bi.sqlRuns++;
      announce(explained.some((r) => r.error) ? 'The plan could not be made for every statement.' : 'The plan is shown below the editor.');
    } catch (error) {
      if (seq === sql.seq) showError(`The query could not be explained: ${error.message}.`);
    } finally {
      if (seq === sql.seq) $('sql-results').removeAttribute('aria-busy');
    }
  }

  // The time limit in seconds, from its field (kept in this browser).
  function timeLimit() {
    const seconds = Math.round(Number($('sql-time-limit').value));
    return seconds >= 1 ? Math.min(seconds, 3600) : DEFAULT_TIME_LIMIT;
  }

  // Stops the statement running: the worker replaced (engine.js says why not a flag),
  // then the data this browser keeps restored in the new one.
  async function cancel({ timedOut = null } = {}) {
    if (!sql.running) return;
    const focusRun = document.activeElement === $('sql-cancel');
    sql.running = null;
    $('sql-cancel').hidden = true;
    $('sql-loading').textContent = timedOut ? 'Past the time limit: restarting the engine…' : 'Cancelling: restarting the engine…';
    restartEngine(timedOut ? TIMED_OUT : 'The query was cancelled.');
    if (focusRun) $('sql-run').focus();
    parser.forget();
    try {
      // The new worker starts empty: what this browser keeps goes back in, then the parser.
      const restored = await call('restore');
      if (restored.problem) showError(`The data could not be restored after the cancel: ${restored.problem}. Load the files again.`);
      await parser.ensure();
      announce(timedOut ? `Query stopped after the time limit of ${timedOut} s.` : 'Query cancelled.');
    } catch (error) {
      showError(`The engine could not restart after the cancel: ${error.message}. Reload the page.`);
    } finally {
      $('sql-loading').textContent = '';
    }
  }

  function resultTable(r, i, title) {
    const types = r.types || r.columns.map(() => ({ type: 'text' }));
    const num = (j) => (isNumeric(types[j].type) ? 'num' : '');
    const s = sql.sort[i];
    const head = el('tr', {}, ...r.columns.map((c, j) => {
      const th = el('th', { scope: 'col', class: num(j), 'aria-sort': s?.column === j ? (s.desc ? 'descending' : 'ascending') : 'none' });
      th.append(el('button', {
        type: 'button', class: 'sort', 'data-key': `sql-sort:${i}:${j}`, title: `${types[j].type}`,
        text: c + (s?.column === j ? (s.desc ? ' ▼' : ' ▲') : ''),
        onclick: () => sortBy(i, j),
      }));
      return th;
    }));
    const body = el('tbody', {}, ...r.rows.map((row) => el('tr', {}, ...row.map((v, j) => el('td', { class: num(j), text: formatValue(types[j].type, v) })))));
    const pager = el('div', { class: 'pager' }, el('span', { class: 'muted', text: r.total_rows ? `Rows ${whole.format(r.offset + 1)}–${whole.format(r.offset + r.rows.length)} of ${whole.format(r.total_rows)} · ${decimal.format(r.ms)} ms` : `No rows · ${decimal.format(r.ms)} ms` }));
    if (r.total_rows > SQL_PAGE) {
      const prev = el('button', { type: 'button', class: 'ghost small', text: '← Previous', 'data-key': `sql-prev:${i}`, onclick: () => turn(i, -1) });
      const next = el('button', { type: 'button', class: 'ghost small', text: 'Next →', 'data-key': `sql-next:${i}`, onclick: () => turn(i, 1) });
      prev.disabled = r.offset === 0;
      next.disabled = r.offset + SQL_PAGE >= r.total_rows;
      pager.append(prev, next);
    }
    pager.append(el('button', { type: 'button', class: 'ghost small open-sql', text: 'Export CSV', 'aria-label': `Export CSV: ${title.toLowerCase()}`, 'data-key': `sql-csv:${i}`, onclick: () => exportCsv(i) }));
    return [el('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': `${title}, as a table`, 'data-key': `sql-scroll:${i}` },
      el('table', { 'data-sql-result': String(i) }, el('thead', {}, head), body)), pager];
  }

  function renderResults() {
    const many = sql.results.length > 1;
    const charts = [];
    keepFocus(() => $('sql-results').replaceChildren(...sql.results.map((r, i) => {
      const title = many ? `Statement ${i + 1}` : 'Result';
      const box = el('section', { class: 'sql-result', 'data-statement': String(i), 'aria-label': title }, el('h5', { text: title }));
      if (r.error) {
        box.append(el('div', { class: 'sql-error', 'data-sql-error': '' },
          el('p', {}, el('strong', { text: errorText(r.error) })),
          el('p', { text: `Fix the query ${r.error.line != null ? 'there' : ''} and run it again (Ctrl+Enter). The tables and their columns are listed beside the editor; SQLite’s read-only SELECT is what runs here.` }),
          r.error.line != null ? el('button', { type: 'button', class: 'ghost small', 'data-key': `sql-goto:${i}`, text: `Go to line ${r.error.line}, column ${r.error.column}`, onclick: () => markError(r.error) }) : null));
        return box;
      }
      box.append(...resultTable(r, i, title));
      // The result drawn by the engine (bar or line from the columns' types), when it
      // has something numeric to draw.
      if (r.chart) {
        const caption = el('figcaption', { class: 'chart-summary', id: `sql-chart-summary-${i}`, text: r.chart.summary });
        const canvas = el('canvas', { role: 'img', 'aria-label': r.chart.title, 'aria-describedby': caption.id, 'data-sql-chart': String(i) });
        box.append(el('figure', { class: 'chart card sql-chart', 'aria-label': `Chart: ${r.chart.title}` }, canvas, caption));
        charts.push({ canvas, chart: r.chart });
      }
      return box;
    })));
    for (const entry of charts) draw(entry);
    const error = sql.results.find((r) => r.error && r.error.line != null);
    // The first error's position is marked in the editor (without taking the focus).
    if (error && text() === sql.text) markError(error.error, false);
  }

  // Result `index` again from the engine, as `page` asks (`sort` and `descending` as it
  // is sorted); its time stays the run's.
  async function showPage(index, offset, s) {
    const page = { offset, limit: SQL_PAGE, sort: s?.column ?? null, descending: !!s?.desc };
    const result = await call('sqlPage', { index, page });
    sql.results[index] = { ...result, ms: sql.results[index].ms };
  }

  // Sorting a result sorts all its rows (in the engine), not only the page shown, in
  // SQLite's order (NULLs first ascending, last descending); a second press reverses.
  async function sortBy(index, column) {
    const now = sql.sort[index];
    const s = { column, desc: now?.column === column ? !now.desc : false };
    try {
      await showPage(index, 0, s);
      sql.sort[index] = s;
      renderResults();
      announce(`Sorted by ${sql.results[index].columns[column]}, ${s.desc ? 'descending' : 'ascending'}.`);
    } catch (error) {
      showError(`The result could not be sorted: ${error.message}. Run the query again.`);
    }
  }

  async function turn(index, delta) {
    try {
      await showPage(index, Math.max(0, sql.results[index].offset + delta * SQL_PAGE), sql.sort[index]);
      renderResults();
    } catch (error) {
      showError(`The result could not be paged: ${error.message}. Run the query again.`);
    }
  }

  async function exportCsv(index) {
    try {
      const csv = await call('sqlCsv', { index });
      download(new Blob([csv], { type: 'text/csv' }), `query-${index + 1}.csv`);
      announce(`query-${index + 1}.csv downloaded.`);
    } catch (error) {
      showError(`The export failed: ${error.message}. Run the query again and export it.`);
    }
  }

  /** A dashboard's SQL, from the engine, into the editor (a line per clause), and run. */
  async function openInSql(name) {
    selectTab('sql');
    setText(clauseLines(info.find((d) => d.name === name).sql));
    (editor || $('sql-text')).focus();
    await run();
  }

  /** A link's SQL text into the editor: shown, never run for the user. */
  function showLinkText(value) {
    if (value == null || value === text()) return;
    setText(value);
    if (sql.ran) {
      Object.assign(sql, { ran: false, results: [], seq: sql.seq + 1 });
      message('The link’s query is in the editor: press Run to run it.');
    }
  }

  /** After each view: results follow the tenant picker and new data (the last query
   *  runs again), and the tables listing follows the data. */
  function afterView(tab) {
    if (sql.ran) run(sql.text);
    if (tab === 'sql') showSchema().catch(() => {});
  }

  $('sql-run').addEventListener('click', () => run());
  $('sql-explain').addEventListener('click', () => explain());
  $('sql-cancel').addEventListener('click', () => cancel());
  try {
    const kept = Number(localStorage.getItem(TIME_LIMIT_KEY));
    if (kept >= 1) $('sql-time-limit').value = String(kept);
  } catch { /* storage off: the default */ }
  $('sql-time-limit').addEventListener('change', () => {
    $('sql-time-limit').value = String(timeLimit());
    try { localStorage.setItem(TIME_LIMIT_KEY, String(timeLimit())); } catch { /* storage off: not kept */ }
  });
  // The textarea's own Ctrl/Cmd+Enter and typing, before the editor replaces it.
  $('sql-text').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      run();
    }
  });
  $('sql-text').addEventListener('input', saveSoon);
  installHistory(setText);
  return { open, afterView, text, showLinkText, openInSql };
}
