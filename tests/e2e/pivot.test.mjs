// End to end, the Pivot tab: a pivot built by drag and drop, then one built by keyboard
// only, each giving the dashboards' numbers; sort, top N with Others, a click on a pivot
// header or cell filtering the whole page, the CSV export; no WCAG 2.2 A/AA violation in
// any of its states. Run by `make test` (after `make wasm`):
//   node --test tests/e2e/pivot.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serve, ROOT, CHROMIUM_ARGS } from './server.mjs';
import { expectAccessible } from './axe.mjs';

const SEED = join(ROOT, '..', 'shared', 'seed-data');
const SHOTS = join(ROOT, 'tests', 'e2e', 'screenshots');
const SEED_FILES = [join(SEED, 'marketing_campaigns.csv'), join(SEED, 'sales_targets.xlsx')];

let server; let context; let page; let profile; let base;
const errors = [];

before(async () => {
  await mkdir(SHOTS, { recursive: true });
  server = await serve();
  base = `http://127.0.0.1:${server.address().port}/`;
  profile = await mkdtemp(join(tmpdir(), 'bi-e2e-pivot-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  await page.setInputFiles('#file-input', SEED_FILES);
  await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 3
    && document.getElementById('progress').hidden, null, { timeout: 60_000 });
});

after(async () => {
  await context?.close();
  server?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
  assert.deepEqual(errors, [], 'uncaught errors in the page');
});

const rowsOf = (selector) => page.$$eval(`${selector} tbody tr`, (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
const dashboard = async (name) => {
  const head = await page.$$eval(`table[data-dashboard="${name}"] thead th`, (ths) => ths.map((t) => t.textContent.replace(/[▲▼]/g, '').trim()));
  return { head, rows: await rowsOf(`table[data-dashboard="${name}"]`) };
};
const pivotRows = () => rowsOf('table[data-pivot]');
const runs = () => page.evaluate(() => window.__bi.pivot?.runs || 0);
// Does `act`, then waits for the pivot it causes to be laid out.
async function after1(act) {
  const n = await runs();
  await act();
  await page.waitForFunction((k) => (window.__bi.pivot?.runs || 0) > k, n, { timeout: 30_000 });
}
const status = () => page.textContent('#status');
const cents = (text) => Math.round(Number(text.replace(/[,$]/g, '')) * 100);

test('a pivot built by drag and drop gives campaign_summary\'s numbers', async () => {
  await page.click('#tab-pivot');
  await page.waitForSelector('#pivot-fields li[data-field="tenant"]');
  await expectAccessible(page, 'Pivot tab, empty');
  await page.dragAndDrop('#pivot-fields li[data-field="tenant"]', '#pivot-rows-title');
  assert.match(await status(), /Tenant added to Rows/);
  await after1(() => page.dragAndDrop('li[data-measure="sum:spend"]', '#pivot-measures-zone-title'));
  await after1(() => page.dragAndDrop('li[data-measure="sum:revenue"]', '#pivot-measures-zone-title'));
  await after1(() => page.dragAndDrop('li[data-measure="rows"]', '#pivot-measures-zone-title'));
  const summary = await dashboard('campaign_summary');
  const col = (name) => summary.head.indexOf(name);
  const rows = await pivotRows();
  assert.equal(rows.length, summary.rows.length + 1, 'a row per tenant and the total');
  summary.rows.forEach((r, i) => {
    assert.deepEqual(rows[i], [r[0], r[col('Spend')], r[col('Revenue')], r[col('Campaigns')]]);
  });
  // The total adds up exactly, to the cent.
  const total = rows.at(-1);
  assert.equal(total[0], 'Total');
  assert.equal(cents(total[1]), summary.rows.reduce((s, r) => s + cents(r[col('Spend')]), 0));
  // Reorder by dragging Rows onto the upper half of the first value chip: it goes before it.
  await after1(() => page.dragAndDrop('#pivot-zone-measures [data-id="rows"]', '#pivot-zone-measures [data-id="sum:spend"]', { targetPosition: { x: 8, y: 2 } }));
  assert.deepEqual(await page.$$eval('#pivot-zone-measures [data-id]', (c) => c.map((n) => n.dataset.id)), ['rows', 'sum:spend', 'sum:revenue']);
  // A field dragged from rows to columns moves.
  await after1(() => page.dragAndDrop('#pivot-zone-rows [data-id="tenant"]', '#pivot-columns-title'));
  assert.deepEqual(await page.$$eval('#pivot-zone-columns [data-id]', (c) => c.map((n) => n.dataset.id)), ['tenant']);
  assert.equal((await pivotRows()).length, 1, 'one total row when no field is in rows');
  await page.screenshot({ path: join(SHOTS, 'pivot-drag.png') });
  await expectAccessible(page, 'Pivot tab, fields across columns');
  // Clearing leaves nothing to compute: the table gives way to what to do.
  await page.click('#pivot-clear');
  await page.waitForSelector('#pivot-out p.muted');
  assert.match(await status(), /Pivot cleared/);
});

test('a pivot built by keyboard only gives channel_mix\'s numbers, with subtotals', async () => {
  // Tab into the field list from the tab, then press the field's buttons with Enter.
  await page.focus('#tab-pivot');
  const press = async (key) => {
    await page.focus(`[data-key="${key}"]`);
    await page.keyboard.press('Enter');
  };
  await press('pivot-add-rows:tenant');
  assert.match(await status(), /Tenant added to Rows/);
  assert.equal(await page.evaluate(() => document.activeElement.closest('#pivot-zone-rows') != null), true, 'the focus follows the chip');
  await press('pivot-add-rows:channel');
  await after1(() => press('pivot-add-measure:sum:spend'));
  await after1(() => press('pivot-add-measure:sum:revenue'));
  await after1(() => press('pivot-add-measure:roi'));
  const mix = await dashboard('channel_mix');
  const rows = await pivotRows();
  const leaves = [];
  let tenant = '';
  for (const r of rows) {
    if (r[1] === 'Subtotal' || r[0] === 'Total') continue;
    tenant = r[0] || tenant;
    leaves.push([tenant, ...r.slice(1)]);
  }
  const col = (name) => mix.head.indexOf(name);
  assert.deepEqual(leaves, mix.rows.map((r) => [r[0], r[col('Channel')], r[col('Spend')], r[col('Revenue')], r[col('ROI')]]));
  assert.equal(rows.filter((r) => r[1] === 'Subtotal').length, 3, 'a subtotal per tenant');
  // Move Channel above Tenant with the keyboard (its ↑ button), and hear it.
  await after1(() => page.click('#pivot-zone-rows [data-id="channel"] [data-act="up"]').then(() => {}));
  assert.match(await status(), /Channel moved to position 1 of Rows/);
  assert.deepEqual(await page.$$eval('#pivot-zone-rows [data-id]', (c) => c.map((n) => n.dataset.id)), ['channel', 'tenant']);
  await page.screenshot({ path: join(SHOTS, 'pivot-keyboard.png') });
  await expectAccessible(page, 'Pivot tab, two row fields with subtotals');
  // Remove Tenant by keyboard: the focus stays in the zone.
  await page.focus('#pivot-zone-rows [data-id="tenant"] [data-act="remove"]');
  await after1(() => page.keyboard.press('Enter'));
  assert.match(await status(), /Tenant removed from Rows/);
});

test('sort by a value column, then top 2 with Others', async () => {
  // Rows: channel; values: spend, revenue, ROI (from the previous test).
  const sortButton = 'table[data-pivot] [data-key="pivot-sort:1"]';
  await after1(() => page.click(sortButton));
  await after1(() => page.click(sortButton));
  assert.equal(await page.getAttribute('table[data-pivot] thead tr:last-child th:nth-child(3)', 'aria-sort'), 'descending');
  const rows = (await pivotRows()).slice(0, -1);
  const revenues = rows.map((r) => cents(r[2]));
  assert.deepEqual(revenues, [...revenues].sort((a, b) => b - a));
  const before = await pivotRows();
  await page.fill('#pivot-top-n', '2');
  await page.selectOption('#pivot-top-measure', '1');
  await after1(() => page.dispatchEvent('#pivot-top-n', 'change'));
  const top = await pivotRows();
  assert.equal(top.length, 4, 'two channels, Others, and the total');
  assert.equal(top[2][0], 'Others');
  assert.deepEqual(top.at(-1), before.at(-1), 'the total does not change');
  assert.equal(cents(top[2][2]), before.slice(2, -1).reduce((s, r) => s + cents(r[2]), 0));
  await expectAccessible(page, 'Pivot tab, sorted, top 2');
  await page.fill('#pivot-top-n', '');
  await after1(() => page.dispatchEvent('#pivot-top-n', 'change'));
});

test('a pivot row header filters the page, and the pivot follows the filters', async () => {
  await after1(() => page.click('[data-key="pivot-add-rows:tenant"]'));
  const tenantButton = 'table[data-pivot] tbody button[aria-label^="tenant_002"]';
  await page.waitForSelector(tenantButton);
  await after1(() => page.click(tenantButton));
  await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 1);
  assert.deepEqual(await page.evaluate(() => window.__bi.state.query.tenants), ['tenant_002']);
  const rows = await pivotRows();
  assert.ok(rows.every((r) => !r.some((c) => /tenant_00[13]/.test(c))) && rows.some((r) => r.includes('tenant_002')), JSON.stringify(rows));
  // A click on a value cell of a channel row adds its channel too.
  const n = await runs();
  await page.click('table[data-pivot] tbody tr:first-child td[data-col="0"]');
  await page.waitForFunction((k) => (window.__bi.pivot?.runs || 0) > k, n);
  const query = await page.evaluate(() => window.__bi.state.query);
  assert.equal(query.channels.length, 1);
  await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="channel_mix"] tbody tr').length === 1);
  await expectAccessible(page, 'Pivot tab, filtered by a click');
  await after1(() => page.click('#reset'));
});

test('the pivot exports as CSV in its layout, money exact', async () => {
  await after1(() => page.click('[data-key="pivot-add-columns:year"]'));
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#pivot-export')]);
  assert.equal(download.suggestedFilename(), 'pivot.csv');
  const csv = (await readFile(await download.path(), 'utf8')).trim().split('\r\n');
  assert.match(csv[0], /^,Year,/);
  assert.match(csv[1], /^Channel,Tenant,Sum of spend,Sum of revenue,ROI/);
  assert.match(csv.at(-1), /^Total,,/);
  const table = await pivotRows();
  assert.equal(csv.length, 2 + table.length);
  // The grand total of spend, exact in the CSV, is the page's rounded figure.
  const shown = table.at(-1).at(-3);
  const exported = csv.at(-1).split(',').at(-3);
  assert.equal(Math.round(Number(exported) * 100), cents(shown));
  await page.screenshot({ path: join(SHOTS, 'pivot-columns.png') });
  await expectAccessible(page, 'Pivot tab, rows and columns');
});

test('a performance category in the pivot filters the whole page (a click-to-filter field)', async () => {
  await page.click('#pivot-clear');
  await page.click('[data-key="pivot-add-rows:performance"]');
  await after1(() => page.click('[data-key="pivot-add-measure:sum:spend"]'));
  const loss = 'table[data-pivot] tbody button[aria-label^="Loss"]';
  await page.waitForSelector(loss);
  await after1(() => page.click(loss));
  assert.deepEqual(await page.evaluate(() => window.__bi.state.query.performance_categories), ['Loss']);
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('table[data-dashboard="campaign_performance"] tbody tr')];
    return rows.length > 0 && rows.every((r) => r.textContent.includes('Loss'));
  });
  await after1(() => page.click('#reset'));
});
