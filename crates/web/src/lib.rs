//! The engine's WebAssembly binding, the page's first download (www/pkg/bi_platform.js
//! and bi_platform_bg.wasm, built by `make wasm`): a thin crate over the engine
//! (`bi_platform`, which never sees wasm-bindgen, js-sys or web-sys), compiled for
//! `wasm32` only. It carries none of the engine's optional features: the SQL parser,
//! the Parquet reader and the XLSX writer are modules of their own (crates/web-sql,
//! crates/web-parquet, crates/web-xlsx), fetched when first needed.
//!
//! Every function decodes its input with serde-wasm-bindgen, calls the engine and
//! encodes the result as plain JS data (the SPEC §7 shapes); every error becomes a JS
//! `Error` through [`into_error`].
//!
//! ```js
//! import init, { Warehouse, drawChart } from './pkg/bi_platform.js';
//! await init();
//! const warehouse = new Warehouse();
//! const reports = warehouse.load('campaigns.csv', bytes);          // [{file, table, rows_read, ...}]
//! const summary = warehouse.dashboard('campaign_summary', { tenants: ['tenant_001'] });
//! for (const chart of warehouse.charts({})) drawChart(canvas, chart, devicePixelRatio);
//! ```

#![cfg(target_arch = "wasm32")]

use bi_platform::generate::{sample_files, SampleSpec};
use bi_platform::ingest::{IngestStream, Ingested};
use bi_platform::model::schema::TableKind;
use bi_platform::{chart, export, sql, Dashboard, LoadReport, Query};
use plotters_canvas::CanvasBackend;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

// Loading Parquet in the page: batches from the Parquet module (www/pkg-parquet/).
mod columnar;
// SQL results kept for the page to sort and page.
mod kept;
// Results' rows sent to JS a column at a time.
mod rows;

/// Any error as a JS `Error` carrying its message.
fn into_error(error: impl std::fmt::Display) -> JsValue {
    js_sys::Error::new(&error.to_string()).into()
}

/// Rust data as plain JS data (maps become objects, 64-bit numbers JS numbers).
fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(into_error)
}

/// A result (a dashboard, a table, a SQL statement) as plain JS data, through JSON text
/// and the browser's `JSON.parse`: the same values as [`to_js`], which builds each value
/// with a call across the wasm boundary; for large results one string crossing it is
/// cheaper than a call per value. Rows go faster still a column at a time
/// ([`rows::result_to_js`]).
fn json_to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(into_error)?;
    js_sys::JSON::parse(&text)
}

/// Small request data from JS, read through JSON so that `deny_unknown_fields` holds
/// (serde-wasm-bindgen looks up only the fields it knows, so a misspelt `tenant` would
/// silently mean every tenant). `undefined` or `null` is the default.
fn request<T: serde::de::DeserializeOwned + Default>(value: JsValue) -> Result<T, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    let text = js_sys::JSON::stringify(&value)?
        .as_string()
        .ok_or_else(|| into_error("the request is not JSON data"))?;
    serde_json::from_str(&text).map_err(into_error)
}

/// Request data from JS that has no default (read through JSON, as [`request`]);
/// `None` for `undefined` or `null`.
fn request_value<T: serde::de::DeserializeOwned>(value: JsValue) -> Result<Option<T>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let text = js_sys::JSON::stringify(&value)?
        .as_string()
        .ok_or_else(|| into_error("the request is not JSON data"))?;
    serde_json::from_str(&text).map(Some).map_err(into_error)
}

/// A query from JS; `undefined` or `null` is every tenant, no filter.
fn query(value: JsValue) -> Result<Query, JsValue> {
    request(value)
}

/// The engine's version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Every dashboard's name, in the contract's order (the page's tabs).
#[wasm_bindgen]
pub fn dashboards() -> Result<JsValue, JsValue> {
    to_js(&Dashboard::ALL.map(Dashboard::name))
}

/// A dashboard and its SQL text.
#[derive(Serialize)]
struct DashboardSql {
    name: &'static str,
    sql: &'static str,
}

/// Every dashboard written as SQL, `[{name, sql}]` in the tabs' order ("Open in SQL").
#[wasm_bindgen(js_name = dashboardSql)]
pub fn dashboard_sql() -> Result<JsValue, JsValue> {
    to_js(&Dashboard::ALL.map(|d| DashboardSql {
        name: d.name(),
        sql: d.sql(),
    }))
}

