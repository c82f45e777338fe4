//! CSV export of dashboard results, SQL results, pivots and rejected rows, safe to open
//! in a spreadsheet.
//!
//! A cell a spreadsheet would run as a formula (text starting with `=`, `+`, `-`, `@`,
//! a tab or a carriage return) is prefixed with `'`, following OWASP's advice on CSV
//! injection. Numbers are never touched: a negative profit stays `-12.50`, because only
//! text values (never [`Value::Int`], [`Value::Money`] or [`Value::Float`]) are
//! neutralised. Fields holding a delimiter, a quote or a line break are quoted.
//!
//! ```
//! use bi_platform::export::csv_field;
//! assert_eq!(csv_field("=HYPERLINK(\"x\")", true), "\"'=HYPERLINK(\"\"x\"\")\"");
//! assert_eq!(csv_field("-12.50", false), "-12.50");
//! ```

use crate::pivot::{HeaderKind, PivotResult};
use crate::query::result::{DashboardResult, Value};
use crate::report::LoadReport;
use crate::sql::Rows;

/// One CSV field: neutralised when it is text that a spreadsheet would evaluate, then
/// quoted when needed.
pub fn csv_field(value: &str, is_text: bool) -> String {
    let risky = is_text && value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let value = if risky {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn push_line<'a>(out: &mut String, fields: impl Iterator<Item = (&'a str, bool)>) {
    let mut first = true;
    for (field, is_text) in fields {
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(&csv_field(field, is_text));
    }
    out.push_str("\r\n");
}

/// A dashboard result as CSV: a header line, then one line per row (values as
/// [`Value::to_plain_string`] writes them; nulls empty).
///
/// ```
/// use bi_platform::{export, Dashboard, Query, Warehouse};
/// let mut w = Warehouse::new();
/// w.load("c.csv", b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
///                  =cmd,c1,2024-11-01,100,10,1,5.00,2.00\n");
/// let result = w.dashboard(Dashboard::CampaignSummary, &Query::default()).unwrap();
/// let csv = export::dashboard_csv(&result);
/// assert!(csv.starts_with("tenant_id,campaigns,"));
/// assert!(csv.contains("'=cmd,1,"));
/// assert!(csv.contains(",-3.00,"));
/// ```
pub fn dashboard_csv(result: &DashboardResult<'_>) -> String {
    let mut out = String::with_capacity(64 * (result.rows.len() + 1));
    push_line(&mut out, result.columns.iter().map(|c| (c.name, false)));
    for row in &result.rows {
        let cells: Vec<(String, bool)> = row
            .iter()
            .map(|v| (v.to_plain_string(), matches!(v, Value::Text(_))))
            .collect();
        push_line(&mut out, cells.iter().map(|(s, t)| (s.as_str(), *t)));
    }
    out
}

/// A SQL result as CSV: a header line, then one line per row, each value as SQLite
/// writes it as text (`CAST(x AS TEXT)`; NULL empty). Text values are neutralised.
///
/// ```
/// use bi_platform::{export, sql::{Rows, Val}};
/// let rows = Rows { columns: vec!["name".into(), "n".into()],
///                   rows: vec![vec![Val::text("=cmd"), Val::Int(-3)], vec![Val::Null, Val::real(1.5)]] };
/// assert_eq!(export::sql_csv(&rows), "name,n\r\n'=cmd,-3\r\n,1.5\r\n");
/// ```
pub fn sql_csv(result: &Rows<'_>) -> String {
    let mut out = String::with_capacity(64 * (result.rows.len() + 1));
    push_line(&mut out, result.columns.iter().map(|c| (c.as_str(), false)));
    for row in &result.rows {
        let cells: Vec<(String, bool)> = row
            .iter()
            .map(|v| {
                let text = v.to_text().map(|t| t.into_owned()).unwrap_or_default();
                (text, v.as_text().is_some())
            })
            .collect();
        push_line(&mut out, cells.iter().map(|(s, t)| (s.as_str(), *t)));
    }
    out
}

/// Every rejected row of the reports as CSV: `file,table,sheet,line,column,reason`.
pub fn rejects_csv(reports: &[LoadReport]) -> String {
    let mut out = String::new();
    push_line(
        &mut out,
        ["file", "table", "sheet", "line", "column", "reason"]
            .into_iter()
            .map(|c| (c, false)),
    );
    for report in reports {
        for r in &report.rejected {
            let line = r.line.to_string();
            push_line(
                &mut out,
                [
                    (report.file.as_str(), true),
                    (report.table.unwrap_or(""), true),
                    (r.sheet.as_deref().unwrap_or(""), true),
                    (line.as_str(), false),
                    (r.column.as_deref().unwrap_or(""), true),
                    (r.reason.as_str(), true),
                ]
                .into_iter(),
            );
        }
    }
    out
}

