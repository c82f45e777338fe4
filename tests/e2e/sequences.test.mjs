// End to end: bad sequences of user actions while a big file streams in. Each test gets
// a fresh page (its own worker and warehouse), drops files with a real drop event, and
// waits on page state only. Run by `make test` (after `make wasm`):
//   node --test tests/e2e/sequences.test.mjs
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, before, browser, drop as dropOn, expectAccessible, LOAD, SEED, SEED_SUMMARY } from './harness.mjs';

const SEED_CSV = join(SEED, 'marketing_campaigns.csv');
const HEADER = 'tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product\n';

const session = browser('sequences');
let seed;

before(async () => {
  seed = await readFile(SEED_CSV);
});

// A fresh page per test (`search`: the page's query string, for its test hooks); page
// errors fail the test.
async function withPage(fn, search = '') {
  const page = await session.open(search);
  try {
    await fn(page);
    assert.deepEqual(page.errors, [], 'uncaught errors in the page');
  } finally {
    await page.close();
  }
}

// Drops files on the page with a real drop event (the harness's), built in the page, and
// returns what the page showed at the moment of the drop (so a test can prove a stream
// was running). `files`: [{name, text | bytes}] sent from here, or
// [{name, generate: [[tenant, rows]]}] generated in the page: a campaigns CSV with the
// seed header, `rows` rows per tenant, each with its own campaign id, 1000 impressions,
// 10 clicks, 1 conversion, spend 5.00 and revenue 9.00 (about 80 bytes a row); or
// [{name, customers: [[tenant, rows]]}]: a customers JSON array generated in the page
// (about 150 bytes a row).
async function drop(page, files) {
  const payload = files.map(({ name, text, bytes, generate, customers }) => ({
    name, generate, customers, b64: generate || customers ? null : Buffer.from(text ?? bytes).toString('base64'),
  }));
  const transfer = await page.evaluateHandle(({ list, header }) => {
    const dt = new DataTransfer();
    for (const { name, b64, generate, customers } of list) {
      if (customers) {
        const parts = ['['];
        let first = true;
        for (const [tenant, rows] of customers) {
          for (let start = 0; start < rows; start += 10_000) {
            let block = '';
            for (let i = start; i < Math.min(rows, start + 10_000); i++) {
              block += `${first ? '' : ','}{"tenant_id":"${tenant}","customer_id":"cust_${i}","customer_name":"Customer ${i}","region":"North","product_preference":"Product A","total_spent":"${(i % 500) + 10}.50","total_orders":${1 + (i % 9)}}`;
              first = false;
            }
            parts.push(block);
          }
        }
        parts.push(']');
        dt.items.add(new File(parts, name));
      } else if (generate) {
        const parts = [header];
        for (const [tenant, rows] of generate) {
          for (let start = 0; start < rows; start += 10_000) {
            let block = '';
            for (let i = start; i < Math.min(rows, start + 10_000); i++) {
              block += `${tenant},camp_${tenant}_${i},Big ${i} - Search,2024-11-${String(1 + (i % 28)).padStart(2, '0')},1000,10,1,5.00,9.00,North,Product A\n`;
            }
            parts.push(block);
          }
        }
        dt.items.add(new File(parts, name));
      } else {
        const bin = atob(b64);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        dt.items.add(new File([bytes], name));
      }
    }
    return dt;
  }, { list: payload, header: HEADER });
  return dropOn(page, transfer);
}

// Starts streaming a generated file and waits until rows are flowing.
async function startBig(page, name, generate) {
  // Each 4 MB slice the page reads from the file comes 120 ms late, so the load lasts
  // some seconds however fast the machine and the engine are: the actions these tests
  // take "during a load" must find it running (a faster engine made them race).
  await page.evaluate(() => {
    const read = Blob.prototype.arrayBuffer;
    Blob.prototype.arrayBuffer = async function slowRead() {
      const bytes = await read.call(this);
      if (this.size >= 1 << 20) await new Promise((resolve) => { setTimeout(resolve, 120); });
      return bytes;
    };
  });
  const at = await drop(page, [{ name, generate }]);
  assert.ok(at.sizes[0] > 60e6, `${name} is only ${at.sizes[0]} bytes`);
  // This file's figures (the size names it), not those left by a previous file.
  const of = `of ${(at.sizes[0] / 1e6).toLocaleString('en-US', { maximumFractionDigits: 2 })} MB`;
  await page.waitForFunction(({ label, of }) => document.getElementById('progress-label').textContent === label
    && document.getElementById('progress-detail').textContent.includes(of)
    && /rows\/s/.test(document.getElementById('progress-detail').textContent), { label: `Loading ${name}`, of }, LOAD);
  return at.sizes[0];
}

