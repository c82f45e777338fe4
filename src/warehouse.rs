//! The warehouse: files in, load reports and dashboards out. The one entry point the CLI
//! and the web binding use.
//!
//! A warehouse has a memory budget ([`Warehouse::set_memory_budget`], [`crate::memory`]).
//! Its streams stop reading a file once the heap passes it, and [`Warehouse::push`] and
//! [`Warehouse::commit`] refuse a file whose rows would take the heap past it
//! ([`commit_estimate`]): the file gets a report with an
//! [`crate::LoadError::OutOfMemory`] error, what it committed in parts is rolled back,
//! and everything loaded before stays.

use crate::error::LoadError;
use crate::ingest::{IngestStream, Ingested, LoadedFile, StreamId};
use crate::memory;
use crate::model::dict::Dictionary;
use crate::model::idtable::{self, IdTable};
use crate::model::keys::{KeyColumn, NARROW_MAX};
use crate::model::schema::{Column, TableKind};
use crate::model::star::{StarSchema, StoredColumn, Values};
use crate::query::dashboards::{self, Ranks};
use crate::query::result::DashboardResult;
use crate::query::{Dashboard, Query, QueryError, QuerySource, Request, Scope};
use crate::report::LoadReport;
use crate::transform::commit::TableCommit;
use crate::transform::stage::{StagedTable, TextEncoding};
use std::sync::OnceLock;

/// A file whose parts are committed while it is read ([`Warehouse::push`]), not yet
/// finished: the star's journal is open for it.
#[derive(Debug)]
struct OpenFile {
    stream: StreamId,
    file: String,
    commit: TableCommit,
}

/// Rows of `campaign_performance` (offset plus limit) at most that a query orders by
/// selection ([`dashboards::performance_top`]) while the whole order is not kept.
const TOP_ROWS: usize = 10_000;

/// Bytes [`Warehouse::load`] hands its stream at a time, so that a delimited file in
/// memory is committed in parts too.
const LOAD_CHUNK: usize = 8 << 20;

/// Orderings derived from the current data, computed on first use after each load.
#[derive(Debug)]
struct Cache {
    /// This state's [`version`](Warehouse::version).
    version: u64,
    ranks: OnceLock<Ranks>,
    performance_order: OnceLock<Vec<u32>>,
    target_order: OnceLock<Vec<u32>>,
}

impl Default for Cache {
    fn default() -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Cache {
            version: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            ranks: OnceLock::new(),
            performance_order: OnceLock::new(),
            target_order: OnceLock::new(),
        }
    }
}

/// An in-memory star schema fed by files, answering dashboards per tenant.
///
/// ```
/// use bi_platform::{Warehouse, Query, Dashboard};
/// let mut warehouse = Warehouse::new();
/// let csv = b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
///             t1,c1,2024-11-01,1000,50,5,10.00,25.00\n";
/// let reports = warehouse.load("campaigns.csv", csv);
/// assert_eq!(reports[0].rows_loaded, 1);
/// let summary = warehouse.dashboard(Dashboard::CampaignSummary, &Query::default()).unwrap();
/// assert_eq!(summary.rows.len(), 1);
/// ```
#[derive(Debug)]
pub struct Warehouse {
    star: StarSchema,
    loaded: Vec<LoadedFile>,
    cache: Cache,
    budget: Option<u64>,
    threads: usize,
    open: Option<OpenFile>,
}

impl Default for Warehouse {
    fn default() -> Self {
        Warehouse {
            star: StarSchema::default(),
            loaded: Vec::new(),
            cache: Cache::default(),
            budget: memory::default_budget(),
            threads: 1,
            open: None,
        }
    }
}

impl Warehouse {
    /// An empty warehouse, with the platform's [`memory::default_budget`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the memory budget: the most live heap bytes (of the whole process) a load
    /// may take it to; `None` for no limit. Natively there is none unless set; on wasm32
    /// it starts at 3.5 GiB ([`memory::default_budget`]).
    ///
    /// ```
    /// use bi_platform::Warehouse;
    /// let mut warehouse = Warehouse::new();
    /// warehouse.set_memory_budget(Some(1));
    /// let reports = warehouse.load("c.csv", b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
    ///                                        t1,c1,2024-11-01,100,10,1,1.00,2.00\n");
    /// assert!(reports[0].error.as_deref().unwrap().starts_with("out of memory"));
    /// assert!(warehouse.star().campaigns.is_empty());
    /// ```
    pub fn set_memory_budget(&mut self, budget: Option<u64>) {
        self.budget = budget;
    }

