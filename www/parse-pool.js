// The parsing workers of a large delimited file (www/parse-worker.js), for whoever
// holds the engine's Warehouse: the engine worker (worker.js) and the benchmark page
// (bench/bench.js). No shared memory is needed, so a static host without COOP/COEP
// headers gets them too.
//
// A pipeline: each push of the file's bytes may hand out a run of plain lines
// (`Warehouse.work()`), one piece per parsing worker. The pieces go out at once and the
// push returns; the answers are absorbed (`absorbWork`) in the order the runs went
// out, `lag` runs behind, so the workers read the next runs while the engine adds the
// rows of the last. On two cores that is one parsing worker reading while the engine
// commits. `drain` absorbs every answer still out (before the file ends); a worker
// that fails or dies makes the engine read that run itself (the same load).
export class ParsePool {
  // `module`: a promise of the engine's compiled WebAssembly.Module; `size`: parsing
  // workers (at least 1), one piece of each run each; `lag`: runs left out after a
  // push (below the engine's MAX_RUNS_HANDED_OUT, 4).
  constructor(module, size, lag = 3) {
    this.module = module;
    this.size = Math.max(1, size);
    this.lag = lag;
    this.workers = null;
    this.asked = 0;
    this.settles = new Map();
    // Runs out, oldest first: {run, answers: Promise<(Uint8Array|null)[]>}.
    this.out = [];
  }

  // The workers, started on the first run handed out.
  start() {
    if (this.workers) return this.workers;
    this.workers = [];
    for (let i = 0; i < this.size; i += 1) {
      const worker = new Worker(new URL('./parse-worker.js', import.meta.url), { type: 'module' });
      worker.onmessage = ({ data: { id, answer, error } }) => {
        const asked = this.settles.get(id);
        this.settles.delete(id);
        if (asked) asked.settle(error ? null : answer);
      };
      // An answer that never comes would stall the pipeline: a worker that dies
      // answers null for everything it holds (the engine reads those runs itself).
      worker.onerror = () => {
        for (const [id, asked] of this.settles) {
          if (asked.worker === worker) { this.settles.delete(id); asked.settle(null); }
        }
      };
      this.module.then((module) => worker.postMessage({ module }));
      this.workers.push(worker);
    }
    return this.workers;
  }

  ask(worker, spec, index, piece) {
    this.asked += 1;
    const id = this.asked;
    return new Promise((settle) => {
      this.settles.set(id, { settle, worker });
      worker.postMessage({ id, spec, index, piece }, [piece.buffer]);
    });
  }

  // After a push whose progress says `work`: hands its run out, then absorbs the
  // oldest runs until at most `lag` are out.
  async pushed(warehouse, progress) {
    if (progress.work) {
      const { run, spec, pieces } = warehouse.work();
      const workers = this.start();
      const answers = Promise.all(pieces.map((piece, i) => this.ask(workers[i % workers.length], spec, i, piece)));
      this.out.push({ run, answers });
    }
    await this.absorb(warehouse, this.lag);
  }

  // Every answer still out absorbed, in order: call before the file ends.
  drain(warehouse) {
    return this.absorb(warehouse, 0);
  }

  async absorb(warehouse, lag) {
    while (this.out.length > lag) {
      const oldest = this.out[0];
      const given = await oldest.answers;
      // A cancel meanwhile dropped the runs: these answers are for nothing now.
      if (this.out[0] !== oldest) return;
      this.out.shift();
      warehouse.absorbWork(oldest.run, given.includes(null) ? [] : given);
    }
  }

  // Forgets the runs out (the file was cancelled or replaced); late answers are dropped.
  forget() {
    this.out = [];
  }
}
