// The engine client: the page's one way to the engine, which lives in a module worker
// (worker.js) so the page never freezes. A request is `call(op, args)`, answered by a
// promise of the result; the worker's own messages (the warehouse kept in this browser,
// a Parquet file's rows read) go to the one listener (`listenToEngine`). A SQL query is
// cancelled by `restartEngine`: the worker is stopped mid-task and a new, empty one
// started, into which the caller restores the warehouse this browser keeps (keep.js).
// Why not a cancel flag the engine would check between batches: the flag would have to
// be memory both threads see while the worker runs (a SharedArrayBuffer), which a page
// has only when cross-origin isolated (served with COOP/COEP headers), and this page is
// static files any host serves; a message posted to the busy worker is read only after
// the statement ends. `terminate()` stops it at once, whatever it runs.
//
// A trapped engine (its wasm instance hit `unreachable`: an allocation past the 4 GiB
// of a wasm memory, a stack overflow, a bug) is dead: every later call would fail. The
// worker says so (`trapped`), and the client replaces it and restores the warehouse
// without a reload: the call fails with a message saying so, later calls are answered
// by the new engine (`recover`).
//
// The page's test and debug hooks in the address reach the worker from here:
// `?keep=indexeddb` keeps the data in IndexedDB even where OPFS works (keep.js),
// `?workers=N` sets how many workers read a large file (worker.js; 1: only the
// engine's), and `?memoryBudget=BYTES` sets the engine's memory budget (default 3.5 GiB
// of the 4 GiB a wasm memory can have) before anything loads, so a small file can show
// what happens to one too big for memory. `?trap=OP` makes the first call of OP trap
// as a dead wasm instance would (a RuntimeError), to test the recovery.

const params = new URLSearchParams(location.search);
const workerUrl = new URL('./worker.js', import.meta.url);
for (const param of ['keep', 'workers', 'trap']) {
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
  // The test hook traps once, not again in the worker replacing this one.
  workerUrl.searchParams.delete('trap');
  worker.onmessage = ({ data: { id, ok, result, error, ...message } }) => {
    if (message.event) {
      tell(message);
      return;
    }
    const p = pending.get(id);
    pending.delete(id);
    if (ok) p.resolve(result);
    else if (message.trapped) {
      p.reject(Object.assign(new Error(`${error} (the engine stopped; it was restarted with your data)`), { trapped: true }));
      recover(error);
    } else p.reject(new Error(error));
  };
  worker.onerror = (e) => recover(e.message || 'unknown error');
  if (budget) {
    call('setMemoryBudget', { bytes: Number(budget) })
      .catch((error) => tell({ event: 'failed', message: `The memory budget could not be set: ${error.message}` }));
  }
}
// The engine starts loading with the page.
start();

/**
 * Hears the engine's own messages, `{event, ...}`: `kept` (the warehouse kept in this
 * browser, keep.js), `rows` (a Parquet file's rows read, parquet.js), `recovered` (a
 * trapped engine was replaced and the warehouse restored; `problem` when it could not
 * be), `failed` (the engine stopped for good; `message` says so). Messages that came
 * before are handed over first.
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
  for (const hook of restartHooks) hook();
}

// Who needs to know that a new worker replaced the old one (what they had handed the
// old one is gone: the SQL parser module, for one).
const restartHooks = [];
/** Calls `hook` each time the engine is replaced by a new, empty one. */
export function onEngineRestart(hook) {
  restartHooks.push(hook);
}

// A trapped engine replaced, with the warehouse this browser keeps; the listener hears
// `{event: 'recovered', problem}` (or `failed` when even that did not work). Calls made
// meanwhile wait in the new worker behind the restore, so they see the data.
let recovering = null;
function recover(reason) {
  if (recovering) return;
  restartEngine(`The engine stopped (${reason}) and was restarted with your data.`);
  recovering = call('restore')
    .then((restored) => tell({ event: 'recovered', reason, problem: restored.problem }))
    .catch((error) => tell({ event: 'failed', message: `The engine stopped (${reason}) and could not be restarted: ${error.message}. Reload the page.` }))
    .finally(() => { recovering = null; });
}
