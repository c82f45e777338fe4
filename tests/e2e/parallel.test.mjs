// End to end: a large delimited file is read by every core (www/worker.js hands runs of
// plain lines to www/parse-worker.js), and the page ends up exactly where one worker
// would have taken it; a file whose lines hold quoted fields is read by one worker and
// says so; cancelling a multi-worker load keeps the data loaded before.
//   node --test tests/e2e/parallel.test.mjs
import assert from 'node:assert/strict';
import { test, browser, drop, expectAccessible, LOAD } from './harness.mjs';

const session = browser('parallel', { viewport: { width: 1280, height: 900 } });

async function open(query = '') {
  const page = await session.open(query);
  page.on('pageerror', (e) => console.error('page error:', e.message));
  return page;
}

// A campaigns file of `rows` rows built in the page (so no large transfer from node):
// skewed tenants, repeated and replaced keys (last wins), slash dates whose month/day
// rule is decided by a day-first date near the end, rejected rows spread through it,
// and quoted names only when `quoted`.
function makeFile(page, { rows, quoted = false, name = 'big.csv' }) {
  return page.evaluateHandle(({ rows, quoted, name }) => {
    const lines = ['tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region\n'];
    for (let i = 0; i < rows; i += 1) {
      const k = i < rows - 1000 ? i : i - (rows - 1000); // the last 1000 rows replace the first
      const tenant = `t${(k * 7919) % 97 < 60 ? 1 : (k % 5) + 2}`;
      const campaign = `c${k}`;
      const date = k % 3 === 0 ? `${(k % 12) + 1}/${(k % 12) + 1}/2024` : `2024-${String((k % 12) + 1).padStart(2, '0')}-${String((k % 28) + 1).padStart(2, '0')}`;
      const impressions = i % 1009 === 0 ? 'n/a' : String(1000 + (i % 5000));
      const label = quoted ? `"Wave ${i % 9}, ""spring"" - Email"` : `Wave ${i % 9} - Email`;
      lines.push(`${tenant},${campaign},${label},${date},${impressions},${i % 700},${i % 40},${(i % 9000) / 7 | 0}.${String(i % 100).padStart(2, '0')},${i % 20000}.50,${['North', 'South', 'East'][i % 3]}\n`);
    }
    lines.push('t1,late,Late - Search,25/4/2024,100,10,1,1.00,2.00,North\n');
    const dt = new DataTransfer();
    dt.items.add(new File(lines, name));
    return dt;
  }, { rows, quoted, name });
}

async function dropAndWait(page, dt, name) {
  await drop(page, dt);
  await page.waitForFunction((n) => window.__bi.state.reports.some((r) => r.file === n) && document.getElementById('progress').hidden, name, LOAD);
  // The view follows the load.
  await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length > 0);
}

const snapshot = (page) => page.evaluate(() => ({
  reports: window.__bi.state.reports.map(({ reading, ...r }) => r),
  view: JSON.stringify(window.__bi.state.view),
}));

test('a large file read by several workers loads exactly as one worker loads it', async () => {
  const many = await open();
  await dropAndWait(many, await makeFile(many, { rows: 250_000 }), 'big.csv');
  const note = await many.textContent('#reports .reading');
  assert.match(note, /^Read in parallel by \d+ workers \(.+ parsed by (one parsing worker|\d+ parsing workers) while the engine's worker added rows\)\.$/);
  const workers = Number(note.match(/by (\d+) workers/)[1]);
  assert.ok(workers >= 2, note);
  // Every run goes to the parsing workers, the first included (a piece that came
  // before the worker's module once made the engine read the first run itself).
  const [, outside, whole] = note.match(/\(([\d.]+) MB of ([\d.]+) MB parsed/).map(Number);
  assert.ok(outside > whole * 0.95, note);
  const parallel = await snapshot(many);
  assert.equal(parallel.reports[0].rows_read, 250_001);
  assert.ok(parallel.reports[0].rows_rejected > 0, 'rows rejected');
  assert.ok(parallel.reports[0].rows_replaced > 900, `${parallel.reports[0].rows_replaced} replaced`);
  await expectAccessible(many, 'read in parallel');
  await many.close();

  const one = await open('?workers=1');
  await dropAndWait(one, await makeFile(one, { rows: 250_000 }), 'big.csv');
  assert.equal(await one.$('#reports .reading'), null, 'one worker: nothing to say');
  const single = await snapshot(one);
  await one.close();
  assert.deepEqual(parallel.reports, single.reports);
  assert.equal(parallel.view, single.view);
});

test('a file with quoted fields is read by one worker, and the page says why', async () => {
  const page = await open();
  await dropAndWait(page, await makeFile(page, { rows: 60_000, quoted: true, name: 'quoted.csv' }), 'quoted.csv');
  assert.match(await page.textContent('#reports .reading'), /^Read by one worker: its lines hold quoted fields/);
  await page.close();
});

test('cancelling a multi-worker load keeps the data loaded before it', async () => {
  const page = await open();
  await dropAndWait(page, await makeFile(page, { rows: 5_000, name: 'small.csv' }), 'small.csv');
  const before = await snapshot(page);
  const big = await makeFile(page, { rows: 1_500_000, name: 'huge.csv' });
  await drop(page, big);
  // Cancel once some of it was read (by the workers, pieces at a time).
  await page.waitForFunction(() => document.getElementById('progress-bar').value > 0.2, null, { timeout: 120_000 });
  await page.click('#cancel');
  await page.waitForFunction(() => /huge\.csv was cancelled/.test(document.getElementById('errors').textContent), null, { timeout: 120_000 });
  await page.waitForFunction(() => document.getElementById('progress').hidden);
  assert.deepEqual(await snapshot(page), before);
  // And the next file loads in parallel again.
  await dropAndWait(page, await makeFile(page, { rows: 250_000, name: 'again.csv' }), 'again.csv');
  assert.match(await page.textContent('#reports article:last-child .reading'), /^Read in parallel by/);
  await page.close();
});
