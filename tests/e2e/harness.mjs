// The one way the end-to-end tests (and the page's benchmarks, bench/page/) drive the
// page: serve www/, launch headless Chromium on a fresh profile, open the page and wait
// until it is ready, drop files on it as a user's drag and drop does, wait for the view
// that follows a load, check it with axe-core, and keep screenshots (the ones a test
// asks for, and one of every open page when a test fails).
//
//   import { test, browser, loadSeed, expectAccessible } from './harness.mjs';
//   const session = browser('pivot', { viewport: { width: 1280, height: 900 } });
//   test('…', async () => { const page = await session.open(); await loadSeed(page); … });
//
// `browser()` launches in a `before` hook and closes in an `after` hook of the test file;
// `launch()` does the same for a script (bench/page/*.mjs) that closes it itself.
import { after as nodeAfter, before as nodeBefore, test as nodeTest } from 'node:test';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { chromium } from 'playwright-core';
import { serve, ROOT } from './server.mjs';
import { expectAccessible, checked } from './axe.mjs';

export { ROOT, expectAccessible, checked };

// The seed files of the older pipeline, beside the checkout, and the CLI's numbers on
// them (`bi-platform report --json`): each tenant's spend and revenue as the page shows
// them.
export const SEED = join(ROOT, '..', 'shared', 'seed-data');
export const SEED_FILES = [join(SEED, 'marketing_campaigns.csv'), join(SEED, 'sales_targets.xlsx')];
export const SEED_SUMMARY = {
  tenant_001: ['513,138.45', '966,789.14'],
  tenant_002: ['555,844.88', '1,009,722.20'],
  tenant_003: ['537,648.67', '927,420.12'],
};