// The load reports, reduced to what matters here.
const reports = (page) => page.evaluate(() => window.__bi.state.reports.map((r) => ({
  file: r.file, table: r.table ?? null, read: r.rows_read ?? null, loaded: r.rows_loaded ?? null,
  rejected: r.rows_rejected ?? null, error: r.error ? 'error' : null,
})));

// The campaign summary as {tenant: [campaigns, spend, revenue]}, as displayed.
const summary = (page) => page.evaluate(() => {
  const table = document.querySelector('table[data-dashboard="campaign_summary"]');
  if (!table) return {};
  const head = [...table.tHead.rows[0].cells].map((c) => c.textContent);
  const col = (name) => head.findIndex((h) => h.startsWith(name));
  const [campaigns, spend, revenue] = ['Campaigns', 'Spend', 'Revenue'].map(col);
  return Object.fromEntries([...table.tBodies[0].rows].map((r) => [r.cells[0].textContent,
    [r.cells[campaigns].textContent, r.cells[spend].textContent, r.cells[revenue].textContent]]));
});

// Waits until the page is idle with `count` reports and shows `expected` as the campaign
// summary (every load of the queue done and the final view rendered), then checks it.
async function settle(page, count, expected) {
  const want = JSON.stringify(Object.entries(expected).sort());
  await page.waitForFunction(({ count, want }) => {
    if (window.__bi.state.reports.length !== count || !document.getElementById('progress').hidden) return false;
    const table = document.querySelector('table[data-dashboard="campaign_summary"]');
    if (!table) return false;
    const head = [...table.tHead.rows[0].cells].map((c) => c.textContent);
    const col = (name) => head.findIndex((h) => h.startsWith(name));
    const [campaigns, spend, revenue] = ['Campaigns', 'Spend', 'Revenue'].map(col);
    const got = Object.fromEntries([...table.tBodies[0].rows].map((r) => [r.cells[0].textContent,
      [r.cells[campaigns].textContent, r.cells[spend].textContent, r.cells[revenue].textContent]]));
    return JSON.stringify(Object.entries(got).sort()) === want;
  }, { count, want }, LOAD).catch(() => {});
  assert.deepEqual(await summary(page), expected);
  assert.equal(await page.evaluate(() => window.__bi.state.reports.length), count);
  assert.ok(await page.isHidden('#progress'), 'the progress bar is still shown');
}

const errorText = (page) => page.textContent('#errors');
const seedRows = { tenant_001: ['100', ...SEED_SUMMARY.tenant_001], tenant_002: ['100', ...SEED_SUMMARY.tenant_002], tenant_003: ['100', ...SEED_SUMMARY.tenant_003] };
const money = (n) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const count = (n) => n.toLocaleString('en-US');
// What `rows` generated rows of one tenant add up to in the summary.
const bigRow = (rows) => [count(rows), money(rows * 5), money(rows * 9)];
const seedReport = { file: 'marketing_campaigns.csv', table: 'fact_campaigns', read: 300, loaded: 300, rejected: 0, error: null };
const bigReport = (file, rows) => ({ file, table: 'fact_campaigns', read: rows, loaded: rows, rejected: 0, error: null });

async function loadSeed(page) {
  await drop(page, [{ name: 'marketing_campaigns.csv', bytes: seed }]);
  await settle(page, 1, seedRows);
}

async function pick(page, filter, value) {
  await page.click(`#${filter} summary`);
  await page.click(`#${filter} input[value="${value}"]`);
  await page.click('h1');
}

test('a second file dropped while the first streams is queued, and both load', async () => {
  await withPage(async (page) => {
    const rows = 1_000_000;
    await startBig(page, 'big.csv', [['tenant_big', rows]]);
    const at = await drop(page, [{ name: 'marketing_campaigns.csv', bytes: seed }]);
    assert.deepEqual([at.streaming, at.label, at.reports], [true, 'Loading big.csv', 0], 'the second drop came after the first stream ended');
    // The stream goes on with the second file queued, and can still be cancelled.
    const value = await page.evaluate(() => document.getElementById('progress-bar').value);
    await page.waitForFunction((v) => document.getElementById('progress-bar').value > v
      || document.getElementById('progress').hidden || window.__bi.state.reports.length > 0, value, LOAD);
    assert.ok(await page.isEnabled('#cancel'));
    await settle(page, 2, { tenant_big: bigRow(rows), ...seedRows });
    assert.deepEqual(await reports(page), [bigReport('big.csv', rows), seedReport]);
    assert.equal(await errorText(page), '');
    // Still usable: scope to one tenant and back.
    await pick(page, 'tenant-filter', 'tenant_003');
    await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 1);
    assert.deepEqual(await summary(page), { tenant_003: seedRows.tenant_003 });
    await page.click('#reset');
    await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 4);
    await page.click('button[data-tab="campaign_performance"]');
    assert.match(await page.textContent('[data-panel="campaign_performance"] .pager span'), /Rows 1–50 of 1,000,300/);
  });
});

