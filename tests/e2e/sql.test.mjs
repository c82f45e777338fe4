// End to end, the SQL tab: its parser module is fetched only when the tab first opens;
// a query's rows equal the engine's dashboard numbers; a syntax error says where it is;
// the tenant picker is a wall; "Open in SQL" gives a dashboard table's rows; keyboard
// only; no WCAG 2.2 A/AA violation on any of its states. Run by `make test` (after
// `make wasm`):   node --test tests/e2e/sql.test.mjs
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test, before, browser, loadSeed, shot, expectAccessible, SEED_SUMMARY as SUMMARY } from './harness.mjs';

const PARSER = 'pkg-sql/bi_platform_sql_bg.wasm';

const session = browser('sql', { viewport: { width: 1280, height: 900 }, downloads: true });
let page;
const requests = [];

before(async () => {
  session.context.on('request', (request) => requests.push(request.url()));
  page = await session.open();
});

after(() => assert.deepEqual(session.errors, [], 'uncaught errors in the page'));

const rowsOf = (selector) => page.$$eval(`${selector} tbody tr`, (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
const sqlRows = (i = 0) => rowsOf(`table[data-sql-result="${i}"]`);
const focused = () => page.evaluate(() => {
  const a = document.activeElement;
  return a ? { id: a.id, key: a.dataset.key || null, tab: a.dataset.tab || null, text: a.textContent.trim().slice(0, 40) } : null;
});
const editorText = () => page.evaluate(() => window.__bi.sqlEditor.text());
// Runs `text` with the Run button and waits for its results (a new run each time).
async function run(text) {
  await page.fill('#sql-text', text);
  const before = await page.evaluate(() => window.__bi.sqlRuns);
  await page.click('#sql-run');
  await page.waitForFunction((n) => window.__bi.sqlRuns > n, before, { timeout: 30_000 });
}

test('the parser module is fetched only when the SQL tab first opens; a query gives the dashboards\' numbers', async () => {
  await loadSeed(page);
  assert.ok(!requests.some((u) => u.includes('pkg-sql')), 'the SQL parser was fetched before the SQL tab opened');
  const dashboard = await rowsOf('table[data-dashboard="campaign_summary"]');

  // What the loading line says, from the first click on.
  await page.evaluate(() => {
    window.__loading = [];
    new MutationObserver(() => window.__loading.push(document.getElementById('sql-loading').textContent))
      .observe(document.getElementById('sql-loading'), { childList: true, characterData: true, subtree: true });
  });
  await page.click('#tab-sql');
  await page.waitForFunction(() => window.__loading.length && document.getElementById('sql-loading').textContent === '', null, { timeout: 30_000 });
  // The editor (CodeMirror, bundled at build time) comes with the tab, not before.
  await page.waitForSelector('body[data-sql-editor="ready"]', { timeout: 30_000 });
  assert.equal(requests.filter((u) => u.includes('pkg-editor/codemirror.js')).length, 1, 'the editor bundle is fetched once, when the tab opens');
  const loading = await page.evaluate(() => window.__loading);
  assert.ok(loading.some((t) => /^Loading the SQL parser… \(\d[\d,]* KB\)$/.test(t)), loading.join(' | '));
  assert.equal(requests.filter((u) => u.includes(PARSER)).length, 1, 'the parser is fetched once');
  // The schema lists the tables with their columns and types.
  const schema = await page.textContent('#sql-schema');
  for (const needle of ['fact_campaigns', 'dim_sales_targets', 'dim_date', 'revenue', 'REAL', 'INTEGER', 'TEXT']) {
    assert.ok(schema.includes(needle), `the schema lists ${needle}`);
  }
  await expectAccessible(page, 'SQL tab, parser loaded');

  await run('SELECT tenant_id, SUM(spend) AS spend, SUM(revenue) AS revenue\nFROM fact_campaigns GROUP BY tenant_id ORDER BY tenant_id');
  const rows = await sqlRows();
  assert.deepEqual(rows, Object.entries(SUMMARY).map(([t, [s, r]]) => [t, s, r]));
  // The same numbers as the dashboard table (tenant, spend, revenue columns).
  const header = await page.$$eval('table[data-dashboard="campaign_summary"] thead th', (t) => t.map((c) => c.textContent));
  const at = ['Tenant', 'Spend', 'Revenue'].map((h) => header.findIndex((c) => c.startsWith(h)));
  assert.deepEqual(rows, dashboard.map((r) => at.map((i) => r[i])));
  assert.match(await page.textContent('[data-statement="0"] .pager'), /Rows 1–3 of 3 · [\d.]+ ms/);
  await shot(page, 'sql');
  await expectAccessible(page, 'SQL tab, a result');

  // Opening the tab again fetches nothing more.
  await page.click('#tab-campaign_summary');
  await page.click('#tab-sql');
  assert.equal(requests.filter((u) => u.includes(PARSER)).length, 1);
});

test('a syntax error shows its line and column and puts the caret there; one failing statement does not stop the others', async () => {
  await run('SELECT tenant_id,\n  SUM(revenue FROM fact_campaigns');
  const error = await page.textContent('[data-sql-error]');
  const [, line, column] = error.match(/Line (\d+), column (\d+)/) || [];
  assert.equal(line, '2', error);
  assert.ok(Number(column) > 1, error);
  assert.match(error, /Fix the query there and run it again/);
  const caret = await page.evaluate(() => window.__bi.sqlEditor.caret());
  assert.equal(caret, 'SELECT tenant_id,\n'.length + Number(column) - 1, 'the caret is at the error');
  await expectAccessible(page, 'SQL tab, a syntax error');

  // Several statements: each its own result; an unknown name says where, by line.
  await run('SELECT COUNT(*) AS n FROM fact_campaigns;\nSELECT nope\n  FROM fact_campaigns;\nSELECT COUNT(*) AS targets FROM dim_sales_targets');
  assert.deepEqual(await sqlRows(0), [['300']]);
  assert.match(await page.textContent('[data-statement="1"] [data-sql-error]'), /^Line 2, column \d+: .*nope/);
  assert.deepEqual(await sqlRows(2), [['720']]);
  // "Go to line …" moves the focus and caret to the error.
  await page.click('[data-statement="1"] [data-sql-error] button');
  assert.equal((await focused()).id, 'sql-text');
  await shot(page, 'sql-error');
  await expectAccessible(page, 'SQL tab, several statements, one failing');

  // Writes are refused.
  await run('DELETE FROM fact_campaigns');
  assert.match(await page.textContent('[data-sql-error]'), /DELETE|read-only|not supported/i);
});

test('a tenant-scoped run never shows another tenant\'s rows, and results follow the picker', async () => {
  await run('SELECT tenant_id, COUNT(*) AS rows_ FROM fact_campaigns GROUP BY 1 ORDER BY 1');
  assert.equal((await sqlRows()).length, 3);
  await page.click('#tenant-filter summary');
  await page.check('#tenant-filter input[value="tenant_002"]');
  await page.click('h1');
  // The last query runs again under the new scope.
  await page.waitForFunction(() => document.getElementById('sql-results').dataset.tenants === '["tenant_002"]', null, { timeout: 30_000 });
  assert.deepEqual(await sqlRows(), [['tenant_002', '100']]);

  // Every table, dimension and subquery stops at the scope.
  await run(`SELECT tenant_id FROM dim_tenant
UNION SELECT tenant_id FROM fact_campaigns
UNION SELECT tenant_id FROM dim_sales_targets
UNION SELECT (SELECT MAX(tenant_id) FROM fact_campaigns)
UNION SELECT CAST((SELECT COUNT(DISTINCT tenant_id) FROM fact_campaigns) AS TEXT)`);
  const text = await page.textContent('#sql-results');
  assert.deepEqual(await sqlRows(), [['1'], ['tenant_002']]);
  for (const other of ['tenant_001', 'tenant_003', ...SUMMARY.tenant_001, ...SUMMARY.tenant_003]) {
    assert.ok(!text.includes(other), `the SQL results show ${other}`);
  }
  await run('SELECT SUM(spend), SUM(revenue) FROM fact_campaigns');
  assert.deepEqual(await sqlRows(), [SUMMARY.tenant_002]);
  await expectAccessible(page, 'SQL tab, one tenant');
  await page.click('#reset');
  await page.waitForFunction(() => document.getElementById('sql-results').dataset.tenants === '"all"', null, { timeout: 30_000 });
});

test('"Open in SQL" from a dashboard gives the same rows as its table', async () => {
  for (const name of ['campaign_summary', 'target_vs_actual', 'channel_mix']) {
    await page.click(`#tab-${name}`);
    const dashboard = await rowsOf(`table[data-dashboard="${name}"]`);
    const pager = await page.textContent(`[data-panel="${name}"] .pager span`);
    const before = await page.evaluate(() => window.__bi.sqlRuns);
    await page.click(`[data-key="open-sql:${name}"]`);
    await page.waitForFunction((n) => window.__bi.sqlRuns > n, before, { timeout: 30_000 });
    assert.equal(await page.getAttribute('#tab-sql', 'aria-selected'), 'true');
    assert.equal((await focused()).id, 'sql-text', 'the editor has the focus');
    assert.match(await editorText(), /^SELECT /);
    assert.ok(dashboard.length > 0);
    assert.deepEqual(await sqlRows(), dashboard, `${name}: the SQL rows are the dashboard's`);
    const total = pager.match(/of ([\d,]+)/)[1];
    assert.match(await page.textContent('[data-statement="0"] .pager'), new RegExp(`of ${total} `), name);
  }
  await expectAccessible(page, 'SQL tab, a dashboard opened in SQL');
});

test('keyboard only: the SQL tab, the editor, Ctrl+Enter, paging and export', async () => {
  await page.click('#tab-campaign_summary');
  await page.focus('#tab-campaign_summary');
  // The SQL tab is the last tab: End selects it.
  await page.keyboard.press('End');
  assert.equal((await focused()).tab, 'sql');
  assert.equal(await page.getAttribute('#tab-sql', 'tabindex'), '0');
  assert.equal(await page.isHidden('#panel-sql'), false);
  // Next Tab stop: the editor (the dashboards' Export is for dashboards only).
  await page.keyboard.press('Tab');
  assert.equal((await focused()).id, 'sql-text');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type('SELECT tenant_id, campaign_id, date, revenue FROM fact_campaigns ORDER BY date, tenant_id, campaign_id');
  const before = await page.evaluate(() => window.__bi.sqlRuns);
  await page.keyboard.press('Control+Enter');
  await page.waitForFunction((n) => window.__bi.sqlRuns > n, before, { timeout: 30_000 });
  assert.equal((await focused()).id, 'sql-text', 'Ctrl+Enter runs and keeps the focus in the editor');
  assert.equal(JSON.stringify(await editorText()), JSON.stringify('SELECT tenant_id, campaign_id, date, revenue FROM fact_campaigns ORDER BY date, tenant_id, campaign_id'), 'Ctrl+Enter adds no line');
  assert.match(await page.textContent('[data-statement="0"] .pager'), /Rows 1–100 of 300/);
  // Tab leaves the editor (no trap): Run, the examples, then the result.
  await page.keyboard.press('Tab');
  assert.equal((await focused()).id, 'sql-run');
  let f;
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    f = await focused();
    if (f.key === 'sql-next:0') break;
  }
  assert.equal(f.key, 'sql-next:0', 'Tab reaches the result\'s Next button');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /Rows 101–200 of 300/.test(document.querySelector('[data-statement="0"] .pager').textContent));
  assert.equal((await focused()).key, 'sql-next:0', 'the focus stays on Next');
  await page.keyboard.press('Tab');
  assert.equal((await focused()).key, 'sql-csv:0');
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  assert.equal(download.suggestedFilename(), 'query-1.csv');
  const csv = (await readFile(await download.path(), 'utf8')).trim().split('\r\n');
  assert.equal(csv[0], 'tenant_id,campaign_id,date,revenue');
  assert.equal(csv.length, 301, 'the export holds every row, not one page');
  assert.match(csv[1], /^tenant_00\d,[^,]+,\d{4}-\d\d-\d\d,\d+(\.\d+)?$/);
  // An example by keyboard: it fills the editor and runs.
  await page.focus('#sql-run');
  await page.keyboard.press('Tab');
  assert.equal((await focused()).id, 'sql-explain', 'Explain follows Run');
  await page.keyboard.press('Tab');
  assert.equal((await focused()).id, 'sql-time-limit', 'then the time limit');
  await page.keyboard.press('Tab');
  const example = await focused();
  assert.match(example.text, /Revenue by region per month/);
  const runs = await page.evaluate(() => window.__bi.sqlRuns);
  await page.keyboard.press('Enter');
  await page.waitForFunction((n) => window.__bi.sqlRuns > n, runs, { timeout: 30_000 });
  assert.match(await editorText(), /strftime\('%Y-%m', date\)/);
  assert.ok((await sqlRows()).length > 0);
  await expectAccessible(page, 'SQL tab, an example run');
  // A narrow window: nothing scrolls sideways.
  await page.setViewportSize({ width: 420, height: 800 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(wide <= 1, `the page scrolls sideways by ${wide}px`);
  await expectAccessible(page, 'SQL tab, narrow window');
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('the window examples run: top campaigns per tenant with RANK, a running total', async () => {
  for (const [name, check] of [
    ['Top 3 campaigns per tenant', (rows) => rows.length === 9 && rows.every((r) => ['1', '2', '3'].includes(r[3]))],
    ['Running revenue per tenant', (rows) => rows.length > 0],
    ['Revenue against target by quarter', (rows) => rows.length > 0],
  ]) {
    const runs = await page.evaluate(() => window.__bi.sqlRuns);
    await page.click(`#sql-examples button:text-is("${name}")`);
    await page.waitForFunction((n) => window.__bi.sqlRuns > n, runs, { timeout: 30_000 });
    assert.equal(await page.$('[data-sql-error]'), null, `${name}: ${await page.textContent('#sql-results')}`);
    assert.ok(check(await sqlRows()), `${name}: ${JSON.stringify((await sqlRows()).slice(0, 5))}`);
  }
});

test('results carry their types: years, money, ratios and counts formatted by type; the editor completes names and marks an error where it is', async () => {
  await run(`SELECT d.year AS y, f.tenant_id AS who, SUM(f.spend) AS s, AVG(f.roi) AS r, SUM(f.impressions) AS n
FROM fact_campaigns f JOIN dim_date d ON d.date = f.date GROUP BY 1, 2 ORDER BY 2`);
  const rows = await sqlRows();
  assert.equal(rows.length, 3);
  // The year is a code (no separator), spend money, the mean ROI a ratio, impressions a count.
  assert.deepEqual(rows.map((r) => r.slice(0, 3)), Object.entries(SUMMARY).map(([t, [s]]) => ['2024', t, s]));
  for (const r of rows) {
    assert.match(r[3], /^-?\d+\.\d\d%$/, `a ratio as a percentage: ${r[3]}`);
    assert.match(r[4], /^\d{1,3}(,\d{3})+$/, `a count with separators: ${r[4]}`);
  }
  const numeric = await page.$$eval('table[data-sql-result="0"] thead th', (t) => t.map((c) => c.classList.contains('num')));
  assert.deepEqual(numeric, [false, false, true, true, true], 'numbers by type are right-aligned');

  // An unknown name: underlined in the editor where it is, the caret there.
  await run('SELECT tenant_id\nFROM fact_campaigns WHERE nope > 1');
  assert.match(await page.textContent('[data-sql-error]'), /^Line 2, column \d+: .*nope/);
  await page.waitForSelector('.cm-lintRange-error');
  assert.equal((await page.textContent('.cm-lintRange-error')).trim(), 'nope');
  const caret = await page.evaluate(() => window.__bi.sqlEditor.caret());
  assert.equal((await editorText()).slice(caret, caret + 4), 'nope');
  await expectAccessible(page, 'SQL tab, an error marked in the editor');

  // Completion of table and column names from the warehouse's schema.
  await page.focus('#sql-text');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type('SELECT * FROM fact_ca');
  await page.waitForSelector('.cm-tooltip-autocomplete', { timeout: 10_000 });
  assert.match(await page.textContent('.cm-tooltip-autocomplete'), /fact_campaigns/);
  // CodeMirror takes Enter as "accept" only once the list has been open for its
  // interaction delay (75 ms), so a fast typist's Enter is not swallowed.
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
  assert.equal(JSON.stringify(await editorText()), JSON.stringify('SELECT * FROM fact_campaigns'), 'Enter takes the completion');
  await page.keyboard.type(' WHERE perf');
  await page.waitForSelector('.cm-tooltip-autocomplete', { timeout: 10_000 });
  assert.match(await page.textContent('.cm-tooltip-autocomplete'), /performance_category/);
  await page.keyboard.press('Escape');
  await shot(page, 'sql-completion');
});

test('sorting a result sorts all its rows by the column\'s type; a second press reverses; by keyboard too', async () => {
  await run('SELECT MIN(spend) AS low, MAX(spend) AS high FROM fact_campaigns');
  const [[low, high]] = await sqlRows();
  await run('SELECT campaign_id, spend FROM fact_campaigns');
  assert.match(await page.textContent('[data-statement="0"] .pager'), /of 300/);
  const spends = async () => (await sqlRows()).map((r) => Number(r[1].replace(/,/g, '')));
  await page.click('[data-key="sql-sort:0:1"]');
  await page.waitForSelector('table[data-sql-result="0"] th[aria-sort="ascending"]');
  let values = await spends();
  assert.equal(values.length, 100);
  assert.deepEqual(values, [...values].sort((a, b) => a - b));
  assert.equal((await sqlRows())[0][1], low, 'the first row is the smallest of all 300, not of the page');
  // Enter on the focused header reverses.
  await page.focus('[data-key="sql-sort:0:1"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('table[data-sql-result="0"] th[aria-sort="descending"]');
  values = await spends();
  assert.deepEqual(values, [...values].sort((a, b) => b - a));
  assert.equal((await sqlRows())[0][1], high);
  assert.equal((await focused()).key, 'sql-sort:0:1', 'the focus stays on the header');
  // The next page continues the order.
  await page.click('[data-key="sql-next:0"]');
  await page.waitForFunction(() => /Rows 101–200/.test(document.querySelector('[data-statement="0"] .pager').textContent));
  const next = await spends();
  assert.ok(next[0] <= values[99], 'page 2 continues the sorted order');
  await expectAccessible(page, 'SQL tab, a sorted result');
});

test('a chart of the result, drawn by the engine: a line over dates, bars over names, none without numbers', async () => {
  await run('SELECT date, SUM(revenue) AS revenue, SUM(spend) AS spend FROM fact_campaigns GROUP BY date ORDER BY date');
  await page.waitForSelector('canvas[data-sql-chart="0"]');
  assert.match(await page.getAttribute('canvas[data-sql-chart="0"]', 'aria-label'), /^Revenue, Spend by date$/);
  assert.match(await page.textContent('#sql-chart-summary-0'), /peaked/);
  const inked = () => page.$eval('canvas[data-sql-chart="0"]', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] && (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200)) n++;
    return n;
  });
  assert.ok(await inked() > 1000, 'the line chart is drawn');
  await shot(page, 'sql-chart', { fullPage: true });
  await run('SELECT channel, SUM(revenue) / SUM(spend) - 1 AS roi FROM fact_campaigns GROUP BY 1 ORDER BY 1');
  await page.waitForSelector('canvas[data-sql-chart="0"]');
  assert.match(await page.textContent('#sql-chart-summary-0'), /%/, 'a ratio is charted in percent');
  assert.ok(await inked() > 1000, 'the bars are drawn');
  await expectAccessible(page, 'SQL tab, a chart');
  await run('SELECT DISTINCT tenant_id FROM fact_campaigns');
  assert.equal(await page.$('canvas[data-sql-chart]'), null, 'nothing numeric, no chart');
});

test('a long query can be cancelled: the worker is replaced, the data restored, the page never freezes', async () => {
  const long = `SELECT COUNT(*) FROM fact_campaigns a
WHERE (SELECT COUNT(*) FROM fact_campaigns b, fact_campaigns c WHERE b.clicks + c.clicks > a.clicks) > 0`;
  await page.fill('#sql-text', long);
  const runs = await page.evaluate(() => window.__bi.sqlRuns);
  await page.click('#sql-run');
  await page.waitForSelector('#sql-cancel:not([hidden])', { timeout: 10_000 });
  // The page answers while the engine is busy.
  const t0 = Date.now();
  await page.click('#tab-campaign_summary');
  await page.click('#tab-sql');
  assert.ok(Date.now() - t0 < 2000, 'the page answers while the query runs');
  await page.click('#sql-cancel');
  await page.waitForFunction((n) => window.__bi.sqlRuns > n, runs, { timeout: 30_000 });
  assert.match(await page.textContent('#sql-results'), /Cancelled after [\d.]+ s/);
  assert.equal(await page.isHidden('#sql-cancel'), true);
  assert.equal((await focused()).id, 'sql-run', 'the focus goes back to Run');
  await page.waitForFunction(() => document.getElementById('sql-loading').textContent === '', null, { timeout: 30_000 });
  // The new worker holds the same data: a query and a dashboard both answer.
  await run('SELECT SUM(spend), SUM(revenue) FROM fact_campaigns WHERE tenant_id = \'tenant_002\'');
  assert.deepEqual(await sqlRows(), [SUMMARY.tenant_002]);
  await page.click('#tenant-filter summary');
  await page.check('#tenant-filter input[value="tenant_003"]');
  await page.click('h1');
  await page.waitForFunction(() => document.getElementById('sql-results').dataset.tenants === '["tenant_003"]', null, { timeout: 30_000 });
  await page.click('#reset');
  await page.waitForFunction(() => document.getElementById('sql-results').dataset.tenants === '"all"', null, { timeout: 30_000 });
  await expectAccessible(page, 'SQL tab, after a cancel');
});

test('the last queries are remembered across reloads', async () => {
  const older = 'SELECT COUNT(*) AS older FROM dim_sales_targets';
  const last = 'SELECT COUNT(*) AS remembered FROM fact_campaigns';
  await run(older);
  await run(last);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  await page.click('#tab-sql');
  await page.waitForSelector('body[data-sql-editor="ready"]', { timeout: 30_000 });
  assert.equal(await editorText(), last, 'the last query is back in the editor');
  const options = await page.$$eval('#sql-history option', (os) => os.map((o) => o.textContent));
  assert.equal(options[1], last);
  assert.equal(options[2], older);
  await page.selectOption('#sql-history', '1');
  await page.waitForFunction((q) => window.__bi.sqlEditor.text() === q, older);
  const runs = await page.evaluate(() => window.__bi.sqlRuns);
  await page.focus('#sql-text');
  await page.keyboard.press('Control+Enter');
  await page.waitForFunction((n) => window.__bi.sqlRuns > n, runs, { timeout: 30_000 });
  assert.deepEqual(await sqlRows(), [['720']]);
  await expectAccessible(page, 'SQL tab, recent queries');
});

test('Explain shows how a statement runs: the plan with columns by name and each operator\'s path', async () => {
  await page.fill('#sql-text', 'SELECT channel, SUM(spend) FROM fact_campaigns GROUP BY channel ORDER BY 2 DESC');
  const before = await page.evaluate(() => window.__bi.sqlRuns);
  await page.click('#sql-explain');
  await page.waitForFunction((n) => window.__bi.sqlRuns > n, before, { timeout: 30_000 });
  const plan = await page.textContent('pre[data-sql-plan="0"]');
  assert.match(plan, /^Scope: /);
  assert.match(plan, /Aggregate: group by channel; SUM\(spend\)/);
  assert.match(plan, /Scan fact_campaigns: /);
  assert.match(plan, /Ran:\n/);
  assert.match(plan, /Aggregate \[group index by dense codes, typed accumulators\]: \d+ rows/);
  await expectAccessible(page, 'the SQL tab showing a plan');
});
