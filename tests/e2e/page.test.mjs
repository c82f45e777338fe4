// End to end: serve www/, drop the seed files on the page with a real drop event, and
// check what an analyst sees. Run by `make test` (after `make wasm`):
//   node --test tests/e2e/page.test.mjs
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, before, browser, drop, shot, expectAccessible, SEED, SEED_SUMMARY as SUMMARY } from './harness.mjs';

const session = browser('page', { downloads: true });
let page; let base;
const requests = [];

before(async () => {
  base = session.base;
  session.context.on('request', (request) => requests.push(request.url()));
  await session.context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber} ${e.sample}`));
  });
  page = await session.open();
  page.on('pageerror', (e) => console.error('page error:', e.message));
});

const dismissErrors = () => page.$$eval('#errors .close', (buttons) => buttons.forEach((b) => b.click()));

const summaryRows = () => page.$$eval('table[data-dashboard="campaign_summary"] tbody tr',
  (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));

async function chartsNonBlank() {
  return page.$$eval('canvas[data-chart]', (canvases) => canvases.map((c) => {
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240) ink++;
    return { id: c.dataset.chart, size: [c.width, c.height], ink: ink / (data.length / 4) };
  }));
}

test('dropping the seed files shows the CLI numbers, charts, and tenant isolation', async () => {
  await drop(page, [
    { name: 'marketing_campaigns.csv', path: join(SEED, 'marketing_campaigns.csv') },
    { name: 'sales_targets.xlsx', path: join(SEED, 'sales_targets.xlsx') },
  ]);
  await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 3
    && window.__bi.firstChartAt != null, null, { timeout: 60_000 });
  const ms = await page.evaluate(() => window.__bi.firstChartAt - window.__bi.dropAt);
  console.log(`seed files: drop to first chart ${ms.toFixed(0)} ms`);

  // Reports: both files loaded without a rejected row.
  const reports = await page.evaluate(() => window.__bi.state.reports);
  assert.deepEqual(reports.map((r) => [r.file, r.table, r.rows_rejected]),
    [['marketing_campaigns.csv', 'fact_campaigns', 0], ['sales_targets.xlsx', 'dim_sales_targets', 0]]);

  const rows = await summaryRows();
  const header = await page.$$eval('table[data-dashboard="campaign_summary"] thead th', (t) => t.map((c) => c.textContent));
  const spend = header.findIndex((h) => h.startsWith('Spend'));
  const revenue = header.findIndex((h) => h.startsWith('Revenue'));
  for (const row of rows) {
    assert.deepEqual([row[spend], row[revenue]], SUMMARY[row[0]], `summary of ${row[0]}`);
  }
  for (const chart of await chartsNonBlank()) {
    assert.ok(chart.ink > 0.01, `chart ${chart.id} is blank (${chart.ink})`);
  }
  assert.equal((await chartsNonBlank()).length, 7);
  await shot(page, 'loaded');
  await expectAccessible(page, 'seed files loaded');
  await page.evaluate(() => window.scrollTo(0, document.getElementById('filters').offsetTop - 90));
  await shot(page, 'dashboard');
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'loaded-full', { fullPage: true });

  // One tenant: nothing of the others remains (the tenant picker itself lists them).
  await page.click('#tenant-filter summary');
  await page.check('#tenant-filter input[value="tenant_002"]');
  await page.click('h1');
  await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 1);
  const scoped = await summaryRows();
  assert.equal(scoped[0][0], 'tenant_002');
  const text = await page.evaluate(() => ['kpis', 'charts', 'tables'].map((id) => document.getElementById(id).textContent).join('\n'));
  const view = await page.evaluate(() => JSON.stringify({ ...window.__bi.state.view, options: null }));
  for (const other of ['tenant_001', 'tenant_003']) {
    for (const needle of [other, ...SUMMARY[other]]) {
      assert.ok(!text.includes(needle), `page still shows ${needle}`);
    }
    assert.ok(!view.includes(other), `view data still holds ${other}`);
  }
  for (const chart of await chartsNonBlank()) assert.ok(chart.ink > 0.01, `chart ${chart.id} blank in scope`);
  await shot(page, 'one-tenant');
  await expectAccessible(page, 'one tenant');

  // A broken file: a clear error, and the data stays.
  await drop(page, [{ name: 'broken.csv', text: 'hello,world\n1,2\n' }]);
  await page.waitForSelector('#errors .error', { timeout: 30_000 });
  const error = await page.textContent('#errors');
  assert.match(error, /broken\.csv/);
  assert.match(error, /could not be loaded/);
  assert.deepEqual(await summaryRows(), scoped);
  await shot(page, 'broken-file');
  await expectAccessible(page, 'a broken file');
  await dismissErrors();
});

test('sorting, paging and a narrow window', async () => {
  await page.click('#reset');
  await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 3);
  await page.click('button[data-tab="campaign_performance"]');
  const first = await page.textContent('[data-panel="campaign_performance"] .pager span');
  assert.match(first, /Rows 1–50 of 300/);
  await page.click('[data-panel="campaign_performance"] .pager button:has-text("Next")');
  await page.waitForFunction(() => /Rows 51–100 of 300/.test(document.querySelector('[data-panel="campaign_performance"] .pager span').textContent));
  await page.click('button[data-tab="campaign_summary"]');
  // The engine sorts (and pages) each table: a header click asks it again.
  for (const direction of ['ascending', 'descending']) {
    await page.click('table[data-dashboard="campaign_summary"] th button:has-text("Revenue")');
    await page.waitForSelector(`table[data-dashboard="campaign_summary"] th[aria-sort="${direction}"] button:has-text("Revenue")`);
  }
  const sorted = await summaryRows();
  assert.deepEqual(sorted.map((r) => r[0]), ['tenant_002', 'tenant_001', 'tenant_003']);

  // A table longer than a screenful: the engine sends 100 rows at a time, in the order
  // the header asks for, and the pager walks the whole sorted table.
  await page.click('button[data-tab="daily_performance"]');
  const daily = 'table[data-dashboard="daily_performance"]';
  const dailyPager = '[data-panel="daily_performance"] .pager span';
  const pagerText = await page.textContent(dailyPager);
  const total = Number(/of ([\d,]+)/.exec(pagerText)[1].replace(/,/g, ''));
  assert.ok(total > 100, pagerText);
  assert.match(pagerText, /Rows 1–100 of/);
  await page.click(`${daily} th button:has-text("Revenue")`);
  await page.waitForSelector(`${daily} th[aria-sort="ascending"] button:has-text("Revenue")`);
  const shownRevenue = () => page.$$eval(`${daily} tbody tr`, (rows) => rows.map((r) => Number(r.cells[3].textContent.replace(/[^\d.-]/g, ''))));
  const firstPage = await shownRevenue();
  await page.click('[data-panel="daily_performance"] .pager button:has-text("Next")');
  await page.waitForFunction((p) => /Rows 101–/.test(document.querySelector(p).textContent), dailyPager);
  const secondPage = await shownRevenue();
  assert.equal(firstPage.length, 100);
  assert.equal(secondPage.length, Math.min(100, total - 100));
  const walked = [...firstPage, ...secondPage];
  assert.ok(walked.every((v, i) => i === 0 || walked[i - 1] <= v), 'both pages in one ascending order');
  await page.click('[data-panel="daily_performance"] .pager button:has-text("Previous")');
  await page.waitForFunction((p) => /Rows 1–100 of/.test(document.querySelector(p).textContent), dailyPager);
  await page.click('button[data-tab="campaign_summary"]');
  await page.setViewportSize({ width: 420, height: 900 });
  await page.waitForTimeout(400);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `page scrolls sideways by ${overflow}px at 420px`);
  await shot(page, 'narrow');
  await expectAccessible(page, 'sorted, paged, narrow');
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('CSV export neutralises formulas and keeps negative numbers', async () => {
  const csv = 'tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue\n'
    + '=1+1,c1,@SUM(A1) - Search,2024-11-01,100,10,1,5.00,2.00\n';
  await drop(page, [{ name: 'formula.csv', text: csv }]);
  await page.waitForFunction(() => [...document.querySelectorAll('#tenant-filter input')].some((b) => b.value === '=1+1'));
  await page.click('#tenant-filter summary');
  await page.evaluate(() => [...document.querySelectorAll('#tenant-filter input')].find((b) => b.value === '=1+1').click());
  await page.click('h1');
  await page.click('button[data-tab="campaign_summary"]');
  await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 1);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const text = await readFile(await download.path(), 'utf8');
  const [header, row] = text.trim().split('\r\n');
  assert.ok(header.startsWith('tenant_id,campaigns,'));
  assert.ok(row.startsWith("'=1+1,1,"), row);
  assert.ok(row.includes(',-3.00,'), row);
  await page.click('#reset');
});

test('load from URL adds customers; a failing URL shows an error', async () => {
  await page.fill('#url', `${base}api/customers`);
  await page.click('#url-form button');
  await page.waitForFunction(() => window.__bi.state.reports.some((r) => r.table === 'dim_customers'));
  await page.click('button[data-tab="customer_summary"]');
  await page.waitForSelector('table[data-dashboard="customer_summary"] tbody tr');
  await expectAccessible(page, 'customers from a URL');
  await page.fill('#url', `${base}api/missing`);
  await page.click('#url-form button');
  await page.waitForFunction(() => /answered 404/.test(document.getElementById('errors').textContent));
  await dismissErrors();
});

test('values from files are shown as text, never run as HTML', async () => {
  const csv = 'tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue\n'
    + '<b>t</b>,c1,<img src=x onerror="window.__pwned=1"> - Search,2024-11-01,100,10,1,5.00,9.00\n';
  await drop(page, [{ name: 'xss.csv', text: csv }]);
  await page.waitForFunction(() => [...document.querySelectorAll('#tenant-filter input')].some((b) => b.value === '<b>t</b>'));
  await page.click('#tenant-filter summary');
  await page.evaluate(() => [...document.querySelectorAll('#tenant-filter input')].find((b) => b.value === '<b>t</b>').click());
  await page.click('button[data-tab="campaign_performance"]');
  await page.waitForFunction(() => document.getElementById('tables').textContent.includes('<img src=x'));
  assert.ok((await page.textContent('#tenant-filter summary')).includes('<b>t</b>'));
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.$$eval('#tables img, #tables b', (n) => n.length), 0);
});

test('cancelling a long load keeps the data already loaded', async () => {
  await page.click('#reset');
  await page.waitForFunction(() => !document.getElementById('tenant-filter').querySelector('.picker.active'));
  const before = await summaryRows();
  const big = await page.evaluateHandle(() => {
    const row = 'tenant_big,c,2024-11-01,1000,10,1,5.00,9.00\n';
    const dt = new DataTransfer();
    dt.items.add(new File(['tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n', row.repeat(1_500_000)], 'big.csv'));
    return dt;
  });
  await drop(page, big);
  await page.waitForFunction(() => /rows\/s/.test(document.getElementById('progress-detail').textContent));
  await shot(page, 'progress');
  await page.click('#cancel');
  await page.waitForFunction(() => /big\.csv was cancelled/.test(document.getElementById('errors').textContent));
  await page.waitForFunction(() => document.getElementById('progress').hidden);
  assert.deepEqual(await summaryRows(), before);
  assert.ok(!(await page.evaluate(() => window.__bi.state.view.options.tenants)).includes('tenant_big'));
});

test('no request leaves the page and the Content-Security-Policy blocks nothing it needs', async () => {
  const foreign = requests.filter((url) => !url.startsWith(base) && !url.startsWith('blob:') && !url.startsWith('data:'));
  assert.deepEqual(foreign, []);
  assert.deepEqual(await page.evaluate(() => window.__csp), []);
  const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  assert.match(csp, /default-src 'self'/);
});