    /// The memory budget (`None`: no limit).
    pub fn memory_budget(&self) -> Option<u64> {
        self.budget
    }

    /// Sets how many threads read delimited text (natively; wasm32 has one). One by
    /// default; the CLI uses every core. The warehouse and the load reports do not depend
    /// on it.
    ///
    /// ```
    /// use bi_platform::Warehouse;
    /// let mut warehouse = Warehouse::new();
    /// warehouse.set_threads(4);
    /// assert_eq!(warehouse.threads(), 4);
    /// ```
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    /// Threads that read delimited text.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// A stream for the file called `file`, under this warehouse's memory budget and with
    /// its threads; hand it to [`Warehouse::commit`] when finished.
    pub fn stream(&self, file: &str) -> IngestStream {
        IngestStream::new(file)
            .with_budget(self.budget)
            .with_threads(self.threads)
    }

    /// Loads one file from its bytes: one report per table the file fed (one report
    /// with an `error` when it could not be read).
    pub fn load(&mut self, file: &str, bytes: &[u8]) -> Vec<LoadReport> {
        let mut stream = self.stream(file).with_expected_bytes(bytes.len() as u64);
        for chunk in bytes.chunks(LOAD_CHUNK.max(self.threads << 22)) {
            self.push(&mut stream, chunk);
        }
        self.commit(stream.finish())
    }

    /// Takes the next chunk of `stream`'s file, and commits the rows read so far when
    /// nothing later in the file can change them ([`IngestStream::take_part`]: a
    /// delimited file, at least [`PART_ROWS`](crate::ingest::PART_ROWS) rows at a time),
    /// so that staging holds a part of the file rather than all of it. Queries see the
    /// parts committed so far.
    ///
    /// The file stays all or nothing. Its parts are noted in the star's journal
    /// ([`StarSchema::begin_journal`]): [`commit`](Warehouse::commit) keeps them with the
    /// rest of the file, and rolls them back when the file fails at its end, is refused
    /// by the memory budget, or is a re-load of an earlier file; so does
    /// [`cancel`](Warehouse::cancel). One file at a time commits parts: another stream
    /// pushed meanwhile is staged whole, and committing it waits for this one.
    ///
    /// ```
    /// use bi_platform::Warehouse;
    /// let mut w = Warehouse::new();
    /// let mut csv = String::from("tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n");
    /// for i in 0..30 {
    ///     csv.push_str(&format!("t,c{i},2024-11-01,100,10,1,1.00,2.00\n"));
    /// }
    /// let mut stream = w.stream("c.csv").with_part_rows(10);
    /// w.push(&mut stream, csv.as_bytes());
    /// assert_eq!(w.star().campaigns.len(), 30); // committed while the file is read
    /// w.cancel(stream.id());
    /// assert!(w.star().campaigns.is_empty()); // and rolled back
    /// ```
    pub fn push(&mut self, stream: &mut IngestStream, chunk: &[u8]) {
        stream.push(chunk);
        if self
            .open
            .as_ref()
            .is_some_and(|open| open.stream != stream.id())
        {
            return;
        }
        let Some(part) = stream.take_part() else {
            return;
        };
        if self.open.is_none() {
            if let Some(rows) = stream.expected_rows() {
                self.reserve_expected(part.table, rows);
            }
            self.star.begin_journal();
            self.open = Some(OpenFile {
                stream: stream.id(),
                file: stream.file().to_string(),
                commit: TableCommit::new(stream.file(), part.table),
            });
        }
        if let Err(error) = memory::check(self.budget, commit_estimate(&self.star, &part)) {
            drop(part);
            self.roll_back_open();
            stream.refuse(error.into());
            return;
        }
        let open = self.open.as_mut().expect("opened above");
        open.commit.add(&mut self.star, part);
        self.cache = Cache::default();
    }

    /// Rolls back what the stream `stream` committed of its file ([`Warehouse::push`]):
    /// the warehouse is as it was before the file. Nothing happens for a stream that
    /// committed nothing.
    pub fn cancel(&mut self, stream: StreamId) {
        if self.open.as_ref().is_some_and(|open| open.stream == stream) {
            self.roll_back_open();
        }
    }

