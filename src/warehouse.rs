//! The warehouse: files in, load reports and dashboards out. The one entry point the CLI
//! and the web binding use.

use crate::ingest::{Fingerprint, IngestStream, Ingested};
use crate::model::star::StarSchema;
use crate::query::dashboards::{self, Ranks};
use crate::query::result::DashboardResult;
use crate::query::{Dashboard, Query, QueryError, Scope};
use crate::report::LoadReport;
use std::sync::OnceLock;

/// A file loaded earlier: its bytes' fingerprint and what it fed.
#[derive(Debug, Clone)]
struct LoadedFile {
    fingerprint: Fingerprint,
    file: String,
    tables: Vec<(Option<&'static str>, Option<Vec<String>>)>,
}

/// Orderings derived from the current data, computed on first use after each load.
#[derive(Debug, Default)]
struct Cache {
    ranks: OnceLock<Ranks>,
    performance_order: OnceLock<Vec<u32>>,
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
#[derive(Debug, Default)]
pub struct Warehouse {
    star: StarSchema,
    loaded: Vec<LoadedFile>,
    cache: Cache,
}

impl Warehouse {
    /// An empty warehouse.
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads one file from its bytes: one report per table the file fed (one report
    /// with an `error` when it could not be read).
    pub fn load(&mut self, file: &str, bytes: &[u8]) -> Vec<LoadReport> {
        let mut stream = IngestStream::new(file);
        stream.push(bytes);
        self.commit(stream.finish())
    }

    /// Adds what a finished [`IngestStream`] read. A file whose bytes equal an earlier
    /// file's is a no-op naming it in `unchanged_from`.
    pub fn commit(&mut self, ingested: Ingested) -> Vec<LoadReport> {
        if let Some(earlier) = self
            .loaded
            .iter()
            .find(|l| l.fingerprint == ingested.fingerprint)
        {
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
            Ok(staged) => staged,
            Err(error) => return vec![LoadReport::failed(&ingested.file, error.to_string())],
        };
        let mut reports = Vec::with_capacity(staged.len());
        for table in &staged {
            let mut report = LoadReport::new(&ingested.file, Some(table.table.name()));
            self.star.commit(table, &mut report);
            reports.push(report);
        }
        self.cache = Cache::default();
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

    /// The star schema, read-only.
    pub fn star(&self) -> &StarSchema {
        &self.star
    }

    fn ranks(&self) -> &Ranks {
        self.cache.ranks.get_or_init(|| Ranks::build(&self.star))
    }

    /// Every tenant id in any table, in byte order.
    pub fn tenants(&self) -> Vec<&str> {
        let mut tenants: Vec<&str> = self.star.dims.tenant.values().collect();
        tenants.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        tenants
    }

    /// Runs one dashboard under the query's tenant scope and filters.
    pub fn dashboard(
        &self,
        dashboard: Dashboard,
        query: &Query,
    ) -> Result<DashboardResult<'_>, QueryError> {
        let scope = Scope::new(&self.star, query)?;
        let ranks = self.ranks();
        let paged = query.offset.is_some() || query.limit.is_some();
        let offset = query.offset.unwrap_or(0);
        let mut result = match dashboard {
            Dashboard::CampaignSummary => dashboards::campaign_summary(&scope, ranks),
            Dashboard::DailyPerformance => dashboards::daily_performance(&scope, ranks),
            Dashboard::ConversionFunnel => dashboards::conversion_funnel(&scope, ranks),
            Dashboard::CampaignPerformance => {
                let order = self
                    .cache
                    .performance_order
                    .get_or_init(|| dashboards::performance_order(&self.star, ranks));
                let mut result =
                    dashboards::campaign_performance(&scope, order, offset, query.limit);
                if !paged {
                    result.total_rows = None;
                }
                return Ok(result);
            }
            Dashboard::ChannelMix => dashboards::channel_mix(&scope, ranks),
            Dashboard::TargetVsActual => dashboards::target_vs_actual(&scope, ranks),
            Dashboard::CustomerSummary => dashboards::customer_summary(&scope, ranks),
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
        Ok(result)
    }

    /// Every dashboard, in the contract's order.
    pub fn dashboards(
        &self,
        query: &Query,
    ) -> Result<Vec<(Dashboard, DashboardResult<'_>)>, QueryError> {
        Dashboard::ALL
            .into_iter()
            .map(|d| self.dashboard(d, query).map(|r| (d, r)))
            .collect()
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
