// End to end, for people who do not use a mouse or do not see the screen: axe-core's
// WCAG 2.2 A/AA rules on each state of the page (empty, loading, loaded, each tab, a
// chart's table, filtered, an error, a narrow window), and keyboard-only use (loading,
// filtering, switching tabs, exporting), visible focus, the tabs pattern, the charts'
// text alternatives against the engine's chart data, and what the live regions say.
// Run by `make test` (after `make wasm`):   node --test tests/e2e/a11y.test.mjs
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test, browser, drop, expectAccessible, checked, LOAD, SEED_FILES } from './harness.mjs';

const session = browser('a11y', { downloads: true });

after(() => {
  console.log(`axe-core: ${checked.length} states without a WCAG A/AA violation: ${checked.map((c) => c.state).join(', ')}`);
});

// A fresh page; it records what the polite status region says (window.__said) from the
// start. Page errors fail the test.
async function withPage(fn, viewport) {
  const page = await session.open('', { viewport });
  try {
    await page.evaluate(() => {
      window.__said = [];
      new MutationObserver(() => {
        const text = document.getElementById('status').textContent.trim();
        if (text) window.__said.push(text);
      }).observe(document.getElementById('status'), { childList: true, characterData: true, subtree: true });
    });
    await fn(page);
    assert.deepEqual(page.errors, [], 'uncaught errors in the page');
  } finally {
    await page.close();
  }
}

const said = (page) => page.evaluate(() => window.__said.splice(0));
const focused = (page) => page.evaluate(() => {
  const a = document.activeElement;
  return a ? { tag: a.tagName, id: a.id, key: a.dataset.key || null, tab: a.dataset.tab || null, text: a.textContent.trim().slice(0, 40), label: a.getAttribute('aria-label') } : null;
});

// Presses Tab until `match(focused)` (at most `max` presses); fails if never.
async function tabTo(page, match, what, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (f && match(f)) return f;
  }
  assert.fail(`Tab never reached ${what}`);
}

const loaded = (page, tenants = 3) => page.waitForFunction((n) => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === n
  && document.getElementById('progress').hidden && document.querySelectorAll('figcaption.chart-summary').length === 7, tenants, LOAD);