    /// Sizes `table` once for the `rows` a file committed in parts is expected to bring
    /// ([`IngestStream::expected_rows`]), where growing by doubling part after part
    /// would end with room for up to twice the rows and, while copying, hold the old
    /// columns beside the new (in the page, wasm memory that never shrinks). Skipped
    /// when the columns and key index would not fit the memory budget: the parts are
    /// then checked one by one as ever.
    fn reserve_expected(&mut self, table: TableKind, rows: u64) {
        let (len, stored, _) = self.star.stored(table);
        let row_bytes: u64 = stored.iter().map(|c| c.values.width() as u64).sum();
        let bytes = rows
            .saturating_mul(row_bytes)
            .saturating_add(pow2_growth(len as u64, rows));
        if memory::check(self.budget, bytes).is_ok() {
            self.star
                .reserve_exact(table, usize::try_from(rows).unwrap_or(usize::MAX));
        }
    }

    /// Whether a file is committing parts ([`Warehouse::push`]) and is not finished: the
    /// star holds rows of it that a cancel or a failure would still roll back, so a
    /// snapshot taken now would keep rows that may never be added (the page waits).
    pub fn is_loading(&self) -> bool {
        self.open.is_some()
    }

    fn roll_back_open(&mut self) {
        if self.open.take().is_some() {
            self.star.roll_back();
            self.cache = Cache::default();
        }
    }

    /// Adds what a finished [`IngestStream`] read, after the parts [`Warehouse::push`]
    /// committed while it was read. A file whose bytes equal an earlier file's is a
    /// no-op naming it in `unchanged_from`. A file that cannot be read, or whose rows
    /// would take the heap past the memory budget, is refused whole, leaving the
    /// warehouse unchanged (its parts rolled back).
    pub fn commit(&mut self, ingested: Ingested) -> Vec<LoadReport> {
        let parts = match &self.open {
            Some(open) if open.stream == ingested.stream => self.open.take().map(|o| o.commit),
            Some(open) => {
                return vec![LoadReport::failed(
                    &ingested.file,
                    format!(
                        "{} is still being loaded; finish or cancel it, then add {} again",
                        open.file, ingested.file
                    ),
                )]
            }
            None => None,
        };
        let reports = self.commit_rest(ingested, parts);
        // Nothing is noted once the file is in (or out): the journal is for its parts.
        if self.star.journal_open() {
            self.star.end_journal();
        }
        self.cache = Cache::default();
        reports
    }

    /// [`commit`](Warehouse::commit) with the file's committed parts (`parts`), rolled
    /// back on every path that refuses the file.
    fn commit_rest(&mut self, ingested: Ingested, parts: Option<TableCommit>) -> Vec<LoadReport> {
        let refuse = |star: &mut StarSchema| {
            if parts.is_some() {
                star.roll_back();
            }
        };
        if let Some(earlier) = self
            .loaded
            .iter()
            .find(|l| l.fingerprint == ingested.fingerprint)
        {
            refuse(&mut self.star);
            return earlier
                .tables
                .iter()
                .map(|(table, sheets)| LoadReport {
                    sheets: sheets.clone(),
                    unchanged_from: Some(earlier.file.clone()),
                    ..LoadReport::new(&ingested.file, *table)
                })
                .collect();
        }
        let staged = match ingested.result {
            // Rows staged without their tenant are never committed (SPEC §1): a reader
            // that did not settle it (IngestStream::with_tenant) refuses the file.
            Ok(staged) if staged.iter().any(|s| s.tenant_needed) => {
                refuse(&mut self.star);
                let platform = staged
                    .iter()
                    .find_map(|s| s.source.as_ref().map(|s| s.platform))
                    .unwrap_or("ad platform");
                return vec![LoadReport::failed(
                    &ingested.file,
                    LoadError::NoTenant { platform }.to_string(),
                )];
            }
            Ok(staged) => staged,
            Err(error) => {
                refuse(&mut self.star);
                return vec![LoadReport::failed(&ingested.file, error.to_string())];
            }
        };
        let needed = staged
            .iter()
            .map(|table| commit_estimate(&self.star, table))
            .fold(0u64, u64::saturating_add);
        if let Err(error) = memory::check(self.budget, needed) {
            drop(staged);
            refuse(&mut self.star);
            return vec![LoadReport::failed(&ingested.file, error.to_string())];
        }
        let mut commits: Vec<TableCommit> = parts.into_iter().collect();
        // Each staged table is consumed by its commit and freed before the next.
        for table in staged {
            let name = Some(table.table.name());
            let at = match commits.iter().position(|c| c.table() == name) {
                Some(at) => at,
                None => {
                    commits.push(TableCommit::new(&ingested.file, table.table));
                    commits.len() - 1
                }
            };
            commits[at].add(&mut self.star, table);
        }
        let reports: Vec<LoadReport> = commits.into_iter().map(TableCommit::finish).collect();
        self.loaded.push(LoadedFile {
            fingerprint: ingested.fingerprint,
            file: ingested.file,
            tables: reports
                .iter()
                .map(|r| (r.table, r.sheets.clone()))
                .collect(),
        });
        reports
    }