/// A statement's result: `{columns, rows, kinds, types, chart}` (`kinds`: what each
/// column's values are; `types`: `[{name, type, label}]`, what the page formats by;
/// `chart`: the result drawn, or null when it has nothing numeric).
#[derive(Serialize)]
struct SqlResult<'w> {
    #[serde(flatten)]
    result: sql::Rows<'w>,
    kinds: Vec<sql::ValueKind>,
    types: Vec<bi_platform::query::columns::ResultColumn>,
    chart: Option<chart::Chart>,
}

impl<'w> rows::WithRows for SqlResult<'w> {
    type Cell = sql::Val<'w>;
    fn rows_mut(&mut self) -> &mut Vec<Vec<sql::Val<'w>>> {
        &mut self.result.rows
    }
}

/// A dashboard as the page lists it: name, title, SQL and typed columns.
#[derive(Serialize)]
struct DashboardInfo {
    name: &'static str,
    label: &'static str,
    sql: &'static str,
    columns: Vec<bi_platform::query::columns::ResultColumn>,
}

/// Every dashboard, `[{name, label, sql, columns: [{name, type, label}]}]` in the
/// contract's order: the page's tabs, titles, "Open in SQL" and how it formats each
/// column, from the engine's one declaration.
#[wasm_bindgen(js_name = dashboardInfo)]
pub fn dashboard_info() -> Result<JsValue, JsValue> {
    to_js(&Dashboard::ALL.map(|d| DashboardInfo {
        name: d.name(),
        label: d.label(),
        sql: d.sql(),
        columns: d.columns().iter().map(|c| c.to_column()).collect(),
    }))
}

/// A statement that could not run: `{error: {message, line, column}}`, the shape of
/// `bi-platform sql --json`.
#[derive(Serialize)]
struct SqlFailure {
    error: sql::SqlError,
}

/// The columns a file needs to feed a table, and those it may have.
#[derive(Serialize)]
struct TableShape {
    table: &'static str,
    label: &'static str,
    required: Vec<&'static str>,
    optional: Vec<&'static str>,
}

/// What each table's file holds, `[{table, label, required, optional}]` (`label`: what
/// the table holds, for people; column names in the table's order), for the page to
/// tell a newcomer which files it takes and to name a loaded file's table.
#[wasm_bindgen(js_name = tableShapes)]
pub fn table_shapes() -> Result<JsValue, JsValue> {
    let shapes: Vec<TableShape> = TableKind::ALL
        .into_iter()
        .map(|table| {
            let names = |required: bool| {
                table
                    .columns()
                    .iter()
                    .filter(|i| i.required == required)
                    .map(|i| i.column.name())
                    .collect()
            };
            TableShape {
                table: table.name(),
                label: table.label(),
                required: names(true),
                optional: names(false),
            }
        })
        .collect();
    to_js(&shapes)
}

/// A file being streamed in.
struct Stream {
    ingest: IngestStream,
    total: f64,
}

/// Progress of a streamed file. `refused` is the error when the file was refused while
/// streaming (out of memory): push no more, `finish` (or `end` and `commit`) reports it.
#[derive(Serialize)]
struct Progress {
    bytes: u64,
    total: f64,
    rows: u64,
    refused: Option<String>,
    /// This push handed out a run of lines for the parsing workers (`work`, then
    /// `absorbWork`).
    work: bool,
    /// Bytes of lines the parsing workers read so far.
    elsewhere: u64,
}

/// The least bytes of plain lines worth handing to the parsing workers: a piece must
/// take longer to read than its trip through `postMessage` and back.
const WORK_MIN_BYTES: usize = 256 << 10;

/// Reads piece `index` of a `Warehouse.work()` on a parsing worker (a worker with its
/// own instance of this module) and returns the answer for `Warehouse.absorbWork`.
#[wasm_bindgen(js_name = parsePiece)]
pub fn parse_piece(spec: &[u8], index: usize, piece: &[u8]) -> Vec<u8> {
    bi_platform::ingest::delimited::parse_piece(spec, index, piece)
}

/// A look at the start of a file (or all of it, for XLSX and JSON) before it is loaded:
/// `{platform, needs_tenant, campaigns}` for an ad platform's export, else `undefined`.
/// The page asks which client a file is for when `needs_tenant`.
#[wasm_bindgen(js_name = peekFile)]
pub fn peek_file(bytes: &[u8]) -> Result<JsValue, JsValue> {
    match bi_platform::ingest::peek::peek(bytes) {
        Some(seen) => to_js(&seen),
        None => Ok(JsValue::UNDEFINED),
    }
}

