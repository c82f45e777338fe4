//! The pivot's XLSX module's binding (compiled for `wasm32` only): `make wasm` builds it
//! into `www/pkg-xlsx/`, which the page fetches on the first "Export pivot XLSX" click,
//! so rust_xlsxwriter (the engine's `xlsx-writer` feature) stays out of the first
//! download (crates/web).
//!
//! The page hands over the pivot it shows, as the engine gave it (`Warehouse.pivot`),
//! so the workbook holds exactly what is on screen without computing it again.
//!
//! ```js
//! import init, { pivotXlsx } from './pkg-xlsx/bi_platform_xlsx.js';
//! await init();
//! const bytes = pivotXlsx(JSON.stringify(result));   // throws: why it cannot be written
//! ```

#![cfg(target_arch = "wasm32")]

use wasm_bindgen::prelude::*;

/// The pivot result (its JSON text) as the bytes of an XLSX workbook.
#[wasm_bindgen(js_name = pivotXlsx)]
pub fn pivot_xlsx(result: &str) -> Result<Vec<u8>, JsError> {
    let result =
        bi_platform::pivot_xlsx::from_json(result).map_err(|e| JsError::new(&e.to_string()))?;
    bi_platform::pivot_xlsx::write(&result).map_err(|e| JsError::new(&e.to_string()))
}
