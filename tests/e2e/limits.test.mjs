// End to end, statements held to the memory budget (issue 26): in the SQL tab, issue
// 26's cross join of the seed's 300 campaigns with itself three times is counted
// (27,000,000, streamed); its rows ordered need more than the budget and stop with the
// engine's clear error, and the next statement answers from the same warehouse; Cancel
// answers within 100 ms and the data comes back, as when a statement passes the time
// limit (a setting beside Run); a trapped engine (the `?trap=sql` test
// hook: the first statement traps as a dead wasm instance does) is replaced and its
// warehouse restored without a reload. Run by `make test` (after `make wasm`):
//   node --test tests/e2e/limits.test.mjs
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { test, before, browser, loadSeed, expectAccessible } from './harness.mjs';

const session = browser('limits', { viewport: { width: 1280, height: 900 } });
// A budget of 256 MiB: the refused statement stops there, not at 3.5 GiB.
const BUDGET = 256 << 20;
let page;

before(async () => {
  page = await session.open(`?memoryBudget=${BUDGET}`);
});

after(() => assert.deepEqual(session.errors, [], 'uncaught errors in the page'));

const CROSS = 'FROM fact_campaigns a, fact_campaigns b, fact_campaigns c';
// Long (seconds): for each campaign, every pair of campaigns compared with it.
const LONG = `SELECT COUNT(*) FROM fact_campaigns a
WHERE (SELECT COUNT(*) FROM fact_campaigns b, fact_campaigns c WHERE b.clicks + c.clicks > a.clicks + a.impressions % 7) > 0`;
const sqlRows = () => page.$$eval('table[data-sql-result="0"] tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));

// Runs `text` with the Run button and waits for its results (a new run each time).
async function run(text, { timeout = 60_000 } = {}) {
  await page.fill('#sql-text', text);
  const before = await page.evaluate(() => window.__bi.sqlRuns);
  await page.click('#sql-run');
  await page.waitForFunction((n) => window.__bi.sqlRuns > n, before, { timeout });
}

async function openSql() {
  await page.click('#tab-sql');
  await page.waitForSelector('body[data-sql-editor="ready"]', { timeout: 30_000 });
}

test('a cross join is counted; ordered it stops with a clear error; the next statement answers', async () => {
  await loadSeed(page);
  await openSql();
  await run(`SELECT COUNT(*) AS pairs ${CROSS}`);
  assert.deepEqual(await sqlRows(), [['27,000,000']]);
  await run(`SELECT a.campaign_name, b.campaign_name, c.campaign_name ${CROSS} ORDER BY 1`);
  const text = await page.textContent('#sql-results');
  assert.match(text, /this query needs more than [\d.]+ MiB; add a filter or a LIMIT/);
  assert.doesNotMatch(text, /unreachable/);
  await expectAccessible(page, 'SQL tab, a statement past the memory budget');
  await run('SELECT COUNT(*) FROM fact_campaigns');
  assert.deepEqual(await sqlRows(), [['300']]);
  // The dashboards answer from the same warehouse.
  await page.click('#tab-campaign_summary');
  await page.waitForSelector('table[data-dashboard="campaign_summary"] tbody tr');
  assert.equal(await page.$$eval('table[data-dashboard="campaign_summary"] tbody tr', (rows) => rows.length), 3);
});

test('Cancel answers within 100 ms; the data comes back', async () => {
  await openSql();
  await page.fill('#sql-text', LONG);
  const runs = await page.evaluate(() => window.__bi.sqlRuns);
  await page.click('#sql-run');
  await page.waitForSelector('#sql-cancel:not([hidden])', { timeout: 10_000 });
  const ms = await page.evaluate(() => new Promise((resolve) => {
    const results = document.getElementById('sql-results');
    const started = performance.now();
    const seen = new MutationObserver(() => {
      if (/Cancelled after/.test(results.textContent)) {
        seen.disconnect();
        resolve(performance.now() - started);
      }
    });
    seen.observe(results, { childList: true, subtree: true, characterData: true });
    document.getElementById('sql-cancel').click();
  }));
  assert.ok(ms < 100, `the cancel took ${ms} ms`);
  await page.waitForFunction((n) => window.__bi.sqlRuns > n, runs, { timeout: 30_000 });
  await page.waitForFunction(() => document.getElementById('sql-loading').textContent === '', null, { timeout: 30_000 });
  await run('SELECT COUNT(*) FROM fact_campaigns');
  assert.deepEqual(await sqlRows(), [['300']]);
});

test('a statement past the time limit is stopped; the limit is a setting kept in the browser', async () => {
  await openSql();
  await page.fill('#sql-time-limit', '1');
  await page.dispatchEvent('#sql-time-limit', 'change');
  await run(LONG, { timeout: 30_000 });
  assert.match(await page.textContent('#sql-results'), /Stopped after [\d.]+ s, past the time limit of 1 s/);
  assert.equal(await page.evaluate(() => localStorage.getItem('bi.sqlTimeLimit')), '1');
  await page.waitForFunction(() => document.getElementById('sql-loading').textContent === '', null, { timeout: 30_000 });
  await page.fill('#sql-time-limit', '120');
  await page.dispatchEvent('#sql-time-limit', 'change');
  await run('SELECT COUNT(*) FROM fact_campaigns');
  assert.deepEqual(await sqlRows(), [['300']]);
  await expectAccessible(page, 'SQL tab, after the time limit');
});

test('a trapped engine is replaced and its warehouse restored, without a reload', async () => {
  // The data kept in this browser (loaded in the first test) is what comes back.
  await page.waitForFunction(() => window.__bi.kept?.kept > 0, null, { timeout: 30_000 });
  await page.goto(`${session.base}?memoryBudget=${BUDGET}&trap=sql`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  await page.waitForSelector('table[data-dashboard="campaign_summary"] tbody tr', { timeout: 60_000 });
  await openSql();
  const navigations = await page.evaluate(() => performance.getEntriesByType('navigation').length);
  await page.fill('#sql-text', 'SELECT COUNT(*) FROM fact_campaigns');
  await page.click('#sql-run');
  await page.waitForFunction(() => /The query could not run: unreachable \(the engine stopped; it was restarted with your data\)/
    .test(document.getElementById('errors').textContent), null, { timeout: 30_000 });
  await page.waitForFunction(() => window.__bi.engineRestarts === 1, null, { timeout: 30_000 });
  // The same page, a new engine with the same data.
  assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), navigations);
  await run('SELECT COUNT(*) FROM fact_campaigns');
  assert.deepEqual(await sqlRows(), [['300']]);
  await run(`SELECT COUNT(*) ${CROSS}`);
  assert.deepEqual(await sqlRows(), [['27,000,000']]);
});