/// The warehouse, as a JS class.
#[wasm_bindgen]
pub struct Warehouse {
    inner: bi_platform::Warehouse,
    stream: Option<Stream>,
    /// A file read to its end by `end`, waiting for `commit` or `cancel`.
    ended: Option<Ingested>,
    reports: Vec<LoadReport>,
    /// Where the last load's files came from, one per report (`sources`).
    sources: Vec<Option<bi_platform::report::SourceNote>>,
    /// A Parquet file being staged from the Parquet module's batches (columnar.rs).
    columnar: Option<columnar::Pending>,
    /// The clicked charts' own charts of recent views (see `view`).
    memo: std::cell::RefCell<chart::ChartMemo>,
    /// The last views as sent, by warehouse version and request (see `view`).
    views: std::cell::RefCell<std::collections::VecDeque<(u64, String, JsValue)>>,
    /// The SQL results kept for paging, by statement (kept.rs).
    kept: std::cell::RefCell<Vec<Option<kept::Kept>>>,
}

impl Default for Warehouse {
    fn default() -> Self {
        Self::new()
    }
}

impl Warehouse {
    /// Runs a statement under a query's tenant scope: the outer error is a bad request
    /// (a query with filters other than tenants), the inner one the statement's.
    fn sql_rows(
        &self,
        statement: &str,
        query: JsValue,
        now_ms: Option<f64>,
    ) -> Result<Result<sql::Rows<'_>, sql::SqlError>, JsValue> {
        Ok(self
            .sql_statement(statement, query, now_ms)?
            .map(|(_, rows)| rows))
    }

    /// [`sql_rows`](Self::sql_rows), with the compiled statement (what the result's
    /// types are derived from).
    fn sql_statement(
        &self,
        statement: &str,
        query: JsValue,
        now_ms: Option<f64>,
    ) -> Result<Result<(sql::Statement, sql::Rows<'_>), sql::SqlError>, JsValue> {
        let query = self::query(query)?;
        let scope_only = Query {
            tenants: query.tenants.clone(),
            ..Query::default()
        };
        if query != scope_only {
            return Err(into_error(
                "SQL takes only the tenant scope; state dates, regions, products and \
                 channels in its WHERE clause",
            ));
        }
        let options = sql::Options {
            now_ms: now_ms.filter(|t| t.is_finite()).map(|t| t as i64),
            memory_budget: self.inner.memory_budget(),
            general_only: false,
        };
        let compiled: sql::Statement = match serde_json::from_str(statement) {
            Ok(s) => s,
            Err(e) => {
                return Ok(Err(sql::SqlError::new(format!(
                    "not a compiled SQL statement: {e}"
                ))))
            }
        };
        Ok(
            sql::run(self.inner.star(), &query.tenants, &compiled, &options)
                .map(|rows| (compiled, rows)),
        )
    }

    /// Drops the streamed file and the file read by `end`, rolling back what they
    /// committed while read.
    fn drop_stream(&mut self) {
        if let Some(stream) = self.stream.take() {
            self.inner.cancel(stream.ingest.id());
        }
        if let Some(ended) = self.ended.take() {
            self.inner.cancel(ended.stream);
        }
    }

    fn keep(&mut self, reports: Vec<LoadReport>) -> Result<JsValue, JsValue> {
        let js = to_js(&reports);
        self.sources = reports.iter().map(|r| r.source.clone()).collect();
        self.reports.extend(reports);
        js
    }
}

