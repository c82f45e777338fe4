// End to end, Parquet in the page: the Parquet module (www/pkg-parquet/) is fetched only
// when a Parquet file is dropped or exported; a dropped file written by pyarrow loads
// like a CSV (aliases, types, rejects by row number); the export downloads one zip of
// Parquet files, one per table, and its fact_campaigns.parquet dropped into an empty
// page gives the same dashboard numbers. Run by `make test` (after `make wasm`):
//   node --test tests/e2e/parquet.test.mjs
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, before, browser, drop, shot, expectAccessible, ROOT, SEED_FILES, SEED_SUMMARY as SUMMARY } from './harness.mjs';

const FIXTURES = join(ROOT, 'tests', 'fixtures', 'parquet');
const MODULE = 'pkg-parquet/bi_platform_parquet_bg.wasm';

const session = browser('parquet', { viewport: { width: 1280, height: 900 }, downloads: true });
let page;
const requests = [];

before(async () => {
  session.context.on('request', (request) => requests.push(request.url()));
  page = await session.open();
});

after(() => assert.deepEqual(session.errors, [], 'uncaught errors in the page'));

const reportCard = (name) => page.locator('article.report', { hasText: name });
const rowsOf = (selector) => page.$$eval(`${selector} tbody tr`, (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));

// The stored (uncompressed) entries of a zip: name -> bytes.
function unzipStored(zip) {
  const entries = new Map();
  let at = 0;
  while (zip.readUInt32LE(at) === 0x04034b50) {
    assert.equal(zip.readUInt16LE(at + 8), 0, 'entries are stored');
    const size = zip.readUInt32LE(at + 18);
    const nameLength = zip.readUInt16LE(at + 26);
    const extra = zip.readUInt16LE(at + 28);
    const name = zip.toString('utf8', at + 30, at + 30 + nameLength);
    const start = at + 30 + nameLength + extra;
    entries.set(name, zip.subarray(start, start + size));
    at = start + size;
  }
  return entries;
}

test('a Parquet file written by pyarrow loads like a CSV, with rejects by row number; the module is fetched then, once', async () => {
  assert.ok(!requests.some((u) => u.includes('pkg-parquet')), 'the Parquet module was fetched before any Parquet file');
  const bytes = await readFile(join(FIXTURES, 'pyarrow_snappy.parquet'));
  await drop(page, [{ name: 'campaigns.parquet', bytes }]);
  await reportCard('campaigns.parquet').waitFor({ timeout: 60_000 });
  await page.waitForFunction(() => document.getElementById('progress').hidden, null, { timeout: 60_000 });
  const card = await reportCard('campaigns.parquet').textContent();
  assert.match(card, /Campaigns/);
  assert.match(card, /Read\s*6/);
  assert.match(card, /Loaded\s*4/);
  assert.match(card, /Rejected\s*2/);
  assert.match(card, /Extra columns kept: loaded_at, score/);
  await page.click('article.report >> text=First rejected rows');
  const rejected = await page.$$eval('article.report table.mini tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
  assert.deepEqual(rejected.map((r) => r.slice(0, 2)), [['3', 'clicks'], ['5', 'spend']]);
  assert.equal(requests.filter((u) => u.includes(MODULE)).length, 1, 'the module is fetched once');
  // The dashboards show the file's tenants.
  await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 3, null, { timeout: 30_000 });
  const tenants = (await rowsOf('table[data-dashboard="campaign_summary"]')).map((r) => r[0]);
  assert.deepEqual(tenants, ['t1', 't2', 't3']);
  await shot(page, 'parquet-loaded');
  await expectAccessible(page, 'a Parquet file loaded, its rejects open');

  // A codec the page does not read is named in the file's report.
  await drop(page, [{ name: 'brotli.parquet', bytes: await readFile(join(FIXTURES, 'pyarrow_brotli.parquet')) }]);
  await reportCard('brotli.parquet').waitFor({ timeout: 60_000 });
  assert.match(await reportCard('brotli.parquet').textContent(), /BROTLI.*snappy/);
  assert.equal(requests.filter((u) => u.includes(MODULE)).length, 1, 'still fetched once');
});

test('the export downloads a zip of Parquet files that reloads to the same dashboards', async () => {
  await page.click('#forget');
  await page.waitForFunction(() => !document.querySelector('article.report'), null, { timeout: 30_000 });
  await page.setInputFiles('#file-input', SEED_FILES);
  // The seed's tenants (the previous test's t1-t3 table may still be in the page).
  await page.waitForFunction(() => document.querySelectorAll('article.report').length === 2
    && document.querySelector('table[data-dashboard="campaign_summary"] tbody tr td')?.textContent === 'tenant_001'
    && document.getElementById('progress').hidden, null, { timeout: 60_000 });
  const dashboard = await rowsOf('table[data-dashboard="campaign_summary"]');

  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    page.focus('#export-parquet').then(() => page.keyboard.press('Enter')),
  ]);
  assert.equal(download.suggestedFilename(), 'warehouse-parquet.zip');
  const zip = await readFile(await download.path());
  const entries = unzipStored(zip);
  assert.deepEqual([...entries.keys()], ['fact_campaigns', 'dim_sales_targets', 'dim_customers', 'dim_date',
    'dim_tenant', 'dim_region', 'dim_product', 'dim_channel', 'dim_campaign'].map((t) => `${t}.parquet`));
  for (const [name, bytes] of entries) {
    assert.equal(bytes.subarray(0, 4).toString(), 'PAR1', name);
    assert.equal(bytes.subarray(-4).toString(), 'PAR1', name);
  }
  await expectAccessible(page, 'after a Parquet export');

  // Dropped into an empty page, the export's tables give the same numbers.
  await page.click('#forget');
  await page.waitForFunction(() => !document.querySelector('article.report'), null, { timeout: 30_000 });
  await drop(page, ['fact_campaigns.parquet', 'dim_sales_targets.parquet'].map((name) => ({ name, bytes: entries.get(name) })));
  await page.waitForFunction(() => document.querySelectorAll('article.report').length === 2
    && document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 3
    && document.getElementById('progress').hidden && window.__bi.firstChartAt !== null, null, { timeout: 60_000 });
  const reloaded = await rowsOf('table[data-dashboard="campaign_summary"]');
  assert.deepEqual(reloaded, dashboard);
  assert.deepEqual(reloaded.map((r) => r[0]), Object.keys(SUMMARY));
  const cards = await page.$$eval('article.report', (a) => a.map((c) => c.textContent));
  assert.ok(cards.every((c) => /Rejected\s*0/.test(c)), cards.join('\n'));
});
