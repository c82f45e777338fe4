// End to end, the Pivot tab: a pivot built by drag and drop, then one built by keyboard
// only, each giving the dashboards' numbers; sort, top N with Others, a click on a pivot
// header or cell filtering the whole page, Ctrl/Cmd-click (and Ctrl/Cmd+Enter) adding to
// the selection and a second click removing it, the CSV export, the XLSX export (its
// module fetched on the first click only); no WCAG 2.2 A/AA violation in any of its
// states. Run by `make test` (after `make wasm`):
//   node --test tests/e2e/pivot.test.mjs
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { test, before, browser, loadSeed, shot, expectAccessible } from './harness.mjs';

const session = browser('pivot', { viewport: { width: 1280, height: 900 }, downloads: true });
let page;
const requests = [];

before(async () => {
  session.context.on('request', (r) => requests.push(r.url()));
  page = await session.open();
  await loadSeed(page);
});

after(() => assert.deepEqual(session.errors, [], 'uncaught errors in the page'));

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
  await shot(page, 'pivot-drag');
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
  await shot(page, 'pivot-keyboard');
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
  // The header's channel came with it (the row is that channel's tenant_002).
  const query = await page.evaluate(() => window.__bi.state.query);
  assert.equal(query.channels.length, 1);
  await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="channel_mix"] tbody tr').length === 1);
  assert.equal(await page.getAttribute(tenantButton, 'aria-pressed'), 'true', 'the selected header shows it');
  await expectAccessible(page, 'Pivot tab, filtered by a click');
  // A click on the value cell of that same row: its values are all selected, so they go.
  await page.click('table[data-pivot] tbody tr:first-child td[data-col="0"]');
  await page.waitForFunction(() => !Array.isArray(window.__bi.state.query.tenants) && !window.__bi.state.query.channels?.length);
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
  await shot(page, 'pivot-columns');
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

// Reads a zip (as XLSX files are): its entries by name, inflated.
function unzip(buf) {
  const files = new Map();
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'a zip file');
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i += 1) {
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const [nameLength, extra, comment] = [buf.readUInt16LE(at + 28), buf.readUInt16LE(at + 30), buf.readUInt16LE(at + 32)];
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLength);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    files.set(name, method === 8 ? inflateRawSync(data) : data);
    at += 46 + nameLength + extra + comment;
  }
  return files;
}

test('the pivot exports as XLSX keeping its layout; the writer loads on the first export only', async () => {
  await page.click('#pivot-clear');
  await page.click('[data-key="pivot-add-rows:channel"]');
  await page.click('[data-key="pivot-add-columns:year"]');
  await page.click('[data-key="pivot-add-measure:sum:spend"]');
  await after1(() => page.click('[data-key="pivot-add-measure:ctr"]'));
  assert.ok(!requests.some((u) => u.includes('pkg-xlsx')), 'the XLSX module was fetched before any XLSX export');
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('#pivot-export')]);
  const csv = (await readFile(await csvDownload.path(), 'utf8')).trim().split('\r\n').map((l) => l.split(','));
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#pivot-export-xlsx')]);
  assert.equal(download.suggestedFilename(), 'pivot.xlsx');
  assert.ok(requests.some((u) => u.includes('pkg-xlsx/bi_platform_xlsx_bg.wasm')), 'the XLSX module was fetched');
  assert.match(await status(), /pivot\.xlsx downloaded/);
  const files = unzip(await readFile(await download.path()));
  const sheet = files.get('xl/worksheets/sheet1.xml').toString('utf8');
  const strings = files.get('xl/sharedStrings.xml').toString('utf8');
  // The last row is the grand total: "Total", then the CSV's numbers exactly.
  const rows = [...sheet.matchAll(/<row [^>]*>(.*?)<\/row>/g)].map((m) => [...m[1].matchAll(/<c r="([A-Z]+)\d+"[^>]*?(?:\/>|>(?:<v>([^<]*)<\/v>)?<\/c>)/g)]);
  assert.equal(rows.length, csv.length, 'a sheet row per CSV line');
  const total = rows.at(-1);
  const csvTotal = csv.at(-1);
  assert.equal(csvTotal[0], 'Total');
  assert.match(strings, /<t>Total<\/t>/);
  const numbers = total.slice(1).map((c) => Number(c[2]));
  assert.deepEqual(numbers, csvTotal.slice(1).map(Number), 'the grand total row holds the CSV\'s values');
  // The year headers merge over their two measures; the header panes are frozen.
  assert.match(sheet, /<mergeCell ref="B1:C1"\/>/);
  assert.match(sheet, /<pane xSplit="1" ySplit="2" topLeftCell="B3" [^>]*state="frozen"/);
  // A second export does not fetch the module again.
  const fetched = requests.filter((u) => u.includes('pkg-xlsx')).length;
  await Promise.all([page.waitForEvent('download'), page.click('#pivot-export-xlsx')]);
  assert.equal(requests.filter((u) => u.includes('pkg-xlsx')).length, fetched);
  await expectAccessible(page, 'Pivot tab, exported as XLSX');
});