    /// The warehouse as bytes ([`crate::snapshot`]): every table with its extra
    /// columns, every dictionary, and the loaded files' fingerprints (so a file loaded
    /// again after [`Warehouse::restore`] is still recognised). The memory budget and
    /// thread count are settings of this process, not data, and are not kept.
    ///
    /// ```
    /// use bi_platform::Warehouse;
    /// let mut w = Warehouse::new();
    /// let csv = b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
    ///             t,c1,2024-11-01,100,10,1,1.00,2.00\n";
    /// w.load("c.csv", csv);
    /// let mut back = Warehouse::restore(&w.snapshot()).unwrap();
    /// assert_eq!(back.star().campaigns.spend, vec![1_000_000]);
    /// assert_eq!(back.load("again.csv", csv)[0].unchanged_from.as_deref(), Some("c.csv"));
    /// ```
    pub fn snapshot(&self) -> Vec<u8> {
        crate::snapshot::write(&self.star, &self.loaded, &[])
    }

    /// [`Warehouse::snapshot`] holding the load reports too (the page keeps the reports
    /// of every file loaded, to show them again after a reload).
    pub fn snapshot_with_reports(&self, reports: &[LoadReport]) -> Vec<u8> {
        crate::snapshot::write(&self.star, &self.loaded, reports)
    }

    /// The size of [`Warehouse::snapshot_with_reports`] in bytes, without writing it
    /// (to check it against a memory budget or a storage quota first).
    pub fn snapshot_len(&self, reports: &[LoadReport]) -> u64 {
        crate::snapshot::len(&self.star, &self.loaded, reports)
    }

    /// A warehouse from a [`Warehouse::snapshot`]: checked whole (checksum, format
    /// version, lengths, every key within its dictionary) before anything is built, so a
    /// truncated, damaged or foreign snapshot is an error, never a half-loaded or wrong
    /// warehouse. The key indexes are rebuilt. Its memory budget and threads are a new
    /// warehouse's.
    pub fn restore(bytes: &[u8]) -> Result<Warehouse, crate::snapshot::SnapshotError> {
        Self::restore_with_reports(bytes).map(|(warehouse, _)| warehouse)
    }

    /// [`Warehouse::restore`], with the load reports the snapshot holds.
    pub fn restore_with_reports(
        bytes: &[u8],
    ) -> Result<(Warehouse, Vec<LoadReport>), crate::snapshot::SnapshotError> {
        let (star, loaded, reports) = crate::snapshot::read(bytes)?;
        let warehouse = Warehouse {
            star,
            loaded,
            ..Warehouse::default()
        };
        Ok((warehouse, reports))
    }

    /// Which state of which warehouse this is: a number no other warehouse of the
    /// process has had and that changes with every load, so results kept outside the
    /// warehouse (a [`ChartMemo`](crate::chart::ChartMemo)) know when they are stale.
    pub fn version(&self) -> u64 {
        self.cache.version
    }

    /// The star schema, read-only.
    pub fn star(&self) -> &StarSchema {
        &self.star
    }

    fn ranks(&self) -> &Ranks {
        self.cache.ranks.get_or_init(|| Ranks::build(&self.star))
    }

    /// Computes what queries of this state keep (the dimensions' ranks, the row orders
    /// of `campaign_performance` and `target_vs_actual`), which the first query after a
    /// load would otherwise compute: for a moment when nothing waits (the page's worker
    /// calls it after sending the first view).
    pub fn prepare(&self) {
        let ranks = self.ranks();
        self.cache
            .performance_order
            .get_or_init(|| dashboards::performance_order(&self.star, ranks));
        self.cache
            .target_order
            .get_or_init(|| dashboards::target_order(&self.star, ranks));
    }

    /// Every tenant id in any table, in byte order.
    pub fn tenants(&self) -> Vec<&str> {
        let mut tenants: Vec<&str> = self.star.dims.tenant.values().collect();
        tenants.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        tenants
    }

