//! The pivot's XLSX module's binding (feature `xlsx-web`, compiled for `wasm32` only):
//! the page builds the crate a fourth time with only this binding into `www/pkg-xlsx/`
//! and fetches it on the first "Export pivot XLSX" click, so rust_xlsxwriter stays out
//! of the first download (the engine, `crate::web`).
//!
//! The page hands over the pivot it shows, as the engine gave it (`Warehouse.pivot`),
//! so the workbook holds exactly what is on screen without computing it again.
//!
//! ```js
//! import init, { pivotXlsx } from './pkg-xlsx/bi_platform_xlsx.js';
//! await init();
//! const bytes = pivotXlsx(JSON.stringify(result));   // throws: why it cannot be written
//! ```

use wasm_bindgen::prelude::*;

/// The pivot result (its JSON text) as the bytes of an XLSX workbook.
#[wasm_bindgen(js_name = pivotXlsx)]
pub fn pivot_xlsx(result: &str) -> Result<Vec<u8>, JsError> {
    let result = crate::pivot_xlsx::from_json(result).map_err(|e| JsError::new(&e.to_string()))?;
    crate::pivot_xlsx::write(&result).map_err(|e| JsError::new(&e.to_string()))
}