#[wasm_bindgen]
impl Warehouse {
    /// An empty warehouse.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Warehouse {
        Warehouse {
            inner: bi_platform::Warehouse::new(),
            stream: None,
            ended: None,
            reports: Vec::new(),
            sources: Vec::new(),
            columnar: None,
            memo: Default::default(),
            views: Default::default(),
            kept: Default::default(),
        }
    }

    /// Where the files of the last load (`load`, `commit`, `finish`) came from, one entry
    /// per report, in order: `{platform, tenant_from, tenant, currencies}` for an ad
    /// platform's export, else `null`. Not part of the load report (SPEC §7 names its
    /// fields): the page shows it on the file's card.
    pub fn sources(&self) -> Result<JsValue, JsValue> {
        to_js(&self.sources)
    }

    /// Loads a whole file; returns its load reports (SPEC §7).
    pub fn load(&mut self, file_name: &str, bytes: &[u8]) -> Result<JsValue, JsValue> {
        let reports = self.inner.load(file_name, bytes);
        self.keep(reports)
    }

    /// Starts streaming a file of `total_bytes` (for progress only), under the memory
    /// budget; a stream already open, or a file ended and not committed, is dropped.
    ///
    /// With `workers` (1 or more), long runs of plain lines are handed out for that
    /// many parsing workers, a piece each: after a `push` whose progress says `work`,
    /// read each piece of `work()` with `parsePiece` (on another worker) and hand the
    /// answers, in order, with the run's number to `absorbWork`, the runs in the order
    /// they were handed out. Answers may wait for later pushes (a pipeline: the workers
    /// read the next run while this side commits the last); `end` and `finish` read
    /// what is still waiting here, so absorb every answer before them. The load is the
    /// same as without workers.
    ///
    /// `tenant` is the client of an ad platform's export that names none (the page's
    /// question, see `peekFile`); a file that names its tenant keeps it.
    pub fn begin(
        &mut self,
        file_name: &str,
        total_bytes: f64,
        workers: Option<u32>,
        tenant: Option<String>,
    ) {
        self.drop_stream();
        let mut ingest = self.inner.stream(file_name).with_tenant(tenant);
        if total_bytes.is_finite() && total_bytes > 0.0 {
            ingest = ingest.with_expected_bytes(total_bytes as u64);
        }
        if let Some(workers) = workers.filter(|&w| w >= 1) {
            ingest = ingest.with_outsourcing(workers as usize, WORK_MIN_BYTES);
        }
        self.stream = Some(Stream {
            ingest,
            total: total_bytes,
        });
    }

    /// The run of lines handed out by the last `push`: `{run, spec, pieces}` (`run` its
    /// number for `absorbWork`, the others bytes), or `undefined`.
    pub fn work(&self) -> Result<JsValue, JsValue> {
        let Some(work) = self.stream.as_ref().and_then(|s| s.ingest.work()) else {
            return Ok(JsValue::UNDEFINED);
        };
        let pieces = js_sys::Array::new();
        for piece in &work.pieces {
            pieces.push(&js_sys::Uint8Array::from(*piece));
        }
        let out = js_sys::Object::new();
        js_sys::Reflect::set(
            &out,
            &"spec".into(),
            &js_sys::Uint8Array::from(&work.spec[..]),
        )?;
        js_sys::Reflect::set(&out, &"pieces".into(), &pieces)?;
        js_sys::Reflect::set(&out, &"run".into(), &(work.run as f64).into())?;
        Ok(out.into())
    }

    /// The parsing workers' answers for the pieces of run `run` of `work()`, in order
    /// (none when a worker failed). `true` when they were used; `false` when the engine
    /// read the run itself (an answer was missing or wrong), which gives the same load,
    /// or the run was no longer waiting.
    #[wasm_bindgen(js_name = absorbWork)]
    pub fn absorb_work(
        &mut self,
        run: f64,
        answers: Vec<js_sys::Uint8Array>,
    ) -> Result<bool, JsValue> {
        let stream = self
            .stream
            .as_mut()
            .ok_or_else(|| into_error("no file is being loaded"))?;
        let answers: Vec<Vec<u8>> = answers.iter().map(js_sys::Uint8Array::to_vec).collect();
        let answers: Vec<&[u8]> = answers.iter().map(Vec::as_slice).collect();
        Ok(stream.ingest.absorb_work(run as u64, &answers))
    }

    /// Takes the next chunk of the streamed file; returns `{bytes, total, rows,
    /// refused}` (`refused`: the error when the file was refused for want of memory).
    pub fn push(&mut self, chunk: &[u8]) -> Result<JsValue, JsValue> {
        let stream = self
            .stream
            .as_mut()
            .ok_or_else(|| into_error("no file is being loaded"))?;
        self.inner.push(&mut stream.ingest, chunk);
        self.progress()
    }

    /// The streamed file's progress, as `push` returns it.
    pub fn progress(&self) -> Result<JsValue, JsValue> {
        let stream = self
            .stream
            .as_ref()
            .ok_or_else(|| into_error("no file is being loaded"))?;
        to_js(&Progress {
            bytes: stream.ingest.bytes_read(),
            total: stream.total,
            rows: stream.ingest.rows_read(),
            refused: stream.ingest.refused().map(ToString::to_string),
            work: stream.ingest.work().is_some(),
            elsewhere: stream.ingest.bytes_read_elsewhere(),
        })
    }

    /// Ends the streamed file and adds it; returns its load reports (`end` then
    /// `commit`).
    pub fn finish(&mut self) -> Result<JsValue, JsValue> {
        self.end()?;
        self.commit()
    }

    /// Ends the streamed file: reads what is left (XLSX and JSON are parsed here, the
    /// slow part for them) and holds the result, adding nothing yet. Follow with `commit`,
    /// or `cancel` to drop it.
    pub fn end(&mut self) -> Result<(), JsValue> {
        let stream = self
            .stream
            .take()
            .ok_or_else(|| into_error("no file is being loaded"))?;
        self.ended = Some(stream.ingest.finish());
        Ok(())
    }

    /// Adds the file read by `end`; returns its load reports.
    pub fn commit(&mut self) -> Result<JsValue, JsValue> {
        let ended = self
            .ended
            .take()
            .ok_or_else(|| into_error("no file has been read to its end"))?;
        let reports = self.inner.commit(ended);
        self.keep(reports)
    }

    /// Whether a streamed file has rows in the warehouse that a cancel or a failure would
    /// still roll back (a CSV is added in parts while it streams): the page does not
    /// keep a snapshot then.
    #[wasm_bindgen(js_name = isLoading)]
    pub fn is_loading(&self) -> bool {
        self.inner.is_loading()
    }

    /// Drops the streamed file, or the file read by `end`: what it committed while it
    /// was read is rolled back, and the warehouse is as it was before it.
    pub fn cancel(&mut self) {
        self.drop_stream();
        self.columnar = None;
    }

    /// Sets the memory budget in bytes of live heap (`null` or `undefined`: none; it
    /// starts at 3.5 GiB of the 4 GiB a wasm32 memory can have). A load that would pass
    /// it is refused with an "out of memory" error; the data loaded before stays.
    #[wasm_bindgen(js_name = setMemoryBudget)]
    pub fn set_memory_budget(&mut self, bytes: Option<f64>) -> Result<(), JsValue> {
        let budget = match bytes {
            None => None,
            Some(b) if b.is_finite() && b >= 0.0 => Some(b as u64),
            Some(b) => return Err(into_error(format!("{b} is not a memory budget in bytes"))),
        };
        self.inner.set_memory_budget(budget);
        Ok(())
    }

    /// The memory budget in bytes, or `undefined` when there is none.
    #[wasm_bindgen(js_name = memoryBudget)]
    pub fn memory_budget(&self) -> Option<f64> {
        self.inner.memory_budget().map(|b| b as f64)
    }

    /// Live heap bytes of the engine now (everything it holds: the warehouse, a file
    /// being streamed, results not yet freed).
    #[wasm_bindgen(js_name = memoryUsed)]
    pub fn memory_used(&self) -> f64 {
        bi_platform::memory::live_bytes() as f64
    }

    /// Every tenant id, in byte order.
    pub fn tenants(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.tenants())
    }

    /// The filter choices: `{tenants, regions, products, channels, first_date, last_date}`.
    pub fn options(&self) -> Result<JsValue, JsValue> {
        to_js(&chart::filter_options(&self.inner))
    }

    /// One dashboard (`{columns, rows}`, plus `total_rows` when paged) under a query
    /// `{tenants, from, to, regions, products, channels, offset, limit}`.
    pub fn dashboard(&self, name: &str, query: JsValue) -> Result<JsValue, JsValue> {
        let dashboard = Dashboard::from_name(name).map_err(into_error)?;
        let result = self
            .inner
            .dashboard(dashboard, &self::query(query)?)
            .map_err(into_error)?;
        rows::result_to_js(result)
    }

    /// One request as one value, `{dashboard, query}` (`query` as for `dashboard`; a
    /// misspelt member is an error): the dashboard's `{columns, rows}`.
    pub fn request(&self, request: JsValue) -> Result<JsValue, JsValue> {
        let request: bi_platform::query::Request = match self::request_value(request)? {
            Some(r) => r,
            None => return Err(into_error("a request needs {dashboard, query}")),
        };
        rows::result_to_js(self.inner.request(&request).map_err(into_error)?)
    }

    /// One dashboard as CSV text, formula cells neutralised.
    #[wasm_bindgen(js_name = exportCsv)]
    pub fn export_csv(&self, name: &str, query: JsValue) -> Result<String, JsValue> {
        let dashboard = Dashboard::from_name(name).map_err(into_error)?;
        let result = self
            .inner
            .dashboard(dashboard, &self::query(query)?)
            .map_err(into_error)?;
        Ok(export::dashboard_csv(&result))
    }

    /// Every row rejected by any load so far, as CSV.
    #[wasm_bindgen(js_name = rejectsCsv)]
    pub fn rejects_csv(&self) -> String {
        export::rejects_csv(&self.reports)
    }

    /// The KPI tiles of a query's scope.
    pub fn kpis(&self, query: JsValue) -> Result<JsValue, JsValue> {
        to_js(&chart::kpis(&self.inner, &self::query(query)?).map_err(into_error)?)
    }

    /// Everything the page shows for a query, each dashboard computed once:
    /// `{options, kpis, charts, tables: {name: {columns, rows}}}`, with
    /// `campaign_performance` paged by `page` (`{offset, limit}`) and the other tables
    /// sorted and paged by `page.tables` (`{name: {offset, limit, sort, descending}}`).
    /// The charts of the last views are kept, so the chart a click filters is drawn
    /// without its filter from the view before, not computed again; the last few views
    /// are kept whole and sent again when asked again with the same data.
    pub fn view(&self, query: JsValue, page: JsValue) -> Result<JsValue, JsValue> {
        let page: bi_platform::view::Page = request(page)?;
        let query = self::query(query)?;
        // A view asked again (a click that clears a selection goes back to the view
        // before it; Back; a tab switch) is sent as it was: the same question of the
        // same data. Kept for the last few requests of this state of the warehouse.
        const KEPT_VIEWS: usize = 4;
        let version = self.inner.version();
        let key = serde_json::to_string(&(&query, &page)).map_err(into_error)?;
        let mut views = self.views.borrow_mut();
        views.retain(|(v, _, _)| *v == version);
        if let Some((_, _, kept)) = views.iter().find(|(_, k, _)| *k == key) {
            return Ok(kept.clone());
        }
        let mut memo = self.memo.borrow_mut();
        let view = to_js(
            &bi_platform::view::view_with(&self.inner, &query, &page, &mut memo)
                .map_err(into_error)?,
        )?;
        if views.len() == KEPT_VIEWS {
            views.pop_front();
        }
        views.push_back((version, key, view.clone()));
        Ok(view)
    }

    /// One dashboard's table sorted and paged as the page shows it: `page` is
    /// `{offset, limit, sort, descending}` (`sort`: a column name; `campaign_performance`
    /// keeps its order). `{columns, rows, total_rows}`.
    pub fn table(&self, name: &str, query: JsValue, page: JsValue) -> Result<JsValue, JsValue> {
        let dashboard = Dashboard::from_name(name).map_err(into_error)?;
        let page: bi_platform::view::TablePage = request(page)?;
        let result = bi_platform::view::table(&self.inner, dashboard, &self::query(query)?, &page)
            .map_err(into_error)?;
        rows::result_to_js(result)
    }

    /// Computes what later queries of this data keep (the row orders the first view
    /// after a load does without): the page's worker calls it once a view is sent.
    pub fn prepare(&self) {
        self.inner.prepare();
    }

    /// Forgets the views kept by `view` (for measuring a view computed afresh).
    #[wasm_bindgen(js_name = forgetViews)]
    pub fn forget_views(&self) {
        self.views.borrow_mut().clear();
    }

    /// The SQL tables and their columns, `{tables: [{name, about, columns: [{name,
    /// type, kind}]}]}`: what a query can name (the parser module resolves names against
    /// it).
    #[wasm_bindgen(js_name = sqlSchema)]
    pub fn sql_schema(&self) -> Result<JsValue, JsValue> {
        to_js(&sql::schema(self.inner.star()))
    }

    /// Runs one compiled statement (JSON text of a `sql::Statement`, as the parser
    /// module writes it) under the tenant scope of `query` (`{tenants}`), with `now_ms`
    /// (milliseconds since 1970) as SQL's `'now'`. Returns `{columns, rows, kinds, types,
    /// chart}`
    /// (`kinds`: `money`, `integer`, `real`, `text`, `mixed` or `null` per column), or
    /// `{error: {message, line, column}}` when the statement cannot run.
    #[wasm_bindgen(js_name = sqlRun)]
    pub fn sql_run(
        &self,
        statement: &str,
        query: JsValue,
        now_ms: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        match self.sql_statement(statement, query, now_ms)? {
            Ok((compiled, rows)) => {
                let types = sql::types::columns(&compiled, &rows, &sql::schema(self.inner.star()));
                rows::result_to_js(SqlResult {
                    kinds: sql::value_kinds(&rows),
                    chart: chart::result::of_rows(&types, &rows.rows),
                    types,
                    result: rows,
                })
            }
            Err(error) => to_js(&SqlFailure { error }),
        }
    }

    /// EXPLAIN of one compiled statement (as [`Self::sql_run`] takes it): the scope, the
    /// plan, and how it ran (each operator's path and rows), as text; a statement that
    /// cannot run is an `Error` with its message.
    #[wasm_bindgen(js_name = sqlExplain)]
    pub fn sql_explain(
        &self,
        statement: &str,
        query: JsValue,
        now_ms: Option<f64>,
    ) -> Result<String, JsValue> {
        let tenants = self::query(query.clone())?.tenants;
        let options = sql::Options {
            now_ms: now_ms.filter(|t| t.is_finite()).map(|t| t as i64),
            memory_budget: self.inner.memory_budget(),
            general_only: false,
        };
        let compiled: sql::Statement = serde_json::from_str(statement)
            .map_err(|e| into_error(format!("not a compiled SQL statement: {e}")))?;
        sql::explain_statement(self.inner.star(), &tenants, &compiled, &options).map_err(into_error)
    }

    /// One compiled statement's result as CSV text (values as SQLite writes them,
    /// formula cells neutralised); a statement that cannot run is an `Error`.
    #[wasm_bindgen(js_name = sqlCsv)]
    pub fn sql_csv(
        &self,
        statement: &str,
        query: JsValue,
        now_ms: Option<f64>,
    ) -> Result<String, JsValue> {
        let rows = self
            .sql_rows(statement, query, now_ms)?
            .map_err(into_error)?;
        Ok(export::sql_csv(&rows))
    }

    /// Every chart's data for a query, to hand to [`draw_chart`].
    pub fn charts(&self, query: JsValue) -> Result<JsValue, JsValue> {
        to_js(&chart::charts(&self.inner, &self::query(query)?).map_err(into_error)?)
    }
}

