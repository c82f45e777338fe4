// The Pivot tab (issue 13): fields into rows and columns, measures into values, by drag
// and drop or by keyboard (each field and chip has buttons: add to rows / columns, move,
// remove), then the engine computes the pivot under the page's filters and this module
// only lays it out, each value formatted by its column's type (format.js). Sort by any
// value column, top N with "Others", export CSV or XLSX (the XLSX writer is its own
// module, fetched on the first XLSX export: pivot-xlsx.js). A click on a value or a
// header filters the page (pivot-filters.js).
//
// main.js creates it once (`createPivotTab`), calls `open()` when the tab is selected
// and `refresh()` after each view (new data or filters). Every value from a file is
// inserted as text (textContent), never as HTML.
import { $, announce, download, el, showError } from '../dom.js';
import { decimal, formatValue, whole } from '../format.js';
import { call } from '../engine.js';
import { query } from '../query.js';
import { pivotXlsx, XLSX_TYPE } from '../pivot-xlsx.js';
import { additive, pivotFilters } from './pivot-filters.js';

const ZONES = { rows: 'Rows', columns: 'Columns', measures: 'Values' };

function sameNode(a, b) {
  return a.kind === b.kind && a.level === b.level && a.labels.every((l, i) => l === b.labels[i]);
}

const fmtLabel = (label) => (label == null ? '(missing)' : String(label));

/**
 * The Pivot tab, given `filterByMany` (crossfilter.js) and `refresh()` (the page's view
 * again). Returns `{open, refresh}`.
 */
