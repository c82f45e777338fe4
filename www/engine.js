// The engine client: the page's one way to the engine, which lives in a module worker
// (worker.js) so the page never freezes. A request is `call(op, args)`, answered by a
// promise of the result; the worker's own messages (the warehouse kept in this browser,
// a Parquet file's rows read) go to the one listener (`listenToEngine`). A SQL query is
// cancelled by `restartEngine`: the worker is stopped mid-task and a new, empty one
// started.
//
// The page's test and debug hooks in the address reach the worker from here:
// `?keep=indexeddb` keeps the data in IndexedDB even where OPFS works (keep.js),
// `?workers=N` sets how many workers read a large file (worker.js; 1: only the
// engine's), and `?memoryBudget=BYTES` sets the engine's memory budget (default 3.5 GiB
// of the 4 GiB a wasm memory can have) before anything loads, so a small file can show
// what happens to one too big for memory.

const params = new URLSearchParams(location.search);
const workerUrl = new URL('./worker.js', import.meta.url);
for (const param of ['keep', 'workers']) {
  const value = params.get(param);
  if (value) workerUrl.searchParams.set(param, value);
}
const budget = params.get('memoryBudget');

// The worker, the calls waiting for its answer (by id), and who hears the worker's own
// messages and failures (those arriving before anyone listens wait for them).
let worker = null;
let nextId = 0;
const pending = new Map();
let listener = null;
const early = [];
const tell = (message) => (listener ? listener(message) : early.push(message));

function start() {
  worker = new Worker(workerUrl, { type: 'module' });
  worker.onmessage = ({ data: { id, ok, result, error, ...message } }) => {
    if (message.event) {
      tell(message);
      return;
    }
    const p = pending.get(id);
    pending.delete(id);
    if (ok) p.resolve(result); else p.reject(new Error(error));
  };
  worker.onerror = (e) => tell({ event: 'failed', message: `The engine stopped: ${e.message || 'unknown error'}. Reload the page.` });
  if (budget) {
    call('setMemoryBudget', { bytes: Number(budget) })
      .catch((error) => tell({ event: 'failed', message: `The memory budget could not be set: ${error.message}` }));
  }
}
// The engine starts loading with the page.
start();

/**
 * Hears the engine's own messages, `{event, ...}`: `kept` (the warehouse kept in this
 * browser, keep.js), `rows` (a Parquet file's rows read, parquet.js), `failed` (the
 * engine stopped; `message` says so). Messages that came before are handed over first.
 */
export function listenToEngine(handler) {
  listener = handler;
  for (const message of early.splice(0)) listener(message);
}

/** Asks the engine: `op` with `args` (`transfer`: buffers handed over, not copied). */
export function call(op, args, transfer = []) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, op, args }, transfer);
  });
}

/**
 * Stops the worker mid-task and starts a new, empty one: every call waiting on the old
 * one fails with an error whose `cancelled` is true. The caller puts the warehouse back
 * (`call('restore')`, keep.js) and whatever else it had handed the engine.
 */
export function restartEngine(reason) {
  worker.terminate();
  for (const p of pending.values()) p.reject(Object.assign(new Error(reason), { cancelled: true }));
  pending.clear();
  start();
}