test('Ctrl/Cmd-click (or Ctrl/Cmd+Enter) in the pivot adds to the selection; clicking selected values again removes them', async () => {
  await page.click('#pivot-clear');
  await page.click('[data-key="pivot-add-rows:tenant"]');
  await page.click('[data-key="pivot-add-columns:channel"]');
  await after1(() => page.click('[data-key="pivot-add-measure:sum:spend"]'));
  const query = () => page.evaluate(() => {
    const q = window.__bi.state.query;
    return { tenants: Array.isArray(q.tenants) ? q.tenants : [], channels: q.channels || [] };
  });
  const until = (want) => page.waitForFunction((w) => {
    const q = window.__bi.state.query;
    const got = { tenants: Array.isArray(q.tenants) ? q.tenants : [], channels: q.channels || [] };
    return JSON.stringify(got) === JSON.stringify(w)
      && document.querySelectorAll('table[data-pivot] tbody tr').length > 0;
  }, want, { timeout: 30_000 });
  const header = (value) => `table[data-pivot] button[aria-label^="${value}:"]`;
  // Every tenant and channel shown, tenant_001 first, Display the first column.
  const cell = (row, col) => `table[data-pivot] tbody tr[data-row="${row}"] td[data-col="${col}"]`;
  await page.click(header('tenant_001'), { modifiers: ['Control'] });
  await until({ tenants: ['tenant_001'], channels: [] });
  // Ctrl-click a cell: its tenant is selected already, its channel joins.
  await page.click(cell(0, 0), { modifiers: ['Control'] });
  await until({ tenants: ['tenant_001'], channels: ['Display'] });
  await page.waitForSelector(`${header('Display')}[aria-pressed="true"]`);
  assert.equal(await page.getAttribute(header('tenant_001'), 'aria-pressed'), 'true');
  await shot(page, 'pivot-ctrl-click');
  await expectAccessible(page, 'Pivot tab, a selection of a row and a column value');
  // The keyboard: Ctrl+Enter on the selected column header takes it out again.
  await page.focus(header('Display'));
  await page.keyboard.press('Control+Enter');
  await until({ tenants: ['tenant_001'], channels: [] });
  // Ctrl-click another channel's cell, then a plain click on the same cell: all of its
  // values are selected, so both go.
  await page.click(cell(0, 1), { modifiers: ['Control'] });
  await until({ tenants: ['tenant_001'], channels: ['Email'] });
  await page.click(cell(0, 0));
  await until({ tenants: [], channels: [] });
  // A plain click on a cell makes its values the selection; on a selected header, removes it.
  await page.waitForSelector(cell(1, 2));
  await page.click(cell(1, 2));
  await until({ tenants: ['tenant_002'], channels: ['Search'] });
  await page.click(header('tenant_002'));
  await until({ tenants: [], channels: ['Search'] });
  // Plain Enter on a row header: that tenant only.
  await page.focus(header('tenant_003'));
  await page.keyboard.press('Enter');
  await until({ tenants: ['tenant_003'], channels: ['Search'] });
  await page.waitForFunction(() => /Filtered the page to tenant_003/.test(document.getElementById('status').textContent));
  await after1(() => page.click('#reset'));
});

test('a day in the pivot is a date selection, a quarter sets the date range; a second click removes either', async () => {
  await page.click('#pivot-clear');
  await page.click('[data-key="pivot-add-rows:day"]');
  await after1(() => page.click('[data-key="pivot-add-measure:rows"]'));
  const first = 'table[data-pivot] tbody tr[data-row="0"] th:first-child button';
  const day = await page.textContent(first);
  await page.click(first);
  await page.waitForFunction((d) => JSON.stringify(window.__bi.state.query.dates) === JSON.stringify([d]), day);
  assert.equal(await page.evaluate(() => window.__bi.state.query.from ?? null), null, 'a day is a selection, not a range');
  await page.waitForSelector(`${first}[aria-pressed="true"]`);
  await page.click(first);
  await page.waitForFunction(() => !(window.__bi.state.query.dates || []).length);
  // A quarter sets the range of its days (shown in the date inputs); clicked again, clears it.
  await page.click('#pivot-zone-rows [data-id="day"] [data-act="remove"]');
  await after1(() => page.click('[data-key="pivot-add-rows:quarter"]'));
  const name = await page.textContent(first);
  const [year, n] = name.split('-Q').map(Number);
  const from = `${year}-${String(n * 3 - 2).padStart(2, '0')}-01`;
  await page.click(first);
  await page.waitForFunction((f) => window.__bi.state.query.from === f, from);
  assert.equal(await page.inputValue('#from'), from);
  await page.waitForSelector(`${first}[aria-pressed="true"]`);
  await expectAccessible(page, 'Pivot tab, filtered by a quarter');
  await page.click(first);
  await page.waitForFunction(() => !window.__bi.state.query.from && !window.__bi.state.query.to);
  assert.equal(await page.inputValue('#from'), '');
  await after1(() => page.click('#reset'));
});