test('the empty page: what it does, how to start, which files, sample downloads; no AA violation, wide or narrow', async () => {
  await withPage(async (page) => {
    const intro = await page.textContent('#dropzone');
    for (const needle of ['Drop your marketing files here', 'CSV, TSV, XLSX or JSON', 'Try sample data', 'Add files…', 'no file is uploaded']) {
      assert.ok(intro.includes(needle), `the start page does not say "${needle}"`);
    }
    // The accepted shapes come from the engine's table declarations.
    const shapes = await page.$$eval('#shapes dt', (dts) => dts.map((d) => [d.textContent, d.nextElementSibling.textContent]));
    assert.deepEqual(shapes.map(([t]) => t), ['Campaigns', 'Sales targets', 'Customers']);
    assert.match(shapes[0][1], /^Needs tenant_id, campaign_id, date, impressions, clicks, conversions, spend, revenue; may have campaign_name, region, product, channel\./);
    assert.match(shapes[1][1], /target_revenue/);
    assert.match(shapes[2][1], /customer_id/);
    // The sample files download and load without a rejected row.
    for (const [id, name, head] of [['sample-campaigns', 'marketing_campaigns.csv', 'tenant_id,campaign_id,'],
      ['sample-targets', 'sales_targets.csv', 'tenant_id,region,product,month,'], ['sample-customers', 'customers.json', '[']]) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#${id}`)]);
      assert.equal(download.suggestedFilename(), name);
      const text = await readFile(await download.path(), 'utf8');
      assert.ok(text.startsWith(head), `${name} starts ${text.slice(0, 40)}`);
    }
    await expectAccessible(page, 'empty');
  });
  await withPage(async (page) => {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the empty page scrolls sideways by ${overflow}px at 420px`);
    await expectAccessible(page, 'empty, narrow');
  }, { width: 420, height: 900 });
});

test('keyboard only: load files, filter, switch tabs, show a chart as a table, export', async () => {
  await withPage(async (page) => {
    // Loading: the first Tab stop is "Add files…"; Enter opens the file chooser. The
    // waiter comes first, and two round trips to the page before Enter: adding it
    // turns on Playwright's interception of file choosers without waiting for it
    // (`updateSubscription`, not awaited), and a chooser opened before that is not
    // intercepted. Enter in the same Promise.all as the waiter timed out twice in
    // about ten fresh-clone runs.
    const chooser = page.waitForEvent('filechooser');
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).id, 'pick-files');
    await page.keyboard.press('Enter');
    await (await chooser).setFiles(SEED_FILES);
    await loaded(page);
    const announced = await said(page);
    assert.ok(announced.includes('marketing_campaigns.csv loaded: 300 rows.'), announced.join(' | '));
    assert.ok(announced.includes('sales_targets.xlsx loaded: 720 rows.'), announced.join(' | '));
    await expectAccessible(page, 'loaded');

    // Filtering: the tenant picker is named by what it picks, opens with Enter, a
    // checkbox ticks with Space, and Escape closes it with the focus back on it.
    const picker = await tabTo(page, (f) => f.key === 'picker:tenants', 'the tenant picker');
    assert.equal(picker.label, 'Tenants: All tenants');
    await page.keyboard.press('Enter');
    assert.ok(await page.evaluate(() => document.querySelector('#tenant-filter details').open));
    await tabTo(page, (f) => f.key === 'pick:tenants:tenant_002', 'the tenant_002 checkbox', 5);
    await page.keyboard.press('Space');
    await loaded(page, 1);
    assert.equal((await focused(page)).key, 'pick:tenants:tenant_002', 'the focus stayed on the checkbox');
    await expectAccessible(page, 'filtered, tenant picker open');
    await page.keyboard.press('Escape');
    assert.ok(await page.evaluate(() => !document.querySelector('#tenant-filter details').open), 'Escape did not close the picker');
    const back = await focused(page);
    assert.equal(back.key, 'picker:tenants');
    assert.equal(back.label, 'Tenants: tenant_002');
    // The result of the filter change is said once.
    assert.deepEqual(await said(page), ['1 tenant, 100 campaign rows shown.']);

    // Tabs: one Tab stop; arrows, Home and End move and select (wrapping).
    const first = await tabTo(page, (f) => f.tab != null, 'the dashboard tabs');
    const tabs = await page.$$eval('[role="tab"]', (t) => t.map((b) => b.dataset.tab));
    assert.equal(first.tab, tabs[0]);
    const expectTab = async (name) => {
      const f = await focused(page);
      assert.equal(f.tab, name, 'focus on the selected tab');
      const state = await page.evaluate(() => [...document.querySelectorAll('[role="tab"]')].map((t) => ({
        name: t.dataset.tab, selected: t.getAttribute('aria-selected'), tabindex: t.getAttribute('tabindex'),
        controls: t.getAttribute('aria-controls'),
        panel: (() => { const p = document.getElementById(t.getAttribute('aria-controls')); return p && { hidden: p.hidden, role: p.getAttribute('role'), labelledby: p.getAttribute('aria-labelledby') }; })(),
        id: t.id,
      })));
      for (const t of state) {
        const on = t.name === name;
        assert.deepEqual([t.selected, t.tabindex, t.panel?.hidden, t.panel?.role, t.panel?.labelledby],
          [String(on), on ? '0' : '-1', !on, 'tabpanel', t.id], `tab ${t.name} with ${name} selected`);
      }
    };
    await page.keyboard.press('ArrowRight');
    await expectTab(tabs[1]);
    await page.keyboard.press('End');
    await expectTab(tabs[tabs.length - 1]);
    await page.keyboard.press('ArrowRight');
    await expectTab(tabs[0]);
    await page.keyboard.press('ArrowLeft');
    await expectTab(tabs[tabs.length - 1]);
    await page.keyboard.press('Home');
    await expectTab(tabs[0]);
    for (const name of tabs) {
      await page.evaluate((n) => document.querySelector(`[data-tab="${n}"]`).focus(), name);
      await page.keyboard.press('Enter');
      await expectTab(name);
      await expectAccessible(page, `tab ${name}`);
    }
    await page.keyboard.press('Home');

    // Exporting: the next Tab stop after the tabs is "Export CSV".
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).id, 'export');
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    assert.equal(download.suggestedFilename(), `${tabs[0]}.csv`);
    const csv = (await readFile(await download.path(), 'utf8')).trim().split('\r\n');
    assert.equal(csv.length, 2, 'one tenant in the export');
    assert.ok(csv[1].startsWith('tenant_002,'), csv[1]);
    // The table scrolls in a region the keyboard reaches.
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).key, `scroll:${tabs[0]}`);

    // A chart as a table, by keyboard.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.focus('#reset');
    await tabTo(page, (f) => f.key === 'chart-toggle:channels', 'the channel mix "Show as table"');
    await page.keyboard.press('Enter');
    await page.waitForSelector('table[data-chart-table="channels"]');
    assert.equal(await page.getAttribute('[data-key="chart-toggle:channels"]', 'aria-expanded'), 'true');
    await expectAccessible(page, 'a chart shown as a table');
  });
});

test('every focusable control is reached by Tab in page order, shows its focus, and Tab leaves the page (no trap)', async () => {
  await withPage(async (page) => {
    await page.setInputFiles('#file-input', SEED_FILES);
    await loaded(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.evaluate(() => document.activeElement?.blur());
    const seen = [];
    let left = false;
    for (let i = 0; i < 400; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const a = document.activeElement;
        if (!a || a === document.body) return null;
        const style = getComputedStyle(a);
        const r = a.getBoundingClientRect();
        // Not hidden under the sticky bars: the element's centre is the topmost thing there.
        const top = document.elementFromPoint(Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1), Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1));
        return {
          key: a.id || a.dataset.key || a.dataset.tab || `${a.tagName}:${a.textContent.trim().slice(0, 30)}`,
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
          visible: r.width > 0 && r.height > 0,
          uncovered: Boolean(top && (a === top || a.contains(top) || top.contains(a) || a.tagName === 'A' || a.closest('label')?.contains(top))),
          y: r.top + scrollY,
        };
      });
      // Past the last control the focus leaves the page (or comes round to the first).
      if (!f || seen.some((s, k) => s.key === f.key && k < seen.length - 1)) { left = true; break; }
      // A date field takes several Tab presses (month, day, year).
      if (seen.at(-1)?.key === f.key) continue;
      seen.push(f);
    }
    assert.ok(left, `Tab never left the page: ${seen.map((s) => s.key).join(', ')}`);
    assert.ok(seen.length > 30, `only ${seen.length} Tab stops: ${seen.map((s) => s.key).join(', ')}`);
    for (const f of seen) {
      assert.ok(f.visible, `${f.key} is focused but not visible`);
      assert.ok(f.outline, `${f.key} shows no focus outline`);
      assert.ok(f.uncovered, `${f.key} is hidden under something when focused`);
    }
    // Every button, link, field and scroll region of the page is among them (hidden
    // panels and closed pickers' contents aside; the tabs not selected are reached with
    // the arrow keys, see the keyboard test).
    const expected = await page.evaluate(() => [...document.querySelectorAll('button, a[href], input, summary, [tabindex="0"]')]
      .filter((n) => n.getClientRects().length && !n.closest('[hidden], details:not([open]) > :not(summary)') && !n.disabled && n.type !== 'file'
        && !(n.getAttribute('role') === 'tab' && n.getAttribute('tabindex') === '-1'))
      .map((a) => a.id || a.dataset.key || a.dataset.tab || `${a.tagName}:${a.textContent.trim().slice(0, 30)}`));
    const reached = new Set(seen.map((s) => s.key));
    assert.deepEqual(expected.filter((k) => !reached.has(k)), [], 'controls Tab never reaches');
    // The order follows the page: top bar, files, filters, KPIs and charts, then tables.
    const at = (key) => seen.findIndex((s) => s.key === key);
    assert.ok(at('pick-files') < at('sample') && at('sample') < at('url'));
    assert.ok(at('url') < at('picker:tenants') && at('picker:tenants') < at('reset'));
    assert.ok(at('reset') < at('chart-toggle:trend') && at('chart-toggle:trend') < at('export'));
  });
});

test('each chart has a summary and a table of its data, both from the engine\'s chart data', async () => {
  await withPage(async (page) => {
    await page.setInputFiles('#file-input', SEED_FILES);
    await loaded(page);
    const charts = await page.evaluate(() => window.__bi.state.view.charts);
    assert.equal(charts.length, 7);
    for (const chart of charts) {
      const figure = `figure[data-figure="${chart.id}"]`;
      assert.ok(chart.summary.length > 10, `${chart.id} has no summary`);
      assert.equal(await page.textContent(`${figure} figcaption`), chart.summary);
      // The canvas is an image named by the title and described by the summary.
      const img = await page.evaluate((sel) => {
        const c = document.querySelector(`${sel} canvas`);
        return { role: c.getAttribute('role'), label: c.getAttribute('aria-label'), described: document.getElementById(c.getAttribute('aria-describedby'))?.textContent };
      }, figure);
      assert.deepEqual(img, { role: 'img', label: chart.title, described: chart.summary });
      await page.click(`[data-key="chart-toggle:${chart.id}"]`);
      const table = await page.evaluate((id) => {
        const t = document.querySelector(`table[data-chart-table="${id}"]`);
        return {
          caption: t.caption.textContent,
          head: [...t.tHead.rows[0].cells].map((c) => [c.tagName, c.getAttribute('scope'), c.textContent]),
          rows: [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => [c.tagName, c.textContent])),
        };
      }, chart.id);
      assert.ok(table.caption.startsWith(chart.title));
      const notes = chart.notes.some((n) => n);
      assert.deepEqual(table.head, [['TH', 'col', chart.x_label], ...chart.series.map((s) => ['TH', 'col', s.name]),
        ...(notes ? [['TH', 'col', 'Note']] : [])]);
      assert.equal(table.rows.length, chart.categories.length, `${chart.id} rows`);
      table.rows.forEach((row, i) => {
        assert.deepEqual(row[0], ['TH', chart.categories[i]]);
        chart.series.forEach((s, j) => {
          const text = row[1 + j][1];
          const v = s.values[i];
          if (v == null) assert.equal(text, '—');
          else assert.ok(Math.abs(Number(text.replace(/[$,%]/g, '')) - v) < 0.006, `${chart.id} ${s.name} ${chart.categories[i]}: ${text} vs ${v}`);
        });
        if (notes) assert.equal(row[row.length - 1][1], chart.notes[i]);
      });
    }
    // A filter change updates an open table and the summaries with the new chart data.
    await page.click('#tenant-filter summary');
    await page.check('#tenant-filter input[value="tenant_001"]');
    await page.click('h1');
    await loaded(page, 1);
    const scoped = await page.evaluate(() => window.__bi.state.view.charts.find((c) => c.id === 'tenants'));
    assert.deepEqual(await page.$$eval('table[data-chart-table="tenants"] tbody th', (t) => t.map((c) => c.textContent)), scoped.categories);
    assert.equal(await page.textContent('figure[data-figure="tenants"] figcaption'), scoped.summary);
    // KPI tiles are a description list: each name, then its value.
    const kpis = await page.$$eval('#kpis > .kpi', (tiles) => tiles.map((t) => [...t.children].map((c) => c.tagName)));
    assert.equal(await page.evaluate(() => document.getElementById('kpis').tagName), 'DL');
    for (const tile of kpis) assert.deepEqual(tile.slice(0, 2), ['DT', 'DD']);
    await expectAccessible(page, 'filtered, charts as tables');
  });
});

test('progress is announced at start, each quarter and the end; an error goes to the assertive region', async () => {
  await withPage(async (page) => {
    // About 21 MB (six 4 MB slices), generated in the page.
    const { sizes: [size] } = await drop(page, await page.evaluateHandle(() => {
      const parts = ['tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n'];
      for (let start = 0; start < 400_000; start += 10_000) {
        let block = '';
        for (let i = start; i < start + 10_000; i++) block += `tenant_p,camp_${i},2024-11-${String(1 + (i % 28)).padStart(2, '0')},1000,10,1,5.00,9.00\n`;
        parts.push(block);
      }
      const dt = new DataTransfer();
      dt.items.add(new File(parts, 'medium.csv'));
      return dt;
    }));
    await page.waitForSelector('#progress:not([hidden])');
    await expectAccessible(page, 'loading');
    await page.waitForFunction(() => window.__bi.state.reports.length === 1 && document.getElementById('progress').hidden, null, LOAD);
    assert.ok(size > 16e6, `medium.csv is only ${size} bytes`);
    assert.deepEqual(await said(page), [
      `Loading medium.csv, ${(size / 1e6).toLocaleString('en-US', { maximumFractionDigits: 2 })} MB.`,
      'medium.csv: 25% read.', 'medium.csv: 50% read.', 'medium.csv: 75% read.',
      'medium.csv loaded: 400,000 rows.',
    ]);
    assert.ok(!(await page.getAttribute('#progress', 'aria-live')), 'the progress card is not a live region');

    // A broken file: the error, in the assertive region, says what to do next.
    await drop(page, [{ name: 'broken.csv', text: 'hello,world\n1,2\n' }]);
    await page.waitForSelector('#errors .error');
    assert.equal(await page.getAttribute('#errors', 'role'), 'alert');
    const error = await page.textContent('#errors');
    assert.match(error, /“broken\.csv” could not be loaded: .*Fix the file and drop it again; “Files it reads”, under the drop zone, lists the columns each kind of file needs\./);
    await expectAccessible(page, 'error');
  });
});

test('a narrow window with data: nothing scrolls sideways, no AA violation', async () => {
  await withPage(async (page) => {
    await page.setInputFiles('#file-input', SEED_FILES);
    await loaded(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page scrolls sideways by ${overflow}px at 420px`);
    await expectAccessible(page, 'loaded, narrow');
  }, { width: 420, height: 900 });
});
