// End to end: views as links (www/links.js). The tenant scope, filters, open tab and SQL
// text live in the address after `#`: a reload restores the same view once the kept
// warehouse is back, Back and Forward step through views, a pasted link opens its view
// (its SQL in the editor, not run), and a link naming a tenant or value the data lacks
// says so and ignores it. One browser profile, as a user's browser would be.
//   node --test tests/e2e/links.test.mjs
import assert from 'node:assert/strict';
import { test, browser, loadSeed as loadFiles, waitReady as ready, shot, expectAccessible, LOAD } from './harness.mjs';

const session = browser('links');

// A fresh page of the shared profile on `hash`, with nothing kept.
const open = (hash = '') => session.open(hash);

// The seed files, kept in the browser (a link's view may show fewer tenants).
const loadSeed = (page) => loadFiles(page, { tenants: null, kept: true });

// What the page shows as its view: the query, the selected tab, the editor's text, the
// tenants in the summary table, the pickers' names, and whether SQL ran.
const view = (page) => page.evaluate(() => ({
  query: window.__bi.state.query,
  tab: document.querySelector('[role="tab"][aria-selected="true"]')?.dataset.tab,
  // The SQL editor's text (CodeMirror once loaded, the plain text box before).
  sql: window.__bi.sqlEditor ? window.__bi.sqlEditor.text() : document.getElementById('sql-text').value,
  sqlPanel: !document.getElementById('panel-sql').hidden,
  tenants: [...document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr')].map((r) => r.cells[0].textContent),
  pickers: [...document.querySelectorAll('#filters summary')].map((s) => s.getAttribute('aria-label')),
  from: document.getElementById('from').value,
  sqlRuns: window.__bi.sqlRuns,
  sqlResults: document.querySelectorAll('#sql-results table').length,
}));

const hash = (page) => page.evaluate(() => decodeURIComponent(location.hash.replace(/\+/g, ' ')));

// Ticks one value in a picker (`key`: tenants, regions, products, channels), as a user.
async function pick(page, key, value) {
  await page.click(`summary[data-key="picker:${key}"]`);
  await page.check(`input[data-key="pick:${key}:${value}"]`);
  await page.keyboard.press('Escape');
  await page.waitForFunction(([k, v]) => {
    const q = window.__bi.state.query;
    return (k === 'tenants' ? q.tenants : q[k]).includes(v) && location.hash.includes(encodeURIComponent(v).replace(/%20/g, '+'));
  }, [key, value]);
}

const settled = (page) => page.waitForFunction(() => !document.querySelector('#tables [aria-busy="true"]'));

test('a view set on the page is in its address and comes back after a reload', async () => {
  const page = await open();
  assert.equal(await page.evaluate(() => location.hash), '', 'the plain page has no hash');
  await loadSeed(page);
  await pick(page, 'tenants', 'tenant_002');
  await pick(page, 'channels', 'Email');
  await page.fill('#from', '2024-11-10');
  await page.waitForFunction(() => location.hash.includes('from=2024-11-10'));
  await page.click('#tab-channel_mix');
  await page.waitForFunction(() => location.hash.includes('tab=channel_mix'));
  const before = await view(page);
  assert.deepEqual(before.query.tenants, ['tenant_002']);
  assert.deepEqual(before.tenants, ['tenant_002']);
  assert.equal(await hash(page), '#tenant=tenant_002&channel=Email&from=2024-11-10&tab=channel_mix');

  await page.reload();
  await ready(page);
  await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 1);
  const after = await view(page);
  assert.deepEqual(after, before);
  assert.equal(await page.locator('#errors .error').count(), 0);
  await shot(page, 'link-after-reload');
  await expectAccessible(page, 'a linked view after a reload');

  // The SQL tab and its text: in the address, back after a reload, not run.
  await page.click('#tab-sql');
  await page.waitForSelector('body[data-sql-editor="ready"]', { timeout: 30_000 });
  await page.fill('#sql-text', "SELECT region, SUM(revenue) FROM fact_campaigns WHERE channel = 'Email' GROUP BY 1");
  await page.waitForFunction(() => location.hash.includes('sql=') && location.hash.includes('tab=sql'));
  await page.reload();
  await ready(page);
  await page.waitForFunction(() => !document.getElementById('panel-sql').hidden);
  await page.waitForSelector('body[data-sql-editor="ready"]', { timeout: 30_000 });
  const sql = await view(page);
  assert.equal(sql.tab, 'sql');
  assert.equal(sql.sql, "SELECT region, SUM(revenue) FROM fact_campaigns WHERE channel = 'Email' GROUP BY 1");
  assert.equal(sql.sqlRuns, 0, 'a link never runs its SQL');
  assert.equal(sql.sqlResults, 0);
  await expectAccessible(page, 'a linked SQL view');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('Back and Forward step through the views', async () => {
  const page = await open();
  await loadSeed(page);
  await pick(page, 'tenants', 'tenant_001');
  await pick(page, 'regions', 'North');
  await page.click('#tab-daily_performance');
  await page.waitForFunction(() => location.hash.includes('tab=daily_performance'));
  const third = await view(page);

  await page.goBack();
  await page.waitForFunction(() => window.__bi.state.tab === 'campaign_summary');
  await settled(page);
  assert.deepEqual((await view(page)).query.regions, ['North']);

  await page.goBack();
  await page.waitForFunction(() => window.__bi.state.query.regions.length === 0);
  const first = await view(page);
  assert.deepEqual(first.query.tenants, ['tenant_001']);
  await page.waitForFunction(() => document.querySelector('#filters summary[data-key="picker:regions"]').getAttribute('aria-label') === 'Regions: All regions');

  await page.goBack();
  await page.waitForFunction(() => window.__bi.state.query.tenants === 'all');
  await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 3);
  assert.equal(await page.evaluate(() => location.hash), '');

  await page.goForward();
  await page.goForward();
  await page.goForward();
  await page.waitForFunction(() => window.__bi.state.tab === 'daily_performance' && window.__bi.state.query.regions.length === 1);
  await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 1);
  assert.deepEqual(await view(page), third);
  assert.equal(await page.locator('#errors .error').count(), 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a pasted link with a tenant and a value the data lacks says so and ignores them', async () => {
  const page = await open();
  await loadSeed(page);
  // Pasted in a second tab: what was kept is restored, then the link's view applies.
  const link = '#tenant=tenant_999&tenant=tenant_003&region=Atlantis&region=North&from=2024-02-31&tab=nope&sql=SELECT%201';
  const other = await session.open(link, { forget: false });
  await other.waitForFunction(() => document.querySelectorAll('#errors .error').length >= 2, null, LOAD);
  const messages = await other.$$eval('#errors .error span', (s) => s.map((x) => x.textContent));
  const text = messages.join('\n');
  assert.match(text, /tenant “tenant_999”/);
  assert.match(text, /region “Atlantis”/);
  assert.match(text, /start date “2024-02-31” is not a date/);
  assert.match(text, /tab “nope” does not exist/);
  assert.match(text, /ignored/);
  assert.doesNotMatch(text, /not loaded here/, 'the kept data was restored');
  await other.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 1);
  const shown = await view(other);
  // The known values stand; the unknown ones are gone from the view and the address.
  assert.deepEqual(shown.query.tenants, ['tenant_003']);
  assert.deepEqual(shown.query.regions, ['North']);
  assert.equal(shown.query.from, null);
  assert.deepEqual(shown.tenants, ['tenant_003']);
  assert.equal(shown.tab, 'campaign_summary');
  assert.equal(shown.sql, 'SELECT 1');
  assert.equal(shown.sqlRuns, 0);
  assert.equal(await hash(other), '#tenant=tenant_003&region=North&sql=SELECT 1');
  await shot(other, 'link-unknown-tenant');
  await expectAccessible(other, 'a link naming an unknown tenant');

  // Only unknown tenants: every tenant, said so.
  await other.goto(`${session.base}#tenant=nobody`);
  await other.waitForFunction(() => [...document.querySelectorAll('#errors .error span')].some((s) => s.textContent.includes('“nobody”')), null, LOAD);
  await other.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 3);
  assert.equal((await view(other)).query.tenants, 'all');
  assert.deepEqual(other.errors, []);
  await other.close();
  await page.close();
});

test('a link opened on an empty page says so, and its view applies to the files loaded', async () => {
  const page = await open('#tenant=tenant_002&channel=Search');
  await page.waitForFunction(() => [...document.querySelectorAll('#errors .error span')].some((s) => s.textContent.includes('not loaded here')));
  await expectAccessible(page, 'a link on an empty page');
  await loadSeed(page);
  await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 1);
  const shown = await view(page);
  assert.deepEqual(shown.query.tenants, ['tenant_002']);
  assert.deepEqual(shown.query.channels, ['Search']);
  assert.deepEqual(shown.tenants, ['tenant_002']);
  assert.ok(shown.pickers.includes('Channels: Search'), shown.pickers.join(', '));
  assert.equal(await hash(page), '#tenant=tenant_002&channel=Search');
  assert.deepEqual(page.errors, []);
  await page.close();
});