// Screenshots (not committed): those tests take on purpose, and failures/ for the pages
// open when a test failed.
export const SHOTS = join(ROOT, 'tests', 'e2e', 'screenshots');
// How long a load may take (a few seconds here; minutes on a loaded two-core machine).
export const LOAD = { timeout: 120_000 };

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Browsers launched in this process and not closed yet (a failing test's screenshots).
const live = new Set();

// Serves www/ and launches Chromium (CHROMIUM, default /usr/bin/chromium) on a fresh
// profile named after `name`. Options: `viewport` (default 1280x800), `downloads`
// (accept downloads). Returns { base, context, profile, server, errors, open, close }:
// `base` is the page's address, `errors` every uncaught page error of every page opened.
export async function launch(name, { viewport = { width: 1280, height: 800 }, downloads = false } = {}) {
  const server = await serve();
  const base = `http://127.0.0.1:${server.address().port}/`;
  const profile = await mkdtemp(join(tmpdir(), `bi-${name}-`));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    acceptDownloads: downloads,
  });
  // The tab Chromium opens with is the first page `open` gives, so that no idle tab
  // stays beside it (the memory measurements count every renderer of the profile).
  let first = context.pages()[0] ?? null;
  const session = {
    name, base, context, profile, server, errors: [],

    // A page of this browser at `base + path`, ready (body[data-ready]). Its uncaught
    // errors are collected in `page.errors` (and `session.errors`). Options: `forget`
    // (default true) empties the origin's storage first, so the page starts with nothing
    // kept; `viewport`; `ready: false` returns once the address is loaded.
    async open(path = '', { forget = true, viewport: size, ready = true } = {}) {
      const page = first ?? await context.newPage();
      first = null;
      page.errors = [];
      page.on('pageerror', (e) => {
        page.errors.push(e.message);
        session.errors.push(e.message);
      });
      // "Forget all data" asks first.
      page.on('dialog', (d) => d.accept());
      if (size) await page.setViewportSize(size);
      if (forget) await forgetKept(page, base);
      await page.goto(base + path);
      if (ready) await waitReady(page);
      return page;
    },

    async close() {
      live.delete(session);
      await context.close();
      server.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
  live.add(session);
  return session;
}

// Browsers of `browser()` being launched: the `before` and `test` below wait for them
// (Node 20 starts a file's top-level `before` hooks together, not one after another).
const launching = [];

// For a test file: launches in a `before` hook, closes in an `after` hook. The returned
// object is filled in once launched (use it inside hooks and tests).
export function browser(name, options) {
  const session = {};
  let done;
  const launched = new Promise((resolve, reject) => { done = { resolve, reject }; });
  launched.catch(() => {}); // reported by the hook
  launching.push(launched);
  nodeBefore(async () => {
    try {
      Object.assign(session, await launch(name, options));
      done.resolve();
    } catch (e) {
      done.reject(e);
      throw e;
    }
  });
  nodeAfter(async () => { await session.close?.(); });
  return session;
}

// node:test's `test` and `before`, once the browsers are launched, keeping a screenshot
// of every open page when the test or hook fails
// (tests/e2e/screenshots/failures/FILE--TEST-N.png, named in the output).
export function test(name, ...rest) {
  const fn = rest.pop();
  return nodeTest(name, ...rest, (t) => shootOnFailure(name, () => fn(t), t));
}

export function before(fn, options) {
  return nodeBefore((t) => shootOnFailure('before', () => fn(t), t), options);
}

async function shootOnFailure(name, fn, t) {
  await Promise.all(launching);
  try {
    return await fn();
  } catch (error) {
    const dir = join(SHOTS, 'failures');
    const stem = `${basename(process.argv[1] ?? 'e2e').replace(/(\.test)?\.mjs$/, '')}--${name}`.replace(/[^\w.-]+/g, '-').slice(0, 120);
    let n = 0;
    for (const { context } of live) {
      for (const page of context.pages()) {
        const path = join(dir, `${stem}-${(n += 1)}.png`);
        try {
          await mkdir(dir, { recursive: true });
          await page.screenshot({ path, timeout: 10_000 });
          t?.diagnostic?.(`screenshot at the failure: ${path} (${page.url()})`);
        } catch { /* the page is gone */ }
      }
    }
    throw error;
  }
}

// A screenshot a test keeps on purpose: tests/e2e/screenshots/NAME.png.
export async function shot(page, name, { fullPage = false } = {}) {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

// The page has started: its engine is loaded and it takes files.
export function waitReady(page, { timeout = 30_000 } = {}) {
  return page.waitForSelector('body[data-ready="true"]', { timeout });
}

// The page keeps what it loads in the browser's storage (www/keep.js) and restores it
// when opened again: this clears the origin's storage through the DevTools protocol
// (on the blank page, before `goto`, for a page that starts empty).
export async function forgetKept(page, base) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Storage.clearDataForOrigin', { origin: new URL(base).origin, storageTypes: 'all' });
  await cdp.detach();
}

// Drops files on the page's drop zone as a user's drag and drop does: dragenter,
// dragover and drop, carrying a DataTransfer of File objects, dispatched in one task.
// `files`: [{ name, path | text | bytes }] (see dataTransfer), or a handle to a
// DataTransfer the page built itself (large generated files, with no transfer from
// here). Returns what the page showed at the moment of the drop: { streaming (the
// progress card is shown), label (its text), reports (load reports so far), sizes (the
// files' bytes) }.
export async function drop(page, files) {
  const transfer = Array.isArray(files) ? await dataTransfer(page, files) : files;
  return page.evaluate((dt) => {
    const zone = document.getElementById('dropzone');
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }
    return {
      streaming: !document.getElementById('progress').hidden,
      label: document.getElementById('progress-label').textContent,
      reports: window.__bi.state.reports.length,
      sizes: [...dt.files].map((f) => f.size),
    };
  }, transfer);
}

// A DataTransfer in the page holding `files`: [{ name, path | text | bytes }], each read
// here (a file at `path`, a string, or a Buffer / Uint8Array) and handed to the page.
export async function dataTransfer(page, files) {
  const list = await Promise.all(files.map(async ({ name, path, text, bytes }) => ({
    name, b64: Buffer.from(text ?? bytes ?? await readFile(path)).toString('base64'),
  })));
  return page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const { name, b64 } of list) {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], name));
    }
    return dt;
  }, list);
}

// Waits for the view after a load: no load running, the campaign summary showing
// `tenants` rows (any number but none when null), and, when given, `files` load reports
// and the warehouse kept in the browser (`kept`).
export function waitForView(page, { tenants = null, files = null, kept = false, timeout = LOAD.timeout } = {}) {
  return page.waitForFunction(({ tenants, files, kept }) => {
    const rows = document.querySelectorAll('table[data-dashboard="campaign_summary"] tbody tr').length;
    return document.getElementById('progress').hidden
      && (tenants == null ? rows > 0 : rows === tenants)
      && (files == null || window.__bi.state.reports.length === files)
      && (!kept || window.__bi.kept?.kept > 0);
  }, { tenants, files, kept }, { timeout });
}

// Picks the seed files (marketing_campaigns.csv, sales_targets.xlsx) with the file
// input and waits for their view: three tenants, two reports (options as waitForView's).
export async function loadSeed(page, options = {}) {
  await page.setInputFiles('#file-input', SEED_FILES);
  await waitForView(page, { tenants: 3, files: 2, ...options });
}
