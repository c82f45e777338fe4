// "Which client is this file for?": an ad platform's export that names no client (no
// tenant or account column, SPEC §1) is looked at before it loads (the engine's
// `peekFile`), and the page asks for its client in a modal dialog, offering the clients
// already loaded and a new one. The answer is remembered in this browser by the
// export's campaigns (a platform's campaign ids are its account's own), so the next
// export of the same account loads under the same client without asking. "Forget all
// data" forgets the answers too.
import { announce, el } from './dom.js';
import { call } from './engine.js';

// Remembered answers: {"<platform>\u0000<campaign id>": client}.
const KEY = 'bi-platform.clients';
// Answers kept at most (the oldest go first).
const MAX_REMEMBERED = 5000;
// A file up to this size is looked at whole (a workbook is read whole); a larger one by
// its first MB, which holds its header and first rows.
const PEEK_WHOLE = 8 * 1024 * 1024;
const PEEK_BYTES = 1024 * 1024;

/** The user chose to skip the file. */
export const SKIP = Symbol('skip');

function remembered() {
  try {
    return JSON.parse(localStorage.getItem(KEY) || '{}') || {};
  } catch {
    return {};
  }
}

function remember(seen, client) {
  const answers = remembered();
  for (const campaign of seen.campaigns) {
    const key = `${seen.platform}\u0000${campaign}`;
    delete answers[key];
    answers[key] = client;
  }
  const keys = Object.keys(answers);
  for (const key of keys.slice(0, Math.max(0, keys.length - MAX_REMEMBERED))) delete answers[key];
  try {
    localStorage.setItem(KEY, JSON.stringify(answers));
  } catch { /* storage full or off: the question comes back next time */ }
}

/** Forgets every remembered answer. */
export function forgetClients() {
  try {
    localStorage.removeItem(KEY);
  } catch { /* nothing kept */ }
}

/**
 * The client of `file`: `null` when the file names its own (or is no platform's
 * export), `{client, how}` (`how`: 'chosen' or 'remembered') when the page knows it,
 * or `SKIP` when the user skipped the file.
 */
export async function clientFor(file) {
  const head = await file.slice(0, file.size <= PEEK_WHOLE ? file.size : PEEK_BYTES).arrayBuffer();
  let seen;
  try {
    seen = await call('peek', { bytes: head }, [head]);
  } catch {
    return null; // loading it says what is wrong
  }
  if (!seen || !seen.needs_tenant) return null;
  const answers = remembered();
  const known = seen.campaigns.map((c) => answers[`${seen.platform}\u0000${c}`]).find((c) => c);
  if (known) return { client: known, how: 'remembered' };
  const clients = [...await call('tenants')].sort();
  const client = await ask(file, seen, clients);
  if (client == null) return SKIP;
  remember(seen, client);
  return { client, how: 'chosen' };
}

// The question, as a modal dialog: a radio per client loaded, and "A new client" with
// its name. Resolves to the client, or null when skipped (Skip, or Escape).
function ask(file, seen, clients) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const newName = el('input', { type: 'text', id: 'client-new', autocomplete: 'off', 'aria-describedby': 'client-error' });
    const error = el('p', { id: 'client-error', class: 'error-text', role: 'alert' });
    const radio = (value, checked) => {
      const input = el('input', { type: 'radio', name: 'client', value });
      input.checked = checked;
      return input;
    };
    const choices = clients.map((c, i) => el('label', { class: 'choice' }, radio(c, i === 0), ` ${c}`));
    const fresh = radio('', clients.length === 0);
    fresh.id = 'client-fresh';
    newName.addEventListener('input', () => { fresh.checked = true; error.textContent = ''; });
    const fieldset = el('fieldset', {},
      el('legend', { text: 'Client' }),
      ...choices,
      el('div', { class: 'choice new' },
        fresh, el('label', { for: 'client-fresh', text: ' A new client, named ' }),
        el('label', { for: 'client-new', class: 'sr-only', text: 'The new client’s name' }),
        newName));
    const load = el('button', { type: 'submit', class: 'primary', value: 'load', text: 'Load the file' });
    const skip = el('button', { type: 'button', text: 'Skip this file' });
    const form = el('form', { method: 'dialog' },
      el('h2', { id: 'client-question', text: 'Which client is this file for?' }),
      el('p', { id: 'client-why' },
        '“', el('strong', { text: file.name }), `” is a ${seen.platform} export that does not name its account, so the page cannot tell whose campaigns these are. Its rows are loaded under the client you pick; the next export of the same account is recognised in this browser.`),
      fieldset, error,
      el('div', { class: 'dialog-actions' }, load, skip));
    const dialog = el('dialog', { class: 'client-dialog card', 'aria-labelledby': 'client-question', 'aria-describedby': 'client-why' }, form);
    let answered = false;
    const close = (client) => {
      if (answered) return;
      answered = true;
      dialog.close();
      dialog.remove();
      if (opener && opener.isConnected) opener.focus();
      resolve(client);
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const picked = form.querySelector('input[name="client"]:checked');
      const client = picked && picked.value ? picked.value : newName.value.trim();
      if (!client) {
        error.textContent = clients.length
          ? 'Type the new client’s name, or pick a client above.'
          : 'Type the client’s name.';
        newName.focus();
        return;
      }
      announce(`${file.name} will load under the client ${client}.`);
      close(client);
    });
    skip.addEventListener('click', () => {
      announce(`${file.name} skipped: nothing was loaded from it.`);
      close(null);
    });
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      announce(`${file.name} skipped: nothing was loaded from it.`);
      close(null);
    });
    document.body.append(dialog);
    dialog.showModal();
    (clients.length ? choices[0].querySelector('input') : newName).focus();
  });
}
