//! A SQL result kept for showing: its rows ordered by one of its columns and a page of
//! them at a time, as the page's SQL tab shows a statement's result (the sort buttons on
//! its headers, its pager).
//!
//! ```text
//!  Rows {columns, rows} ──KeptRows::new (owned)──> KeptRows
//!                                                   │ page(ResultPage {offset, limit, sort, descending})
//!                                                   ▼
//!            order_by_column (SQLite's ORDER BY, stable; kept for the next page)
//!                                                   ▼
//!                                 rows order[offset .. offset + limit]
//! ```
//!
//! The order is SQLite's for `ORDER BY column [DESC]` ([`total_cmp`]): NULLs first
//! ascending and last descending, numbers by value, then text by bytes (dates as their
//! `YYYY-MM-DD` text). Rows that tie keep the order the statement gave them, whichever
//! the direction; each sort starts from that order, not from the previous sort's.
//!
//! ```
//! use bi_platform::sql::{page::{KeptRows, ResultPage}, Rows, Val};
//! let rows = Rows {
//!     columns: vec!["id".into(), "x".into()],
//!     rows: vec![
//!         vec![Val::Int(1), Val::Int(2)],
//!         vec![Val::Int(2), Val::Null],
//!         vec![Val::Int(3), Val::Int(1)],
//!     ],
//! };
//! let mut kept = KeptRows::new(rows);
//! let page = ResultPage { sort: Some(1), limit: Some(2), ..ResultPage::default() };
//! let ids: Vec<_> = kept.page(&page).unwrap().iter().map(|r| r[0].clone()).collect();
//! assert_eq!(ids, [Val::Int(2), Val::Int(3)]); // NULL first, then 1
//! ```

use super::value::total_cmp;
use super::{Rows, SqlError, Val};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::rc::Rc;

/// Which rows of a kept result to show: ordered by column `sort` (an index into the
/// result's columns; `None`: the statement's own order), descending when `descending`,
/// then the rows `offset..offset + limit` (`limit` `None`: to the end).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResultPage {
    pub offset: usize,
    pub limit: Option<usize>,
    pub sort: Option<usize>,
    pub descending: bool,
}

/// The order of `rows` by their cell `column` under SQLite's `ORDER BY` ([`total_cmp`];
/// `descending` reverses it, so NULLs come last), stable: the indices of the rows,
/// ties in their order in `rows`. A row without that cell sorts as NULL.
pub fn order_by_column(rows: &[Vec<Val<'_>>], column: usize, descending: bool) -> Vec<u32> {
    let mut order: Vec<u32> = (0..rows.len() as u32).collect();
    let null = Val::Null;
    let cell = |row: u32| rows[row as usize].get(column).unwrap_or(&null);
    // `sort_by` is stable; reversing the comparison (not the sorted list) keeps ties in
    // their first order when descending too.
    if descending {
        order.sort_by(|&a, &b| total_cmp(cell(b), cell(a)));
    } else {
        order.sort_by(|&a, &b| total_cmp(cell(a), cell(b)));
    }
    order
}

/// The range `offset..offset + limit` of a list of `len`, cut to the list.
pub fn page_range(len: usize, offset: usize, limit: Option<usize>) -> std::ops::Range<usize> {
    let start = offset.min(len);
    let end = limit.map_or(len, |n| start.saturating_add(n).min(len));
    start..end
}

/// A statement's result held for showing a page at a time: its rows owned (text read
/// from the warehouse is copied once per distinct string, so the result outlives a
/// change of the data), and the last order asked, so paging through a sorted result
/// sorts it once.
#[derive(Debug, Clone)]
pub struct KeptRows {
    rows: Rows<'static>,
    /// The last sort: `(column, descending, row indices in that order)`.
    order: Option<(usize, bool, Vec<u32>)>,
}

impl KeptRows {
    /// Keeps `rows`.
    pub fn new(rows: Rows<'_>) -> Self {
        KeptRows {
            rows: owned(rows),
            order: None,
        }
    }

    /// The result as the statement gave it.
    pub fn rows(&self) -> &Rows<'static> {
        &self.rows
    }

    /// How many rows the result has.
    pub fn len(&self) -> usize {
        self.rows.rows.len()
    }

    /// Whether the result has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.rows.is_empty()
    }

    /// The rows `page` asks for (see [`ResultPage`]); an error for a column the result
    /// does not have.
    pub fn page(&mut self, page: &ResultPage) -> Result<Vec<Vec<Val<'static>>>, SqlError> {
        let range = page_range(self.len(), page.offset, page.limit);
        let Some(column) = page.sort else {
            return Ok(self.rows.rows[range].to_vec());
        };
        let width = self.rows.columns.len();
        if column >= width {
            return Err(SqlError::new(format!(
                "cannot sort by column {}: the result has {width} column{}",
                column + 1,
                if width == 1 { "" } else { "s" }
            )));
        }
        let rows = &self.rows.rows;
        let (_, _, order) = match &mut self.order {
            Some(kept) if kept.0 == column && kept.1 == page.descending => kept,
            slot => slot.insert((
                column,
                page.descending,
                order_by_column(rows, column, page.descending),
            )),
        };
        Ok(order[range]
            .iter()
            .map(|&row| rows[row as usize].clone())
            .collect())
    }
}