/// Keeping the warehouse across page reloads: the worker writes [`Warehouse::snapshot`]
/// to the browser's storage after each load and hands it to [`Warehouse::restore`] when
/// the page opens again (`www/keep.js`; the format is [`bi_platform::snapshot`]'s).
#[wasm_bindgen]
impl Warehouse {
    /// The warehouse and every load report as snapshot bytes. An error, and nothing
    /// copied, when a copy of that size would take the heap past the memory budget.
    pub fn snapshot(&self) -> Result<Vec<u8>, JsValue> {
        let len = self.inner.snapshot_len(&self.reports);
        if let Some(budget) = self.inner.memory_budget() {
            if bi_platform::memory::live_bytes().saturating_add(len) > budget {
                return Err(into_error(format!(
                    "the data is too big to copy for keeping ({:.1} MB) within the engine's \
                     memory budget",
                    len as f64 / 1e6
                )));
            }
        }
        Ok(self.inner.snapshot_with_reports(&self.reports))
    }

    /// Replaces the warehouse with a snapshot's and returns its load reports. A snapshot
    /// that is truncated, damaged or of another format version is an error, and the
    /// warehouse is unchanged.
    pub fn restore(&mut self, bytes: &[u8]) -> Result<JsValue, JsValue> {
        let (mut inner, reports) =
            bi_platform::Warehouse::restore_with_reports(bytes).map_err(into_error)?;
        inner.set_memory_budget(self.inner.memory_budget());
        self.inner = inner;
        self.reports = reports;
        self.kept.borrow_mut().clear();
        self.cancel();
        to_js(&self.reports)
    }

