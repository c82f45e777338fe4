// End to end, click to filter (issue 13): a click on a bar filters the whole page (every
// chart, the KPI tiles and the tables follow, checked against numbers computed here from
// the seed CSV), chips show the selection and remove it, Ctrl-click adds, a tenant
// drills into its campaigns and a campaign into its days and the breadcrumb goes back,
// the keyboard does all of it; axe finds nothing on any of these states. Run by
// `make test` (after `make wasm`):   node --test tests/e2e/crossfilter.test.mjs
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, before, browser, loadSeed, shot, expectAccessible, SEED } from './harness.mjs';

const CSV = join(SEED, 'marketing_campaigns.csv');

const session = browser('crossfilter', { viewport: { width: 1280, height: 900 } });
let page; let facts;

// The oracle: the seed's campaign rows (no quoted fields in that file), with the channel
// SPEC §5 derives (the text after the campaign name's last " - ").
async function readFacts() {
  const [header, ...lines] = (await readFile(CSV, 'utf8')).trim().split('\n');
  const names = header.split(',');
  return lines.map((line) => {
    const cells = Object.fromEntries(line.split(',').map((v, i) => [names[i], v]));
    const cut = cells.campaign_name.lastIndexOf(' - ');
    return {
      ...cells, spend: Number(cells.spend), revenue: Number(cells.revenue),
      channel: cut >= 0 ? cells.campaign_name.slice(cut + 3).trim() : 'Unknown',
    };
  });
}
const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const whole = new Intl.NumberFormat('en-US');
// campaign_summary's tenant and spend columns for some facts, as the page shows them.
function summaryOf(rows) {
  const by = new Map();
  for (const f of rows) by.set(f.tenant_id, (by.get(f.tenant_id) || 0) + Math.round(f.spend * 100));
  return [...by.keys()].sort().map((t) => [t, money.format(by.get(t) / 100)]);
}

before(async () => {
  facts = await readFacts();
  page = await session.open();
  await loadSeed(page);
});

after(() => assert.deepEqual(session.errors, [], 'uncaught errors in the page'));

