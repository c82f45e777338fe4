//! The engine's side of loading a Parquet file in the page (part of the `web` binding).
//!
//! The engine has no Parquet decoder (it would not fit the first download): the
//! worker hands the file to the Parquet module (crates/web-parquet, www/pkg-parquet/),
//! which decodes each row group into a [`CellBatch`] (as bytes), and the engine stages
//! those batches with [`ColumnarReader`], the same staging as CSV and as the native
//! reader. `beginColumnar`, `pushColumnar` (per row group) and `endColumnar` take the
//! place of `begin`, `push` and `end`; `commit` and `cancel` work as for any file.

use super::{into_error, to_js, Warehouse};
use bi_platform::error::LoadError;
use bi_platform::ingest::columnar::{CellBatch, ColumnarReader};
use bi_platform::ingest::{Fingerprint, Format, Ingested};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// A columnar file being staged.
pub(super) struct Pending {
    file: String,
    fingerprint: Fingerprint,
    reader: Result<ColumnarReader, LoadError>,
}

/// Rows staged so far; `refused` when the file was refused (out of memory).
#[derive(Serialize)]
struct Progress {
    rows: u64,
    refused: Option<String>,
}

#[wasm_bindgen]
impl Warehouse {
    /// Starts a Parquet file: its bytes (hashed, so re-loading the same file is
    /// recognised as for any file) and its column names, as the Parquet module read
    /// them. A header that fits no table is reported at `commit`.
    #[wasm_bindgen(js_name = beginColumnar)]
    pub fn begin_columnar(&mut self, file_name: &str, file: &[u8], header: Vec<String>) {
        self.cancel();
        self.columnar = Some(Pending {
            file: file_name.to_string(),
            fingerprint: Fingerprint {
                hash: xxhash_rust::xxh3::xxh3_128(file),
                len: file.len() as u64,
            },
            reader: ColumnarReader::new(&header),
        });
    }

    /// Stages one row group (the Parquet module's `rowGroup` bytes); returns `{rows,
    /// refused}`.
    #[wasm_bindgen(js_name = pushColumnar)]
    pub fn push_columnar(&mut self, batch: &[u8]) -> Result<JsValue, JsValue> {
        let budget = self.inner.memory_budget();
        let pending = self
            .columnar
            .as_mut()
            .ok_or_else(|| into_error("no Parquet file is being loaded"))?;
        if let Ok(reader) = &mut pending.reader {
            let pushed = CellBatch::from_bytes(batch).and_then(|batch| reader.push(&batch));
            let checked = pushed.and_then(|()| Ok(bi_platform::memory::check(budget, 0)?));
            if let Err(error) = checked {
                // Dropping the staged rows gives their memory back now.
                pending.reader = Err(error);
            }
        }
        to_js(&Progress {
            rows: pending.reader.as_ref().map_or(0, ColumnarReader::rows_read),
            refused: pending.reader.as_ref().err().map(ToString::to_string),
        })
    }

    /// Refuses the Parquet file being loaded with the Parquet module's message (a
    /// damaged footer or page, a codec the page cannot decompress).
    #[wasm_bindgen(js_name = failColumnar)]
    pub fn fail_columnar(&mut self, message: &str) {
        if let Some(pending) = &mut self.columnar {
            pending.reader = Err(LoadError::Parquet(message.to_string()));
        }
    }

    /// Ends the Parquet file: what it staged waits for `commit` (or `cancel`).
    #[wasm_bindgen(js_name = endColumnar)]
    pub fn end_columnar(&mut self) -> Result<(), JsValue> {
        let pending = self
            .columnar
            .take()
            .ok_or_else(|| into_error("no Parquet file is being loaded"))?;
        self.ended = Some(Ingested {
            file: pending.file,
            stream: bi_platform::ingest::StreamId::fresh(),
            fingerprint: pending.fingerprint,
            format: Some(Format::Parquet),
            result: pending.reader.map(|reader| vec![reader.finish()]),
        });
        Ok(())
    }
}