    /// Empties the warehouse and forgets every load report (the memory budget stays).
    pub fn clear(&mut self) {
        let budget = self.inner.memory_budget();
        *self = Warehouse::new();
        self.inner.set_memory_budget(budget);
    }
}

/// What `generateSample` takes (camelCase, every field optional).
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct SampleRequest {
    tenants: Option<u32>,
    campaigns_per_tenant: Option<u32>,
    customers_per_tenant: Option<u32>,
    seed: Option<u64>,
}

/// The generator's sample files: `{files: [{name, bytes: Uint8Array}]}`, named
/// `marketing_campaigns.csv`, `sales_targets.csv` and `customers.json` (the wasm engine
/// writes the targets as CSV; the command line's `generate` writes them as a workbook).
#[wasm_bindgen(js_name = generateSample)]
pub fn generate_sample(spec: JsValue) -> Result<JsValue, JsValue> {
    let request: SampleRequest = self::request(spec)?;
    let d = SampleSpec::default();
    let spec = SampleSpec {
        tenants: request.tenants.unwrap_or(d.tenants),
        campaigns_per_tenant: request
            .campaigns_per_tenant
            .unwrap_or(d.campaigns_per_tenant),
        customers_per_tenant: request
            .customers_per_tenant
            .unwrap_or(d.customers_per_tenant),
        seed: request.seed.unwrap_or(d.seed),
    };
    let files = sample_files(&spec).map_err(into_error)?;
    let list = js_sys::Array::new();
    for (name, bytes) in [
        ("marketing_campaigns.csv", &files.campaigns_csv),
        ("sales_targets.csv", &files.targets_csv),
        ("customers.json", &files.customers_json),
    ] {
        let file = js_sys::Object::new();
        js_sys::Reflect::set(&file, &"name".into(), &name.into())?;
        js_sys::Reflect::set(
            &file,
            &"bytes".into(),
            &js_sys::Uint8Array::from(&bytes[..]),
        )?;
        list.push(&file);
    }
    let out = js_sys::Object::new();
    js_sys::Reflect::set(&out, &"files".into(), &list)?;
    Ok(out.into())
}