const rowsOf = (name) => page.$$eval(`table[data-dashboard="${name}"] tbody tr`, (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
const summary = async () => (await rowsOf('campaign_summary')).map((r) => [r[0], r[5]]);
const chips = () => page.$$eval('#chips .chip-remove', (b) => b.map((x) => x.textContent.replace('×', '').trim()));
const crumbs = () => page.$$eval('#crumbs:not([hidden]) .crumb', (b) => b.map((x) => x.textContent));
// Every chart's drawn data (categories and series), by chart id.
const chartData = () => page.evaluate(() => Object.fromEntries([...document.querySelectorAll('canvas[data-chart]')]
  .map((c) => c.dataset.chart).map((id) => { const { chart } = window.__bi.chartMarks(id); return [id, JSON.stringify([chart.categories, chart.series])]; })));
const status = () => page.textContent('#status');
const kpiRows = () => page.textContent('.kpi .kpi-hint');
const changes = () => page.evaluate(() => window.__bi.filterChanges || 0);
const settled = (n) => page.waitForFunction((k) => (window.__bi.filterChanges || 0) > k, n, { timeout: 20_000 });

// The client pixel at the centre of a chart's mark, from where the engine says it drew it.
async function markCentre(chart, pick) {
  return page.evaluate(({ chart, pick }) => {
    const { chart: data, marks } = window.__bi.chartMarks(chart);
    const region = marks.regions.find((r) => r.mark === pick.mark
      && (pick.category == null || data.categories[r.category] === pick.category)
      && (pick.series == null || r.series === pick.series));
    const canvas = document.querySelector(`canvas[data-chart="${chart}"]`);
    canvas.scrollIntoView({ block: 'center' });
    const box = canvas.getBoundingClientRect();
    const k = box.width / canvas.width;
    return { x: box.left + ((region.x0 + region.x1) / 2) * k, y: box.top + ((region.y0 + region.y1) / 2) * k };
  }, { chart, pick });
}
async function clickMark(chart, pick, modifiers = []) {
  const n = await changes();
  const { x, y } = await markCentre(chart, pick);
  await page.mouse.move(x, y);
  for (const m of modifiers) await page.keyboard.down(m);
  await page.mouse.click(x, y);
  for (const m of modifiers) await page.keyboard.up(m);
  await settled(n);
}

test('a click on a bar filters every chart, KPI and table; Ctrl-click adds; chips remove', async () => {
  const before = await chartData();
  const channels = [...new Set(facts.map((f) => f.channel))].sort();
  const [first, second] = channels;
  await clickMark('channels', { mark: 'bar', category: first, series: 0 });
  const one = facts.filter((f) => f.channel === first);
  assert.deepEqual(await chips(), [`Channel: ${first}`]);
  assert.deepEqual(await summary(), summaryOf(one), 'campaign_summary follows');
  assert.equal(await kpiRows(), `${whole.format(one.length)} campaign rows`, 'the KPI tiles follow');
  assert.ok((await rowsOf('channel_mix')).every((r) => r[1] === first), 'channel_mix holds only the channel');
  const after = await chartData();
  assert.equal(Object.keys(after).length, 7);
  // The clicked chart keeps every channel (the click's one marked) so that Ctrl-click
  // can add another; every other chart follows.
  for (const [id, data] of Object.entries(after)) {
    if (id === 'channels') assert.equal(data, before[id], 'the channels chart keeps its channels');
    else assert.notEqual(data, before[id], `the ${id} chart follows the click`);
  }
  const marked = await page.evaluate(() => window.__bi.chartMarks('channels').chart);
  assert.deepEqual(marked.selected, [marked.categories.indexOf(first)]);
  assert.match(await page.textContent('#chart-summary-channels'), new RegExp(`Selected: ${first}\\.`));
  assert.match(await status(), new RegExp(`Filtered by Channel ${first}: ${one.length} campaign rows shown`));
  await expectAccessible(page, 'filtered by a click on a bar');

  // Ctrl-click a second channel: both.
  await clickMark('channels', { mark: 'bar', category: second, series: 1 }, ['Control']);
  const two = facts.filter((f) => f.channel === first || f.channel === second);
  assert.deepEqual(await chips(), [`Channel: ${first}`, `Channel: ${second}`]);
  assert.deepEqual(await summary(), summaryOf(two));
  await shot(page, 'crossfilter-two-channels');

  // Remove the first by its chip: only the second is left.
  let n = await changes();
  await page.click(`#chips .chip-remove[data-value="${first}"]`);
  await settled(n);
  assert.deepEqual(await chips(), [`Channel: ${second}`]);
  assert.deepEqual(await summary(), summaryOf(facts.filter((f) => f.channel === second)));
  // Clicking the selected bar again removes it: everything is back.
  await clickMark('channels', { mark: 'bar', category: second, series: 0 });
  assert.deepEqual(await chips(), []);
  assert.deepEqual(await summary(), summaryOf(facts));

  // A legend entry of the per-tenant trend filters by its tenant.
  await clickMark('tenant_trend', { mark: 'legend', series: 0 });
  const [tenant] = await page.$$eval('#chips .chip-remove', (b) => b.map((x) => x.dataset.value));
  assert.deepEqual(await summary(), summaryOf(facts.filter((f) => f.tenant_id === tenant)));
  n = await changes();
  await page.click(`#chips .chip-remove[data-value="${tenant}"]`);
  await settled(n);

  // An ROI bucket is a range of a measure, not a value of a filter: it filters nothing.
  const { x, y } = await markCentre('roi_distribution', { mark: 'bar', series: 0 });
  await page.mouse.click(x, y);
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('not a single value'));
  assert.deepEqual(await chips(), []);
});

test('a tenant drills into its campaigns, a campaign into its days, and the breadcrumb goes back', async () => {
  await clickMark('tenants', { mark: 'bar', category: 'tenant_002', series: 0 });
  assert.deepEqual(await chips(), ['Tenant: tenant_002']);
  let n = await changes();
  await page.click('[data-drill="tenants:campaigns"]');
  await settled(n);
  assert.deepEqual(await crumbs(), ['All data', 'Tenant tenant_002: its campaigns']);
  assert.equal(await page.getAttribute('#tab-campaign_performance', 'aria-selected'), 'true');
  const theirs = facts.filter((f) => f.tenant_id === 'tenant_002');
  assert.match(await page.textContent('[data-panel="campaign_performance"] .pager'), new RegExp(`of ${theirs.length}`));
  assert.ok((await rowsOf('campaign_performance')).every((r) => r[0] === 'tenant_002'));

  // A campaign of theirs, by its cell in the table, then its days.
  const campaign = await page.getAttribute('table[data-dashboard="campaign_performance"] .cell-filter[data-filter="campaigns"]', 'data-value');
  assert.ok(theirs.some((f) => f.campaign_id === campaign));
  n = await changes();
  await page.click(`table[data-dashboard="campaign_performance"] .cell-filter[data-filter="campaigns"][data-value="${campaign}"]`);
  await settled(n);
  n = await changes();
  await page.click('[data-drill="campaigns:days"]');
  await settled(n);
  assert.deepEqual(await crumbs(), ['All data', 'Tenant tenant_002: its campaigns', `Campaign ${campaign}: its days`]);
  assert.equal(await page.getAttribute('#tab-daily_performance', 'aria-selected'), 'true');
  const days = theirs.filter((f) => f.campaign_id === campaign).map((f) => ['tenant_002', f.date]).sort();
  assert.deepEqual((await rowsOf('daily_performance')).map((r) => [r[0], r[1]]), days);
  await expectAccessible(page, 'drilled into a campaign');
  await shot(page, 'crossfilter-drilled');

  // Up one level, then to the top.
  n = await changes();
  await page.click('#crumbs [data-crumb="1"]');
  await settled(n);
  assert.deepEqual(await crumbs(), ['All data', 'Tenant tenant_002: its campaigns']);
  assert.deepEqual(await chips(), ['Tenant: tenant_002']);
  n = await changes();
  await page.click('#crumbs [data-crumb="0"]');
  await settled(n);
  assert.deepEqual(await crumbs(), []);
  assert.deepEqual(await chips(), []);
  assert.deepEqual(await summary(), summaryOf(facts));
});

test('the keyboard filters through a chart\'s table, adds with Ctrl+Enter and removes chips with Delete', async () => {
  await page.focus('[data-key="chart-toggle:channels"]');
  await page.keyboard.press('Enter');
  const buttons = '#chart-table-channels .cell-filter';
  await page.waitForSelector(buttons);
  const values = await page.$$eval(buttons, (b) => b.map((x) => x.dataset.value));
  let n = await changes();
  await page.focus(`${buttons}[data-value="${values[0]}"]`);
  await page.keyboard.press('Enter');
  await settled(n);
  assert.deepEqual(await chips(), [`Channel: ${values[0]}`]);
  // The table shows the selected channel only now; the focus is back on its button.
  assert.equal(await page.evaluate(() => document.activeElement.dataset.value), values[0]);
  assert.equal(await page.getAttribute(`${buttons}[data-value="${values[0]}"]`, 'aria-pressed'), 'true');
  // Ctrl+Enter on a dashboard table's value adds it.
  await page.click('#tab-channel_mix');
  n = await changes();
  await page.evaluate(() => window.__bi.filterBy('channels', 'Search'));
  await settled(n);
  n = await changes();
  await page.focus('table[data-dashboard="channel_mix"] .cell-filter[data-filter="tenants"]');
  const tenant = await page.evaluate(() => document.activeElement.dataset.value);
  await page.keyboard.press('Control+Enter');
  await settled(n);
  assert.deepEqual(await chips(), [`Tenant: ${tenant}`, 'Channel: Search']);
  assert.match(await status(), new RegExp(`Filtered by Tenant ${tenant}`));
  await expectAccessible(page, 'chips and a chart table with filter buttons');
  // Delete on a focused chip removes it and says so; the focus stays among the chips.
  for (const expected of [['Channel: Search'], []]) {
    n = await changes();
    await page.focus('#chips .chip-remove');
    await page.keyboard.press('Delete');
    await settled(n);
    assert.deepEqual(await chips(), expected);
    assert.match(await status(), /removed/);
  }
  assert.ok(await page.evaluate(() => ['selection-title'].includes(document.activeElement.id) || document.activeElement.classList.contains('chip-remove')));
  await shot(page, 'crossfilter-keyboard', { fullPage: true });
});

test('a funnel stage filters the campaign rows that reached it', async () => {
  // The seed's rows all have conversions: a file with a tenant whose rows stop earlier
  // in the funnel is added (last test: the page keeps it).
  const file = join(session.profile, 'funnel.csv');
  const extra = [
    ['tenant_zz', 'z1', 'Z1 - Search', '2024-11-05', '1000', '0', '0', '10.00', '0.00'],
    ['tenant_zz', 'z2', 'Z2 - Email', '2024-11-06', '1000', '50', '0', '10.00', '5.00'],
  ];
  await writeFile(file, `tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue\n${extra.map((r) => r.join(',')).join('\n')}\n`);
  await page.setInputFiles('#file-input', [file]);
  await page.waitForFunction(() => document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length === 4
    && document.getElementById('progress').hidden, null, { timeout: 60_000 });
  const all = [...facts, ...extra.map(([tenant_id, campaign_id, , , impressions, clicks, conversions, spend]) => ({
    tenant_id, campaign_id, impressions, clicks, conversions, spend: Number(spend),
  }))];
  const funnelBefore = (await chartData()).funnel;
  await clickMark('funnel', { mark: 'bar', category: 'Conversions' });
  const converted = all.filter((f) => Number(f.conversions) > 0);
  assert.deepEqual(await chips(), ['Funnel stage: Conversions']);
  assert.deepEqual(await summary(), summaryOf(converted));
  assert.equal(await kpiRows(), `${whole.format(converted.length)} campaign rows`);
  // The funnel keeps its three stages, the clicked one marked.
  const funnel = await page.evaluate(() => window.__bi.chartMarks('funnel').chart);
  assert.deepEqual(funnel.categories, ['Impressions', 'Clicks', 'Conversions']);
  assert.deepEqual(funnel.selected, [2]);
  await expectAccessible(page, 'filtered by a funnel stage');
  // Ctrl-click adds a stage: rows that reached either.
  await clickMark('funnel', { mark: 'bar', category: 'Clicks' }, ['Control']);
  const clicked = all.filter((f) => Number(f.clicks) > 0 || Number(f.conversions) > 0);
  assert.deepEqual(await chips(), ['Funnel stage: Conversions', 'Funnel stage: Clicks']);
  assert.deepEqual(await summary(), summaryOf(clicked));
  assert.ok(clicked.length === converted.length + 1, 'z2 has clicks and no conversion');
  // A link keeps the stages.
  assert.match(await page.evaluate(() => window.location.hash), /stage=Clicks&stage=Conversions|stage=Conversions&stage=Clicks/);
  for (const stage of ['Conversions', 'Clicks']) {
    const n = await changes();
    await page.click(`#chips .chip-remove[data-value="${stage}"]`);
    await settled(n);
  }
  assert.deepEqual(await chips(), []);
  assert.equal((await chartData()).funnel, funnelBefore);
});