    /// Answers one request, `{dashboard, query}` as one value (what the page's worker
    /// sends).
    pub fn request(&self, request: &Request) -> Result<DashboardResult<'_>, QueryError> {
        self.dashboard(request.dashboard, &request.query)
    }

    /// Runs one dashboard under the query's tenant scope and filters.
    pub fn dashboard(
        &self,
        dashboard: Dashboard,
        query: &Query,
    ) -> Result<DashboardResult<'_>, QueryError> {
        let scope = Scope::new(&self.star, query)?;
        Ok(self.dashboard_in(dashboard, &scope, query, None))
    }

    /// Runs one dashboard over a resolved scope; `query` gives only the paging. With
    /// `sums` (the scope's per-tenant sums, taken once for several dashboards),
    /// `campaign_summary` and `conversion_funnel` are built from them without a scan.
    fn dashboard_in<'w>(
        &'w self,
        dashboard: Dashboard,
        scope: &Scope<'w>,
        query: &Query,
        sums: Option<&dashboards::TenantSums>,
    ) -> DashboardResult<'w> {
        let ranks = self.ranks();
        let paged = query.offset.is_some() || query.limit.is_some();
        let offset = query.offset.unwrap_or(0);
        let mut result = match (dashboard, sums) {
            (Dashboard::CampaignSummary, Some(sums)) => {
                dashboards::campaign_summary_from(scope, sums)
            }
            (Dashboard::ConversionFunnel, Some(sums)) => {
                dashboards::conversion_funnel_from(scope, sums)
            }
            (Dashboard::CampaignSummary, None) => dashboards::campaign_summary(scope, ranks),
            (Dashboard::DailyPerformance, _) => dashboards::daily_performance(scope, ranks),
            (Dashboard::ConversionFunnel, None) => dashboards::conversion_funnel(scope, ranks),
            (Dashboard::CampaignPerformance, _) => {
                // A first page before the whole order is kept (the first view after a
                // load): only the rows up to it are ordered ([`Warehouse::prepare`]
                // keeps the whole order afterwards).
                let top = match (self.cache.performance_order.get(), query.limit) {
                    (None, Some(limit)) if offset.saturating_add(limit) <= TOP_ROWS => {
                        Some(dashboards::performance_top(scope, ranks, offset + limit))
                    }
                    _ => None,
                };
                let order = match &top {
                    Some(top) => top,
                    None => self
                        .cache
                        .performance_order
                        .get_or_init(|| dashboards::performance_order(&self.star, ranks)),
                };
                let mut result =
                    dashboards::campaign_performance(scope, order, offset, query.limit);
                if !paged {
                    result.total_rows = None;
                }
                return result;
            }
            (Dashboard::ChannelMix, _) => dashboards::channel_mix(scope, ranks),
            (Dashboard::TargetVsActual, _) => {
                let order = self
                    .cache
                    .target_order
                    .get_or_init(|| dashboards::target_order(&self.star, ranks));
                dashboards::target_vs_actual(scope, ranks, order)
            }
            (Dashboard::CustomerSummary, _) => dashboards::customer_summary(scope, ranks),
        };
        if paged {
            let total = result.rows.len();
            let end = query
                .limit
                .map_or(total, |l| offset.saturating_add(l).min(total));
            result.rows = result
                .rows
                .drain(offset.min(total)..end.max(offset.min(total)))
                .collect();
            result.total_rows = Some(total);
        }
        result
    }

    /// Every dashboard, in the contract's order, each paged by the query's offset and
    /// limit.
    pub fn dashboards(
        &self,
        query: &Query,
    ) -> Result<Vec<(Dashboard, DashboardResult<'_>)>, QueryError> {
        self.all_dashboards(query, |_| query)
    }

    /// Every dashboard of `query` (its paging ignored), only `campaign_performance` paged,
    /// by `page`'s offset and limit: what a view shows.
    pub fn dashboards_paged(
        &self,
        query: &Query,
        page: &Query,
    ) -> Result<Vec<(Dashboard, DashboardResult<'_>)>, QueryError> {
        Ok(self.dashboards_in(&Scope::new(&self.star, query)?, page))
    }

    /// [`dashboards_paged`](Self::dashboards_paged) in a scope already resolved (and
    /// its selection of fact rows already found), for a caller that reads the same
    /// scope again (the view's ROI chart).
    pub fn dashboards_in<'w>(
        &'w self,
        scope: &Scope<'w>,
        page: &Query,
    ) -> Vec<(Dashboard, DashboardResult<'w>)> {
        let unpaged = Query::default();
        self.all_dashboards_in(scope, |d| {
            if d == Dashboard::CampaignPerformance {
                page
            } else {
                &unpaged
            }
        })
    }

    /// Every dashboard, paged as `paging` says: the scope is resolved once and the
    /// per-tenant sums shared by `campaign_summary` and `conversion_funnel` taken in one
    /// scan.
    fn all_dashboards<'q>(
        &self,
        query: &Query,
        paging: impl Fn(Dashboard) -> &'q Query,
    ) -> Result<Vec<(Dashboard, DashboardResult<'_>)>, QueryError> {
        Ok(self.all_dashboards_in(&Scope::new(&self.star, query)?, paging))
    }

    fn all_dashboards_in<'w, 'q>(
        &'w self,
        scope: &Scope<'w>,
        paging: impl Fn(Dashboard) -> &'q Query,
    ) -> Vec<(Dashboard, DashboardResult<'w>)> {
        let sums = dashboards::TenantSums::of(scope, self.ranks());
        Dashboard::ALL
            .into_iter()
            .map(|d| (d, self.dashboard_in(d, scope, paging(d), Some(&sums))))
            .collect()
    }
}

