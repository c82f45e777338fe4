// Keeping the warehouse in this browser, for the worker (worker.js): the engine's
// snapshot (the warehouse and the load reports, checksummed; src/snapshot.rs) is written
// to the Origin Private File System after each load, and read back when the page opens.
// IndexedDB stands in where OPFS (or its sync access handles) is missing.
//
// Writes are whole: the bytes go to a temporary file, which then replaces the snapshot,
// so a reader sees the old snapshot or the new one, never a mix. Every write, read and
// delete holds a Web Lock (exclusive to write or delete, shared to read), so two tabs of
// the page never write at once: the last tab to load a file wins, whole.

const FILE = 'warehouse.snapshot';
const TEMP = '.tmp';
const LOCK = 'bi-platform-snapshot';
const DB = 'bi-platform';
const STORE = 'snapshots';
// Loads finishing within this delay of each other (several files dropped at once) are
// kept with one write.
const DEBOUNCE_MS = 200;

const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;

// Where snapshots go: 'opfs', 'indexeddb', or null (no storage, as in some private
// windows). `?keep=indexeddb` in the page's address (passed on by the page) uses
// IndexedDB even where OPFS works, so the fallback can be tested; `?keep=none` acts as
// a browser that gives the page no storage at all.
let chosen;
function backend(prefer) {
  chosen ??= (async () => {
    if (prefer === 'none') return null;
    if (prefer !== 'indexeddb' && navigator.storage?.getDirectory
      && self.FileSystemFileHandle && 'createSyncAccessHandle' in FileSystemFileHandle.prototype) {
      try {
        await navigator.storage.getDirectory();
        return 'opfs';
      } catch { /* no OPFS here: try IndexedDB */ }
    }
    try {
      (await idb()).close();
      return 'indexeddb';
    } catch {
      return null;
    }
  })();
  return chosen;
}

function locked(mode, fn) {
  return navigator.locks ? navigator.locks.request(LOCK, { mode }, fn) : fn();
}

// --- OPFS -----------------------------------------------------------------------------
async function opfsWrite(bytes) {
  const dir = await navigator.storage.getDirectory();
  // Temporary files left by a tab closed in the middle of a write.
  for await (const name of dir.keys()) {
    if (name.endsWith(TEMP)) await dir.removeEntry(name).catch(() => {});
  }
  const name = `${FILE}.${crypto.randomUUID()}${TEMP}`;
  const temp = await dir.getFileHandle(name, { create: true });
  try {
    const handle = await temp.createSyncAccessHandle();
    try {
      handle.truncate(0);
      let written = 0;
      while (written < bytes.length) written += handle.write(bytes.subarray(written), { at: written });
      handle.flush();
    } finally {
      handle.close();
    }
    // Replaces the snapshot in one step.
    await temp.move(FILE);
  } catch (error) {
    await dir.removeEntry(name).catch(() => {});
    throw error;
  }
}

async function opfsRead() {
  const dir = await navigator.storage.getDirectory();
  try {
    const file = await (await dir.getFileHandle(FILE)).getFile();
    return new Uint8Array(await file.arrayBuffer());
  } catch (error) {
    if (error.name === 'NotFoundError') return null;
    throw error;
  }
}

async function opfsRemove() {
  const dir = await navigator.storage.getDirectory();
  for await (const name of dir.keys()) {
    if (name === FILE || name.endsWith(TEMP)) await dir.removeEntry(name);
  }
}

// --- IndexedDB ------------------------------------------------------------------------
function idb() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

async function idbRequest(mode, fn) {
  const db = await idb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = fn(tx.objectStore(STORE));
      let result;
      request.onsuccess = () => { result = request.result; };
      // A transaction commits whole or not at all.
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new DOMException('aborted', 'AbortError'));
    });
  } finally {
    db.close();
  }
}

const store = {
  opfs: { write: opfsWrite, read: opfsRead, remove: opfsRemove },
  indexeddb: {
    write: (bytes) => idbRequest('readwrite', (s) => s.put(new Blob([bytes]), FILE)),
    read: async () => {
      const blob = await idbRequest('readonly', (s) => s.get(FILE));
      return blob ? new Uint8Array(await blob.arrayBuffer()) : null;
    },
    remove: () => idbRequest('readwrite', (s) => s.delete(FILE)),
  },
};

// Words for a failed write: what happened, what stays.
function writeProblem(error, size) {
  if (error.name === 'QuotaExceededError') {
    return `this browser has no room for ${mb(size)} (its storage quota for this page is used up). `
      + 'Free some space (or clear other sites’ data) and load a file again; what was kept before stays.';
  }
  return `${error.message || error}. What was kept before stays.`;
}

// The keeper: `restore()` once when the page opens, `schedule()` after each load,
// `forget()` for "Forget all data". `onStatus({kept, where, problem})` hears about
// every write.
export function keeper(warehouse, onStatus, prefer) {
  let timer = null;
  // Bumped by forget(): a write that took its snapshot before must not land after it.
  let generation = 0;

  async function save() {
    timer = null;
    // A CSV streaming in has rows in the warehouse that a cancel would roll back: keep
    // the snapshot once it is added (or cancelled), never with a part of it.
    if (warehouse().isLoading()) {
      timer = setTimeout(save, DEBOUNCE_MS);
      return;
    }
    const mine = generation;
    const where = await backend(prefer);
    if (!where) {
      onStatus({ kept: null, where, problem: 'this browser gives the page no storage (a private window may not), so the data stays only until this tab closes.' });
      return;
    }
    let bytes;
    try {
      bytes = warehouse().snapshot();
    } catch (error) {
      onStatus({ kept: null, where, problem: `${error.message || error}. It stays only until this tab closes.` });
      return;
    }
    try {
      const done = await locked('exclusive', async () => {
        if (mine !== generation) return false;
        await store[where].write(bytes);
        return true;
      });
      if (done) onStatus({ kept: bytes.length, where, problem: null });
    } catch (error) {
      onStatus({ kept: null, where, problem: writeProblem(error, bytes.length) });
    }
  }

  return {
    schedule() {
      clearTimeout(timer);
      timer = setTimeout(save, DEBOUNCE_MS);
    },

    // What the page kept, loaded into the warehouse: {reports, kept, where, problem, ms}.
    // A snapshot that cannot be restored leaves the warehouse empty and says why.
    async restore() {
      const started = performance.now();
      const where = await backend(prefer);
      if (!where) return { reports: [], kept: null, where, problem: null, ms: 0 };
      let bytes;
      try {
        bytes = await locked('shared', () => store[where].read());
      } catch (error) {
        return { reports: [], kept: null, where, problem: `it could not be read (${error.message || error})`, ms: 0 };
      }
      if (!bytes) return { reports: [], kept: null, where, problem: null, ms: 0 };
      const read = performance.now();
      try {
        const reports = warehouse().restore(bytes);
        const done = performance.now();
        return { reports, kept: bytes.length, where, problem: null, ms: done - started, readMs: read - started, restoreMs: done - read };
      } catch (error) {
        return { reports: [], kept: null, where, problem: `it is ${error.message || error}`, ms: performance.now() - started };
      }
    },

    async forget() {
      generation++;
      clearTimeout(timer);
      timer = null;
      warehouse().clear();
      const where = await backend(prefer);
      if (where) await locked('exclusive', () => store[where].remove());
      return { where };
    },
  };
}
