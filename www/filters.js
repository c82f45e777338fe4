// The filter bar: a picker for each filter field the engine lists values of (its
// `options`: tenants, regions, products, channels), the date range, and "Reset filters".
// Each change goes into the query model (query.js) and the page computes its view again
// (`changed`).
import { $, el } from './dom.js';
import { fields, onQueryChange, query, resetQuery, selected, setDate, setValues } from './query.js';

/**
 * The filter bar, given `changed()` (the query changed: compute the view again, and say
 * its result). Returns `{render(options)}`, called with each view's filter options
 * (`{tenants, regions, ..., first_date, last_date}`).
 */
export function createFilters({ changed }) {
  // Each picker's options as last built, by field.
  const built = new Map();

  // A multi-select: a <details> with a search box and checkboxes. Nothing ticked = all.
  // Its button is named by what it picks and what is picked ("Regions: North"); Escape
  // closes it (focus back on its button), and so does the focus leaving it.
  function picker(container, f, values) {
    const key = f.name;
    const noun = f.plural;
    const allLabel = `All ${noun.toLowerCase()}`;
    // The selection is read from the query at each change: "Reset filters" changes the
    // query before the next view rebuilds the pickers (late while a file streams), and a
    // tick in between must not bring the reset selection back.
    const current = () => new Set(selected(key));
    let picked = current();
    const details = el('details', { class: 'picker' });
    const summary = el('summary', { 'data-key': `picker:${key}` });
    const updateSummary = () => {
      summary.textContent = picked.size === 0 ? allLabel : picked.size === 1 ? [...picked][0] : `${picked.size} selected`;
      summary.setAttribute('aria-label', `${noun}: ${summary.textContent}`);
      details.classList.toggle('active', picked.size > 0);
    };
    const apply = () => {
      setValues(key, [...picked].sort());
      updateSummary();
      changed();
    };
    const panel = el('div', { class: 'picker-panel', role: 'group', 'aria-label': noun });
    const search = el('input', { type: 'search', placeholder: 'Find…', 'aria-label': `Find ${noun.toLowerCase()}`, 'data-key': `find:${key}` });
    const options = el('div', { class: 'options' });
    const all = el('button', { type: 'button', class: 'ghost small', text: allLabel, 'data-key': `all:${key}`, onclick: () => { picked.clear(); for (const b of options.querySelectorAll('input')) b.checked = false; apply(); } });
    for (const v of values) {
      const box = el('input', { type: 'checkbox', value: v, 'data-key': `pick:${key}:${v}` });
      box.checked = picked.has(v);
      box.addEventListener('change', () => { picked = current(); if (box.checked) picked.add(v); else picked.delete(v); apply(); });
      options.append(el('label', { class: 'option' }, box, el('span', { text: v })));
    }
    search.addEventListener('input', () => {
      const q = search.value.toLowerCase();
      for (const o of options.children) o.hidden = !o.textContent.toLowerCase().includes(q);
    });
    if (values.length > 8) panel.append(search);
    panel.append(all, options);
    details.append(summary, panel);
    details.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape' || !details.open) return;
      e.preventDefault();
      e.stopPropagation();
      details.open = false;
      summary.focus();
    });
    details.addEventListener('focusout', (e) => {
      if (details.open && e.relatedTarget && !details.contains(e.relatedTarget)) details.open = false;
    });
    updateSummary();
    // New options (a load ending, a reset) must not close a picker the user has open.
    details.open = Boolean(container.querySelector('details.picker')?.open);
    container.replaceChildren(details);
  }

  // Whether a picker's ticks are the query's values of its field.
  const shows = (container, name) => {
    const ticked = [...container.querySelectorAll('input[type="checkbox"]:checked')].map((b) => b.value).sort();
    return JSON.stringify(ticked) === JSON.stringify([...selected(name)].sort());
  };

  function render(options) {
    for (const f of fields()) {
      const values = options[f.name];
      const container = $(`${f.link}-filter`);
      if (!Array.isArray(values) || !container) continue;
      // Built again when the data's values changed, or when the query changed by other
      // means than this picker (a reset, a click on a chart, a link).
      const key = JSON.stringify(values);
      if (built.get(f.name) === key && shows(container, f.name)) continue;
      built.set(f.name, key);
      picker(container, f, values);
    }
    for (const id of ['from', 'to']) {
      $(id).min = options.first_date || '';
      $(id).max = options.last_date || '';
    }
  }

  for (const id of ['from', 'to']) {
    $(id).addEventListener('change', () => { setDate(id, $(id).value); changed(); });
  }
  // The date inputs show the query's range, however it changed.
  onQueryChange((q) => {
    for (const id of ['from', 'to']) if ($(id).value !== (q[id] || '')) $(id).value = q[id] || '';
  });
  $('reset').addEventListener('click', () => {
    resetQuery();
    changed();
  });
  document.addEventListener('click', (e) => {
    for (const d of document.querySelectorAll('details.picker[open]')) if (!d.contains(e.target)) d.open = false;
  });
  // For the query now, before any view: the date inputs.
  for (const id of ['from', 'to']) $(id).value = query()[id] || '';
  return { render };
}
