// End to end: the warehouse is kept in this browser (www/keep.js, src/snapshot.rs) and
// comes back on reload, before any new load; "Forget all data" removes it; a damaged
// snapshot is refused with a message and an empty, working page; two tabs never leave a
// mixed snapshot. One browser profile for the whole file, reused across reloads, as a
// user's browser would be.
//   node --test tests/e2e/persist.test.mjs
import assert from 'node:assert/strict';
import { test, browser, loadSeed as loadFiles, waitReady, forgetKept, shot, expectAccessible, LOAD, SEED_FILES, SEED_SUMMARY as SUMMARY } from './harness.mjs';

const session = browser('keep');

// A page of the shared profile, with what an earlier page kept (page errors fail the
// test; "Forget all data"'s confirmation is accepted).
const open = (search = '') => session.open(search, { forget: false });

async function reload(page) {
  await page.reload();
  await waitReady(page);
}

// Everything the dashboards show: KPI tiles, every table, the files' reports.
const shown = (page) => page.evaluate(() => ({
  kpis: document.getElementById('kpis').textContent,
  tables: [...document.querySelectorAll('table[data-dashboard]')].map((t) => [t.dataset.dashboard, t.textContent]),
  files: [...document.querySelectorAll('#reports .report')].map((r) => r.textContent),
  workspace: !document.getElementById('workspace').hidden,
}));

const summary = (page) => page.$$eval('table[data-dashboard="campaign_summary"] tbody tr',
  (rows) => Object.fromEntries(rows.map((r) => [r.cells[0].textContent, [...r.cells].map((c) => c.textContent)])));

// The seed files, loaded and kept in the browser.
const loadSeed = (page) => loadFiles(page, { kept: true });

// The names in this origin's private file system.
const opfsNames = (page) => page.evaluate(async () => {
  const names = [];
  for await (const name of (await navigator.storage.getDirectory()).keys()) names.push(name);
  return names.sort();
});

async function forget(page) {
  await page.click('#forget');
  await page.waitForFunction(() => document.getElementById('files').hidden && document.getElementById('workspace').hidden);
}

test('the seed files come back after a reload, before any load; Forget all data empties it', async () => {
  const page = await open();
  await loadSeed(page);
  const before = await shown(page);
  const kept = await page.textContent('#kept');
  assert.match(kept, /^Kept in this browser · \d+(\.\d+)? KB$/);
  assert.deepEqual(await opfsNames(page), ['warehouse.snapshot']);
  await expectAccessible(page, 'kept in this browser');

  await reload(page);
  // Restored before the page said it was ready: nothing was loaded since.
  const restored = await page.evaluate(() => window.__bi.restored);
  assert.equal(restored.problem, null);
  assert.deepEqual(restored.reports.map((r) => [r.file, r.table, r.rows_loaded]),
    [['marketing_campaigns.csv', 'fact_campaigns', 300], ['sales_targets.xlsx', 'dim_sales_targets', 720]]);
  console.log(`seed files: snapshot ${restored.kept} bytes, restored in ${restored.ms.toFixed(1)} ms`
    + ` (read ${restored.readMs.toFixed(1)} ms, engine ${restored.restoreMs.toFixed(1)} ms)`);
  await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 3);
  assert.deepEqual(await shown(page), before);
  const rows = await summary(page);
  for (const [tenant, [spend, revenue]] of Object.entries(SUMMARY)) {
    assert.ok(rows[tenant].includes(spend) && rows[tenant].includes(revenue), `${tenant}: ${rows[tenant]}`);
  }
  assert.equal(await page.textContent('#kept'), kept);
  await shot(page, 'kept-after-reload');
  await expectAccessible(page, 'restored after a reload');

  // The same file again is recognised after the restore (the fingerprints are kept).
  await page.setInputFiles('#file-input', SEED_FILES[0]);
  await page.waitForFunction(() => window.__bi.state.reports.length === 3, null, LOAD);
  assert.equal(await page.evaluate(() => window.__bi.state.reports[2].unchanged_from), 'marketing_campaigns.csv');

  await forget(page);
  assert.deepEqual(await opfsNames(page), []);
  assert.ok(await page.evaluate(() => document.getElementById('dropzone').classList.contains('empty')));
  await expectAccessible(page, 'all data forgotten');
  await reload(page);
  assert.equal(await page.evaluate(() => window.__bi.restored.reports.length), 0);
  assert.deepEqual(await shown(page), { kpis: '', tables: [], files: [], workspace: false });
  assert.equal(await page.locator('#errors .error').count(), 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});

// Damages the kept snapshot (`how`: flip bytes, cut it in half, or replace it with
// text), from the page's main thread.
async function damage(page, how) {
  await page.evaluate(async (how) => {
    const dir = await navigator.storage.getDirectory();
    const handle = await dir.getFileHandle('warehouse.snapshot');
    let bytes = new Uint8Array(await (await handle.getFile()).arrayBuffer());
    if (how === 'flip') {
      for (const at of [bytes.length >> 1, bytes.length >> 2, bytes.length - 20]) bytes[at] ^= 0x5a;
    } else if (how === 'truncate') {
      bytes = bytes.slice(0, bytes.length >> 1);
    } else if (how === 'garbage') {
      bytes = new TextEncoder().encode('not a snapshot at all, just garbage');
    }
    const writable = await handle.createWritable();
    await writable.write(bytes);
    await writable.close();
  }, how);
}

