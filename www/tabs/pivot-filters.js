// Click to filter in the pivot, as the charts do (crossfilter.js's `filterBy`): clicking
// a value cell, a row header's button or a column header's button makes its tenant,
// campaign, channel, region, product, performance category, day or month the page's
// selection; Ctrl/Cmd-click (Ctrl/Cmd+Enter on a button) adds them to it; clicking values
// that are all selected removes them. ISO weeks, quarters and years set the date range
// instead (clicking the range that is set clears it). Which filter a pivot field's
// values belong to is the engine's word (the catalog's `filter`).
import { announce, el, showError } from '../dom.js';
import { query, selected, setRange } from '../query.js';

const pad = (n) => String(n).padStart(2, '0');
const iso = (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
// The days of a date grain's label (a week `2024-W45`, a quarter `2024-Q4`, a year).
function dateRange(field, label) {
  const text = String(label);
  const day = (y, m, d) => new Date(Date.UTC(y, m - 1, d));
  if (field === 'day') return [text, text];
  if (field === 'year') return [`${text}-01-01`, `${text}-12-31`];
  let m = /^(\d{4})-(\d{2})$/.exec(text);
  if (field === 'month' && m) return [iso(day(+m[1], +m[2], 1)), iso(day(+m[1], +m[2] + 1, 0))];
  m = /^(\d{4})-Q(\d)$/.exec(text);
  if (field === 'quarter' && m) return [iso(day(+m[1], m[2] * 3 - 2, 1)), iso(day(+m[1], m[2] * 3 + 1, 0))];
  m = /^(\d{4})-W(\d{2})$/.exec(text);
  if (field === 'week' && m) {
    // ISO week 1 holds January 4th; weeks start on Monday.
    const jan4 = day(+m[1], 1, 4);
    const monday = new Date(jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * 86400000 + (m[2] - 1) * 7 * 86400000);
    return [iso(monday), iso(new Date(monday.getTime() + 6 * 86400000))];
  }
  return null;
}

/** Filters as words: "tenant_001, 2024-11-04 to 2024-11-10". */
export const describe = (filters) => filters.map((f) => (f.key === 'range' ? `${f.value[0]} to ${f.value[1]}` : f.value)).join(', ');
export const additive = (e) => e.ctrlKey || e.metaKey;

/**
 * The pivot's click-to-filter, given `catalog()` (the engine's pivot fields, each with
 * the query field its values are values of), `filterByMany` (crossfilter.js) and
 * `refresh()` (the page's view again). Returns `{filtersOf, filterButton, applyFilters}`.
 */
export function pivotFilters({ catalog, filterByMany, refresh }) {
  const filterOf = (id) => catalog()?.fields.find((f) => f.id === id)?.filter;

  /** The filters of a header path: [{key, value}], `key` a query field (a day is
   *  `dates`, a month `months`), or `range` with value [from, to] for a week, quarter
   *  or year. */
  function filtersOf(fields, labels, level) {
    const out = [];
    for (let i = 0; i < level; i += 1) {
      const field = fields[i].id;
      const value = labels[i];
      if (value == null || value === 'Others') continue;
      const key = filterOf(field);
      if (key) out.push({ key, value: String(value) });
      else {
        const range = dateRange(field, value);
        if (range) out.push({ key: 'range', value: range });
      }
    }
    return out;
  }

  /** Are all of `filters` in the page's filters now (a set value selected, a range set)? */
  function isSelected(filters) {
    const q = query();
    return filters.length > 0 && filters.every(({ key, value }) => (key === 'range'
      ? q.from === value[0] && q.to === value[1]
      : selected(key).includes(value)));
  }

  /** A header's values as a button: a click filters by them, Ctrl/Cmd adds, pressed
   *  when selected. */
  function filterButton(filters, text, key) {
    const pressed = isSelected(filters);
    const button = el('button', {
      type: 'button', class: `link${pressed ? ' selected' : ''}`, 'data-key': key, 'aria-pressed': String(pressed),
      'aria-label': `${text}: filter the page to ${describe(filters)}`, title: 'Click to filter, Ctrl/⌘-click to add to the selection', text,
    });
    button.addEventListener('click', (e) => applyFilters(filters, { add: additive(e) }));
    // Ctrl/Cmd+Enter adds, whether or not the browser passes the modifier to the click.
    button.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && additive(e)) {
        e.preventDefault();
        applyFilters(filters, { add: true });
      }
    });
    return button;
  }

  /**
   * Filters the page by a cell's or header's values, as a chart click does for one
   * value (crossfilter.js's `filterBy` rules, all values in one refresh):
   * - values all selected already: a click (with or without Ctrl/Cmd) removes them;
   * - otherwise a plain click makes each value its field's whole selection, and
   *   Ctrl/Cmd-click adds the values not yet selected.
   * A date range (ISO week, quarter, year) is set, or cleared when it is the one set.
   */
  async function applyFilters(filters, { add = false } = {}) {
    const all = isSelected(filters);
    const calls = [];
    const ranges = [];
    for (const { key, value } of filters) {
      if (key === 'range') { ranges.push(all ? [null, null] : value); continue; }
      const current = selected(key);
      const had = current.includes(value);
      // filterBy: {add: true} toggles the value; {add: false} makes it the only one,
      // unless it was selected (then it goes): a value selected among others is first
      // taken out.
      if (all) calls.push([key, value, true]);
      else if (add) { if (!had) calls.push([key, value, true]); }
      else if (!(had && current.length === 1)) {
        if (had) calls.push([key, value, true]);
        calls.push([key, value, false]);
      }
    }
    try {
      if (calls.length) await filterByMany(calls.map(([field, value, more]) => ({ field, value, add: more })), all ? `Filter ${describe(filters)} removed` : `Filtered by ${describe(filters)}`);
      if (ranges.length) {
        for (const [from, to] of ranges) setRange(from, to);
        refresh({ announce: true });
      }
    } catch (error) {
      showError(`The filter could not be applied: ${error.message}. Press “Reset filters”.`);
      return;
    }
    announce(all ? `Filter ${describe(filters)} removed.` : `${add ? 'Added' : 'Filtered the page'} to ${describe(filters)}.`);
  }

  return { filtersOf, filterButton, applyFilters };
}
