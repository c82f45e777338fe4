// A quick ingest measurement of the wasm engine without a browser: node's V8 runs the
// same wasm as Chromium's. Used to compare two builds (e.g. with and without simd128)
// run alternately in one session, since the shared machines here are noisy.
//
//   node bench/ingest-node.mjs PKG_DIR FILE [RUNS]
//   node bench/ingest-node.mjs ./www/pkg /tmp/gen1m/campaigns.csv 5
//
// Prints the median and every run of `new Warehouse()` + `load(name, bytes)`.
import fs from 'node:fs';
import path from 'node:path';

const [pkgArg, file, runs = '5'] = process.argv.slice(2);
if (!pkgArg || !file) {
  console.error('usage: node bench/ingest-node.mjs PKG_DIR FILE [RUNS]');
  process.exit(2);
}
const pkg = path.resolve(pkgArg);
const engine = await import(path.join(pkg, 'bi_platform.js'));
engine.initSync({ module: fs.readFileSync(path.join(pkg, 'bi_platform_bg.wasm')) });
const bytes = new Uint8Array(fs.readFileSync(file));
const times = [];
for (let i = 0; i < Number(runs); i++) {
  const warehouse = new engine.Warehouse();
  const start = performance.now();
  warehouse.load(path.basename(file), bytes);
  times.push(performance.now() - start);
  warehouse.free();
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)];
console.log(
  `${pkgArg}: median ${median.toFixed(0)} ms, ${(bytes.length / 1e6 / (median / 1000)).toFixed(1)} MB/s ` +
    `(runs: ${times.map((t) => t.toFixed(0)).join(', ')} ms)`,
);
