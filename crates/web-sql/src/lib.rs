//! The SQL parser module's binding (compiled for `wasm32` only): SQL text in, compiled
//! plans out, nothing else. `make wasm` builds it into `www/pkg-sql/`, which the page
//! fetches when the SQL tab first opens, so the parser (sqlparser and the planner,
//! `bi_platform::sql::parse`, the engine's `sql` feature) stays out of the first
//! download; the engine's binding (crates/web, `Warehouse.sqlRun`) runs the plans.
//!
//! Plans cross JavaScript as JSON text, never as JS objects, so that 64-bit integer
//! literals stay exact.
//!
//! ```js
//! import init, { parse } from './pkg-sql/bi_platform_sql.js';
//! await init();
//! const schema = JSON.stringify(warehouse.sqlSchema());
//! for (const s of JSON.parse(parse('SELECT 1; SELECT x FROM nowhere', schema))) {
//!   if (s.statement) warehouse.sqlRun(s.statement, { tenants: 'all' }, Date.now());
//!   else console.log(s.error.message, s.error.line, s.error.column);
//! }
//! ```

#![cfg(target_arch = "wasm32")]

use bi_platform::sql::{self, Schema, SqlError};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// One statement of the text: its plan as JSON text, or why it does not compile.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum Compiled {
    Statement(String),
    Error(SqlError),
}

/// Compiles each statement of `sql` against `schema` (the JSON text of
/// `Warehouse.sqlSchema()`); returns JSON text of `[{statement: "<plan JSON>"} |
/// {error: {message, line, column}}]`, one element per statement, lines counted from
/// the start of `sql`.
#[wasm_bindgen]
pub fn parse(sql: &str, schema: &str) -> Result<String, JsError> {
    let schema: Schema = serde_json::from_str(schema)
        .map_err(|e| JsError::new(&format!("the schema is not the engine's: {e}")))?;
    let compiled: Vec<Compiled> = sql::compile_each(sql, &schema)
        .into_iter()
        .map(|c| match c {
            Ok(statement) => serde_json::to_string(&statement)
                .map(Compiled::Statement)
                .unwrap_or_else(|e| Compiled::Error(SqlError::new(e.to_string()))),
            Err(error) => Compiled::Error(error),
        })
        .collect();
    serde_json::to_string(&compiled).map_err(|e| JsError::new(&e.to_string()))
}
