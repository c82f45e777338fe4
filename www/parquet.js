// Parquet in the page, on the worker's side: a dropped .parquet file and the Parquet
// export go through the Parquet module (www/pkg-parquet/, the binding crate
// crates/web-parquet), fetched the first time either is needed so that the engine's
// first download stays small.
//
// Loading: the page streams every file to the worker in slices as usual. A file whose
// first bytes are `PAR1` is kept here instead of going to the engine's text reader;
// at `end` the module decodes it one row group at a time into cell text, which the
// engine stages as it stages CSV (Warehouse.beginColumnar / pushColumnar /
// endColumnar), and the page hears {event: 'rows', file, done, total} after each row
// group. `commit` and `cancel` then work as for any file.

let module = null;
async function parquetModule() {
  if (!module) {
    const loaded = await import('./pkg-parquet/bi_platform_parquet.js');
    await loaded.default();
    module = loaded;
  }
  return module;
}

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

export function parquetLoader(warehouse, post) {
  // The file being loaded: {name, chunks, bytes} once it is known to be Parquet.
  let name = null;
  let first = true;
  let file = null;

  return {
    begin(fileName) {
      name = fileName;
      first = true;
      file = null;
    },
    // The chunk kept (and progress returned) when the file is Parquet; undefined
    // otherwise, and the engine takes the chunk.
    push(chunk) {
      if (first) {
        first = false;
        const head = new Uint8Array(chunk, 0, Math.min(4, chunk.byteLength));
        if (head.length === 4 && MAGIC.every((b, i) => head[i] === b)) file = { chunks: [], bytes: 0 };
      }
      if (!file) return undefined;
      file.chunks.push(new Uint8Array(chunk));
      file.bytes += chunk.byteLength;
      return { bytes: file.bytes, rows: 0, refused: null };
    },
    // A promise when the file is Parquet (decoded and staged by the time it settles);
    // undefined otherwise, and the engine ends the file.
    end() {
      if (!file) return undefined;
      const { chunks, bytes: size } = file;
      file = null;
      return (async () => {
        const bytes = new Uint8Array(size);
        let at = 0;
        for (const c of chunks) { bytes.set(c, at); at += c.length; }
        chunks.length = 0;
        const w = warehouse();
        let reader;
        try {
          const { ParquetReader } = await parquetModule();
          reader = new ParquetReader(bytes);
        } catch (error) {
          w.beginColumnar(name, bytes, []);
          w.failColumnar(String((error && error.message) || error));
          w.endColumnar();
          return;
        }
        try {
          w.beginColumnar(name, bytes, reader.header());
          const total = reader.rows();
          for (let i = 0; i < reader.rowGroups(); i++) {
            let batch;
            try {
              batch = reader.rowGroup(i);
            } catch (error) {
              w.failColumnar(String((error && error.message) || error));
              break;
            }
            const progress = w.pushColumnar(batch);
            post({ event: 'rows', file: name, done: progress.rows, total });
            if (progress.refused) break;
          }
          w.endColumnar();
        } finally {
          reader.free();
        }
      })();
    },
    cancel() {
      file = null;
    },
    // The warehouse under a tenant scope ([] for every tenant) as a zip of Parquet
    // files, one per table.
    async exportZip(tenants) {
      const { exportZip } = await parquetModule();
      return exportZip(warehouse().snapshot(), tenants);
    },
  };
}