test('switching tenant and filters during a load: the final view is the chosen tenant with all its data', async () => {
  await withPage(async (page) => {
    await loadSeed(page);
    // tenant_002 gets more rows from the big file; tenant_big is new. Big enough (about
    // 130 MB) that the load still runs after the four filter changes below on a busy
    // machine (with 800,000 rows it sometimes ended first).
    await startBig(page, 'big.csv', [['tenant_002', 200_000], ['tenant_big', 1_400_000]]);
    // Mid-stream: scope to tenant_001, narrow to a channel, reset, then scope to tenant_002.
    await pick(page, 'tenant-filter', 'tenant_001');
    await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 1);
    await pick(page, 'channel-filter', 'Search');
    await page.click('#reset');
    // Picked before the view of the reset comes back (the worker is busy streaming):
    // the reset selection (tenant_001) must not come back with it.
    await pick(page, 'tenant-filter', 'tenant_002');
    assert.equal(await page.evaluate(() => !document.getElementById('progress').hidden
      && document.getElementById('progress-label').textContent), 'Loading big.csv', 'the load ended before the filters were switched');
    // Seed 100 campaigns + 200,000 at 5.00 spend and 9.00 revenue each.
    await settle(page, 2, { tenant_002: ['200,100', '1,555,844.88', '2,809,722.20'] });
    assert.deepEqual(await reports(page), [seedReport, bigReport('big.csv', 1_600_000)]);
    assert.equal(await errorText(page), '');
    // The picker shows the chosen tenant and now offers the new one.
    assert.equal((await page.textContent('#tenant-filter summary')).trim(), 'tenant_002');
    assert.ok(await page.isChecked('#tenant-filter input[value="tenant_002"]'));
    assert.ok(await page.$('#tenant-filter input[value="tenant_big"]'));
    assert.deepEqual(await page.evaluate(() => window.__bi.state.query),
      { tenants: ['tenant_002'], from: null, to: null, regions: [], products: [], channels: [] });
    // KPI tiles, charts and tables hold nothing of another tenant.
    assert.match(await page.getAttribute('.kpi:first-child .kpi-value', 'title'), /^\$1,555,844\.88$/);
    const text = await page.evaluate(() => ['kpis', 'charts', 'tables'].map((id) => document.getElementById(id).textContent).join('\n'));
    const view = await page.evaluate(() => JSON.stringify({ ...window.__bi.state.view, options: null }));
    for (const other of ['tenant_001', 'tenant_003', 'tenant_big']) {
      assert.ok(!text.includes(other), `page shows ${other}`);
      assert.ok(!view.includes(other), `view data holds ${other}`);
    }
    for (const needle of [...SEED_SUMMARY.tenant_001, ...SEED_SUMMARY.tenant_003, '3,000,000.00']) assert.ok(!text.includes(needle), `page shows ${needle}`);
    await page.click('button[data-tab="campaign_performance"]');
    assert.match(await page.textContent('[data-panel="campaign_performance"] .pager span'), /of 200,100$/);
  });
});