/// Draws one chart's data into a canvas whose pixel size is already its CSS size times
/// `device_pixel_ratio` (text and lines are scaled by it). Returns where its marks went
/// (`{scale, regions}`), for [`chart_hit`].
#[wasm_bindgen(js_name = drawChart)]
pub fn draw_chart(
    canvas: web_sys::HtmlCanvasElement,
    chart: JsValue,
    device_pixel_ratio: f64,
) -> Result<JsValue, JsValue> {
    let chart: chart::Chart = serde_wasm_bindgen::from_value(chart).map_err(into_error)?;
    let backend = CanvasBackend::with_canvas_object(canvas)
        .ok_or_else(|| into_error("the canvas has no 2D context"))?;
    let marks = chart::draw(&chart, backend, device_pixel_ratio).map_err(into_error)?;
    to_js(&marks)
}

// --- Click to filter (issue 13) -------------------------------------------------------

/// The datum under a click at CSS pixel `(x, y)` of a chart drawn by [`draw_chart`]
/// (`marks` is what it returned): `{chart, mark, category, series, value, field, key}`,
/// or `undefined` over a gap, an axis or the title.
#[wasm_bindgen(js_name = chartHit)]
pub fn chart_hit(chart: JsValue, marks: JsValue, x: f64, y: f64) -> Result<JsValue, JsValue> {
    let chart: chart::Chart = serde_wasm_bindgen::from_value(chart).map_err(into_error)?;
    let marks: chart::HitMap = serde_wasm_bindgen::from_value(marks).map_err(into_error)?;
    match chart::hit::hit_css(&chart, &marks, x, y) {
        Some(datum) => to_js(&datum),
        None => Ok(JsValue::UNDEFINED),
    }
}