/// Bytes per distinct staged text value, beyond its text: the per-dimension key caches
/// of the commit (a `u32` per staged value for each dimension the table feeds, at most
/// seven), rounded up. Decoding a UTF-8 file moves the text and its end offsets.
const PER_DISTINCT_VALUE: u64 = 32;

/// The staged values the given key columns refer to: how many distinct ones, and their
/// bytes (what joining a dimension can add to it at most).
fn staged_values_of(staged: &StagedTable, columns: &[&[u32]]) -> (u64, u64) {
    let mut seen = vec![false; staged.dict.len()];
    let (mut values, mut bytes) = (0u64, 0u64);
    for keys in columns {
        for &key in keys.iter() {
            if let Some(seen) = seen.get_mut(key as usize) {
                if !*seen {
                    *seen = true;
                    values += 1;
                    bytes += staged.dict.value(key).len() as u64;
                }
            }
        }
    }
    (values, bytes)
}

/// Bytes per rejected row copied into the report (the row's place and its reason).
const PER_REJECTED_ROW: u64 = 160;

/// One column vector of a table: its length, capacity and element size, and the bytes
/// of the `u32` copy a narrow key column makes if it may widen.
struct ColumnSize {
    len: u64,
    capacity: u64,
    element: u64,
    widen: u64,
}

impl ColumnSize {
    fn of<T>(column: &Vec<T>) -> Self {
        ColumnSize {
            len: column.len() as u64,
            capacity: column.capacity() as u64,
            element: std::mem::size_of::<T>() as u64,
            widen: 0,
        }
    }

    /// A key column fed by `dict`. When the dictionary could pass the narrow keys'
    /// range with the file's `distinct` values (and a few derived ones: a channel named
    /// in a campaign name, `Unknown`), the column is counted as `u32` keys, plus the
    /// `u32` copy of its present capacity that widening makes.
    fn of_keys(column: &KeyColumn, dict: &Dictionary, distinct: u64) -> Self {
        let may_widen = !column.is_wide()
            && (dict.len() as u64)
                .saturating_add(distinct)
                .saturating_add(64)
                > u64::from(NARROW_MAX);
        let capacity = column.capacity() as u64;
        ColumnSize {
            len: column.len() as u64,
            capacity,
            element: if may_widen { 4 } else { column.width() as u64 },
            widen: if may_widen { capacity * 4 } else { 0 },
        }
    }

    /// What appending `rows` allocates: growing by doubling (what `push` does; `reserve`
    /// ends no higher) from the capacity to one that holds them, counted with the last
    /// smaller buffer, alive while it is copied. Nothing when they fit.
    fn growth(&self, rows: u64) -> u64 {
        let needed = self.len.saturating_add(rows);
        if needed <= self.capacity {
            return self.widen;
        }
        let mut grown = self.capacity.max(4);
        while grown < needed {
            grown = grown.saturating_mul(2);
        }
        (grown - self.capacity + grown / 2)
            .saturating_mul(self.element)
            .saturating_add(self.widen)
    }
}

/// Slots a hash table holding `items` has (a key index or a dictionary's intern table:
/// an [`IdTable`]).
fn hash_slots(items: u64) -> u64 {
    IdTable::slots_for(usize::try_from(items).unwrap_or(usize::MAX)) as u64
}

/// What adding `items` entries allocates in a hash table ([`IdTable`]) holding `len`
/// now: the new slots when it must grow (the old ones are freed only after the move,
/// and are already counted as live), else nothing.
fn pow2_growth(len: u64, items: u64) -> u64 {
    let (now, after) = (hash_slots(len), hash_slots(len.saturating_add(items)));
    if after > now {
        after.saturating_mul(idtable::SLOT_BYTES)
    } else {
        0
    }
}

