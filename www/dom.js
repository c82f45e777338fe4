// The page's DOM helpers, shared by its modules: an element by id, an element built from
// props (`class`, `text` as textContent, `on…` listeners, other attributes) and children
// (values are set as text or attributes, never as HTML), what a screen reader hears, a
// download, and the focus kept across a re-render. No state of their own.
export const $ = (id) => document.getElementById(id);
export const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c != null) node.append(c);
  return node;
};

// Errors go to an assertive live region (#errors, role=alert); everything else a screen
// reader should hear once (progress steps, a load's result, a filter's result) to the
// polite #status region.

/** Says `message` once in the polite live region. */
export function announce(message) {
  const status = $('status');
  // The same words twice in a row are still announced.
  status.textContent = status.textContent === message ? `${message}\u00a0` : message;
}

/** Shows an error (with a Dismiss button; the last three stay). */
export function showError(message) {
  const item = el('div', { class: 'error' },
    el('span', { text: message }),
    el('button', { type: 'button', class: 'ghost close', 'aria-label': 'Dismiss', text: '×', onclick: () => item.remove() }));
  $('errors').append(item);
  while ($('errors').children.length > 3) $('errors').firstElementChild.remove();
}

/** Downloads `blob` as a file called `name`. */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Runs `render`, which replaces elements; the one that had the keyboard focus gets it
 *  back by its data-key (a sort button, a pager button, a picker's checkbox, a region). */
export function keepFocus(render) {
  const key = document.activeElement?.dataset?.key;
  render();
  if (key && document.activeElement?.dataset?.key !== key) {
    const again = [...document.querySelectorAll('[data-key]')].find((n) => n.dataset.key === key);
    again?.focus();
  }
}

/** After the next frame is drawn (or 100 ms, for a page in a background tab, which
 *  draws no frames). */
export const nextFrame = () => new Promise((done) => {
  requestAnimationFrame(() => setTimeout(done, 0));
  setTimeout(done, 100);
});