test('cancelling halfway keeps earlier data; files dropped during and after the cancelled load still load', async () => {
  await withPage(async (page) => {
    await loadSeed(page);
    await startBig(page, 'big.csv', [['tenant_big', 1_000_000]]);
    // Queued behind the stream, a separate drop: cancelling big.csv must not drop it.
    const queued = 'tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product\n'
      + 'tenant_new,n1,New 1 - Search,2024-11-02,100,10,1,5.00,7.00,North,Product A\n'
      + 'tenant_new,n2,New 2 - Email,2024-11-03,100,10,1,6.00,8.00,South,Product B\n';
    const at = await drop(page, [{ name: 'queued.csv', text: queued }]);
    assert.deepEqual([at.streaming, at.label], [true, 'Loading big.csv']);
    // Cancel (a click on the button) as soon as 30% of big.csv is in; a push may be on
    // its way, so at least one more slice goes in before the page stops.
    const cancelledAt = await (await page.waitForFunction(() => {
      const value = document.getElementById('progress-bar').value;
      if (document.getElementById('progress-label').textContent !== 'Loading big.csv' || value < 0.3) return false;
      document.getElementById('cancel').click();
      return value;
    }, null, LOAD)).jsonValue();
    assert.ok(cancelledAt < 0.9, `cancelled only at ${cancelledAt}`);
    await settle(page, 2, { ...seedRows, tenant_new: ['2', '11.00', '15.00'] });
    assert.match(await errorText(page), /Loading big\.csv was cancelled; nothing from it was added\./);
    assert.equal(await page.locator('#errors .error').count(), 1);
    assert.ok(!(await page.evaluate(() => window.__bi.state.view.options.tenants)).includes('tenant_big'));
    // After the cancel, the next drop loads in full (the cancel does not stick).
    await page.click('#errors .close');
    await drop(page, [{ name: 'after.csv', text: queued.replace(/tenant_new/g, 'tenant_after') }]);
    await settle(page, 3, { ...seedRows, tenant_after: ['2', '11.00', '15.00'], tenant_new: ['2', '11.00', '15.00'] });
    assert.deepEqual((await reports(page)).map((r) => [r.file, r.loaded, r.error]),
      [['marketing_campaigns.csv', 300, null], ['queued.csv', 2, null], ['after.csv', 2, null]]);
    assert.equal(await errorText(page), '');
  });
});

test('a broken file dropped during a stream shows its error; earlier and streamed data stay', async () => {
  await withPage(async (page) => {
    await loadSeed(page);
    const rows = 900_000;
    await startBig(page, 'big.csv', [['tenant_big', rows]]);
    // The broken file and a good one, in one drop behind the stream.
    const good = 'tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n'
      + 'tenant_good,g1,2024-11-05,100,10,1,4.00,6.00\n';
    const at = await drop(page, [{ name: 'broken.csv', text: 'hello,world\n1,2\n' }, { name: 'good.csv', text: good }]);
    assert.deepEqual([at.streaming, at.label], [true, 'Loading big.csv']);
    await page.waitForSelector('#errors .error', LOAD);
    await settle(page, 4, { ...seedRows, tenant_big: bigRow(rows), tenant_good: ['1', '4.00', '6.00'] });
    const error = await errorText(page);
    assert.match(error, /broken\.csv/);
    assert.match(error, /could not be loaded/);
    assert.doesNotMatch(error, /big\.csv|good\.csv/);
    const got = await reports(page);
    assert.deepEqual(got.filter((r) => r.file !== 'broken.csv'),
      [seedReport, bigReport('big.csv', rows), { file: 'good.csv', table: 'fact_campaigns', read: 1, loaded: 1, rejected: 0, error: null }]);
    assert.equal(got.find((r) => r.file === 'broken.csv')?.error, 'error');
    assert.ok(await page.isVisible('.report.failed'));
  });
});

// --- Hardening: the memory budget and cancel (docs/formats.md, docs/browser.md) --------

const SMALL = 'tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product\n'
  + 'tenant_new,n1,New 1 - Search,2024-11-02,100,10,1,5.00,7.00,North,Product A\n'
  + 'tenant_new,n2,New 2 - Email,2024-11-03,100,10,1,6.00,8.00,South,Product B\n';
const smallRows = { tenant_new: ['2', '11.00', '15.00'] };

test('a file too big for the memory budget is refused like any load error; earlier data stays and later loads work', async () => {
  // The `memoryBudget` hook (docs/browser.md) sets a 64 MiB budget in the worker before
  // anything loads; the generated file stages well over 100 MB.
  const budget = 64 * 1024 * 1024;
  await withPage(async (page) => {
    assert.deepEqual(await page.evaluate(() => window.__bi.memory().then((m) => m.budget)), budget);
    await loadSeed(page);
    const before = await summary(page);
    await drop(page, [{ name: 'huge.csv', generate: [['tenant_huge', 1_500_000]] }]);
    await page.waitForSelector('#errors .error', LOAD);
    await settle(page, 2, seedRows);
    assert.deepEqual(await summary(page), before);
    const error = await errorText(page);
    assert.match(error, /“huge\.csv” could not be loaded: out of memory/);
    assert.match(error, /memory budget of 64\.0 MiB/);
    assert.match(error, /Split the file into smaller ones, load fewer files at once/);
    assert.match(error, /Data already loaded is unchanged\./);
    assert.deepEqual(await reports(page), [seedReport,
      { file: 'huge.csv', table: null, read: 0, loaded: 0, rejected: 0, error: 'error' }]);
    assert.ok(await page.isVisible('.report.failed'));
    await expectAccessible(page, 'out of memory');
    // The engine gave the refused file's memory back, and the page still works.
    const memory = await page.evaluate(() => window.__bi.memory());
    assert.ok(memory.used < budget / 2, `the engine still holds ${memory.used} bytes`);
    await pick(page, 'tenant-filter', 'tenant_002');
    await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 1);
    await page.click('#reset');
    await drop(page, [{ name: 'small.csv', text: SMALL }]);
    await settle(page, 3, { ...seedRows, ...smallRows });
  }, `?memoryBudget=${budget}`);
});

