// Views as links: the tenant scope, the filters, the open tab and the SQL text live in
// the page's address after `#` (written and read by query.js's `formatHash` and
// `parseHash`), so a reload, Back and Forward, a bookmark or a link sent to a colleague
// open the same view. The part after `#` never leaves the browser: it is not sent to the
// server.
//
// Opening a link only sets the view: its values are handed to the page's own engine as
// the query's values (never as code or markup), and its SQL text is put in the editor,
// not run, until the user runs it. A tenant or filter value the loaded data does not
// have, a date that is not a date, or a tab that does not exist is named in a message
// and ignored. The link is checked against the data once the warehouse is restored (or,
// on an empty page, once files are loaded).
import { EMPTY_QUERY, formatHash, listText, parseHash, withoutUnknown } from './query.js';

// The page's side, given hooks:
//   current(): {query, tab, sql} shown now;
//   apply({query, tab, sql}): shows that view (without checking it);
//   tabs(): the tab names; notify(text): a visible message.
// Returns {open, check, save, follow}: `open()` applies the address's view (on load, a
// pasted link), `check(options)` (after each view is computed) drops values the data
// lacks and says so, returning true when the query changed and the view must be
// computed again; `save({replace})` writes the view into the address, as a new history
// entry unless `replace`; `follow()` opens the address's view if it changed (Back,
// Forward, an edited address), returning true when it did.
export function viewLinks({ current, apply, tabs, notify }) {
  let written = location.hash;
  let unchecked = false;
  // While a link's view is being applied, the page's own saves (a tab selected) are
  // not new history entries.
  let applying = false;
  const applied = (view) => {
    applying = true;
    try {
      apply(view);
    } finally {
      applying = false;
    }
  };

  function open() {
    written = location.hash;
    const view = parseHash(location.hash);
    const base = current();
    const next = view || { query: EMPTY_QUERY, tab: 'campaign_summary', sql: null, problems: [] };
    const problems = [...next.problems];
    let tab = next.tab || 'campaign_summary';
    if (!tabs().includes(tab)) {
      problems.push(`the tab “${tab}” does not exist`);
      tab = base.tab;
    }
    applied({ query: next.query, tab, sql: next.sql ?? (view ? '' : base.sql) });
    unchecked = true;
    if (problems.length) notify(`This link’s ${listText(problems)}: ignored.`);
  }

  function check(options) {
    if (!unchecked) return false;
    unchecked = false;
    const { unknown, query } = withoutUnknown(current().query, options);
    if (!unknown.length) return false;
    notify(`This link names ${listText(unknown)}, which the data loaded here does not have: ${unknown.length === 1 ? 'it is' : 'they are'} ignored.`);
    applied({ ...current(), query });
    save({ replace: true });
    return true;
  }

  function save({ replace = false } = {}) {
    if (applying) return;
    const hash = formatHash(current());
    if (hash === written || (hash === '' && (written === '' || written === '#'))) return;
    written = hash;
    const url = `${location.pathname}${location.search}${hash}`;
    if (replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
  }

  const follow = () => { if (location.hash !== written) { open(); return true; } return false; };

  return { open, check, save, follow };
}
