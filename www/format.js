// Numbers and values as the page writes them: the one formatter of a cell, by the type
// the engine gives its column (a dashboard's declared columns, a SQL result's derived
// ones, a pivot's value columns), and the few number styles the page uses elsewhere
// (KPI tiles, chart tables, sizes). No state: plain functions of their arguments.

export const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
export const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const small = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });

/** A ratio as a percentage ("12.50%"); '—' for none. */
export const pct = (v) => (v == null ? '—' : `${percent.format(v * 100)}%`);

/**
 * A cell by its column's type, as the engine declares it (a dashboard's columns) or
 * derives it (a query's, a pivot's): text, integer, code (a year, a month: no
 * separators), number, money, ratio, date. NULL is '—'; a value that is not a number
 * is its text whatever the type.
 */
export function formatValue(type, value) {
  if (value == null) return '—';
  if (typeof value !== 'number') return String(value);
  switch (type) {
    case 'money': return money.format(value);
    case 'ratio': return pct(value);
    case 'code': return String(value);
    case 'integer': return whole.format(value);
    default: return Number.isInteger(value) ? whole.format(value)
      : Math.abs(value) < 1 ? small.format(value) : decimal.format(value);
  }
}

const NUMERIC = new Set(['integer', 'number', 'money', 'ratio']);
/** Whether a column of that type holds numbers (aligned right, class `num`). */
export const isNumeric = (type) => NUMERIC.has(type);

/** A size in bytes as KB or MB. */
export const bytes = (n) => (n >= 1e6 ? `${decimal.format(n / 1e6)} MB` : `${decimal.format(n / 1e3)} KB`);

/** Dollars for a KPI tile: cents below a million, compact above ("$1.56M"). */
export const dollars = (v) => `${v < 0 ? '-' : ''}$${Math.abs(v) >= 1e6 ? compact.format(Math.abs(v)) : money.format(Math.abs(v))}`;

const UNITS = {
  money: (v) => `${v < 0 ? '-' : ''}$${money.format(Math.abs(v))}`,
  percent: (v) => `${decimal.format(v)}%`,
  count: (v) => (Number.isInteger(v) ? whole.format(v) : decimal.format(v)),
};
/** A chart's value by the chart's unit (`money`, `percent`, `count`), for its table. */
export const formatUnit = (unit, v) => (v == null ? '—' : (UNITS[unit] || UNITS.count)(v));