test('Cancel stops only the file being loaded: files dropped with it still load, and the message says so', async () => {
  await withPage(async (page) => {
    await loadSeed(page);
    // One drop of three files; Cancel is clicked while the first streams.
    await drop(page, [{ name: 'big.csv', generate: [['tenant_big', 1_000_000]] },
      { name: 'small.csv', text: SMALL },
      { name: 'other.csv', text: SMALL.replace(/tenant_new/g, 'tenant_other') }]);
    const cancelledAt = await (await page.waitForFunction(() => {
      const value = document.getElementById('progress-bar').value;
      if (document.getElementById('progress-label').textContent !== 'Loading big.csv' || value < 0.2) return false;
      document.getElementById('cancel').click();
      return value;
    }, null, LOAD)).jsonValue();
    assert.ok(cancelledAt < 0.9, `cancelled only at ${cancelledAt}`);
    await settle(page, 3, { ...seedRows, ...smallRows, tenant_other: smallRows.tenant_new });
    assert.equal(await page.locator('#errors .error').count(), 1);
    assert.match(await errorText(page), /^Loading big\.csv was cancelled; nothing from it was added\. Cancel stops only that file: the 2 files queued after it \(“small\.csv”, “other\.csv”\) still load\.×$/);
    await expectAccessible(page, 'cancelled');
    assert.deepEqual((await reports(page)).map((r) => r.file), ['marketing_campaigns.csv', 'small.csv', 'other.csv']);
  });
});

test('a cancel clicked while the file is being checked cancels it; while it is added, Cancel is disabled', async () => {
  await withPage(async (page) => {
    await loadSeed(page);
    // A JSON file is parsed whole once its bytes are in ("Checking big.json"), which
    // takes long enough to click Cancel then.
    const customers = [['tenant_001', 400_000]];
    await drop(page, [{ name: 'big.json', customers }]);
    await page.waitForFunction(() => {
      if (document.getElementById('progress-label').textContent !== 'Checking big.json') return false;
      document.getElementById('cancel').click();
      return true;
    }, null, LOAD);
    await page.waitForSelector('#errors .error', LOAD);
    await settle(page, 1, seedRows);
    assert.match(await errorText(page), /^Loading big\.json was cancelled; nothing from it was added\.×$/);
    assert.deepEqual(await page.evaluate(() => window.__bi.state.view.tables.customer_summary.rows), []);

    // Loaded again without a cancel: record the progress label and the button's state at
    // each change, to see the phases and that Cancel is disabled while the file is added.
    await page.click('#errors .close');
    await page.evaluate(() => {
      window.__phases = [];
      const record = () => window.__phases.push([document.getElementById('progress-label').textContent,
        document.getElementById('cancel').disabled, document.getElementById('progress').hidden]);
      new MutationObserver(record).observe(document.getElementById('progress'), { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await drop(page, [{ name: 'big2.json', customers }]);
    await page.waitForFunction(() => window.__bi.state.reports.length === 2 && document.getElementById('progress').hidden, null, LOAD);
    const phases = await page.evaluate(() => window.__phases.filter(([, , hidden]) => !hidden));
    const labels = [...new Set(phases.map(([label]) => label))];
    assert.deepEqual(labels, ['Loading big2.json', 'Checking big2.json', 'Adding big2.json']);
    for (const [label, disabled] of phases) assert.equal(disabled, label.startsWith('Adding'), `${label}: disabled ${disabled}`);
    assert.deepEqual((await reports(page))[1], { file: 'big2.json', table: 'dim_customers', read: 400_000, loaded: 400_000, rejected: 0, error: null });
    assert.equal(await errorText(page), '');
    assert.ok(await page.isEnabled('#cancel'));
  });
});