/// A filter field of the query.
#[derive(Serialize)]
struct FilterField {
    name: &'static str,
    label: &'static str,
    plural: &'static str,
    noun: &'static str,
    link: &'static str,
    column: Option<&'static str>,
    form: Option<&'static str>,
    choices: Option<&'static [&'static str]>,
}

/// The query's filter fields of values, `[{name, label, plural, noun, link, column,
/// form, choices}]` in chip order: the one list the page names them from (its pickers,
/// chips, drill-down and links). `name`: the query's field (`tenants`, `campaigns`,
/// `channels`, ...); `label`, `plural`, `noun`: a value, several, a value in running
/// text; `link`: its key in a view's address; `column`: the dashboards' result column
/// holding its values, or `null`; `form`: the form every value has (`YYYY-MM-DD`), or
/// `null`; `choices`: every value it can take when they are fixed, or `null`.
#[wasm_bindgen(js_name = filterFields)]
pub fn filter_fields() -> Result<JsValue, JsValue> {
    use bi_platform::query::field::Field;
    to_js(&Field::ALL.map(|f| FilterField {
        name: f.name(),
        label: f.label(),
        plural: f.plural(),
        noun: f.noun(),
        link: f.link_key(),
        column: f.column(),
        form: f.form(),
        choices: f.choices(),
    }))
}

// --- Pivot (issue 13) -------------------------------------------------------------------
// The pivot view's binding: the catalog the page builds its choosers from, the pivot
// itself under the page's query (tenant scope and filters), and its CSV.
#[wasm_bindgen]
impl Warehouse {
    /// Every pivot field and measure, `{fields: [{id, label, type}], measures: [{id,
    /// label, type, group?}]}` (extra columns with few values included).
    #[wasm_bindgen(js_name = pivotCatalog)]
    pub fn pivot_catalog(&self) -> Result<JsValue, JsValue> {
        to_js(&bi_platform::pivot::choices(self.inner.star()))
    }

    /// A pivot (`{rows, columns, measures, sort, top_n}` of field and measure ids) under
    /// `query`'s tenant scope and filters: `{row_fields, column_fields, measures, rows,
    /// columns, cells, fact_rows}`.
    pub fn pivot(&self, request: JsValue, query: JsValue) -> Result<JsValue, JsValue> {
        let request: bi_platform::pivot::PivotRequest = self::request(request)?;
        to_js(
            &bi_platform::pivot::pivot(&self.inner, &self::query(query)?, &request)
                .map_err(into_error)?,
        )
    }

    /// The pivot as CSV in its layout (money exact).
    #[wasm_bindgen(js_name = pivotCsv)]
    pub fn pivot_csv(&self, request: JsValue, query: JsValue) -> Result<String, JsValue> {
        let request: bi_platform::pivot::PivotRequest = self::request(request)?;
        let result = bi_platform::pivot::pivot(&self.inner, &self::query(query)?, &request)
            .map_err(into_error)?;
        Ok(result.to_csv())
    }
}
