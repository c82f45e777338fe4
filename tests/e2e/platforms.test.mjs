// End to end, ad-platform exports in the page (SPEC §1): a dropped export that names no
// client makes the page ask "Which client is this file for?" before it loads (one
// question per such file, the clients already loaded offered), the answer goes on the
// file's card and into the dashboards with the export's numbers, an export naming its
// account loads without a question, and the next export of the same account is
// recognised without one. The dialog passes axe-core. Run by `make test` (after
// `make wasm`):
//   node --test tests/e2e/platforms.test.mjs
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, before, browser, drop, shot, expectAccessible, waitForView, ROOT } from './harness.mjs';

const FIXTURES = join(ROOT, 'tests', 'fixtures', 'platforms');
const GOOGLE = 'google_ads_campaign_report.csv';
const META = 'meta_ads_manager_export.csv';
const TIKTOK = 'tiktok_ads_custom_report.csv';

const session = browser('platforms', { viewport: { width: 1280, height: 900 } });
let page;

before(async () => { page = await session.open(); });
after(() => assert.deepEqual(session.errors, [], 'uncaught errors in the page'));

const fixture = (name) => ({ name, path: join(FIXTURES, name) });
const card = (name) => page.locator('article.report', { hasText: name });
const dialog = () => page.locator('dialog.client-dialog[open]');
// campaign_summary: tenant -> [campaigns, spend, revenue] as the page shows them.
async function summary() {
  return page.$$eval('table[data-dashboard="campaign_summary"]', ([table]) => {
    const head = [...table.querySelectorAll('thead th')].map((c) => c.textContent.trim());
    const at = (name) => head.findIndex((h) => h.toLowerCase().startsWith(name));
    const out = {};
    for (const row of table.querySelectorAll('tbody tr')) {
      const cells = [...row.cells].map((c) => c.textContent.trim());
      out[cells[0]] = [cells[at('campaigns')], cells[at('spend')], cells[at('revenue')]];
    }
    return out;
  });
}

test('a Google Ads export naming no client asks which client it is for, and loads under the answer', async () => {
  await drop(page, [fixture(GOOGLE)]);
  await dialog().waitFor({ timeout: 60_000 });
  assert.match(await dialog().textContent(), /Which client is this file for\?/);
  assert.match(await dialog().textContent(), /Google Ads export/);
  // Nothing loads before the answer.
  assert.equal(await page.evaluate(() => window.__bi.state.reports.length), 0);
  await expectAccessible(page, 'the client question');
  // An empty name is refused with a message, the dialog stays.
  await page.click('dialog.client-dialog button[type="submit"]');
  assert.match(await page.textContent('#client-error'), /Type the client’s name/);
  await page.fill('#client-new', 'Northwind Outdoor');
  await shot(page, 'client-question');
  await page.click('dialog.client-dialog button[type="submit"]');
  await waitForView(page, { tenants: 1, files: 1 });
  const text = await card(GOOGLE).textContent();
  assert.match(text, /Google Ads export · Client Northwind Outdoor \(chosen for this file\) · Money in USD/);
  assert.match(text, /Read\s*10/);
  assert.match(text, /Loaded\s*6/);
  assert.match(text, /Rejected\s*4/);
  await card(GOOGLE).locator('text=First rejected rows').click();
  const reasons = await card(GOOGLE).locator('table.mini tbody td:nth-child(3)').allTextContents();
  assert.deepEqual(reasons, ['totals row', 'totals row', 'totals row', 'totals row']);
  assert.deepEqual(await summary(), { 'Northwind Outdoor': ['6', '382.71', '4,266.05'] });
});

test('several files: one question for the one naming no client, which offers the clients loaded', async () => {
  await drop(page, [fixture(META), fixture(TIKTOK)]);
  await dialog().waitFor({ timeout: 60_000 });
  assert.match(await dialog().textContent(), /tiktok_ads_custom_report\.csv/);
  assert.match(await dialog().textContent(), /TikTok Ads export/);
  // The Meta export names its account: it loaded without a question.
  await card(META).waitFor({ timeout: 60_000 });
  assert.match(await card(META).textContent(), /Meta Ads export · Client from its account column Account ID · Money in USD/);
  const offered = await dialog().locator('input[name="client"]').evaluateAll((inputs) => inputs.map((i) => i.value));
  assert.deepEqual(offered, ['1029384756', 'Northwind Outdoor', '']);
  await expectAccessible(page, 'the client question with clients to pick');
  await dialog().locator('label', { hasText: 'Northwind Outdoor' }).click();
  await page.click('dialog.client-dialog button[type="submit"]');
  await waitForView(page, { tenants: 2, files: 3 });
  assert.match(await card(TIKTOK).textContent(), /TikTok Ads export · Client Northwind Outdoor \(chosen for this file\)/);
  // Google Ads' 6 rows and TikTok's 4 under one client: 382.71 + 309.55 spend,
  // 4,266.05 + 1,284.50 revenue.
  assert.deepEqual(await summary(), {
    1029384756: ['4', '481.79', '3,401.75'],
    'Northwind Outdoor': ['10', '692.26', '5,550.55'],
  });
});

test('the next export of the same account loads under the client remembered, without a question', async () => {
  // Another Google Ads download of the same account: the same campaigns, a later day.
  const bytes = await readFile(join(FIXTURES, GOOGLE));
  const text = bytes.subarray(2).toString('utf16le').replaceAll('2024-12-02', '2024-12-03');
  const next = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  await drop(page, [{ name: 'google_ads_next_day.csv', bytes: next }]);
  await waitForView(page, { tenants: 2, files: 4 });
  assert.equal(await dialog().count(), 0, 'no question');
  assert.match(await card('google_ads_next_day.csv').textContent(), /Client Northwind Outdoor \(remembered for this account\)/);
  const rows = await summary();
  assert.equal(rows['Northwind Outdoor'][0], '13');
});

test('skipping the question loads nothing from the file', async () => {
  const bytes = await readFile(join(FIXTURES, TIKTOK));
  const other = Buffer.from(bytes.toString('utf8').replaceAll('181812345678901', '272712345678901'));
  await drop(page, [{ name: 'tiktok_other_account.csv', bytes: other }]);
  await dialog().waitFor({ timeout: 60_000 });
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('dialog.client-dialog'));
  // The queue goes on (the view is computed again); nothing of the file comes.
  await waitForView(page, { tenants: 2 });
  await page.waitForTimeout(500);
  assert.equal(await card('tiktok_other_account.csv').count(), 0);
  assert.equal(await page.evaluate(() => window.__bi.state.reports.length), 4);
});