/// A conservative estimate of the heap bytes committing `staged` into `star` allocates
/// at its peak, checked against the budget before the commit starts:
///
/// - every column of the table, its extra columns included, grows by doubling from its
///   present capacity until it holds every staged row as a new row (replacements would
///   add nothing), counted with the last old buffer, alive while it is copied; an extra
///   column the table does not have yet is first filled for the rows it has; a narrow
///   key column whose dictionary could outgrow `u16` keys with this file's values is
///   counted at `u32` keys, plus the `u32` copy widening makes;
/// - the key index grows to the next power of two of slots that holds them;
/// - the staged text decoded (moved for UTF-8; three times its bytes for Windows-1252),
///   plus [`PER_DISTINCT_VALUE`] per staged value for the commit's key caches;
/// - each dimension the table feeds (tenants, campaigns, regions, ..., extra values):
///   the distinct staged values of the columns feeding it may join it; its text arena
///   and end offsets may double as they do, so twice what they will hold, and its intern
///   table grows to the next power of two of slots;
/// - the rejected rows copied into the report, a list of the live rows, and the
///   dimension keys of the two columns interned in a batch, per live row.
///
/// Rows replaced in place, values already in a dimension and unused capacity make the
/// real figure lower: measured (`tests/limits/memory_budget.rs`), commits took a third to a
/// quarter of the estimate, and a small file added to a larger warehouse a tenth (its
/// dimensions' possible doubling dominates). Refusing too early is the price of never
/// running the browser's memory out.
pub fn commit_estimate(star: &StarSchema, staged: &StagedTable) -> u64 {
    let table = staged.table;
    let rows = staged.loaded_rows() as u64;
    let distinct = staged.dict.len() as u64;
    let d = &star.dims;
    // The columns and dimensions come from the table's declaration (`star_table!`).
    let (len, stored, extras) = star.stored(table);
    let dict_of = |column: &StoredColumn<'_>| column.feeds.and_then(|feeds| d.dict(feeds.dim));
    let columns: Vec<ColumnSize> = stored
        .iter()
        .map(|column| match column.values {
            Values::Keys(keys) => ColumnSize::of_keys(
                keys,
                dict_of(column).expect("a key column points into a dimension"),
                distinct,
            ),
            Values::U32(v) => ColumnSize::of(v),
            Values::I64(v) => ColumnSize::of(v),
            Values::Days(v) => ColumnSize::of(v),
            Values::U16(v) => ColumnSize::of(v),
            Values::U8(v) => ColumnSize::of(v),
        })
        .collect();
    let dims: Vec<(&Dictionary, Column)> = stored
        .iter()
        .filter_map(|column| Some((dict_of(column)?, column.feeds?.column)))
        .collect();
    let len = len as u64;
    let word = std::mem::size_of::<usize>() as u64;
    let fact_columns: u64 = columns
        .iter()
        .chain(
            extras
                .columns
                .iter()
                .map(ColumnSize::of)
                .collect::<Vec<_>>()
                .iter(),
        )
        .map(|c| c.growth(rows))
        .fold(0, u64::saturating_add);
    // A new extra column starts as `len` nulls, with that capacity exactly.
    let new_extra = ColumnSize {
        len,
        capacity: len,
        element: 4,
        widen: 0,
    };
    let new_extras = staged
        .extra_names
        .iter()
        .filter(|name| !extras.names.contains(name))
        .map(|_| (len * 4).saturating_add(new_extra.growth(rows)))
        .fold(0, u64::saturating_add);
    let index = pow2_growth(len, rows);
    let text_bytes: u64 = (0..staged.dict.len() as u32)
        .map(|key| staged.dict.value(key).len() as u64)
        .sum();
    // A dimension's text arena and end offsets may each have to double when values join
    // them: a new buffer of up to twice what they will hold. Their capacity is not known
    // here, so this is counted whenever values join (the length of an arena is summed
    // over its values: one pass over each dimension the table feeds). What can join a
    // dimension is the distinct staged values of the columns feeding it.
    let feeds = dims
        .iter()
        .map(|&(dim, column)| (dim, staged_values_of(staged, &[staged.text(column)])))
        .chain(std::iter::once((
            &extras.values,
            staged_values_of(
                staged,
                &staged.extras.iter().map(Vec::as_slice).collect::<Vec<_>>(),
            ),
        )));
    let dimensions: u64 = feeds
        .map(|(dim, (joining, joining_bytes))| {
            if joining == 0 {
                return 0;
            }
            let values = dim.len() as u64;
            let text = dim.parts().0.len() as u64;
            let arenas = (text.saturating_add(joining_bytes))
                .saturating_add(values.saturating_add(joining).saturating_mul(word));
            arenas
                .saturating_mul(2)
                .saturating_add(pow2_growth(values, joining))
        })
        .fold(0, u64::saturating_add);
    // Decoding moves a UTF-8 file's text; Windows-1252 text is decoded into a new arena
    // of up to twice its bytes (every byte above 0x7F takes two or three in UTF-8).
    let decoded = match staged.encoding {
        TextEncoding::Utf8 => 0,
        TextEncoding::Windows1252 => text_bytes.saturating_mul(3),
    };
    let text = decoded.saturating_add(distinct.saturating_mul(PER_DISTINCT_VALUE));
    let report = (staged.rejected.len() as u64).saturating_mul(PER_REJECTED_ROW);
    // The list of live rows, and the keys of the two columns interned as a batch
    // (campaign or customer id and name, `Remap::keys_of_rows`).
    let live_list = (staged.rows.len() as u64).saturating_mul(word + 2 * 4);
    // While a file commits in parts (`Warehouse::push`), every row of the table before
    // the file that it replaces is noted for a roll-back: its place, its values (at most
    // eight bytes a column) and its extra keys, in a list that grows by doubling.
    let journal = if star.journal_open() {
        rows.min(len)
            .saturating_mul((word + 8 * stored.len() as u64 + 4 * extras.columns.len() as u64) * 2)
    } else {
        0
    };
    [
        fact_columns,
        new_extras,
        index,
        journal,
        text,
        dimensions,
        report,
        live_list,
    ]
    .into_iter()
    .fold(0, u64::saturating_add)
}