/// The pivot (a frontend below the exports) as CSV.
impl PivotResult<'_> {
    /// The pivot as CSV in its layout: one header line per column field plus the
    /// measures' line, then a line per row (subtotal and total rows named so); money
    /// exact, ratios as fractions.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let mut line = |cells: Vec<(String, bool)>| {
            let quoted: Vec<String> = cells.iter().map(|(c, text)| csv_field(c, *text)).collect();
            out.push_str(&quoted.join(","));
            out.push_str("\r\n");
        };
        let blank = |n: usize| vec![(String::new(), true); n];
        let r = self.row_fields.len().max(1);
        for (level, field) in self.column_fields.iter().enumerate() {
            let mut cells = blank(r - 1);
            cells.push((field.label.clone(), true));
            for c in &self.columns {
                cells.push(match (c.header.kind, &c.header.labels[level]) {
                    (HeaderKind::Total, _) if level == 0 => ("Total".into(), true),
                    (HeaderKind::Subtotal, _) if level == c.header.level => {
                        ("Subtotal".into(), true)
                    }
                    (_, v) => (v.to_plain_string(), v.is_text()),
                });
            }
            line(cells);
        }
        let mut cells: Vec<(String, bool)> = if self.row_fields.is_empty() {
            blank(1)
        } else {
            self.row_fields
                .iter()
                .map(|f| (f.label.clone(), true))
                .collect()
        };
        for c in &self.columns {
            cells.push((self.measures[c.measure].label.clone(), true));
        }
        line(cells);
        for (row, values) in self.rows.iter().zip(&self.cells) {
            let mut cells: Vec<(String, bool)> = (0..r)
                .map(|i| match (row.kind, row.labels.get(i)) {
                    (HeaderKind::Total, _) if i == 0 => ("Total".into(), true),
                    (HeaderKind::Subtotal, _) if i == row.level => ("Subtotal".into(), true),
                    (_, Some(v)) => (v.to_plain_string(), v.is_text()),
                    _ => (String::new(), true),
                })
                .collect();
            cells.extend(values.iter().map(|v| (v.to_plain_string(), false)));
            line(cells);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dashboard, Query, Warehouse};

    #[test]
    fn formula_cells_are_neutralised_and_numbers_kept() {
        for risky in ["=1+1", "+1", "-1+A1", "@SUM(A1)", "\tx", "\rx"] {
            let out = csv_field(risky, true);
            assert!(
                out.trim_start_matches('"').starts_with('\''),
                "{risky:?} -> {out:?}"
            );
        }
        assert_eq!(csv_field("-5", false), "-5");
        assert_eq!(csv_field("plain", true), "plain");
        assert_eq!(csv_field("a,b", true), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\"", true), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn negative_money_survives_export() {
        let mut w = Warehouse::new();
        w.load(
            "c.csv",
            b"tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue\n\
              t,c1,\"@evil, name\",2024-11-01,100,10,1,5.00,2.00\n",
        );
        let r = w
            .dashboard(Dashboard::CampaignPerformance, &Query::default())
            .unwrap();
        let csv = dashboard_csv(&r);
        let line = csv.lines().nth(1).unwrap();
        assert!(line.contains("\"'@evil, name\""), "{line}");
        let summary = dashboard_csv(
            &w.dashboard(Dashboard::CampaignSummary, &Query::default())
                .unwrap(),
        );
        assert!(
            summary.lines().nth(1).unwrap().contains(",-3.00,"),
            "{summary}"
        );
    }

    #[test]
    fn rejects_list_file_line_column_and_reason() {
        let mut w = Warehouse::new();
        let reports = w.load(
            "bad.csv",
            b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
              t,c1,2024-11-01,100,500,1,5.00,2.00\n",
        );
        let csv = rejects_csv(&reports);
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some("file,table,sheet,line,column,reason"));
        let row = lines.next().unwrap();
        assert!(
            row.starts_with("bad.csv,fact_campaigns,,2,clicks,"),
            "{row}"
        );
    }
}