/// A result that borrows nothing: text borrowed from the warehouse becomes computed
/// text, each distinct string (by where it lies) made once and shared.
fn owned(rows: Rows<'_>) -> Rows<'static> {
    let Rows { columns, rows } = rows;
    let mut texts: HashMap<(usize, usize), Rc<str>> = HashMap::new();
    let rows = rows
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|value| match value {
                    Val::Null => Val::Null,
                    Val::Int(i) => Val::Int(i),
                    Val::Real(f) => Val::Real(f),
                    Val::Money(m) => Val::Money(m),
                    Val::Date(d) => Val::Date(d),
                    Val::String(s) => Val::String(s),
                    Val::Str(s) => Val::String(
                        texts
                            .entry((s.as_ptr() as usize, s.len()))
                            .or_insert_with(|| Rc::from(s))
                            .clone(),
                    ),
                })
                .collect()
        })
        .collect();
    Rows { columns, rows }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::date::day_from_ymd;

    /// One column of values, a row each.
    fn column(values: Vec<Val<'static>>) -> Vec<Vec<Val<'static>>> {
        values.into_iter().map(|v| vec![v]).collect()
    }

    fn sorted(values: Vec<Val<'static>>, descending: bool) -> Vec<Val<'static>> {
        let rows = column(values);
        order_by_column(&rows, 0, descending)
            .into_iter()
            .map(|i| rows[i as usize][0].clone())
            .collect()
    }

    #[test]
    fn nulls_come_first_ascending_and_last_descending() {
        let values = vec![Val::Int(2), Val::Null, Val::Int(1), Val::Null];
        assert_eq!(
            sorted(values.clone(), false),
            [Val::Null, Val::Null, Val::Int(1), Val::Int(2)]
        );
        assert_eq!(
            sorted(values, true),
            [Val::Int(2), Val::Int(1), Val::Null, Val::Null]
        );
    }

    #[test]
    fn numbers_by_value_then_text_by_bytes() {
        let day = Val::Date(day_from_ymd(2024, 11, 2).unwrap());
        let values = vec![
            Val::text("a"),
            Val::Int(10),
            Val::text("B"),
            Val::Real(1.5),
            Val::Money(2_000_000),
            Val::Str("10"),
            Val::text("9"),
            day.clone(),
            Val::Str("2024-11-10"),
            Val::Int(-3),
        ];
        assert_eq!(
            sorted(values, false),
            [
                Val::Int(-3),
                Val::Real(1.5),
                Val::Money(2_000_000),
                Val::Int(10),
                // Text after every number, by bytes: digits, then upper case, then lower.
                Val::Str("10"),
                day,
                Val::Str("2024-11-10"),
                Val::text("9"),
                Val::text("B"),
                Val::text("a"),
            ]
        );
    }

    #[test]
    fn ties_keep_the_statements_order_either_way() {
        // (key, position in the statement's result)
        let rows: Vec<Vec<Val<'static>>> = [(1, 0), (0, 1), (1, 2), (0, 3), (1, 4)]
            .iter()
            .map(|&(k, i)| vec![Val::Int(k), Val::Int(i)])
            .collect();
        let rows_with_null = {
            let mut r = rows.clone();
            r.insert(2, vec![Val::Null, Val::Int(9)]);
            r.push(vec![Val::Null, Val::Int(10)]);
            r
        };
        assert_eq!(order_by_column(&rows, 0, false), [1, 3, 0, 2, 4]);
        assert_eq!(order_by_column(&rows, 0, true), [0, 2, 4, 1, 3]);
        // NULLs tie with each other too.
        assert_eq!(
            order_by_column(&rows_with_null, 0, false),
            [2, 6, 1, 4, 0, 3, 5]
        );
        assert_eq!(
            order_by_column(&rows_with_null, 0, true),
            [0, 3, 5, 1, 4, 2, 6]
        );
        // 1, 1.0 and money 1.00 are equal values: a tie.
        let equal = column(vec![Val::Money(1_000_000), Val::Real(1.0), Val::Int(1)]);
        assert_eq!(order_by_column(&equal, 0, false), [0, 1, 2]);
        assert_eq!(order_by_column(&equal, 0, true), [0, 1, 2]);
    }

    #[test]
    fn pages_cut_to_the_result() {
        assert_eq!(page_range(250, 0, Some(100)), 0..100);
        assert_eq!(page_range(250, 200, Some(100)), 200..250);
        assert_eq!(page_range(250, 300, Some(100)), 250..250);
        assert_eq!(page_range(250, 10, None), 10..250);
        assert_eq!(page_range(0, 0, Some(100)), 0..0);
        assert_eq!(page_range(5, 1, Some(usize::MAX)), 1..5);
    }

    fn kept() -> KeptRows {
        KeptRows::new(Rows {
            columns: vec!["name".into(), "n".into()],
            rows: vec![
                vec![Val::Str("b"), Val::Int(2)],
                vec![Val::Str("a"), Val::Null],
                vec![Val::Str("c"), Val::Int(2)],
                vec![Val::Str("a"), Val::Int(1)],
            ],
        })
    }

    fn names(rows: &[Vec<Val<'static>>]) -> Vec<String> {
        rows.iter()
            .map(|r| r[0].to_text().unwrap().into())
            .collect()
    }

    #[test]
    fn a_kept_result_pages_in_the_order_asked() {
        let mut kept = kept();
        assert_eq!(kept.len(), 4);
        let page = |offset, limit, sort, descending| ResultPage {
            offset,
            limit,
            sort,
            descending,
        };
        let all = kept.page(&page(0, None, None, false)).unwrap();
        assert_eq!(names(&all), ["b", "a", "c", "a"]);
        assert_eq!(
            names(&kept.page(&page(0, Some(2), Some(1), false)).unwrap()),
            ["a", "a"]
        );
        assert_eq!(
            names(&kept.page(&page(2, Some(2), Some(1), false)).unwrap()),
            ["b", "c"]
        );
        assert_eq!(
            names(&kept.page(&page(0, None, Some(1), true)).unwrap()),
            ["b", "c", "a", "a"]
        );
        // A sort by another column starts from the statement's order, not the last sort.
        let by_name = kept.page(&page(0, None, Some(0), true)).unwrap();
        assert_eq!(names(&by_name), ["c", "b", "a", "a"]);
        assert_eq!(by_name[2][1], Val::Null);
        assert_eq!(by_name[3][1], Val::Int(1));
        // The statement's own order is still there.
        assert_eq!(kept.page(&page(0, None, None, false)).unwrap(), all);
        let error = kept.page(&page(0, None, Some(2), false)).unwrap_err();
        assert_eq!(
            error.message,
            "cannot sort by column 3: the result has 2 columns"
        );
    }

    #[test]
    fn kept_text_borrows_nothing_and_is_made_once_per_string() {
        let text = String::from("North");
        let rows = Rows {
            columns: vec!["region".into()],
            rows: vec![vec![Val::Str(&text)], vec![Val::Str(&text)]],
        };
        let kept = KeptRows::new(rows);
        drop(text);
        let rows = &kept.rows().rows;
        match (&rows[0][0], &rows[1][0]) {
            (Val::String(a), Val::String(b)) => {
                assert_eq!(&**a, "North");
                assert!(Rc::ptr_eq(a, b));
            }
            other => panic!("not computed text: {other:?}"),
        }
    }

    /// SQLite itself orders the same values the same way (`ORDER BY x, rowid`: ties in
    /// insertion order).
    #[test]
    fn the_order_is_sqlites() {
        let values = [
            Val::Null,
            Val::Int(3),
            Val::text("b"),
            Val::Real(2.5),
            Val::Null,
            Val::text("B"),
            Val::Int(3),
            Val::Real(-1.0),
            Val::text("ab"),
            Val::text("a"),
            Val::Int(0),
            Val::text("3"),
        ];
        let db = rusqlite::Connection::open_in_memory().unwrap();
        db.execute_batch("CREATE TABLE t (x)").unwrap();
        for v in &values {
            let sql = match v {
                Val::Null => rusqlite::types::Value::Null,
                Val::Int(i) => rusqlite::types::Value::Integer(*i),
                Val::Real(f) => rusqlite::types::Value::Real(*f),
                other => rusqlite::types::Value::Text(other.to_text().unwrap().into()),
            };
            db.execute("INSERT INTO t (x) VALUES (?1)", [sql]).unwrap();
        }
        let rows = column(values.to_vec());
        for (descending, direction) in [(false, "ASC"), (true, "DESC")] {
            let mut statement = db
                .prepare(&format!(
                    "SELECT rowid - 1 FROM t ORDER BY x {direction}, rowid"
                ))
                .unwrap();
            let sqlite: Vec<u32> = statement
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert_eq!(order_by_column(&rows, 0, descending), sqlite, "{direction}");
        }
    }
}