export function createPivotTab({ filterByMany, refresh: refreshView }) {
  const state = {
    catalog: null,
    request: { rows: [], columns: [], measures: [], sort: { column: null, desc: false }, top_n: null },
    result: null,
    seq: 0,
    opened: false,
  };
  const { filtersOf, filterButton, applyFilters } = pivotFilters({ catalog: () => state.catalog, filterByMany, refresh: refreshView });

  const fieldLabel = (id) => state.catalog?.fields.find((f) => f.id === id)?.label || id;
  const measureLabel = (id) => state.catalog?.measures.find((m) => m.id === id)?.label || id;
  const labelOf = (zone, id) => (zone === 'measures' ? measureLabel(id) : fieldLabel(id));
  const zoneList = (zone) => state.request[zone];
  const zoneSummary = (zone) => {
    const list = zoneList(zone);
    return `${ZONES[zone]}: ${list.length ? list.map((id) => labelOf(zone, id)).join(', ') : 'empty'}`;
  };

  // --- Changing the request ---------------------------------------------------------------
  // Every change goes through `change`: the sort refers to the previous result's columns,
  // so a new layout drops it; the change is announced, the pivot recomputed.
  function change(message, { keepSort = false } = {}) {
    if (!keepSort) state.request.sort = { column: null, desc: false };
    renderZones();
    announce(`${message} ${zoneSummary('rows')}. ${zoneSummary('columns')}. ${zoneSummary('measures')}.`);
    run();
  }

  /** Puts `id` into `zone` at `index` (the end by default), taking it out of where it was. */
  function place(zone, id, index = null) {
    const from = ['rows', 'columns', 'measures'].find((z) => zoneList(z).includes(id) && (z === 'measures') === (zone === 'measures'));
    if (from) {
      const at = zoneList(from).indexOf(id);
      zoneList(from).splice(at, 1);
      if (from === zone && index != null && index > at) index -= 1;
    }
    const list = zoneList(zone);
    list.splice(index == null ? list.length : Math.max(0, Math.min(index, list.length)), 0, id);
    const what = labelOf(zone, id);
    change(from === zone ? `${what} moved to position ${list.indexOf(id) + 1} of ${ZONES[zone]}.` : `${what} added to ${ZONES[zone]}.`);
    focusChip(zone, id);
  }

  function remove(zone, id) {
    const list = zoneList(zone);
    const at = list.indexOf(id);
    list.splice(at, 1);
    change(`${labelOf(zone, id)} removed from ${ZONES[zone]}.`);
    // The focus goes to the chip that took its place, else the zone's previous one, else the
    // field list.
    const next = list[at] ?? list[at - 1];
    if (next) focusChip(zone, next);
    else $('pivot-fields')?.querySelector('button')?.focus();
  }

  function move(zone, id, delta) {
    const list = zoneList(zone);
    const at = list.indexOf(id);
    const to = at + delta;
    if (to < 0 || to >= list.length) return;
    list.splice(at, 1);
    list.splice(to, 0, id);
    change(`${labelOf(zone, id)} moved to position ${to + 1} of ${ZONES[zone]}.`);
    focusChip(zone, id, delta < 0 ? 'up' : 'down');
  }

  function focusChip(zone, id, which = null) {
    const chip = document.querySelector(`#pivot-zone-${zone} [data-id="${CSS.escape(id)}"]`);
    const button = (which && chip?.querySelector(`[data-act="${which}"]:not(:disabled)`)) || chip?.querySelector('button:not(:disabled)');
    button?.focus();
  }

  // --- Drag and drop ------------------------------------------------------------------------
  // What is dragged travels as JSON text: {kind: 'field' | 'measure', id}. A drop on a zone
  // appends; a drop on a chip inserts before or after it (its upper or lower half).
  function draggable(node, kind, id) {
    node.draggable = true;
    node.addEventListener('dragstart', (e) => {
      e.dataTransfer.setData('application/x-pivot', JSON.stringify({ kind, id }));
      e.dataTransfer.setData('text/plain', id);
      e.dataTransfer.effectAllowed = 'move';
    });
  }

  function dropTarget(zoneNode, zone) {
    const accepts = (kind) => (zone === 'measures') === (kind === 'measure');
    zoneNode.addEventListener('dragover', (e) => {
      if (!e.dataTransfer.types.includes('application/x-pivot')) return;
      e.preventDefault();
      zoneNode.classList.add('over');
    });
    zoneNode.addEventListener('dragleave', () => zoneNode.classList.remove('over'));
    zoneNode.addEventListener('drop', (e) => {
      zoneNode.classList.remove('over');
      let item;
      try { item = JSON.parse(e.dataTransfer.getData('application/x-pivot')); } catch { return; }
      e.preventDefault();
      if (!accepts(item.kind)) {
        announce(item.kind === 'measure' ? 'Measures go to Values.' : 'Fields go to Rows or Columns.');
        return;
      }
      // Over a chip: before it in its upper half, after it in its lower half.
      const chip = e.target.closest?.('[data-id]');
      let index = chip ? zoneList(zone).indexOf(chip.dataset.id) : -1;
      if (index !== -1) {
        const box = chip.getBoundingClientRect();
        if (e.clientY > box.top + box.height / 2) index += 1;
      }
      place(zone, item.id, index === -1 ? null : index);
    });
  }

  // --- Rendering the choosers ---------------------------------------------------------------
  function renderFields() {
    const { fields, measures } = state.catalog;
    $('pivot-fields').replaceChildren(...fields.map((f) => {
      const item = el('li', { class: 'pivot-field', 'data-field': f.id },
        el('span', { class: 'pivot-name', text: f.label }),
        el('span', { class: 'pivot-adds' },
          el('button', { type: 'button', class: 'ghost small', text: 'Rows', 'aria-label': `Add ${f.label} to rows`, 'data-key': `pivot-add-rows:${f.id}`, onclick: () => place('rows', f.id) }),
          el('button', { type: 'button', class: 'ghost small', text: 'Columns', 'aria-label': `Add ${f.label} to columns`, 'data-key': `pivot-add-columns:${f.id}`, onclick: () => place('columns', f.id) })));
      draggable(item, 'field', f.id);
      return item;
    }));
    // Measures grouped by the column they read; ratios and the row count on their own.
    const groups = new Map();
    for (const m of measures) {
      const group = m.group || (m.id === 'rows' ? 'count' : 'ratios');
      if (!groups.has(group)) groups.set(group, []);
      groups.get(group).push(m);
    }
    const names = { count: 'Count', ratios: 'Ratios (from sums)' };
    $('pivot-measures').replaceChildren(...[...groups].map(([group, list]) => {
      const details = el('details', { class: 'pivot-group' },
        el('summary', { text: names[group] || group.replace(/^./, (s) => s.toUpperCase()) }),
        el('ul', { class: 'pivot-list' }, ...list.map((m) => {
          const item = el('li', { class: 'pivot-field', 'data-measure': m.id },
            el('span', { class: 'pivot-name', text: m.label }),
            el('button', { type: 'button', class: 'ghost small', text: 'Add', 'aria-label': `Add ${m.label} to values`, 'data-key': `pivot-add-measure:${m.id}`, onclick: () => place('measures', m.id) }));
          draggable(item, 'measure', m.id);
          return item;
        })));
      details.open = group === 'count' || group === 'ratios' || group === 'spend' || group === 'revenue';
      return details;
    }));
    const topMeasure = $('pivot-top-measure');
    topMeasure.replaceChildren(...state.request.measures.map((id, i) => el('option', { value: String(i), text: measureLabel(id) })));
  }

  function renderZones() {
    for (const zone of Object.keys(ZONES)) {
      const list = zoneList(zone);
      const box = $(`pivot-zone-${zone}`);
      box.replaceChildren(...list.map((id, i) => {
        const name = labelOf(zone, id);
        const other = zone === 'rows' ? 'columns' : 'rows';
        const chip = el('li', { class: 'pivot-chip', 'data-id': id },
          el('span', { class: 'pivot-name', text: name }),
          el('button', { type: 'button', class: 'ghost small', text: '↑', 'data-act': 'up', 'aria-label': `Move ${name} up in ${ZONES[zone]}`, onclick: () => move(zone, id, -1) }),
          el('button', { type: 'button', class: 'ghost small', text: '↓', 'data-act': 'down', 'aria-label': `Move ${name} down in ${ZONES[zone]}`, onclick: () => move(zone, id, 1) }),
          zone === 'measures' ? null : el('button', { type: 'button', class: 'ghost small', text: other === 'rows' ? '⇤' : '⇥', 'data-act': 'swap', 'aria-label': `Move ${name} to ${ZONES[other]}`, onclick: () => place(other, id) }),
          el('button', { type: 'button', class: 'ghost small', text: '×', 'data-act': 'remove', 'aria-label': `Remove ${name} from ${ZONES[zone]}`, onclick: () => remove(zone, id) }));
        chip.querySelector('[data-act="up"]').disabled = i === 0;
        chip.querySelector('[data-act="down"]').disabled = i === list.length - 1;
        draggable(chip, zone === 'measures' ? 'measure' : 'field', id);
        return chip;
      }));
      if (!list.length) box.append(el('li', { class: 'pivot-empty muted', text: zone === 'measures' ? 'Drop measures here' : 'Drop fields here' }));
    }
    const topMeasure = $('pivot-top-measure');
    const chosen = topMeasure.value;
    topMeasure.replaceChildren(...state.request.measures.map((id, i) => el('option', { value: String(i), text: measureLabel(id) })));
    if (chosen && Number(chosen) < state.request.measures.length) topMeasure.value = chosen;
  }

  // --- Computing and laying out -------------------------------------------------------------
  async function run() {
    const seq = ++state.seq;
    const { request } = state;
    if (!request.measures.length) {
      state.result = null;
      $('pivot-out').replaceChildren(el('p', { class: 'muted', text: 'Add a field to Rows or Columns and a measure to Values: drag them, or use their buttons.' }));
      setExportable(false);
      return;
    }
    const started = performance.now();
    try {
      const result = await call('pivot', { request, query: query() });
      if (seq !== state.seq) return;
      state.result = result;
      renderTable(result);
      const ms = performance.now() - started;
      window.__bi.pivot = { ms, engineMs: result.ms, runs: (window.__bi.pivot?.runs || 0) + 1 };
      setExportable(true);
    } catch (error) {
      if (seq !== state.seq) return;
      $('pivot-out').replaceChildren(el('p', { class: 'error-text', role: 'alert', text: `The pivot could not be computed: ${error.message}.` }));
      setExportable(false);
    }
  }

  function setExportable(on) {
    $('pivot-export').disabled = !on;
    $('pivot-export-xlsx').disabled = !on;
  }

  function renderTable(result) {
    const { row_fields: rowFields, column_fields: colFields, columns, rows, cells } = result;
    const nr = Math.max(rowFields.length, 1);
    const head = el('thead');
    // One header line per column field: a column node's label at that level.
    colFields.forEach((field, level) => {
      const tr = el('tr', {}, el('th', { scope: 'col', colspan: String(nr), class: 'pivot-axis', text: field.label }));
      for (let c = 0; c < columns.length;) {
        const h = columns[c];
        let span = 1;
        while (c + span < columns.length && sameNode(columns[c + span], h)) span += 1;
        const text = h.kind === 'total' ? (level === 0 ? 'Total' : '')
          : h.level === level ? 'Subtotal' : h.level < level ? '' : fmtLabel(h.labels[level]);
        const th = el('th', { scope: 'colgroup', colspan: String(span), class: `pivot-col ${h.kind}` });
        // A column value (with the values above it) filters like a row header.
        const filters = h.level > level ? filtersOf(colFields, h.labels, level + 1) : [];
        if (text && filters.length) th.append(filterButton(filters, text, `pivot-colfilter:${level}:${c}`));
        else th.textContent = text;
        tr.append(th);
        c += span;
      }
      head.append(tr);
    });
    const sort = state.request.sort;
    const last = el('tr', {}, ...(rowFields.length ? rowFields : [{ label: '' }]).map((f) => el('th', { scope: 'col', text: f.label })));
    columns.forEach((c, i) => {
      const active = sort.column === i;
      const name = result.measures[c.measure].label;
      const where = c.labels.filter((l) => l != null).join(' · ');
      const button = el('button', {
        type: 'button', class: 'sort', 'data-key': `pivot-sort:${i}`,
        'aria-label': `${name}${where ? `, ${where}` : ''}${c.kind === 'total' && colFields.length ? ', total' : ''}: sort`,
        text: `${name}${active ? (sort.desc ? ' ▼' : ' ▲') : ''}`,
        onclick: () => {
          // Ascending, then descending, then back to the headers' order.
          state.request.sort = !active ? { column: i, desc: false } : !sort.desc ? { column: i, desc: true } : { column: null, desc: false };
          const s = state.request.sort;
          announce(s.column == null ? 'Rows in header order.' : `Sorted by ${name}${where ? `, ${where}` : ''}, ${s.desc ? 'descending' : 'ascending'}.`);
          run();
        },
      });
      last.append(el('th', { scope: 'col', class: 'num', 'aria-sort': active ? (sort.desc ? 'descending' : 'ascending') : 'none' }, button));
    });
    head.append(last);
    const body = el('tbody');
    const previous = [];
    rows.forEach((row, r) => {
      const tr = el('tr', { class: `pivot-${row.kind}`, 'data-row': String(r) });
      for (let i = 0; i < nr; i += 1) {
        let text = '';
        if (row.kind === 'total') text = i === 0 ? 'Total' : '';
        else if (row.kind === 'subtotal' && i === row.level) text = 'Subtotal';
        else if (i < row.level) {
          const label = fmtLabel(row.labels[i]);
          // An outline: a label is shown where it changes (or on a subtotal row).
          const same = previous.slice(0, i + 1).every((p, j) => p === row.labels[j]) && row.kind === 'leaf' && r > 0 && rows[r - 1].kind === 'leaf';
          text = same ? '' : label;
        }
        const th = el('th', { scope: 'row', class: 'pivot-label' });
        const filters = i === row.level - 1 && row.kind !== 'total' ? filtersOf(rowFields, row.labels, row.level) : [];
        if (text && filters.length) th.append(filterButton(filters, text, `pivot-filter:${r}:${i}`));
        else th.textContent = text;
        tr.append(th);
      }
      previous.splice(0, previous.length, ...row.labels);
      cells[r].forEach((v, c) => {
        tr.append(el('td', { class: 'num', 'data-col': String(c), text: formatValue(columns[c].type, v) }));
      });
      body.append(tr);
    });
    // A click on a value cell filters the page to the cell's row and column values.
    body.addEventListener('click', (e) => {
      const td = e.target.closest('td[data-col]');
      if (!td) return;
      const r = Number(td.parentElement.dataset.row);
      const c = columns[Number(td.dataset.col)];
      const row = rows[r];
      const filters = [...filtersOf(rowFields, row.labels, row.level), ...filtersOf(colFields, c.labels, c.level)];
      if (filters.length) applyFilters(filters, { add: additive(e) });
    });
    const table = el('table', { class: 'pivot-table', 'data-pivot': '' },
      el('caption', { class: 'sr-only', text: `Pivot: ${result.measures.map((m) => m.label).join(', ')}${rowFields.length ? ` by ${rowFields.map((f) => f.label).join(', ')}` : ''}${colFields.length ? ` across ${colFields.map((f) => f.label).join(', ')}` : ''}` }),
      head, body);
    const scroll = el('div', { class: 'table-scroll pivot-scroll', tabindex: '0', role: 'region', 'aria-label': 'Pivot table', 'data-key': 'pivot-scroll' }, table);
    const note = el('p', { class: 'muted pivot-note', text: `${whole.format(result.fact_rows)} campaign rows · ${whole.format(rows.length)} rows × ${whole.format(columns.length)} value columns · computed in ${decimal.format(result.ms ?? 0)} ms` });
    const focusKey = document.activeElement?.dataset?.key;
    $('pivot-out').replaceChildren(note, scroll);
    if (focusKey) document.querySelector(`[data-key="${CSS.escape(focusKey)}"]`)?.focus();
  }

  // --- Export ---------------------------------------------------------------------------------
  async function exportCsv() {
    try {
      const csv = await call('pivotCsv', { request: state.request, query: query() });
      download(new Blob([csv], { type: 'text/csv' }), 'pivot.csv');
      announce('pivot.csv downloaded.');
    } catch (error) {
      showError(`The pivot could not be exported: ${error.message}. Change the pivot or the filters and try again.`);
    }
  }

  // The pivot on screen as a workbook keeping its layout (the XLSX module loads on the
  // first export).
  async function exportXlsx() {
    const button = $('pivot-export-xlsx');
    if (!state.result) return;
    button.setAttribute('aria-busy', 'true');
    try {
      const bytes = await pivotXlsx(state.result);
      download(new Blob([bytes], { type: XLSX_TYPE }), 'pivot.xlsx');
      announce('pivot.xlsx downloaded.');
    } catch (error) {
      showError(`The pivot could not be exported as XLSX: ${error.message || error}. Change the pivot and try again, or export it as CSV.`);
    } finally {
      button.removeAttribute('aria-busy');
    }
  }

  // --- The controls and the entry points -------------------------------------------------
  for (const zone of Object.keys(ZONES)) dropTarget($(`pivot-zone-${zone}`).parentElement, zone);
  $('pivot-export').addEventListener('click', exportCsv);
  $('pivot-export-xlsx').addEventListener('click', exportXlsx);
  const applyTop = () => {
    const n = Number($('pivot-top-n').value);
    state.request.top_n = n > 0 ? { n, measure: Number($('pivot-top-measure').value) || 0 } : null;
    change(n > 0 ? `Top ${n} of the first row field kept, the rest as Others.` : 'All values shown.', { keepSort: true });
  };
  $('pivot-top-n').addEventListener('change', applyTop);
  $('pivot-top-measure').addEventListener('change', applyTop);
  $('pivot-clear').addEventListener('click', () => {
    Object.assign(state.request, { rows: [], columns: [], measures: [], top_n: null });
    $('pivot-top-n').value = '';
    change('Pivot cleared.');
    $('pivot-fields').querySelector('button')?.focus();
  });

  /** The tab was selected: the catalog (once per data change) and the pivot. */
  async function open() {
    state.opened = true;
    await refresh();
  }

  /** New data or filters: the catalog again (extra columns may have come), then the pivot. */
  async function refresh() {
    if (!state.opened) return;
    try {
      const catalog = await call('pivotCatalog');
      const key = JSON.stringify(catalog);
      if (key !== state.catalogKey) {
        state.catalogKey = key;
        state.catalog = catalog;
        const ids = new Set(catalog.fields.map((f) => f.id));
        state.request.rows = state.request.rows.filter((id) => ids.has(id));
        state.request.columns = state.request.columns.filter((id) => ids.has(id));
        renderFields();
        renderZones();
      }
      await run();
    } catch (error) {
      showError(`The pivot fields could not be listed: ${error.message}. Reload the page.`);
    }
  }

  return { open, refresh };
}
