// The KPI tiles and the charts of a view. Each chart is a figure: its title as a
// heading, the canvas (an image named by the title and described by the engine's
// summary of its data, shown as the caption), and a "Show as table" toggle with the
// chart's data as a table (categories by series, laid out from the same chart data the
// engine drew). The engine draws (`drawChart`, on this thread: canvases live here).
import { drawChart } from './pkg/bi_platform.js';
import { $, el, download, showError } from './dom.js';
import { dollars, formatUnit, money, pct, whole } from './format.js';

/** Draws `entry.chart` into `entry.canvas` at its CSS size; keeps where the marks went
 *  (`entry.marks`, for click-to-filter). */
export function draw(entry) {
  const { canvas, chart } = entry;
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 600;
  const height = canvas.clientHeight || 320;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  try {
    entry.marks = drawChart(canvas, chart, dpr);
  } catch (error) {
    showError(`The chart “${chart.title}” could not be drawn: ${error.message}. Its data is under “Show as table”.`);
  }
}

/** The KPI tiles of a view's `kpis`. */
export function renderKpis(k) {
  const tiles = [
    ['Spend', dollars(k.spend), `${whole.format(k.campaigns)} campaign rows`, '', k.spend],
    ['Revenue', dollars(k.revenue), '', '', k.revenue],
    ['Profit', dollars(k.profit), '', k.profit < 0 ? 'neg' : 'pos', k.profit],
    ['ROI', pct(k.roi), 'profit / spend', k.roi < 0 ? 'neg' : 'pos'],
    ['CTR', pct(k.ctr), 'clicks / impressions'],
    ['Conversion rate', pct(k.conversion_rate), 'conversions / clicks'],
  ];
  // A description list: each tile reads as its name, then its value (and how it is made).
  $('kpis').replaceChildren(...tiles.map(([name, value, hint, tone, exact]) => el('div', { class: `kpi card ${tone || ''}` },
    el('dt', { class: 'kpi-name', text: name }),
    el('dd', { class: 'kpi-value', text: value, title: exact == null ? value : `$${money.format(exact)}` }),
    hint ? el('dd', { class: 'kpi-hint', text: hint }) : null)));
}

/**
 * The charts' figures, given `decorate(table, chart)` (click-to-filter's buttons in a
 * chart's table). Returns `{render(charts), canvases}`: `canvases` maps a chart's id to
 * `{canvas, chart, marks}`.
 */
export function createCharts({ decorate }) {
  const canvases = new Map();

  function chartTable(chart) {
    const notes = chart.notes.some((n) => n);
    const head = el('tr', {}, el('th', { scope: 'col', text: chart.x_label }),
      ...chart.series.map((s) => el('th', { scope: 'col', class: 'num', text: s.name })),
      notes ? el('th', { scope: 'col', text: 'Note' }) : null);
    const rows = chart.categories.map((category, i) => el('tr', {},
      el('th', { scope: 'row', text: category }),
      ...chart.series.map((s) => el('td', { class: 'num', text: formatUnit(chart.unit, s.values[i]) })),
      notes ? el('td', { text: chart.notes[i] || '' }) : null));
    return decorate(el('table', { 'data-chart-table': chart.id },
      el('caption', { text: chart.title }), el('thead', {}, head), el('tbody', {}, ...rows)), chart);
  }

  function figure(id) {
    const title = el('h4', { class: 'sr-only', id: `chart-title-${id}` });
    const summary = el('figcaption', { class: 'chart-summary', id: `chart-summary-${id}` });
    const canvas = el('canvas', { role: 'img', 'aria-describedby': summary.id, 'data-chart': id });
    const table = el('div', { class: 'table-scroll chart-table', id: `chart-table-${id}`, tabindex: '0', role: 'region', 'data-key': `chart-table:${id}` });
    table.hidden = true;
    const entry = { canvas, title, summary, table };
    const toggle = el('button', {
      type: 'button', class: 'ghost small', text: 'Show as table', 'aria-expanded': 'false', 'aria-controls': table.id, 'aria-describedby': title.id, 'data-key': `chart-toggle:${id}`,
      onclick: () => {
        table.hidden = !table.hidden;
        toggle.setAttribute('aria-expanded', String(!table.hidden));
        toggle.textContent = table.hidden ? 'Show as table' : 'Hide table';
        if (!table.hidden) table.replaceChildren(chartTable(entry.chart));
      },
    });
    const save = el('button', {
      type: 'button', class: 'ghost small', text: 'Save PNG', 'aria-describedby': title.id, 'data-key': `save:${id}`,
      onclick: () => canvas.toBlob((blob) => download(blob, `${id}.png`), 'image/png'),
    });
    $('charts').append(el('figure', { class: `chart card${id === 'trend' || id === 'tenant_trend' ? ' wide' : ''}`, 'aria-labelledby': title.id, 'data-figure': id },
      title, canvas, el('div', { class: 'chart-foot' }, summary, el('div', { class: 'chart-tools' }, toggle, save)), table));
    canvases.set(id, entry);
    return entry;
  }

  function render(charts) {
    for (const chart of charts) {
      const entry = canvases.get(chart.id) || figure(chart.id);
      entry.chart = chart;
      entry.title.textContent = chart.title;
      entry.canvas.setAttribute('aria-label', chart.title);
      entry.summary.textContent = chart.summary;
      entry.table.setAttribute('aria-label', `${chart.title}, as a table`);
      if (!entry.table.hidden) entry.table.replaceChildren(chartTable(chart));
      draw(entry);
    }
  }

  let resizeTimer;
  new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { for (const entry of canvases.values()) if (entry.chart) draw(entry); }, 120);
  }).observe($('charts'));

  return { render, canvases };
}