/// The pivot, the charts and the view read the warehouse through the query layer's
/// [`QuerySource`]: each method is the warehouse's own.
impl QuerySource for Warehouse {
    fn star(&self) -> &StarSchema {
        Warehouse::star(self)
    }

    fn version(&self) -> u64 {
        Warehouse::version(self)
    }

    fn tenants(&self) -> Vec<&str> {
        Warehouse::tenants(self)
    }

    fn dashboard(
        &self,
        dashboard: Dashboard,
        query: &Query,
    ) -> Result<DashboardResult<'_>, QueryError> {
        Warehouse::dashboard(self, dashboard, query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &[u8] = b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
                         t,c1,2024-11-01,100,10,1,1.00,2.00\nt,c2,2024-11-01,100,10,1,1.00,2.00\n\
                         t,c1,2024-11-01,100,10,1,5.00,6.00\n";

    #[test]
    fn same_bytes_reload_is_a_no_op_naming_the_earlier_file() {
        let mut w = Warehouse::new();
        let first = w.load("a.csv", CSV);
        assert_eq!((first[0].rows_loaded, first[0].rows_replaced), (3, 1));
        assert_eq!(w.star().campaigns.len(), 2);
        let again = w.load("renamed.csv", CSV);
        assert_eq!(again[0].unchanged_from.as_deref(), Some("a.csv"));
        assert_eq!(again[0].table, Some("fact_campaigns"));
        assert_eq!((again[0].rows_read, again[0].rows_loaded), (0, 0));
        assert_eq!(w.star().campaigns.len(), 2);
    }

    #[test]
    fn later_rows_replace_earlier_ones_across_files() {
        let mut w = Warehouse::new();
        w.load("a.csv", CSV);
        let r = w.load(
            "b.csv",
            b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\nt,c2,2024-11-01,100,10,1,9.00,9.00\nt,c2,2024-11-01,-1,10,1,9.00,9.00\n",
        );
        assert_eq!(
            (r[0].rows_loaded, r[0].rows_replaced, r[0].rows_rejected),
            (1, 1, 1)
        );
        assert_eq!(w.star().campaigns.spend, vec![5_000_000, 9_000_000]);
    }

    #[test]
    fn an_unreadable_file_reports_an_error_and_keeps_the_data() {
        let mut w = Warehouse::new();
        w.load("a.csv", CSV);
        let r = w.load("junk.bin", b"\x00\x01 no header here \x81\xff");
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].table, None);
        assert!(r[0].error.is_some());
        assert_eq!(w.star().campaigns.len(), 2);
        assert_eq!(w.tenants(), vec!["t"]);
    }
}
