// A parsing worker: reads pieces of a large delimited file for the engine worker
// (worker.js), which hands out runs of plain lines and absorbs the answers in file
// order. It holds nothing between messages but its own instance of the engine's wasm,
// compiled once by the engine worker and sent here as a WebAssembly.Module.
//   in:  {module}                          once, first
//   in:  {id, spec, index, piece}          answer: {id, answer} (answer transferred)
import init, { parsePiece } from './pkg/bi_platform.js';

// A piece may come before the module (the pool sends the module once its compilation
// settles, and the first pieces right away): pieces wait for it.
let gotModule;
const ready = new Promise((resolve) => { gotModule = resolve; })
  .then((module) => init({ module_or_path: module }));
self.onmessage = async ({ data }) => {
  if (data.module) {
    gotModule(data.module);
    return;
  }
  const { id, spec, index, piece } = data;
  try {
    await ready;
    const answer = parsePiece(spec, index, piece);
    self.postMessage({ id, answer }, [answer.buffer]);
  } catch (error) {
    // The engine then reads the piece itself: the load is the same, only slower.
    self.postMessage({ id, error: String((error && error.message) || error) });
  }
};
