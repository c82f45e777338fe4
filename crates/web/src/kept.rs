//! SQL results kept in the engine for the page to show a page at a time (part of the
//! `web` binding): the SQL tab runs each statement once, then asks for its rows sorted by
//! a column and paged ([`bi_platform::sql::page`]), so neither the worker nor the page
//! holds, sorts or pages a whole result.
//!
//! ```js
//! warehouse.sqlForget();
//! const first = warehouse.sqlKeep(0, statement, { tenants: 'all' }, Date.now(), { limit: 100 });
//! // {index: 0, columns, kinds, types, chart, rows (the first 100), offset: 0, total_rows}
//! const next = warehouse.sqlKeptPage(0, { offset: 100, limit: 100, sort: 2, descending: true });
//! const csv = warehouse.sqlKeptCsv(0);
//! ```

use super::{into_error, request, rows, to_js, SqlFailure, Warehouse};
use bi_platform::query::columns::ResultColumn;
use bi_platform::sql::page::{KeptRows, ResultPage};
use bi_platform::sql::{self, Val, ValueKind};
use bi_platform::{chart, export};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// A statement's result as kept: its rows, and what was derived from all of them when
/// it ran (the columns' kinds and types, its chart).
pub(super) struct Kept {
    rows: KeptRows,
    kinds: Vec<ValueKind>,
    types: Vec<ResultColumn>,
    chart: Option<chart::Chart>,
}

/// One page of a kept result: `{index, columns, kinds, types, chart, rows, offset,
/// total_rows}`.
#[derive(Serialize)]
struct KeptPage<'k> {
    index: usize,
    columns: &'k [String],
    kinds: &'k [ValueKind],
    types: &'k [ResultColumn],
    chart: Option<&'k chart::Chart>,
    rows: Vec<Vec<Val<'static>>>,
    offset: usize,
    total_rows: usize,
}

impl rows::WithRows for KeptPage<'_> {
    type Cell = Val<'static>;
    fn rows_mut(&mut self) -> &mut Vec<Vec<Val<'static>>> {
        &mut self.rows
    }
}

impl Kept {
    fn page(&mut self, index: usize, page: &ResultPage) -> Result<JsValue, JsValue> {
        let rows = self.rows.page(page).map_err(into_error)?;
        let total_rows = self.rows.len();
        rows::result_to_js(KeptPage {
            index,
            columns: &self.rows.rows().columns,
            kinds: &self.kinds,
            types: &self.types,
            chart: self.chart.as_ref(),
            rows,
            offset: page.offset.min(total_rows),
            total_rows,
        })
    }
}

impl Warehouse {
    fn kept_result(&self, index: usize) -> Result<std::cell::RefMut<'_, Kept>, JsValue> {
        std::cell::RefMut::filter_map(self.kept.borrow_mut(), |kept| {
            kept.get_mut(index).and_then(Option::as_mut)
        })
        .map_err(|_| {
            into_error(format!(
                "no result {} is kept: run the query again",
                index + 1
            ))
        })
    }
}

#[wasm_bindgen]
impl Warehouse {
    /// Runs one compiled statement as [`Warehouse::sql_run`] does and keeps its result
    /// as result `index` (replacing the one kept there): returns its first page
    /// (`page`: `{offset, limit, sort, descending}`, `sort` a column index) as `{index,
    /// columns, kinds, types, chart, rows, offset, total_rows}`, or `{error: {message,
    /// line, column}}` when the statement cannot run (nothing is kept then).
    #[wasm_bindgen(js_name = sqlKeep)]
    pub fn sql_keep(
        &self,
        index: usize,
        statement: &str,
        query: JsValue,
        now_ms: Option<f64>,
        page: JsValue,
    ) -> Result<JsValue, JsValue> {
        let page: ResultPage = request(page)?;
        let kept = match self.sql_statement(statement, query, now_ms)? {
            Ok((compiled, rows)) => {
                let types = sql::types::columns(&compiled, &rows, &sql::schema(self.inner.star()));
                Kept {
                    kinds: sql::value_kinds(&rows),
                    chart: chart::result::of_rows(&types, &rows.rows),
                    types,
                    rows: KeptRows::new(rows),
                }
            }
            Err(error) => {
                self.forget_kept(index);
                return to_js(&SqlFailure { error });
            }
        };
        let mut all = self.kept.borrow_mut();
        if all.len() <= index {
            all.resize_with(index + 1, || None);
        }
        all[index] = Some(kept);
        drop(all);
        self.kept_result(index)?.page(index, &page)
    }

    /// Rows of kept result `index` (see [`Self::sql_keep`]): ordered by column
    /// `page.sort` (SQLite's `ORDER BY`: NULLs first ascending, last descending; ties in
    /// the statement's order), then `page.offset..page.offset + page.limit`. The same
    /// shape as `sqlKeep` answers; an error when no result is kept there.
    #[wasm_bindgen(js_name = sqlKeptPage)]
    pub fn sql_kept_page(&self, index: usize, page: JsValue) -> Result<JsValue, JsValue> {
        let page: ResultPage = request(page)?;
        self.kept_result(index)?.page(index, &page)
    }

    /// Kept result `index` as CSV text, in the statement's order (values as SQLite
    /// writes them, formula cells neutralised).
    #[wasm_bindgen(js_name = sqlKeptCsv)]
    pub fn sql_kept_csv(&self, index: usize) -> Result<String, JsValue> {
        Ok(export::sql_csv(self.kept_result(index)?.rows.rows()))
    }

    /// Drops every kept result (a new run; the memory they hold comes back).
    #[wasm_bindgen(js_name = sqlForget)]
    pub fn sql_forget(&self) {
        self.kept.borrow_mut().clear();
    }
}

impl Warehouse {
    fn forget_kept(&self, index: usize) {
        if let Some(slot) = self.kept.borrow_mut().get_mut(index) {
            *slot = None;
        }
    }
}