for (const [how, message] of [
  ['flip', /could not be restored: it is damaged \(checksum mismatch\)/],
  ['truncate', /could not be restored: it is truncated: \d+ bytes where the snapshot needs \d+/],
  ['garbage', /could not be restored: it is not a bi-platform snapshot/],
]) {
  test(`a ${how === 'flip' ? 'damaged' : how === 'truncate' ? 'truncated' : 'foreign'} snapshot is refused with a message and an empty, working page`, async () => {
    const page = await open();
    await loadSeed(page);
    await damage(page, how);
    await reload(page);
    await page.waitForSelector('#errors .error');
    const error = await page.textContent('#errors');
    assert.match(error, message);
    assert.match(error, /The page starts empty; the next file you load replaces what was kept\./);
    assert.deepEqual(await shown(page), { kpis: '', tables: [], files: [], workspace: false });
    if (how === 'flip') await shot(page, 'kept-damaged');
    await expectAccessible(page, `${how} snapshot refused`);

    // The page works: a load shows the dashboards and is kept, replacing the bad copy.
    await page.click('#errors .close');
    await loadSeed(page);
    assert.deepEqual(Object.keys(await summary(page)).sort(), Object.keys(SUMMARY));
    await reload(page);
    assert.equal(await page.locator('#errors .error').count(), 0);
    await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 3);
    await forget(page);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}

test('IndexedDB keeps the data where OPFS is not used', async () => {
  const page = await open('?keep=indexeddb');
  await loadSeed(page);
  assert.equal(await page.evaluate(() => window.__bi.kept.problem), null);
  assert.deepEqual(await opfsNames(page), [], 'nothing in OPFS');
  const before = await shown(page);
  await reload(page);
  await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 3);
  assert.deepEqual(await shown(page), before);
  await forget(page);
  await reload(page);
  assert.deepEqual(await shown(page), { kpis: '', tables: [], files: [], workspace: false });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('two tabs loading at once leave one whole snapshot, which both restore', async () => {
  const [a, b] = [await open(), await open()];
  const csv = (tenant) => Buffer.from('tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n'
    + Array.from({ length: 2000 }, (_, i) => `${tenant},c${i},2024-11-${String(1 + (i % 28)).padStart(2, '0')},1000,10,1,5.00,9.00`).join('\n'));
  await Promise.all([
    a.setInputFiles('#file-input', { name: 'a.csv', mimeType: 'text/csv', buffer: csv('tenant_a') }),
    b.setInputFiles('#file-input', { name: 'b.csv', mimeType: 'text/csv', buffer: csv('tenant_b') }),
  ]);
  for (const page of [a, b]) await page.waitForFunction(() => window.__bi.kept?.kept > 0, null, LOAD);
  await Promise.all([reload(a), reload(b)]);
  const files = await Promise.all([a, b].map((p) => p.evaluate(() => window.__bi.state.reports.map((r) => r.file))));
  assert.deepEqual(files[0], files[1], 'both tabs restore the same warehouse');
  assert.ok(['a.csv', 'b.csv'].includes(files[0][0]) && files[0].length === 1, `one tab's file: ${files[0]}`);
  await forget(a);
  for (const page of [a, b]) {
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test('a full storage quota says so, the page works, and what was kept before stays', async () => {
  const page = await open();
  await forgetKept(page, session.base);
  await reload(page);
  await loadSeed(page);
  const kept = await page.textContent('#kept');
  // The origin's quota shrinks below what the next snapshot needs.
  const cdp = await page.context().newCDPSession(page);
  const origin = new URL(session.base).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 60_000 });
  try {
    const csv = Buffer.from('tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n'
      + Array.from({ length: 5000 }, (_, i) => `tenant_q,q${i},2024-11-${String(1 + (i % 28)).padStart(2, '0')},1000,10,1,5.00,9.00`).join('\n'));
    await page.setInputFiles('#file-input', { name: 'quota.csv', mimeType: 'text/csv', buffer: csv });
    await page.waitForFunction(() => window.__bi.state.reports.length === 3 && window.__bi.kept?.problem != null, null, LOAD);
    const status = await page.textContent('#kept');
    assert.match(status, /^Not kept in this browser: this browser has no room for \d+\.\d MB \(its storage quota for this page is used up\)/);
    // The page works: the new tenant is on the dashboards.
    await page.waitForFunction(() => [...document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr')].some((r) => r.cells[0].textContent === 'tenant_q'));
    await expectAccessible(page, 'storage quota used up');
    // What was kept before the failed write comes back.
    await reload(page);
    await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 3);
    assert.deepEqual(await page.evaluate(() => window.__bi.state.reports.map((r) => r.file)), ['marketing_campaigns.csv', 'sales_targets.xlsx']);
    assert.equal(await page.textContent('#kept'), kept);
  } finally {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    await cdp.detach();
  }
  await forget(page);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('without storage (as some private windows) the page says the data is not kept, and works', async () => {
  const page = await open('?keep=none');
  await page.setInputFiles('#file-input', SEED_FILES);
  await page.waitForFunction(() => window.__bi.kept?.problem != null && document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 3, null, LOAD);
  assert.equal(await page.textContent('#kept'),
    'Not kept in this browser: this browser gives the page no storage (a private window may not), so the data stays only until this tab closes.');
  assert.equal(await page.locator('#errors .error').count(), 0, 'not an error: the page works');
  await expectAccessible(page, 'no storage');
  await reload(page);
  assert.equal(await page.evaluate(() => window.__bi.restored.reports.length), 0);
  assert.equal(await page.evaluate(() => window.__bi.restored.problem), null);
  assert.deepEqual(page.errors, []);
  await page.close();
});
