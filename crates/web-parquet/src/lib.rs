//! The Parquet module's binding (compiled for `wasm32` only): `make wasm` builds it into
//! `www/pkg-parquet/`, which the page fetches on the first Parquet file dropped or the
//! first Parquet export, so the `parquet` crate (the engine's `parquet` feature) stays
//! out of the first download (crates/web).
//!
//! Reading: [`ParquetReader`] opens a file and decodes one row group at a time into the
//! bytes of a [`bi_platform::ingest::columnar::CellBatch`], which the engine stages
//! (`Warehouse.beginColumnar` / `pushColumnar` / `endColumnar`, crates/web/src/columnar.rs).
//! Exporting: [`export_zip`] takes the engine's snapshot (`Warehouse.snapshot()`), and
//! returns a zip of one Parquet file per table ([`bi_platform::parquet::export`]).
//!
//! ```js
//! import init, { ParquetReader, exportZip } from './pkg-parquet/bi_platform_parquet.js';
//! await init();
//! const reader = new ParquetReader(bytes);             // throws: the file is unreadable
//! warehouse.beginColumnar(name, bytes, reader.header());
//! for (let i = 0; i < reader.rowGroups(); i++) warehouse.pushColumnar(reader.rowGroup(i));
//! warehouse.endColumnar(); warehouse.commit();
//! const zip = exportZip(warehouse.snapshot(), ['tenant_001']);   // [] = every tenant
//! ```

#![cfg(target_arch = "wasm32")]

use bi_platform::error::LoadError;
use bi_platform::parquet::export::export;
use bi_platform::parquet::read::ParquetFile;
use bi_platform::query::TenantScope;
use std::io::Write;
use wasm_bindgen::prelude::*;

/// The message of a Parquet error, without the engine's "cannot be read" prefix (the
/// engine adds it when it reports the file).
fn message(error: LoadError) -> JsError {
    match error {
        LoadError::Parquet(m) => JsError::new(&m),
        other => JsError::new(&other.to_string()),
    }
}

/// An open Parquet file.
#[wasm_bindgen]
pub struct ParquetReader {
    file: ParquetFile,
}

#[wasm_bindgen]
impl ParquetReader {
    /// Opens the file (its footer); an error says why it cannot be read.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: Vec<u8>) -> Result<ParquetReader, JsError> {
        ParquetFile::open(bytes)
            .map(|file| ParquetReader { file })
            .map_err(message)
    }

    /// The column names, in the file's order.
    pub fn header(&self) -> Vec<String> {
        self.file.header().to_vec()
    }

    /// Row groups in the file.
    #[wasm_bindgen(js_name = rowGroups)]
    pub fn row_groups(&self) -> usize {
        self.file.row_groups()
    }

    /// Rows in the file.
    pub fn rows(&self) -> f64 {
        self.file.rows() as f64
    }

    /// Row group `index` decoded into cell text, as batch bytes for `pushColumnar`.
    #[wasm_bindgen(js_name = rowGroup)]
    pub fn row_group(&self, index: usize) -> Result<Vec<u8>, JsError> {
        self.file
            .row_group(index)
            .map(|batch| batch.to_bytes())
            .map_err(message)
    }
}

/// The warehouse of `snapshot` (`Warehouse.snapshot()`) as a zip of Parquet files, one
/// per table, under the tenant scope `tenants` (empty: every tenant).
#[wasm_bindgen(js_name = exportZip)]
pub fn export_zip(snapshot: &[u8], tenants: Vec<String>) -> Result<Vec<u8>, JsError> {
    let warehouse =
        bi_platform::Warehouse::restore(snapshot).map_err(|e| JsError::new(&e.to_string()))?;
    let scope = if tenants.is_empty() {
        TenantScope::All
    } else {
        TenantScope::Only(tenants)
    };
    let tables = export(warehouse.star(), &scope).map_err(|e| JsError::new(&e.to_string()))?;
    drop(warehouse);
    let size: usize = tables.iter().map(|t| t.bytes.len() + 128).sum();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::with_capacity(size + 1024)));
    // Parquet pages are already snappy-compressed: stored, not deflated again.
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for table in &tables {
        zip.start_file(format!("{}.parquet", table.name), options)
            .and_then(|()| zip.write_all(&table.bytes).map_err(Into::into))
            .map_err(|e| JsError::new(&format!("cannot write the zip: {e}")))?;
    }
    zip.finish()
        .map(std::io::Cursor::into_inner)
        .map_err(|e| JsError::new(&format!("cannot write the zip: {e}")))
}
